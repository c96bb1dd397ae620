//! The page in a real browser: headless Chromium driven over WebDriver (chromedriver, spoken to
//! in its JSON protocol over the support module's HTTP client). Upload the example, see its
//! result, download the DOCX and open it; upload the example with one wrong cell, wait for the
//! findings, click one and see its cell marked; run a batch. Screenshots of both pages are kept
//! in `target/browser/` for a person to look at.
//!
//! CI installs `chromium` and `chromium-driver` (`.ci/run`); without chromedriver the test fails,
//! unless `NIANBAO_SKIP_BROWSER_TEST=1` says to skip it (a developer's machine without a browser).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nianbao_model::{CellValue, Decimal, Format, ValueKey};
use serde_json::{Value, json};

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A chromedriver and one headless Chromium session; both stopped when dropped.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

impl Browser {
    /// `profile` holds the browser's profile, so that nothing of it is left in the system's
    /// temporary folder.
    fn start(driver: &Path, downloads: &Path, profile: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                let r = support::request(port, "GET", "/status", &[], &[]);
                if r.status == 200 && r.json()["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1366,768", "--lang=zh-CN",
                     format!("--user-data-dir={}", profile.display())],
            "prefs": {
                "download.default_directory": downloads.to_string_lossy(),
                "download.prompt_for_download": false,
            },
        });
        if let Some(binary) = find_program(&["chromium", "chromium-browser", "google-chrome"]) {
            options["binary"] = json!(binary.to_string_lossy());
        }
        let mut browser = Browser {
            driver: child,
            port,
            session: String::new(),
        };
        let created = browser.call(
            "POST",
            "/session",
            json!({ "capabilities": { "alwaysMatch": { "goog:chromeOptions": options } } }),
        );
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        // Downloads in headless Chromium go where the DevTools command says.
        browser.command(
            "POST",
            "goog/cdp/execute",
            json!({ "cmd": "Browser.setDownloadBehavior",
                    "params": { "behavior": "allow", "downloadPath": downloads.to_string_lossy() } }),
        );
        // A 1366×768 screen, the size the page is laid out for.
        browser.command(
            "POST",
            "goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride",
                    "params": { "width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": false } }),
        );
        browser
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let bytes = if method == "GET" {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        };
        let r = support::request(
            self.port,
            method,
            path,
            &[("Content-Type", "application/json")],
            &bytes,
        );
        let value = r.json()["value"].clone();
        assert!(
            r.status == 200,
            "WebDriver {method} {path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        value
    }

    fn command(&self, method: &str, what: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}/{what}", self.session), body)
    }

    fn go(&self, url: &str) {
        self.command("POST", "url", json!({ "url": url }));
    }

    fn element(&self, css: &str) -> String {
        let found = self.command(
            "POST",
            "element",
            json!({ "using": "css selector", "value": css }),
        );
        // The reference is the one member of the answer (its key is the W3C's element identifier).
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let id = self.element(css);
        self.command("POST", &format!("element/{id}/click"), json!({}));
    }

    /// Chooses files in a file input (chromedriver takes several paths, one per line).
    fn choose_files(&self, css: &str, files: &[PathBuf]) {
        let id = self.element(css);
        // chromedriver takes only canonical paths.
        let text: Vec<String> = files
            .iter()
            .map(|p| std::fs::canonicalize(p).unwrap().display().to_string())
            .collect();
        self.command(
            "POST",
            &format!("element/{id}/value"),
            json!({ "text": text.join("\n") }),
        );
    }

    fn script(&self, script: &str) -> Value {
        self.command(
            "POST",
            "execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// Waits until `script` returns something truthy, and returns it.
    fn wait_for(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let v = self.script(script);
            let truthy = !(v.is_null()
                || v == json!(false)
                || v == json!("")
                || v == json!(0)
                || v.as_array().is_some_and(|a| a.is_empty()));
            if truthy {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}; message: {}",
                self.script("return document.getElementById('message').textContent")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, path: &Path) {
        let png = self.command("GET", "screenshot", Value::Null);
        std::fs::write(path, base64_decode(png.as_str().unwrap())).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = support::request(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                &[],
                &[],
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (the screenshot), without a crate for it.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .map(value)
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

/// A file that appeared in `dir` (a finished download: no `.crdownload` left).
fn wait_for_download(dir: &Path, extension: &str) -> PathBuf {
    let started = Instant::now();
    loop {
        let done = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| {
                e.path().extension().is_some_and(|x| x == extension)
                    && !e.path().to_string_lossy().ends_with(".crdownload")
            });
        if let Some(entry) = done {
            return entry.path();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no .{extension} was downloaded"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The example's workbook with one wrong cell: 表三 （一）予以公开·自然人 one too many.
fn example_with_one_wrong_cell(dir: &Path) -> PathBuf {
    let format = Format::national_2021();
    let mut report =
        nianbao_excel::import_workbook(&support::example().join("统计表.xlsx"), format)
            .unwrap()
            .report;
    let key = ValueKey::new("granted", "natural_person");
    let cell = report.values.get_mut(&key).unwrap();
    let CellValue::Number(n) = cell.value else {
        panic!("no number")
    };
    cell.value = CellValue::Number(n + Decimal::from(1));
    let path = dir.join("统计表.xlsx");
    std::fs::write(
        &path,
        nianbao_excel::write_report_workbook(format, &report, &[]).unwrap(),
    )
    .unwrap();
    path
}

#[test]
fn the_page_works_in_a_real_browser() {
    let Some(driver) = find_program(&["chromedriver"]) else {
        if std::env::var_os("NIANBAO_SKIP_BROWSER_TEST").is_some() {
            eprintln!("skipped: no chromedriver and NIANBAO_SKIP_BROWSER_TEST is set");
            return;
        }
        panic!(
            "chromedriver not found: install chromium and chromium-driver (as .ci/run does), or set NIANBAO_SKIP_BROWSER_TEST=1 to skip this test"
        );
    };
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../browser");
    std::fs::create_dir_all(&shots).unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let server = support::start(&[]);
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::start(&driver, downloads.path(), profile.path());
    browser.go(&server.url("/"));
    // The formats come from the server; the empty tables are drawn from the format's grids.
    browser.wait_for(
        "the format list",
        "return document.querySelectorAll('#unit-format option').length",
    );
    browser.wait_for(
        "the empty tables",
        "return document.querySelectorAll('#unit-tables table.report').length === 3",
    );

    // The example as it is: no findings, the tables filled in.
    let example = support::example();
    let files: Vec<PathBuf> = ["report.toml", "统计表.xlsx", "草稿.md"]
        .iter()
        .map(|n| example.join(n))
        .collect();
    browser.choose_files("#unit-files", &files);
    let counts = browser.wait_for(
        "the result",
        "const r = document.getElementById('unit-result'); return !r.hidden && document.getElementById('unit-counts').textContent",
    );
    assert_eq!(counts, "检查结果：错误 0 项，警告 0 项，提示 0 项");
    let title = browser.script("return document.getElementById('unit-title').textContent");
    assert_eq!(
        title,
        "卫东区行政审批和政务信息管理局2024年政府信息公开工作年度报告"
    );
    // A value cell shows its number and, on hover, its source (文件 › 工作表 › 单元格).
    let cell = browser.script(
        "const td = document.querySelector('td[data-key=\"new_received.total\"]'); return [td.textContent, td.title]",
    );
    let cli = support::cli_check_json(&[&example]);
    let value = &cli["report"]["values"]["new_received"]["total"];
    assert_eq!(cell[0], value["value"].to_string());
    let source = &value["source"];
    let expected_source = format!(
        "{} › {} › {}",
        source["file"].as_str().unwrap(),
        source["sheet"].as_str().unwrap(),
        source["cell"].as_str().unwrap()
    );
    assert!(
        cell[1].as_str().unwrap().contains(&expected_source),
        "{} lacks {expected_source}",
        cell[1]
    );

    browser.screenshot(&shots.join("本单位报告-示例.png"));

    // Download the DOCX and open it.
    browser.click("#unit-docx");
    let docx = wait_for_download(downloads.path(), "docx");
    let xml = support::document_xml(&std::fs::read(&docx).unwrap());
    assert!(xml.contains("卫东区行政审批和政务信息管理局"));

    // The example with one wrong cell: findings appear; clicking one marks its cells.
    let wrong = tempfile::tempdir().unwrap();
    let workbook = example_with_one_wrong_cell(wrong.path());
    for name in ["report.toml", "草稿.md"] {
        std::fs::copy(example.join(name), wrong.path().join(name)).unwrap();
    }
    browser.go(&server.url("/"));
    browser.wait_for(
        "the format list",
        "return document.querySelectorAll('#unit-format option').length",
    );
    browser.choose_files(
        "#unit-files",
        &[
            wrong.path().join("report.toml"),
            workbook,
            wrong.path().join("草稿.md"),
        ],
    );
    browser.wait_for(
        "the findings",
        "return document.querySelectorAll('#unit-findings .finding.error').length",
    );
    let finding = browser.script(
        "const b = document.querySelector('#unit-findings .finding.error'); return b.textContent",
    );
    assert!(finding.as_str().unwrap().contains("[t3."), "{finding}");
    // The CLI's wording: the first error as `check` prints it.
    let cli = support::cli_check_json(&[wrong.path()]);
    let first_error = cli["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["severity"] == "error")
        .unwrap();
    assert!(
        finding
            .as_str()
            .unwrap()
            .contains(first_error["message"].as_str().unwrap())
    );
    let flagged = browser.script("return document.querySelectorAll('td.flag-error').length");
    assert!(flagged.as_u64().unwrap() > 0);
    browser.click("#unit-findings .finding.error");
    let marked = browser.wait_for(
        "the marked cells",
        "return Array.from(document.querySelectorAll('td.marked')).map(td => td.dataset.key)",
    );
    let keys: Vec<&str> = first_error["locations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["key"].as_str())
        .collect();
    let marked: Vec<&str> = marked
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!keys.is_empty());
    for key in &keys {
        assert!(marked.contains(key), "{key} not marked: {marked:?}");
    }
    let pressed = browser.script(
        "return document.querySelector('#unit-findings .finding.error').getAttribute('aria-pressed')",
    );
    assert_eq!(pressed, "true");
    browser.screenshot(&shots.join("本单位报告.png"));

    // 批量检查: a zip of the example and a broken unit; one row per unit, filtered by status.
    let units = tempfile::tempdir().unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = ["report.toml", "统计表.xlsx", "草稿.md"]
        .iter()
        .map(|n| {
            (
                format!("各单位/卫东区/{n}"),
                std::fs::read(example.join(n)).unwrap(),
            )
        })
        .collect();
    entries.push(("各单位/损坏单位.xlsx".into(), b"not a workbook".to_vec()));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let zip = units.path().join("各单位.zip");
    std::fs::write(&zip, support::zip_of(&refs)).unwrap();
    browser.click("#tab-batch");
    browser.choose_files("#batch-files", &[zip]);
    browser.click("#batch-check");
    let rows = browser.wait_for(
        "the batch rows",
        "return Array.from(document.querySelectorAll('#batch-table tbody tr')).map(tr => tr.cells[0].textContent + ':' + tr.cells[2].textContent)",
    );
    assert_eq!(rows, json!(["卫东区:通过", "损坏单位:无法读取"]));
    browser.script(
        "const s = document.getElementById('batch-filter'); s.value = '无法读取'; s.dispatchEvent(new Event('change'));",
    );
    let rows = browser.script("return document.querySelectorAll('#batch-table tbody tr').length");
    assert_eq!(rows, 1);
    browser.click("#batch-table tbody button");
    let detail = browser.wait_for(
        "the unit's findings",
        "const d = document.querySelector('tr.unit-findings'); return d && d.textContent",
    );
    assert!(
        detail.as_str().unwrap().contains("[batch.unit_failed]"),
        "{detail}"
    );
    browser.screenshot(&shots.join("批量检查.png"));
    browser.click("#batch-download");
    let zip = wait_for_download(downloads.path(), "zip");
    let names: Vec<String> = support::unzip(&std::fs::read(zip).unwrap())
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(names.contains(&"汇总.xlsx".to_string()), "{names:?}");
    assert!(names.contains(&"检查结果.json".to_string()), "{names:?}");
}
