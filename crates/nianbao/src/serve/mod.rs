//! `nianbao serve`: the local web page and the HTTP API, served by the same binary.
//!
//! Every endpoint runs the commands' own code: `POST /api/check` answers the JSON of
//! `check --json` (`commands::json_document`), `POST /api/build` the DOCX (or a zip with the
//! XLSX) made by `nianbao_pipeline::render_docx`/`render_xlsx`, `POST /api/batch` a zip of what
//! `batch::run_batch` wrote into the request's temporary folder. Uploads are read within the
//! limits ([`upload`]), the work runs on tokio's blocking pool behind a semaphore (a panic there
//! is a 500 answer, not a dead server), and nothing uploaded is ever printed.
//!
//! Listening on 127.0.0.1 (the default), only requests naming the loopback host are answered, so
//! a web page elsewhere cannot reach the server through DNS rebinding. Listening on another
//! address needs `--token`, and then every request must carry it (`X-Nianbao-Token` header,
//! `Authorization: Bearer`, or `?token=` for the page itself).

mod page;
pub mod upload;

use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Args;
use futures_util::FutureExt;
use nianbao_model::format::{CellRole, Slot};
use nianbao_model::validate::has_errors;
use nianbao_pipeline::{MemoryUnit, OverrideOrigin, Overrides, check_unit};
use serde_json::{Value, json};

use crate::commands::{Context, json_document};
use crate::output::{error_text, output_file_name};
use upload::{Form, Limits};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// 端口（默认 8017；0 表示由系统选择空闲端口）
    #[arg(long, default_value_t = 8017, value_name = "端口")]
    port: u16,
    /// 启动后用默认浏览器打开页面
    #[arg(long)]
    open: bool,
    /// 监听的地址（默认 127.0.0.1，只有本机可以访问；其他地址须同时给出 --token）
    #[arg(long, value_name = "地址")]
    listen: Option<IpAddr>,
    /// 访问令牌：给出后每个请求都须带上（监听其他地址时必需）
    #[arg(long, value_name = "令牌")]
    token: Option<String>,
    /// 每个请求的上传上限（MB，默认 64）
    #[arg(long = "max-upload", default_value_t = 64, value_name = "MB")]
    max_upload_mb: usize,
    /// 每个请求最多的文件数（含压缩包中的文件，默认 2000）
    #[arg(long = "max-files", default_value_t = 2000, value_name = "N")]
    max_files: usize,
}

/// What every request shares.
struct Server {
    ctx: Context,
    token: Option<String>,
    /// The `Host` values answered without a token (loopback only); `None` when a token guards.
    loopback_hosts: Option<Vec<String>>,
    limits: Limits,
    /// At most this many requests read and work at once: memory holds a few uploads, not all.
    work: tokio::sync::Semaphore,
}

/// An error answer: a status and `{ "错误": "…" }`, plus more fields where useful.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub extra: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            extra: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn internal(message: String) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The inputs could be read as a request but not as a report (an unreadable workbook…).
    fn unprocessable(e: &anyhow::Error) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error_text(e))
    }

    /// The same refusal, said of a file inside a zip archive.
    pub fn within(self, zip_name: &str) -> ApiError {
        ApiError {
            message: format!("压缩包“{zip_name}”中：{}", self.message),
            ..self
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "错误": self.message });
        if let (Some(Value::Object(extra)), Value::Object(map)) = (self.extra, &mut body) {
            map.extend(extra);
        }
        (self.status, axum::Json(body)).into_response()
    }
}

/// The longest a request's upload may take: 64 MB at a slow office line's 1 MB/s, with room.
const UPLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

const INTERNAL: &str = "服务器处理该请求时内部出错，未能完成（其他请求不受影响）。请将所用文件提供给维护人员（以 NIANBAO_DEBUG=1 启动可显示详细信息）。";

pub fn serve(ctx: Context, args: ServeArgs) -> Result<u8> {
    let listen = args.listen.unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let token = args.token.clone().filter(|t| !t.is_empty());
    if !listen.is_loopback() && token.is_none() {
        bail!(
            "监听 {listen} 时其他计算机也可以访问，须用 --token 指定访问令牌（如 --token 一段不易猜到的字母和数字）"
        );
    }
    if let Some(t) = &token
        && (t.len() < 8 || !t.chars().all(|c| c.is_ascii_graphic()))
    {
        bail!("访问令牌至少 8 个字符，且只能由字母、数字和英文标点组成");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(16)
        .build()
        .context("无法启动服务")?;
    runtime.block_on(run(ctx, args, listen, token))
}

async fn run(ctx: Context, args: ServeArgs, listen: IpAddr, token: Option<String>) -> Result<u8> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(listen, args.port))
        .await
        .with_context(|| format!("无法在 {listen} 的端口 {} 上启动服务", args.port))?;
    let address = listener.local_addr().context("无法启动服务")?;
    let body_bytes = args.max_upload_mb.max(1).saturating_mul(1024 * 1024);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let loopback_hosts = token.is_none().then(|| {
        let port = address.port();
        vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ]
    });
    let server = Arc::new(Server {
        ctx,
        token: token.clone(),
        loopback_hosts,
        limits: Limits {
            body_bytes,
            files: args.max_files.max(1),
            unpacked_bytes: (body_bytes as u64).saturating_mul(4).max(256 * 1024 * 1024),
        },
        work: tokio::sync::Semaphore::new(cores.max(2)),
    });
    let app = Router::new()
        .route("/", get(page::index))
        .route("/api/formats", get(formats))
        .route("/api/tables", get(tables))
        .route("/api/check", post(check))
        .route("/api/build", post(build))
        .route("/api/batch", post(batch));
    // A route that panics, for the test that a panicking request leaves the server serving.
    let app = if std::env::var_os("NIANBAO_SERVE_TEST_PANIC").is_some() {
        app.route("/api/test-panic", get(test_panic))
    } else {
        app
    };
    let app = app
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        // The body limit is checked by the multipart reader; the guard refuses a declared
        // length over it before reading anything.
        .layer(DefaultBodyLimit::max(body_bytes))
        .layer(middleware::from_fn_with_state(server.clone(), guard))
        .layer(middleware::from_fn(catch_panics))
        .with_state(server);

    let host = match address.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let url = match &token {
        Some(t) => format!("http://{host}:{}/?token={t}", address.port()),
        None => format!("http://{host}:{}/", address.port()),
    };
    // The first line names the address (tests and scripts read the port from it).
    println!("nianbao 服务已启动：{url}");
    if let Some(t) = &token {
        println!("访问令牌：{t}（每个请求都须带上：请求头 X-Nianbao-Token，或网址中的 ?token=）");
    }
    println!("按 Ctrl+C 停止。");
    if args.open {
        open_browser(&url);
    }
    axum::serve(listener, app).await.context("服务意外停止")?;
    Ok(0)
}

/// Opens the page in the default browser; a failure is said, not fatal.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "windows") {
        std::process::Command::new("cmd")
            .args(["/C", "start", ""])
            .arg(url)
            .spawn()
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if opener.is_err() {
        eprintln!("提示：无法自动打开浏览器，请手动打开上面的网址");
    }
}

/// A panic anywhere in a request (outside the blocking work, which has its own) is a 500 answer.
async fn catch_panics(request: Request, next: Next) -> Response {
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => ApiError::internal(INTERNAL.to_string()).into_response(),
    }
}

async fn test_panic() -> Response {
    panic!("test panic")
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "没有这个地址；可用的接口：GET /、GET /api/formats、GET /api/tables、POST /api/check、POST /api/build、POST /api/batch",
    )
}

/// A known address asked with the wrong method (`GET /api/check`): the same Chinese JSON as any
/// other refusal, not an empty 405.
async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "请求方法不对：GET /、GET /api/formats、GET /api/tables 用 GET；POST /api/check、POST /api/build、POST /api/batch 用 POST（multipart/form-data 上传）",
    )
}

/// The token (when one is set), the loopback host (when none is), and a declared body length
/// within the limit, before anything else is done.
async fn guard(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if let Some(token) = &server.token {
        let from_header = headers
            .get("x-nianbao-token")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
            });
        let from_query = request
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("token=")));
        let given = from_header.or(from_query).unwrap_or_default();
        if !same_secret(given.as_bytes(), token.as_bytes()) {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "需要访问令牌：请使用服务启动时显示的网址（含 ?token=），或在请求头 X-Nianbao-Token 中带上令牌",
            )
            .into_response();
        }
    } else if let Some(hosts) = &server.loopback_hosts {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !hosts.contains(&host) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "本服务只接受本机地址（127.0.0.1 或 localhost）的访问",
            )
            .into_response();
        }
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > server.limits.body_bytes as u64) {
        let mut response = upload::too_large(&server.limits).into_response();
        // The body is not read: the connection cannot be used again.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    next.run(request).await
}

/// Compares secrets in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /api/formats`: the formats of the registry, plugins included.
async fn formats(State(server): State<Arc<Server>>) -> Response {
    axum::Json(
        json!({ "formats": server.ctx.registry.formats().iter().map(|f| json!({
        "id": f.id, "name": f.name, "version": f.version, "source": f.source,
    })).collect::<Vec<_>>() }),
    )
    .into_response()
}

#[derive(serde::Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// `GET /api/tables?format=ID`: the three tables of a format as grids, straight from its
/// `TableSpec` layouts, so the page draws the official layout without knowing it.
async fn tables(State(server): State<Arc<Server>>, Query(q): Query<FormatQuery>) -> Response {
    let id = q
        .format
        .unwrap_or_else(|| nianbao_model::NATIONAL_2021.to_string());
    let Some(format) = server.ctx.registry.format(&id) else {
        return unknown_format(&server, &id).into_response();
    };
    let tables: Vec<Value> = format
        .tables
        .iter()
        .map(|table| {
            let rows: Vec<Vec<Value>> = table
                .layout()
                .iter()
                .enumerate()
                .map(|(r, row)| {
                    row.iter()
                        .enumerate()
                        .map(|(c, slot)| match slot {
                            Slot::Text(i) => table.cells.get(*i).map_or(Value::Null, |cell| {
                                json!({
                                    "text": cell.text,
                                    "rowspan": cell.rowspan,
                                    "colspan": cell.colspan,
                                    "role": match cell.role {
                                        CellRole::Label => "label",
                                        CellRole::Header => "header",
                                        CellRole::Group => "group",
                                    },
                                })
                            }),
                            Slot::Value(key) => {
                                let colspan = table
                                    .value_cells()
                                    .iter()
                                    .find(|v| v.r == r && v.c == c)
                                    .map_or(1, |v| v.colspan);
                                json!({
                                    "key": key.to_string(),
                                    "colspan": colspan,
                                    "label": format.value_label(key),
                                })
                            }
                            Slot::Covered => Value::Null,
                            Slot::Empty => {
                                json!({ "text": "", "rowspan": 1, "colspan": 1, "role": "label" })
                            }
                        })
                        .collect()
                })
                .collect();
            json!({
                "id": table.id,
                "name": table.name,
                "title": table.title,
                "col_widths": table.col_widths,
                "header_rows": table.header_rows,
                "rows": rows,
            })
        })
        .collect();
    axum::Json(json!({
        "format": { "id": format.id, "name": format.name, "version": format.version },
        "tables": tables,
    }))
    .into_response()
}

fn unknown_format(server: &Server, id: &str) -> ApiError {
    let known: Vec<String> = server
        .ctx
        .registry
        .formats()
        .into_iter()
        .map(|f| f.id)
        .collect();
    ApiError::bad_request(format!(
        "未找到格式“{id}”。可用的格式：{}",
        known.join("、")
    ))
}

/// Reads the request's form: one request at a time per permit, the multipart body within the
/// limits.
async fn read_request(
    server: &Server,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(tokio::sync::SemaphorePermit<'_>, Form), ApiError> {
    let permit = server
        .work
        .acquire()
        .await
        .map_err(|_| ApiError::internal(INTERNAL.to_string()))?;
    let multipart = multipart.map_err(|_| {
        ApiError::bad_request(
            "请求应为 multipart/form-data 表单：统计表、文稿等文件放在 files 字段中",
        )
    })?;
    // A client that trickles its upload must not hold a permit for ever.
    let form = tokio::time::timeout(UPLOAD_TIMEOUT, upload::read_form(multipart, &server.limits))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "上传超时（5 分钟内未传完），请检查网络后重新上传",
            )
        })??;
    Ok((permit, form))
}

/// Runs `work` on the blocking pool; a panic in it is a 500 answer.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Err(ApiError::internal(INTERNAL.to_string())))
}

/// The unit of a single-report upload, and last year's report when one was given.
fn memory_unit(form: &mut Form) -> Result<MemoryUnit, ApiError> {
    let to_files = |files: Vec<upload::Uploaded>| -> Vec<(String, Vec<u8>)> {
        files
            .into_iter()
            .map(|f| (f.file_name().to_string(), f.bytes))
            .collect()
    };
    let stem = |files: &[upload::Uploaded]| {
        files
            .first()
            .map(|f| {
                let name = std::path::Path::new(f.file_name());
                name.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    let name = stem(&form.files);
    let mut unit = MemoryUnit::from_files(
        &name,
        to_files(std::mem::take(&mut form.files)),
        "上传的文件中",
    )
    .map_err(|e| ApiError::bad_request(error_text(&e)))?;
    if !form.previous.is_empty() {
        let previous_name = stem(&form.previous);
        let previous = MemoryUnit::from_files(
            &previous_name,
            to_files(std::mem::take(&mut form.previous)),
            "作为上年报告上传的文件中",
        )
        .map_err(|e| ApiError::bad_request(error_text(&e)))?;
        unit.previous = Some(Box::new(previous));
    }
    Ok(unit)
}

fn overrides(form: &Form) -> Overrides {
    Overrides {
        org: form.org.clone(),
        year: form.year,
        format: form.format.clone(),
        blank_as_zero: form.blank_as_zero,
        origin: OverrideOrigin::Request,
    }
}

/// `POST /api/check`: the JSON of `check --json`.
async fn check(
    State(server): State<Arc<Server>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (_permit, mut form) = read_request(&server, multipart).await?;
    let unit = memory_unit(&mut form)?;
    let overrides = overrides(&form);
    let worker = server.clone();
    let document = blocking(move || {
        let ctx = &worker.ctx;
        let checked = check_unit(&unit, &overrides, &ctx.registry)
            .map_err(|e| ApiError::unprocessable(&e))?;
        Ok(json_document(
            ctx,
            &checked.format,
            &checked.report,
            &checked.findings,
            &[],
        ))
    })
    .await?;
    Ok(axum::Json(document).into_response())
}

/// The MIME type of an output file.
fn content_type(name: &str) -> &'static str {
    if name.ends_with(".docx") {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    } else if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else if name.ends_with(".json") {
        "application/json"
    } else {
        "application/zip"
    }
}

/// A file as a download: its type and its (Chinese) name, RFC 6266 style.
fn download(name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `POST /api/build`: the DOCX; with `xlsx=1` a zip of the DOCX and the XLSX, with
/// `xlsx=only` the XLSX alone. A report with errors is refused (422, with the check's JSON)
/// unless `allow_errors=1`, as `build` refuses without `--allow-errors`.
async fn build(
    State(server): State<Arc<Server>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (_permit, mut form) = read_request(&server, multipart).await?;
    let unit = memory_unit(&mut form)?;
    let overrides = overrides(&form);
    let xlsx = form.xlsx.clone().unwrap_or_default();
    let (docx_wanted, xlsx_wanted) = match xlsx.as_str() {
        "" | "0" => (true, false),
        "1" | "true" => (true, true),
        "only" => (false, true),
        other => {
            return Err(ApiError::bad_request(format!(
                "字段“xlsx”应为 1（DOCX 和 XLSX 打包为 zip）、only（只要 XLSX）或 0，实为“{other}”"
            )));
        }
    };
    let pdf_wanted = match form.pdf.as_deref() {
        None | Some("" | "0") => Pdf::No,
        Some("1" | "true") => Pdf::Also,
        Some("only") => Pdf::Only,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "字段“pdf”应为 1（同时生成 PDF）、only（只要 PDF）或 0，实为“{other}”"
            )));
        }
    };
    let (docx_wanted, xlsx_wanted) = if pdf_wanted == Pdf::Only {
        (false, false)
    } else {
        (docx_wanted, xlsx_wanted)
    };
    let allow_errors = form.allow_errors;
    let worker = server.clone();
    let (name, bytes) = blocking(move || {
        let ctx = &worker.ctx;
        let checked =
            check_unit(&unit, &overrides, &ctx.registry).map_err(|e| ApiError::unprocessable(&e))?;
        if has_errors(&checked.findings) && !allow_errors {
            let mut refusal = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "报告有错误，未生成 DOCX。请按检查结果修改后重试；如确需先生成草稿，可加 allow_errors=1。",
            );
            refusal.extra = Some(json!({
                "检查结果": json_document(ctx, &checked.format, &checked.report, &checked.findings, &[]),
            }));
            return Err(refusal);
        }
        let title = checked.report.title(&checked.format);
        let docx_name = output_file_name(&title, "", "docx");
        let xlsx_name = output_file_name(&title, "", "xlsx");
        let mut clock = nianbao_pipeline::no_clock;
        // Both are made before either is sent, as `build` writes neither unless both are made.
        let mut files = Vec::new();
        if docx_wanted || pdf_wanted != Pdf::No {
            let docx = nianbao_pipeline::render_docx(&checked, &mut clock)
                .map_err(|e| ApiError::unprocessable(&e))?;
            if pdf_wanted != Pdf::No {
                files.push((output_file_name(&title, "", "pdf"), pdf_of(&docx)?));
            }
            if docx_wanted {
                files.insert(0, (docx_name, docx));
            }
        }
        if xlsx_wanted {
            let xlsx = nianbao_pipeline::render_xlsx(&checked, &mut clock)
                .map_err(|e| ApiError::unprocessable(&e))?;
            files.push((xlsx_name, xlsx));
        }
        if files.len() == 1 {
            Ok(files.remove(0))
        } else {
            Ok((
                output_file_name(&title, "", "zip"),
                upload::zip_files(&files)?,
            ))
        }
    })
    .await?;
    Ok(download(&name, bytes))
}

/// What `pdf` asks of `/api/build`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pdf {
    No,
    Also,
    Only,
}

/// The PDF of a DOCX through LibreOffice (the one conversion `build --pdf` uses), in a private
/// temporary folder; without LibreOffice a 503 saying how to get it.
fn pdf_of(docx: &[u8]) -> Result<Vec<u8>, ApiError> {
    let Some(soffice) = nianbao_docx::render::find_soffice() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            nianbao_docx::render::INSTALL_HINT,
        ));
    };
    let temp = tempfile::Builder::new()
        .prefix(".nianbao-serve-")
        .tempdir()
        .map_err(|e| {
            ApiError::internal(format!("无法创建临时文件夹：{}", nianbao_fs::io_reason(&e)))
        })?;
    let path = temp.path().join("报告.docx");
    std::fs::write(&path, docx).map_err(|e| {
        ApiError::internal(format!("无法写入临时文件：{}", nianbao_fs::io_reason(&e)))
    })?;
    let mut pdfs = nianbao_docx::render::convert_to_pdf(
        &soffice,
        std::slice::from_ref(&path),
        nianbao_docx::render::timeout_for(1),
    )
    .map_err(|e| ApiError::internal(format!("PDF 生成失败：{e}")))?;
    pdfs.pop()
        .ok_or_else(|| ApiError::internal("PDF 生成失败：LibreOffice 没有写出 PDF".to_string()))
}

/// `POST /api/batch`: every unit of the upload (files, folders, zip archives) through
/// `batch::run_batch` in the request's temporary folder; the answer is a zip of everything it
/// wrote (each unit's DOCX and XLSX, 汇总.xlsx, 检查结果.json), or with `view=json` the
/// 检查结果.json alone. The folder is removed before the answer is sent.
async fn batch(
    State(server): State<Arc<Server>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (_permit, mut form) = read_request(&server, multipart).await?;
    if form.files.is_empty() {
        return Err(ApiError::bad_request(
            "没有上传文件：请在 files 字段中上传各单位的文件、文件夹或 zip 压缩包",
        ));
    }
    let files = std::mem::take(&mut form.files);
    let json_only = form.view.as_deref() == Some("json");
    let allow_errors = form.allow_errors;
    let blank_as_zero = form.blank_as_zero;
    let worker = server.clone();
    let (name, bytes) = blocking(move || {
        let temp = tempfile::Builder::new()
            .prefix(".nianbao-serve-")
            .tempdir()
            .map_err(|e| {
                ApiError::internal(format!("无法创建临时文件夹：{}", nianbao_fs::io_reason(&e)))
            })?;
        let inputs = temp.path().join("in");
        let outputs = temp.path().join("out");
        std::fs::create_dir_all(&inputs).map_err(|e| {
            ApiError::internal(format!("无法创建临时文件夹：{}", nianbao_fs::io_reason(&e)))
        })?;
        upload::write_batch_inputs(&inputs, files, &worker.limits)?;
        let args = crate::batch::BatchArgs {
            dir: upload::batch_root(&inputs),
            output: outputs.clone(),
            allow_errors,
            blank_as_zero,
            ..crate::batch::BatchArgs::default()
        };
        let mut quiet = |_: String| {};
        let outcome = crate::batch::run_batch(
            &worker.ctx,
            &args,
            crate::batch::Notes {
                note: &mut quiet,
                progress: false,
            },
        )
        .map_err(|e| ApiError::unprocessable(&e))?;
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|e| {
                ApiError::internal(format!(
                    "无法读取批量处理的结果：{}",
                    nianbao_fs::io_reason(&e)
                ))
            })
        };
        if json_only {
            return Ok(("检查结果.json".to_string(), read(&outcome.findings_path)?));
        }
        let mut files = Vec::new();
        for row in &outcome.rows {
            for output in &row.outputs {
                files.push((output.clone(), read(&outputs.join(output))?));
            }
        }
        for path in [&outcome.summary_path, &outcome.findings_path] {
            files.push((nianbao_pipeline::display_name(path), read(path)?));
        }
        let zip = upload::zip_files(&files)?;
        drop(temp);
        Ok(("批量检查结果.zip".to_string(), zip))
    })
    .await?;
    Ok(download(&name, bytes))
}
