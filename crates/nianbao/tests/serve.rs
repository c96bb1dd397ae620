//! `nianbao serve` over HTTP: the real binary on an ephemeral port, each endpoint on the example
//! and on broken input, the limits, the token rule, concurrent uploads, a panicking request, and
//! that nothing uploaded is printed or left behind.

mod support;

use std::time::{Duration, Instant};

use nianbao_model::{Format, ValueKey};
use support::{Part, Server, example, example_parts, request, unzip};

/// A workbook whose 表三 does not balance (the 淮安 numbers with one cell off by one).
fn workbook_with_errors() -> Vec<u8> {
    let mut report = nianbao_tests::huaian_scaled("某某局", 2024, 1);
    let key = ValueKey::new("granted", "natural_person");
    let cell = report.values.get_mut(&key).unwrap();
    cell.value = nianbao_model::CellValue::Number(nianbao_model::Decimal::from(1));
    nianbao_excel::write_report_workbook(Format::national_2021(), &report, &[]).unwrap()
}

/// No request folder is left in the server's temporary folder.
fn assert_no_request_folders(server: &Server) {
    let left: Vec<_> = std::fs::read_dir(server.tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// `pdf=only` answers the report as PDF, made by LibreOffice as `build --pdf` makes it; `pdf=1`
/// with `xlsx=1` a zip of all three. Runs with NIANBAO_RENDER_TESTS=1 (CI installs LibreOffice).
#[test]
fn build_answers_the_pdf_when_asked() {
    if std::env::var("NIANBAO_RENDER_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set NIANBAO_RENDER_TESTS=1 (needs soffice)");
        return;
    }
    let server = support::start(&[]);
    let r = server.post(
        "/api/build",
        &[example_parts(), vec![Part::text("pdf", "only")]].concat(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.body.starts_with(b"%PDF"), "not a PDF");
    let r = server.post(
        "/api/build",
        &[
            example_parts(),
            vec![Part::text("pdf", "1"), Part::text("xlsx", "1")],
        ]
        .concat(),
    );
    assert_eq!(r.status, 200);
    let names: Vec<String> = unzip(&r.body).into_iter().map(|(n, _)| n).collect();
    let title = "卫东区行政审批和政务信息管理局2024年政府信息公开工作年度报告";
    assert_eq!(
        names,
        [
            format!("{title}.docx"),
            format!("{title}.pdf"),
            format!("{title}.xlsx")
        ]
    );
    let r = server.post(
        "/api/build",
        &[example_parts(), vec![Part::text("pdf", "yes")]].concat(),
    );
    assert_eq!(r.status, 400);
    assert_no_request_folders(&server);
}

#[test]
fn blank_as_zero_is_asked_for_by_a_field() {
    let server = support::start(&[]);
    let meta = nianbao_model::Metadata {
        org: "某某镇人民政府".into(),
        year: 2024,
        ..nianbao_model::Metadata::default()
    };
    let blank = nianbao_excel::write_template(Format::national_2021(), &meta).unwrap();
    let files = vec![Part::file("files", "统计表.xlsx", blank)];
    let rules = |json: serde_json::Value| -> Vec<String> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str().map(str::to_string))
            .collect()
    };
    let plain = rules(server.post("/api/check", &files).json());
    assert!(plain.iter().any(|r| r == "values.missing"), "{plain:?}");
    let zero = rules(
        server
            .post(
                "/api/check",
                &[files.clone(), vec![Part::text("blank_as_zero", "1")]].concat(),
            )
            .json(),
    );
    assert!(zero.iter().any(|r| r == "values.blank_as_zero"), "{zero:?}");
    assert!(!zero.iter().any(|r| r == "values.missing"), "{zero:?}");
}

#[test]
fn check_answers_exactly_the_json_of_check_json() {
    let server = support::start(&[]);
    let response = server.post("/api/check", &example_parts());
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.json(), support::cli_check_json(&[&example()]));
    // The fields override what the files say, as --org does; the finding names the request.
    let response = server.post(
        "/api/check",
        &[example_parts(), vec![Part::text("org", "另一个局")]].concat(),
    );
    let json = response.json();
    assert_eq!(json["report"]["meta"]["org"], "另一个局");
    let conflict = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "input.meta_conflict")
        .expect("input.meta_conflict");
    assert!(
        conflict["message"]
            .as_str()
            .unwrap()
            .starts_with("机关名称不一致：请求参数为“另一个局”"),
        "{conflict}"
    );
}

#[test]
fn check_refuses_broken_input_in_chinese() {
    let server = support::start(&[]);
    // Text named as a workbook: the importer's own message, 422.
    let r = server.post(
        "/api/check",
        &[Part::file("files", "统计表.xlsx", b"a,b\n1,2\n".to_vec())],
    );
    assert_eq!(r.status, 422);
    assert!(r.error().contains("不是电子表格文件"), "{}", r.error());
    // A file of no known kind, no file at all, an unknown field, a bad year, an unknown format.
    let cases: [(Vec<Part>, u16, &str); 5] = [
        (
            vec![Part::file("files", "a.exe", vec![0; 10])],
            400,
            "无法识别的文件类型：a.exe",
        ),
        (vec![Part::text("org", "某局")], 400, "上传的文件中没有文件"),
        (
            [example_parts(), vec![Part::text("colour", "red")]].concat(),
            400,
            "无法识别的字段“colour”",
        ),
        (
            [example_parts(), vec![Part::text("year", "二〇二四")]].concat(),
            400,
            "字段“year”应为年度",
        ),
        (
            [example_parts(), vec![Part::text("format", "nowhere")]].concat(),
            422,
            "未找到格式“nowhere”",
        ),
    ];
    for (parts, status, wanted) in cases {
        let r = server.post("/api/check", &parts);
        assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
        assert!(r.error().contains(wanted), "{} lacks {wanted}", r.error());
    }
    // Not a form at all.
    let r = request(
        server.port,
        "POST",
        "/api/check",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(r.status, 400);
    assert!(r.error().contains("multipart/form-data"), "{}", r.error());
    // An address that does not exist.
    let r = server.get("/nowhere");
    assert_eq!(r.status, 404);
    assert!(r.error().contains("没有这个地址"));
    // A known address with the wrong method: Chinese, not an empty 405.
    let r = server.get("/api/check");
    assert_eq!(r.status, 405);
    assert!(r.error().contains("请求方法不对"), "{}", r.error());
}

#[test]
fn build_answers_the_docx_or_a_zip_with_the_xlsx() {
    let server = support::start(&[]);
    let r = server.post("/api/build", &example_parts());
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    let disposition = r.header("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    let xml = support::document_xml(&r.body);
    assert!(xml.contains("卫东区行政审批和政务信息管理局"));
    // The same bytes as `nianbao build`.
    let out = tempfile::tempdir().unwrap();
    let docx_path = out.path().join("r.docx");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["build"])
        .arg(example())
        .arg("-o")
        .arg(&docx_path)
        .args(["--xlsx"])
        .env_remove("NIANBAO_PLUGIN_PATH")
        .output()
        .unwrap();
    assert!(status.status.success());
    assert!(
        r.body == std::fs::read(&docx_path).unwrap(),
        "DOCX differs from build's"
    );

    let r = server.post(
        "/api/build",
        &[example_parts(), vec![Part::text("xlsx", "1")]].concat(),
    );
    assert_eq!(r.header("content-type"), Some("application/zip"));
    let files = unzip(&r.body);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let title = "卫东区行政审批和政务信息管理局2024年政府信息公开工作年度报告";
    assert_eq!(names, [format!("{title}.docx"), format!("{title}.xlsx")]);
    assert!(files[1].1 == std::fs::read(docx_path.with_extension("xlsx")).unwrap());

    let r = server.post(
        "/api/build",
        &[example_parts(), vec![Part::text("xlsx", "only")]].concat(),
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
}

#[test]
fn build_refuses_a_report_with_errors_unless_allowed() {
    let server = support::start(&[]);
    let parts = vec![
        Part::file("files", "统计表.xlsx", workbook_with_errors()),
        Part::file(
            "files",
            "草稿.md",
            std::fs::read(example().join("草稿.md")).unwrap(),
        ),
    ];
    let r = server.post("/api/build", &parts);
    assert_eq!(r.status, 422);
    assert!(
        r.error().starts_with("报告有错误，未生成 DOCX"),
        "{}",
        r.error()
    );
    let check = &r.json()["检查结果"];
    assert!(check["counts"]["errors"].as_u64().unwrap() > 0);
    assert!(
        check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"].as_str().unwrap().starts_with("t3."))
    );
    let r = server.post(
        "/api/build",
        &[parts, vec![Part::text("allow_errors", "1")]].concat(),
    );
    assert_eq!(r.status, 200);
    assert!(support::document_xml(&r.body).contains("某某局"));
}

#[test]
fn batch_answers_a_zip_of_all_outputs() {
    let server = support::start(&[]);
    let mut files: Vec<(String, Vec<u8>)> = ["report.toml", "统计表.xlsx", "草稿.md"]
        .iter()
        .map(|n| {
            (
                format!("各单位/卫东区/{n}"),
                std::fs::read(example().join(n)).unwrap(),
            )
        })
        .collect();
    files.push(("各单位/损坏单位.xlsx".into(), b"not a workbook".to_vec()));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let zip = support::zip_of(&refs);
    let r = server.post(
        "/api/batch",
        &[Part::file("files", "各单位.zip", zip.clone())],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let outputs = unzip(&r.body);
    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    // The unit that cannot be read gets its 问题清单, as in `nianbao batch`.
    assert_eq!(
        names,
        [
            "卫东区.docx",
            "卫东区.xlsx",
            "损坏单位问题清单.xlsx",
            "汇总.xlsx",
            "检查结果.json"
        ]
    );
    let results: serde_json::Value = serde_json::from_slice(&outputs[4].1).unwrap();
    let units = results["units"].as_array().unwrap();
    let statuses: Vec<(&str, &str)> = units
        .iter()
        .map(|u| (u["name"].as_str().unwrap(), u["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("卫东区", "通过"), ("损坏单位", "无法读取")]);

    // The same files uploaded one by one (a folder chosen in the browser), with view=json.
    let mut parts: Vec<Part> = files
        .iter()
        .map(|(n, b)| Part::file("files", n, b.clone()))
        .collect();
    parts.push(Part::text("view", "json"));
    let r = server.post("/api/batch", &parts);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), results);
    assert_no_request_folders(&server);

    let r = server.post("/api/batch", &[Part::text("org", "x")]);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("没有上传文件"));
    let r = server.post(
        "/api/batch",
        &[Part::file("files", "坏.zip", b"PK\x03\x04broken".to_vec())],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.error().contains("不是可以读取的 zip 压缩包"),
        "{}",
        r.error()
    );
}

#[test]
fn hostile_uploads_are_refused_quickly_and_leave_nothing() {
    let server = support::start(&["--max-upload", "8", "--max-files", "50"]);
    let refused = |parts: &[Part], status: u16, wanted: &str| {
        let started = Instant::now();
        let r = server.post("/api/batch", parts);
        assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
        assert!(r.error().contains(wanted), "{} lacks {wanted}", r.error());
        // Bounded time: each of these is refused within seconds, not minutes.
        assert!(started.elapsed() < Duration::from_secs(60));
    };
    // `../` in an uploaded name and in a zip entry; an absolute name.
    refused(
        &[Part::file("files", "../逃出.xlsx", vec![1])],
        400,
        "含有“..”",
    );
    refused(
        &[Part::file(
            "files",
            "u.zip",
            support::zip_of(&[("a/../../逃出.xlsx", b"x")]),
        )],
        400,
        "压缩包“u.zip”中：文件名“a/../../逃出.xlsx”含有“..”",
    );
    refused(
        &[Part::file("files", "/etc/cron.d/x.md", vec![1])],
        400,
        "是绝对路径",
    );
    // 10,000 tiny files in a zip, and more parts than allowed.
    let names: Vec<String> = (0..10_000).map(|i| format!("单位{i}.md")).collect();
    let tiny: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    refused(
        &[Part::file("files", "多.zip", support::zip_of(&tiny))],
        413,
        "超过 50 个",
    );
    let parts: Vec<Part> = (0..51)
        .map(|i| Part::file("files", &format!("u{i}.md"), b"x".to_vec()))
        .collect();
    refused(&parts, 413, "超过 50 个");
    // A zip bomb: 70 MB of zeros in a few kilobytes.
    let bomb = support::zip_of(&[("单位/统计表.xlsx", &vec![0u8; 70 * 1024 * 1024])]);
    assert!(bomb.len() < 1024 * 1024);
    refused(&[Part::file("files", "炸弹.zip", bomb)], 413, "超过 64 MB");
    // A body over the limit, sent in full.
    refused(
        &[Part::file("files", "大.xlsx", vec![7; 9 * 1024 * 1024])],
        413,
        "超过上限（8 MB）",
    );
    // A declared 1 GB body is refused before any of it is sent.
    let started = Instant::now();
    let mut stream = support::connect(server.port);
    use std::io::Write;
    write!(
        stream,
        "POST /api/check HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 1073741824\r\nExpect: 100-continue\r\n\r\n",
        server.port
    )
    .unwrap();
    let r = support::read_response(&mut stream);
    assert_eq!(r.status, 413);
    assert!(r.error().contains("超过上限"));
    assert!(started.elapsed() < Duration::from_secs(10));
    // Memory stayed bounded through all of it (the bomb was never held in memory); the peak is
    // read where the system tells it (Linux).
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", server.pid())) {
        let peak_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        assert!(peak_kib < 200 * 1024, "server peak memory {peak_kib} KiB");
    }
    // Still serving, and nothing left in its temporary folder.
    assert_eq!(server.post("/api/check", &example_parts()).status, 200);
    assert_no_request_folders(&server);
}

#[test]
fn a_token_guards_every_request() {
    let token = "t0ken-for-tests";
    let server = support::start(&["--listen", "127.0.0.1", "--token", token]);
    assert!(
        server.banner.contains(&format!("?token={token}")),
        "{}",
        server.banner
    );
    for path in ["/", "/api/formats"] {
        let r = server.get(path);
        assert_eq!(r.status, 401, "{path}");
        assert!(r.error().contains("需要访问令牌"));
    }
    let wrong = server.post_with(
        "/api/check",
        &example_parts(),
        &[("X-Nianbao-Token", "t0ken-for-test")],
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(server.get(&format!("/?token={token}")).status, 200);
    let ok = server.post_with(
        "/api/check",
        &example_parts(),
        &[("X-Nianbao-Token", token)],
    );
    assert_eq!(ok.status, 200);
    let bearer = format!("Bearer {token}");
    let ok = request(
        server.port,
        "GET",
        "/api/formats",
        &[("Authorization", bearer.as_str())],
        &[],
    );
    assert_eq!(ok.status, 200);

    // Another address needs a token; without one the server does not start.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["serve", "--port", "0", "--listen", "0.0.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("须用 --token 指定访问令牌"), "{stderr}");
}

#[test]
fn without_a_token_only_the_loopback_host_is_answered() {
    let server = support::start(&[]);
    // What a page elsewhere sends once its name points at 127.0.0.1 (DNS rebinding).
    let mut stream = support::connect(server.port);
    use std::io::Write;
    stream
        .write_all(
            b"GET /api/formats HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let r = support::read_response(&mut stream);
    assert_eq!(r.status, 403);
    assert!(r.error().contains("只接受本机地址"));
    assert_eq!(server.get("/api/formats").status, 200);
}

#[test]
fn twenty_concurrent_uploads_all_get_the_same_answer() {
    let server = support::start(&[]);
    let expected = support::cli_check_json(&[&example()]);
    let answers: Vec<serde_json::Value> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| server.post("/api/check", &example_parts())))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let r = h.join().unwrap();
                assert_eq!(r.status, 200);
                r.json()
            })
            .collect()
    });
    assert!(answers.iter().all(|a| *a == expected));
}

#[test]
fn a_panicking_request_answers_500_and_the_server_goes_on() {
    let server = support::start_with_env(&[], &[("NIANBAO_SERVE_TEST_PANIC", "1")]);
    let r = server.get("/api/test-panic");
    assert_eq!(r.status, 500);
    assert!(r.error().contains("内部出错"), "{}", r.error());
    assert_eq!(server.post("/api/check", &example_parts()).status, 200);
    // Nothing uploaded was printed: the server said only its banner lines.
    let printed = server.stop();
    assert!(!printed.contains("卫东区"), "{printed}");
    assert!(!printed.contains("统计表"), "{printed}");
    assert!(!printed.contains("panic"), "{printed}");
}

#[test]
fn the_page_and_the_table_layouts_are_served() {
    let server = support::start(&[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    // Everything inside: no address of another host anywhere in the page.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "page loads from elsewhere"
    );
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'"));

    let formats = server.get("/api/formats").json();
    assert_eq!(formats["formats"][0]["id"], "national-2021");
    let tables = server.get("/api/tables?format=national-2021").json();
    let format = Format::national_2021();
    let tables = tables["tables"].as_array().unwrap();
    assert_eq!(tables.len(), format.tables.len());
    for (json, spec) in tables.iter().zip(&format.tables) {
        assert_eq!(json["name"], spec.name.as_str());
        // Every value cell of the format is drawn once, with its key.
        let keys: Vec<&str> = json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap())
            .filter_map(|slot| slot["key"].as_str())
            .collect();
        let expected: Vec<String> = {
            let mut cells = spec.value_cells().to_vec();
            cells.sort_by_key(|v| (v.r, v.c));
            cells.iter().map(|v| v.key.to_string()).collect()
        };
        assert_eq!(keys, expected);
    }
    let r = server.get("/api/tables?format=nowhere");
    assert_eq!(r.status, 400);
    assert!(r.error().contains("未找到格式“nowhere”"));
}
