//! What a request uploads: the multipart fields read within the limits, uploaded names made
//! safe, and zip archives unpacked into the request's own folder without ever leaving it.
//!
//! Nothing here writes a path that comes from the client as it is: every name is split into
//! components, each checked (no `..`, no root, no drive, no control characters, within 255
//! bytes), and joined under the request's temporary folder.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;

use super::ApiError;

/// The largest single uploaded (or unpacked) file: the importers' own bound.
pub const MAX_FILE_BYTES: u64 = nianbao_excel::MAX_FILE_BYTES as u64;

/// The largest text field (`org`, `year`, `format`…).
const MAX_FIELD_BYTES: usize = 4096;

/// How deep an uploaded name may go (`各单位/单位A/统计表.xlsx` is three).
const MAX_DEPTH: usize = 8;

/// The limits of one request, from the command line.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The whole request body (`--max-upload`).
    pub body_bytes: usize,
    /// Files per request, zip entries included (`--max-files`).
    pub files: usize,
    /// Everything unpacked from the request's zip archives.
    pub unpacked_bytes: u64,
}

/// An uploaded file: its name as the client gave it, checked ([`safe_components`]), and bytes.
pub struct Uploaded {
    pub components: Vec<String>,
    pub bytes: Vec<u8>,
}

impl Uploaded {
    /// The file's own name, without the folders it came in.
    pub fn file_name(&self) -> &str {
        self.components.last().map_or("", String::as_str)
    }
}

/// The fields of an upload.
#[derive(Default)]
pub struct Form {
    /// `files`: the unit's files (or, for a batch, every unit's files and zip archives).
    pub files: Vec<Uploaded>,
    /// `previous`: last year's report.
    pub previous: Vec<Uploaded>,
    pub org: Option<String>,
    pub year: Option<i32>,
    pub format: Option<String>,
    /// `xlsx`: `1` for a zip of DOCX and XLSX, `only` for the XLSX alone.
    pub xlsx: Option<String>,
    pub allow_errors: bool,
    /// `blank_as_zero=1`: blank value cells count as 0, as `--blank-as-zero`.
    pub blank_as_zero: bool,
    /// `pdf`: `1` adds the PDF (LibreOffice) to what `build` answers, `only` answers the PDF alone.
    pub pdf: Option<String>,
    /// `view=json`: a batch answers with its 检查结果.json instead of the zip.
    pub view: Option<String>,
}

/// A multipart error in Chinese: the body over the limit, or a body that is not multipart.
fn multipart_error(e: &MultipartError, limits: &Limits) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limits)
    } else {
        ApiError::bad_request(
            "上传的内容不是完整的 multipart/form-data 表单（可能在上传中断开），请重新上传",
        )
    }
}

pub fn too_large(limits: &Limits) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "上传的内容超过上限（{} MB）；请分批上传，或由管理员以 --max-upload 调高上限",
            limits.body_bytes / (1024 * 1024)
        ),
    )
}

fn too_many_files(limits: &Limits) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "一次上传的文件（含压缩包中的文件）超过 {} 个，已拒绝；请分批上传，或由管理员以 --max-files 调高上限",
            limits.files
        ),
    )
}

/// Reads every field of the form within the limits. On a refusal the rest of the body is read
/// and dropped (at most the body limit, which bounds it), so the client is not cut off before it
/// can read the answer.
pub async fn read_form(mut multipart: Multipart, limits: &Limits) -> Result<Form, ApiError> {
    let result = read_fields(&mut multipart, limits).await;
    if result.is_err() {
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    }
    result
}

async fn read_fields(multipart: &mut Multipart, limits: &Limits) -> Result<Form, ApiError> {
    let mut form = Form::default();
    let mut count = 0usize;
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(&e, limits))?;
        let Some(mut field) = field else {
            return Ok(form);
        };
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "files" | "previous" => {
                count += 1;
                if count > limits.files {
                    return Err(too_many_files(limits));
                }
                let raw_name = field.file_name().unwrap_or_default().to_string();
                let components = safe_components(&raw_name)?;
                let mut bytes = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| multipart_error(&e, limits))?
                {
                    if (bytes.len() + chunk.len()) as u64 > MAX_FILE_BYTES {
                        return Err(file_too_large(&raw_name));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                // A folder upload sends hidden files and Office lock files too: not inputs.
                if components.iter().any(|c| is_junk(c)) {
                    continue;
                }
                let file = Uploaded { components, bytes };
                if name == "files" {
                    form.files.push(file);
                } else {
                    form.previous.push(file);
                }
            }
            "org" | "year" | "format" | "xlsx" | "pdf" | "allow_errors" | "blank_as_zero"
            | "view" => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| multipart_error(&e, limits))?
                {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_FIELD_BYTES {
                        return Err(ApiError::bad_request(format!(
                            "字段“{name}”过长（超过 4 KB）"
                        )));
                    }
                }
                let text = String::from_utf8(bytes)
                    .map_err(|_| {
                        ApiError::bad_request(format!("字段“{name}”不是 UTF-8 编码的文字"))
                    })?
                    .trim()
                    .to_string();
                if text.is_empty() {
                    continue;
                }
                match name.as_str() {
                    "org" => form.org = Some(text),
                    "year" => {
                        form.year = Some(
                            text.parse::<i32>()
                                .ok()
                                .filter(|y| (1900..=2999).contains(y))
                                .ok_or_else(|| {
                                    ApiError::bad_request(format!(
                                        "字段“year”应为年度（如 2024），实为“{text}”"
                                    ))
                                })?,
                        )
                    }
                    "format" => form.format = Some(text),
                    "xlsx" => form.xlsx = Some(text),
                    "allow_errors" => form.allow_errors = matches!(text.as_str(), "1" | "true"),
                    "pdf" => form.pdf = Some(text),
                    "blank_as_zero" => form.blank_as_zero = matches!(text.as_str(), "1" | "true"),
                    _ => form.view = Some(text),
                }
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "无法识别的字段“{other}”；可用的字段：files、previous、org、year、format、xlsx、pdf、allow_errors、blank_as_zero、view"
                )));
            }
        }
    }
}

fn file_too_large(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "文件“{name}”超过 {} MB，不是统计表或文稿，已拒绝",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// Hidden files, Office lock files and macOS archive folders: never inputs.
fn is_junk(component: &str) -> bool {
    component.starts_with('.') || component.starts_with("~$") || component == "__MACOSX"
}

/// An uploaded name (or a zip entry's) as safe path components: `\` and `/` both separate, and
/// a name with `..`, a root, a drive (`C:`), control characters, an empty name or a component
/// over 255 bytes is refused with a message naming it.
pub fn safe_components(raw: &str) -> Result<Vec<String>, ApiError> {
    let refuse =
        |why: &str| ApiError::bad_request(format!("文件名“{}”{why}，已拒绝", shown_name(raw)));
    if raw.trim().is_empty() {
        return Err(ApiError::bad_request(
            "上传的文件没有文件名：请在表单的 files 字段中上传带文件名的文件",
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(refuse("含有控制字符"));
    }
    let normalised = raw.replace('\\', "/");
    if normalised.starts_with('/') {
        return Err(refuse("是绝对路径"));
    }
    let mut components = Vec::new();
    for (i, part) in normalised.split('/').enumerate() {
        match part {
            "" | "." => continue,
            ".." => return Err(refuse("含有“..”，会指向上传文件夹之外")),
            _ => {}
        }
        if i == 0 && part.len() == 2 && part.ends_with(':') {
            return Err(refuse("含有盘符"));
        }
        if part.len() > 255 {
            return Err(refuse("过长（超过 255 字节）"));
        }
        components.push(part.to_string());
    }
    if components.is_empty() {
        return Err(refuse("不是文件名"));
    }
    if components.len() > MAX_DEPTH {
        return Err(refuse("的文件夹层数过多"));
    }
    Ok(components)
}

/// A client's name as shown in a message: at most 80 characters.
fn shown_name(raw: &str) -> String {
    let mut shown: String = raw.chars().filter(|c| !c.is_control()).take(80).collect();
    if raw.chars().count() > 80 {
        shown.push('…');
    }
    shown
}

/// Writes a batch upload under `root`: plain files at their (checked) relative names, zip
/// archives unpacked where they are. Two files with the same name are refused, as are archives
/// holding more files than the limit allows, links, or more than the unpacked bound.
pub fn write_batch_inputs(
    root: &Path,
    files: Vec<Uploaded>,
    limits: &Limits,
) -> Result<(), ApiError> {
    let mut written = 0usize;
    let mut unpacked = 0u64;
    for file in files {
        let is_zip = Path::new(file.file_name())
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        if is_zip {
            let folders = &file.components[..file.components.len().saturating_sub(1)];
            let at = folders.iter().fold(root.to_path_buf(), |p, c| p.join(c));
            unpack_zip(&file, &at, limits, &mut written, &mut unpacked)?;
        } else {
            written += 1;
            if written > limits.files {
                return Err(too_many_files(limits));
            }
            let path = file
                .components
                .iter()
                .fold(root.to_path_buf(), |p, c| p.join(c));
            let mut out = create_new(&path, &file.components.join("/"))?;
            out.write_all(&file.bytes).map_err(write_failed)?;
        }
    }
    Ok(())
}

fn write_failed(e: std::io::Error) -> ApiError {
    ApiError::internal(format!(
        "无法写入服务器的临时文件夹：{}",
        nianbao_fs::io_reason(&e)
    ))
}

/// A new file (and its folders); a second file of the same name is refused.
fn create_new(path: &Path, shown: &str) -> Result<std::fs::File, ApiError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists
                || e.kind() == std::io::ErrorKind::NotADirectory
            {
                duplicate(shown)
            } else {
                write_failed(e)
            }
        })?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists
                || e.kind() == std::io::ErrorKind::IsADirectory
            {
                duplicate(shown)
            } else {
                write_failed(e)
            }
        })
}

fn duplicate(shown: &str) -> ApiError {
    ApiError::bad_request(format!(
        "上传的文件中有两个“{}”（或同名的文件和文件夹），请改名后重新上传",
        shown_name(shown)
    ))
}

/// A zip entry's name: UTF-8 when it is, otherwise GBK (what Windows' built-in zip writes for
/// Chinese names without saying so).
fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(raw).0.into_owned(),
    }
}

fn unpack_zip(
    file: &Uploaded,
    at: &Path,
    limits: &Limits,
    written: &mut usize,
    unpacked: &mut u64,
) -> Result<(), ApiError> {
    let zip_name = file.components.join("/");
    let not_zip = || {
        ApiError::bad_request(format!(
            "“{}”不是可以读取的 zip 压缩包（可能已损坏或加密）",
            shown_name(&zip_name)
        ))
    };
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(&file.bytes)).map_err(|_| not_zip())?;
    // Counted from the archive's directory before anything is unpacked: 10,000 tiny files are
    // refused at once.
    if written.saturating_add(archive.len()) > limits.files {
        return Err(too_many_files(limits));
    }
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|_| not_zip())?;
        let name = entry_name(entry.name_raw());
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            return Err(ApiError::bad_request(format!(
                "压缩包“{}”中的“{}”是链接，已拒绝",
                shown_name(&zip_name),
                shown_name(&name)
            )));
        }
        let components = safe_components(&name).map_err(|e| e.within(&zip_name))?;
        if components.iter().any(|c| is_junk(c)) {
            continue;
        }
        *written += 1;
        let path = components.iter().fold(at.to_path_buf(), |p, c| p.join(c));
        let mut out = create_new(&path, &components.join("/"))?;
        // Read at most one byte past each bound, whatever the entry claims its size is.
        let left = limits.unpacked_bytes.saturating_sub(*unpacked);
        let bound = MAX_FILE_BYTES.min(left);
        let mut limited = (&mut entry).take(bound + 1);
        let copied = std::io::copy(&mut limited, &mut out).map_err(|_| not_zip())?;
        if copied > bound {
            return Err(if copied > MAX_FILE_BYTES {
                file_too_large(&name)
            } else {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "压缩包解压后超过 {} MB（可能是压缩炸弹），已拒绝",
                        limits.unpacked_bytes / (1024 * 1024)
                    ),
                )
            });
        }
        *unpacked += copied;
    }
    Ok(())
}

/// The folder a batch runs on. An upload whose only entry is a folder (a zip of `各单位/…`, a
/// folder chosen in the browser) is gone into when that folder holds the units rather than being
/// one: no `report.toml`, and unit folders or several workbooks in it.
pub fn batch_root(root: &Path) -> PathBuf {
    let list = |dir: &Path| -> Vec<PathBuf> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|l| l.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        entries
    };
    let mut dir = root.to_path_buf();
    for _ in 0..MAX_DEPTH {
        let entries = list(&dir);
        let [only] = entries.as_slice() else {
            return dir;
        };
        if !only.is_dir() {
            return dir;
        }
        let inside = list(only);
        let is_unit = inside
            .iter()
            .any(|p| p.ends_with(nianbao_pipeline::CONFIG_FILE));
        let has_units = inside
            .iter()
            .any(|p| p.is_dir() && !p.ends_with(nianbao_pipeline::OUTPUT_DIR));
        let workbooks = inside
            .iter()
            .filter(|p| nianbao_pipeline::classify(p) == Some(nianbao_pipeline::FileKind::Workbook))
            .count();
        if is_unit || !(has_units || workbooks > 1) {
            return dir;
        }
        dir = only.clone();
    }
    dir
}

/// Files as a zip archive, in the order given, with a fixed timestamp so the same files give the
/// same bytes; DOCX and XLSX (already compressed) are stored, the rest deflated.
pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ApiError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let failed = |_| ApiError::internal("生成 zip 文件失败".to_string());
    for (name, bytes) in files {
        let stored = [".docx", ".xlsx"].iter().any(|ext| name.ends_with(ext));
        let options = zip::write::SimpleFileOptions::default()
            .last_modified_time(zip::DateTime::default())
            .compression_method(if stored {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            });
        zip.start_file(name.as_str(), options).map_err(failed)?;
        zip.write_all(bytes)
            .map_err(|_| ApiError::internal("生成 zip 文件失败".to_string()))?;
    }
    Ok(zip.finish().map_err(failed)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_leave_the_folder() {
        assert_eq!(
            safe_components("各单位\\单位A/统计表.xlsx").unwrap(),
            ["各单位", "单位A", "统计表.xlsx"]
        );
        assert_eq!(safe_components("./a//b.md").unwrap(), ["a", "b.md"]);
        for bad in [
            "../x.xlsx",
            "a/../../x",
            "/etc/passwd",
            "C:\\x.xlsx",
            "a\u{0}b",
            "",
            "/",
        ] {
            let e = safe_components(bad).unwrap_err();
            assert!(
                e.message.contains("已拒绝") || e.message.contains("没有文件名"),
                "{bad}: {}",
                e.message
            );
        }
    }

    #[test]
    fn zip_entry_names_without_the_utf8_flag_are_read_as_gbk() {
        let (gbk, _, _) = encoding_rs::GBK.encode("各单位/统计表.xlsx");
        assert_eq!(entry_name(&gbk), "各单位/统计表.xlsx");
        assert_eq!(entry_name("单位/草稿.md".as_bytes()), "单位/草稿.md");
    }

    #[test]
    fn a_single_container_folder_is_gone_into() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("各单位/单位A")).unwrap();
        std::fs::create_dir_all(tmp.path().join("各单位/单位B")).unwrap();
        assert_eq!(batch_root(tmp.path()), tmp.path().join("各单位"));
        // Unit folders and a loose unit's files side by side: still a container.
        std::fs::write(tmp.path().join("各单位/某镇.xlsx"), b"x").unwrap();
        assert_eq!(batch_root(tmp.path()), tmp.path().join("各单位"));
        // A unit folder (its files, no folders) is a unit, not a container.
        let one = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(one.path().join("单位A")).unwrap();
        std::fs::write(one.path().join("单位A/统计表.xlsx"), b"x").unwrap();
        std::fs::write(one.path().join("单位A/草稿.md"), b"x").unwrap();
        assert_eq!(batch_root(one.path()), one.path());
    }
}
