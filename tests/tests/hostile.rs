//! Hostile and broken inputs: every one ends in a clear Chinese message (or a report with
//! findings) within bounded time and memory; none panics or hangs.
//!
//! Each reader call runs in a child process (this test binary re-run on [`child_entry`]) with an
//! address-space limit and a watchdog, so a reader that panics, allocates without bound or loops
//! is caught as such instead of taking the test run down. Big inputs are generated here in a
//! temporary folder; small ones are committed under `tests/fixtures/hostile/`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use common::{
    ChildRun, RESULT_MARK, SHEET_TAIL, ZipEntry, rewrite_zip, run_guarded, sheet_head,
    xlsx_with_sheet,
};
use nianbao_model::Format;
use serde_json::json;

/// Address space a reader gets in the child: what an ordinary office PC gives a tool without
/// complaint. An allocation beyond it aborts the child, which the test reports.
const ADDRESS_SPACE: u64 = 1536 * 1024 * 1024;
/// Resident memory a reader may use on any of these inputs.
const MAX_RSS_MIB: f64 = 400.0;
/// The watchdog: far above what any of these inputs needs, even in a debug build; only a hang
/// or runaway work reaches it.
const TIMEOUT: Duration = Duration::from_secs(300);

const CHILD_CASE: &str = "NIANBAO_HOSTILE_CASE";

/// Not a test of its own: the body the guarded child runs. `NIANBAO_HOSTILE_CASE` is
/// `workbook|document` and a path, tab-separated; the result is one JSON line on stdout.
#[test]
fn child_entry() {
    let Ok(case) = std::env::var(CHILD_CASE) else {
        return;
    };
    let (reader, path) = case.split_once('\t').unwrap();
    let path = Path::new(path);
    let format = Format::national_2021();
    let outcome = match reader {
        "workbook" => match nianbao_excel::import_workbook(path, format) {
            Ok(imported) => json!({ "ok": {
                "values": imported.report.values.len(),
                "numbers": imported.report.numbers().len(),
                "findings": imported.findings,
            }}),
            Err(e) => json!({ "err": e.to_string() }),
        },
        "document" => match nianbao_docs::read_document(path, format) {
            Ok(imported) => json!({ "ok": {
                "values": imported.report.values.len(),
                "numbers": imported.report.numbers().len(),
                "org": imported.report.meta.org,
                "parts": imported.report.parts.len(),
                "findings": imported.findings,
            }}),
            Err(e) => json!({ "err": e.to_string() }),
        },
        other => panic!("unknown reader {other}"),
    };
    println!("{RESULT_MARK}{outcome}");
}

/// What a guarded reader run gave, after checking it neither crashed, hung nor overran memory.
enum Outcome {
    Imported(serde_json::Value),
    Refused(String),
}

fn read_guarded(reader: &str, path: &Path) -> Outcome {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD_CASE, format!("{reader}\t{}", path.display()))
        .env("RUST_BACKTRACE", "0");
    let run: ChildRun = run_guarded(cmd, ADDRESS_SPACE, TIMEOUT);
    let name = path.file_name().unwrap().to_string_lossy();
    eprintln!(
        "{name}: {:.1} s, peak RSS {:.0} MiB",
        run.elapsed.as_secs_f64(),
        run.max_rss_mib
    );
    assert!(
        !run.timed_out,
        "{name}: reader still running after {TIMEOUT:?}"
    );
    let Some(result) = run.result else {
        panic!(
            "{name}: reader crashed (exit {:?}, signal {:?}) after {:.1} s, peak RSS {:.0} MiB:\n{}",
            run.code,
            run.signal,
            run.elapsed.as_secs_f64(),
            run.max_rss_mib,
            tail(&run.stderr)
        );
    };
    assert!(
        run.max_rss_mib <= MAX_RSS_MIB,
        "{name}: peak RSS {:.0} MiB exceeds {MAX_RSS_MIB} MiB",
        run.max_rss_mib
    );
    match (result.get("ok"), result.get("err").and_then(|e| e.as_str())) {
        (Some(ok), _) => Outcome::Imported(ok.clone()),
        (None, Some(err)) => Outcome::Refused(err.to_string()),
        _ => panic!("{name}: unexpected child result {result}"),
    }
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// The reader must refuse the file with a message naming it and containing every key word.
fn assert_refused(reader: &str, path: &Path, key_words: &[&str]) -> String {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    match read_guarded(reader, path) {
        Outcome::Refused(message) => {
            assert!(
                message.contains(&name),
                "message does not name {name}: {message}"
            );
            for word in key_words {
                assert!(
                    message.contains(word),
                    "{name}: “{word}” missing in: {message}"
                );
            }
            message
        }
        Outcome::Imported(ok) => panic!("{name}: expected a refusal, got {ok}"),
    }
}

/// The reader must accept the file; returns what it gave.
fn assert_imported(reader: &str, path: &Path) -> serde_json::Value {
    match read_guarded(reader, path) {
        Outcome::Imported(ok) => ok,
        Outcome::Refused(message) => panic!("{}: refused: {message}", path.display()),
    }
}

/// The rule ids of the findings a reader returned.
fn rules(ok: &serde_json::Value) -> Vec<String> {
    ok["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn finding<'a>(ok: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    ok["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {}", ok["findings"]))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hostile")
        .join(name)
}

/// A folder for generated inputs, shared by the tests of this process.
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fn write_scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The project's own workbook of the 淮安 report: the healthy file the broken ones start from.
fn good_workbook() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        nianbao_excel::write_report_workbook(Format::national_2021(), &nianbao_tests::huaian(), &[])
            .unwrap()
    })
}

/// The project's own filing DOCX of the 淮安 report with prose.
fn good_docx() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let report = nianbao_tests::with_draft_prose(nianbao_tests::huaian());
        nianbao_docx::write_report_docx(
            Format::national_2021(),
            &report,
            &nianbao_docx::DocxOptions::default(),
        )
        .unwrap()
    })
}

// ---------------------------------------------------------------------------------------------
// Workbooks

/// An Office-encrypted workbook: a Compound File holding EncryptionInfo and EncryptedPackage
/// streams (MS-OFFCRYPTO).
fn encrypted_workbook() -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    {
        let mut info = file.create_stream("/EncryptionInfo").unwrap();
        // Agile encryption: version 4.4, flags 0x40, then the XML descriptor.
        info.write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0]).unwrap();
        info.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>"#).unwrap();
    }
    {
        let mut package = file.create_stream("/EncryptedPackage").unwrap();
        package.write_all(&(8000u64).to_le_bytes()).unwrap();
        let noise: Vec<u8> = (0..8192u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        package.write_all(&noise).unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

#[test]
fn the_healthy_workbook_reads_completely() {
    // The baseline the broken variants are made from: if this fails, the others prove nothing.
    let path = write_scratch("healthy.xlsx", good_workbook());
    let ok = assert_imported("workbook", &path);
    assert_eq!(ok["numbers"], 200, "{ok}");
}

#[test]
fn truncated_workbook_is_damaged() {
    let bytes = good_workbook();
    let path = write_scratch("截断.xlsx", &bytes[..bytes.len() / 2]);
    assert_refused("workbook", &path, &["已损坏或不完整", "另存为"]);
}

#[test]
fn workbook_with_garbage_in_the_middle_is_damaged() {
    let mut bytes = good_workbook().to_vec();
    let middle = bytes.len() / 3;
    for (i, b) in bytes[middle..middle + 4096].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(151).wrapping_add(7);
    }
    let path = write_scratch("损坏.xlsx", &bytes);
    assert_refused("workbook", &path, &["已损坏或不完整"]);
}

#[test]
fn empty_workbook_file_is_refused() {
    let path = write_scratch("空文件.xlsx", b"");
    assert_refused("workbook", &path, &["不是电子表格文件", "空的"]);
}

#[test]
fn csv_named_xlsx_is_refused() {
    assert_refused(
        "workbook",
        &fixture("csv-renamed.xlsx"),
        &["不是电子表格文件", "CSV"],
    );
}

#[test]
fn html_named_xlsx_is_refused() {
    // Web systems often "export to Excel" as an HTML table with an .xls or .xlsx name.
    assert_refused(
        "workbook",
        &fixture("html-renamed.xlsx"),
        &["不是电子表格文件", "HTML"],
    );
}

#[test]
fn encrypted_workbook_is_refused_as_encrypted() {
    // An Office-encrypted workbook is a Compound File holding EncryptionInfo and
    // EncryptedPackage streams (MS-OFFCRYPTO), whatever its name says.
    let bytes = encrypted_workbook();
    let path = write_scratch("加密.xlsx", &bytes);
    assert_refused("workbook", &path, &["加密", "取消密码"]);
}

/// A raw deflate stream of `prefix`, then `filler` repeated `times`, then `suffix`, with the
/// CRC-32 and length of the whole: each piece is compressed once, with a full flush so the
/// pieces concatenate, so a gigabyte of content costs milliseconds to make.
fn deflate_repeated(
    prefix: &[u8],
    filler: &[u8],
    times: usize,
    suffix: &[u8],
) -> (Vec<u8>, u32, u64) {
    fn piece(data: &[u8], finish: bool) -> Vec<u8> {
        let mut c = flate2::Compress::new(flate2::Compression::best(), false);
        let mut out = Vec::with_capacity(data.len() + 1024);
        let flush = if finish {
            flate2::FlushCompress::Finish
        } else {
            flate2::FlushCompress::Full
        };
        c.compress_vec(data, &mut out, flush).unwrap();
        assert_eq!(c.total_in(), data.len() as u64);
        out
    }
    let head = piece(prefix, false);
    let body = piece(filler, false);
    let end = piece(suffix, true);
    let mut stream = head;
    for _ in 0..times {
        stream.extend_from_slice(&body);
    }
    stream.extend_from_slice(&end);
    let mut crc = crc32fast::Hasher::new();
    crc.update(prefix);
    let mut filler_crc = crc32fast::Hasher::new();
    filler_crc.update(filler);
    for _ in 0..times {
        crc.combine(&filler_crc);
    }
    let mut suffix_crc = crc32fast::Hasher::new();
    suffix_crc.update(suffix);
    crc.combine(&suffix_crc);
    let len = (prefix.len() + filler.len() * times + suffix.len()) as u64;
    (stream, crc.finalize(), len)
}

/// About 1 MB on disk; its sheet1.xml inflates to 1.15 GB of blank text between rows.
fn bomb_workbook() -> Vec<u8> {
    let head = format!(
        "{}<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>一、本年新收政府信息公开申请数量</t></is></c></row>",
        sheet_head("A1:A1")
    );
    let filler = vec![b' '; 1 << 20];
    let (stream, crc, len) =
        deflate_repeated(head.as_bytes(), &filler, 1100, SHEET_TAIL.as_bytes());
    assert!(
        len > 1_000_000_000 && stream.len() < 2_000_000,
        "{len} from {}",
        stream.len()
    );
    let sheet = ZipEntry {
        name: "xl/worksheets/sheet1.xml".into(),
        method: 8,
        data: stream,
        crc,
        uncompressed_size: u32::try_from(len).unwrap(),
    };
    xlsx_with_sheet("表三", sheet)
}

#[test]
fn decompression_bomb_is_bounded() {
    let bytes = bomb_workbook();
    assert!(bytes.len() < 2_000_000);
    let path = write_scratch("压缩炸弹.xlsx", &bytes);
    // A statistics workbook never inflates to a gigabyte: the reader must refuse it, naming
    // the file, before it has inflated it all.
    assert_refused("workbook", &path, &["解压后超过", "另存为"]);
}

/// A sheet declaring the whole grid, as formatting applied to whole columns makes Excel do.
fn million_rows_workbook() -> Vec<u8> {
    let mut xml = sheet_head("A1:XFD1048576");
    xml.push_str("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c></row>");
    xml.push_str(SHEET_TAIL);
    xlsx_with_sheet("Sheet1", ZipEntry::stored("xl/worksheets/sheet1.xml", xml))
}

#[test]
fn sheet_declaring_a_million_rows_is_capped() {
    let path = write_scratch("百万行.xlsx", &million_rows_workbook());
    let ok = assert_imported("workbook", &path);
    let capped = finding(&ok, "import.sheet_too_large");
    assert!(
        capped["message"].as_str().unwrap().contains("Sheet1"),
        "{capped}"
    );
    assert!(
        capped["found"].as_str().unwrap().contains("1048576 行"),
        "{capped}"
    );
}

#[test]
fn hundred_thousand_filled_rows_are_capped() {
    let mut xml = sheet_head("A1:D100000");
    for r in 1..=100_000u32 {
        xml.push_str(&format!(
            "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>第{r}行</t></is></c><c r=\"B{r}\"><v>{r}</v></c><c r=\"C{r}\"><v>{}</v></c><c r=\"D{r}\"><f>B{r}+C{r}</f><v>{}</v></c></row>",
            r % 7,
            r + r % 7
        ));
    }
    xml.push_str(SHEET_TAIL);
    let path = write_scratch(
        "十万行.xlsx",
        &xlsx_with_sheet("明细", ZipEntry::stored("xl/worksheets/sheet1.xml", xml)),
    );
    let ok = assert_imported("workbook", &path);
    let capped = finding(&ok, "import.sheet_too_large");
    assert!(
        capped["message"].as_str().unwrap().contains("5000"),
        "{capped}"
    );
    assert!(
        rules(&ok).iter().any(|r| r == "import.table_missing"),
        "{ok}"
    );
}

#[test]
fn formulas_without_cached_values_are_recomputed() {
    // Files written by scripts and some web exports carry formulas with no saved result.
    let re = regex::Regex::new(r"(<f>[^<]*</f>)<v>[^<]*</v>").unwrap();
    let mut stripped = 0;
    let bytes = rewrite_zip(good_workbook(), |name, content| {
        if !name.starts_with("xl/worksheets/") {
            return None;
        }
        let text = std::str::from_utf8(content).unwrap();
        stripped += re.find_iter(text).count();
        Some(re.replace_all(text, "$1").into_owned().into_bytes())
    });
    assert!(
        stripped > 20,
        "the workbook should have formula totals, found {stripped}"
    );
    let path = write_scratch("公式无值.xlsx", &bytes);
    let ok = assert_imported("workbook", &path);
    assert_eq!(ok["numbers"], 200, "totals must be recomputed: {ok}");
    let recomputed = finding(&ok, "import.formula_recomputed");
    assert!(
        recomputed["message"].as_str().unwrap().contains("重新计算"),
        "{recomputed}"
    );
}

#[test]
fn control_characters_and_ten_thousand_character_labels() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet().set_name("表三").unwrap();
    let label = Format::national_2021()
        .table("table3")
        .unwrap()
        .row_label("new_received")
        .unwrap();
    let long = label.repeat(10_000 / label.chars().count() + 1);
    let long: String = long.chars().take(10_000).collect();
    sheet.write_string(0, 0, &long).unwrap();
    sheet
        .write_string(1, 0, format!("\u{1}\u{7}{label}\u{1b}[31m\u{8}"))
        .unwrap();
    sheet.write_string(1, 1, "\u{0}12\u{feff}").unwrap();
    sheet
        .write_string(2, 0, "\u{202e}计总\u{200b}\u{fffd}")
        .unwrap();
    for c in 0..200u16 {
        sheet.write_string(3, c, "\u{1f}".repeat(300)).unwrap();
    }
    let path = write_scratch("控制字符.xlsx", &workbook.save_to_buffer().unwrap());
    let ok = assert_imported("workbook", &path);
    let missing = finding(&ok, "import.table_missing");
    assert!(
        missing["message"].as_str().unwrap().contains("未找到"),
        "{missing}"
    );
    for f in ok["findings"].as_array().unwrap() {
        let text = f.to_string();
        assert!(
            text.len() < 20_000,
            "a finding repeats a huge label: {} bytes",
            text.len()
        );
    }
}

#[test]
fn invalid_utf8_inside_a_sheet_is_damaged_or_read() {
    let mut xml = sheet_head("A1:A2").into_bytes();
    xml.extend_from_slice(b"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>\xff\xfe\xb1\xed\xc8\xfd</t></is></c></row>");
    xml.extend_from_slice(SHEET_TAIL.as_bytes());
    let path = write_scratch(
        "非UTF8.xlsx",
        &xlsx_with_sheet("表三", ZipEntry::stored("xl/worksheets/sheet1.xml", xml)),
    );
    match read_guarded("workbook", &path) {
        Outcome::Refused(message) => {
            assert!(
                message.contains("非UTF8.xlsx") && message.contains("已损坏"),
                "{message}"
            )
        }
        Outcome::Imported(ok) => assert!(
            rules(&ok).iter().any(|r| r == "import.table_missing"),
            "{ok}"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Documents

/// Our own DOCX with word/document.xml cut in the middle of the body.
fn broken_docx() -> Vec<u8> {
    rewrite_zip(good_docx(), |name, content| {
        (name == "word/document.xml").then(|| content[..content.len() / 2].to_vec())
    })
}

#[test]
fn docx_with_broken_document_xml_is_damaged() {
    let path = write_scratch("正文损坏.docx", &broken_docx());
    assert_refused("document", &path, &["已损坏或不是有效的 DOCX"]);
}

#[test]
fn docx_without_document_xml_is_damaged() {
    let bytes = rewrite_zip(good_docx(), |name, _| {
        (name == "word/document.xml").then(|| b"<?xml version=\"1.0\"?><w:document".to_vec())
    });
    let path = write_scratch("缺正文.docx", &bytes);
    assert_refused("document", &path, &["已损坏或不是有效的 DOCX"]);
}

#[test]
fn truncated_docx_is_damaged() {
    let bytes = good_docx();
    let path = write_scratch("截断.docx", &bytes[..bytes.len() * 2 / 3]);
    assert_refused("document", &path, &["已损坏或不是有效的 DOCX"]);
}

#[test]
fn a_device_is_refused_by_both_readers_without_reading_it() {
    // `/dev/zero` never ends: read without a bound it fills memory.
    for reader in ["workbook", "document"] {
        assert_refused(
            reader,
            Path::new("/dev/zero"),
            &["设备文件", "不是普通文件"],
        );
    }
}

#[test]
fn a_fifo_is_refused_by_both_readers_without_blocking() {
    for (reader, name) in [("workbook", "管道.xlsx"), ("document", "管道.docx")] {
        let path = scratch().join(name);
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert_refused(reader, &path, &["管道（FIFO）"]);
    }
}

#[test]
fn a_draft_with_a_few_control_characters_is_read_with_one_note() {
    let text = "一、总体情况\n本机关\u{b}全年主动公开\u{1b}政府信息一千余条，\u{0}办理申请三百件。\n二、主动公开政府信息情况\n（见表）\n";
    let path = write_scratch("控制字符.txt", text.as_bytes());
    let ok = assert_imported("document", &path);
    let note = finding(&ok, "input.control_chars");
    assert_eq!(note["severity"], "info");
    assert!(
        note["message"].as_str().unwrap().contains("3 个控制字符"),
        "{note}"
    );
    assert_eq!(
        rules(&ok)
            .iter()
            .filter(|r| *r == "input.control_chars")
            .count(),
        1
    );
}

#[test]
fn text_that_is_neither_utf8_nor_gbk_is_refused() {
    assert_refused(
        "document",
        &fixture("not-utf8-not-gbk.txt"),
        &["既不是 UTF-8 编码也不是 GBK 编码", "另存为 UTF-8"],
    );
}

#[test]
fn gbk_text_of_a_published_report_reads_like_utf8() {
    let utf8 = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples/weidong-2024-published.txt"),
    )
    .unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&utf8);
    assert!(!unmappable);
    let gbk_path = write_scratch("卫东区-GBK.txt", &gbk);
    let utf8_path = write_scratch("卫东区-UTF8.txt", utf8.as_bytes());
    let from_gbk = assert_imported("document", &gbk_path);
    let from_utf8 = assert_imported("document", &utf8_path);
    assert!(
        from_gbk["org"].as_str().unwrap().contains("卫东区"),
        "{from_gbk}"
    );
    assert_eq!(from_gbk["numbers"], from_utf8["numbers"]);
    assert!(from_gbk["numbers"].as_u64().unwrap() >= 190, "{from_gbk}");
}

#[test]
fn html_page_of_twenty_megabytes_is_bounded() {
    // A portal page with the report buried in navigation, scripts and a huge comment list.
    let mut page = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>政府信息公开</title></head><body><h1>某区人民政府2024年政府信息公开工作年度报告</h1>",
    );
    let mut i = 0;
    while page.len() < 20 * 1024 * 1024 {
        i += 1;
        page.push_str(&format!(
            "<div class=\"c\"><p>网友留言第{i}条：政府信息公开申请办理情况如何查询？</p><table><tr><td>{i}</td><td>回复</td></tr></table><script>var x{i}=\"{}\";</script></div>",
            "x".repeat(64)
        ));
    }
    page.push_str("</body></html>");
    let path = write_scratch("二十兆网页.html", page.as_bytes());
    match read_guarded("document", &path) {
        Outcome::Refused(message) => assert!(message.contains("二十兆网页.html"), "{message}"),
        Outcome::Imported(ok) => assert_eq!(ok["numbers"], 0, "{ok}"),
    }
}

#[test]
fn binary_word_document_named_docx_is_refused() {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend(std::iter::repeat_n(0u8, 4096));
    let path = write_scratch("旧版.docx", &bytes);
    assert_refused("document", &path, &["旧版 Word 文档", "另存为"]);
}

#[test]
fn report_values_survive_a_round_trip_through_the_docx_reader() {
    // The same reader on the healthy file gives the values back: the broken variants above are
    // refused because they are broken, not because the reader cannot read our own DOCX.
    let path = write_scratch("healthy.docx", good_docx());
    let ok = assert_imported("document", &path);
    assert_eq!(ok["numbers"], 200, "{ok}");
}

// ---------------------------------------------------------------------------------------------
// A batch of units holding these files

/// Writes a unit folder with `report.toml` naming the given workbook and draft files.
fn hostile_unit(batch: &Path, name: &str, files: &[(&str, &[u8])]) {
    let dir = batch.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = format!("org = \"{name}\"\nyear = 2024\nlevel = \"部门\"\n");
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
        let key = if file.ends_with(".xlsx") {
            "workbook"
        } else {
            "draft"
        };
        config.push_str(&format!("{key} = \"{file}\"\n"));
    }
    std::fs::write(dir.join("report.toml"), config).unwrap();
}

/// A batch folder: two healthy units and one unit per hostile input (plus the bomb when asked).
fn hostile_batch(with_bomb: bool) -> tempfile::TempDir {
    let batch = tempfile::tempdir().unwrap();
    for i in 0..2 {
        nianbao_tests::write_unit(
            &batch.path().join(format!("正常单位{}", i + 1)),
            &nianbao_tests::varied_report(i, 2024),
        )
        .unwrap();
    }
    let good = good_workbook();
    let draft = nianbao_tests::unit_files(&nianbao_tests::huaian())
        .unwrap()
        .2;
    let csv = std::fs::read(fixture("csv-renamed.xlsx")).unwrap();
    let html = std::fs::read(fixture("html-renamed.xlsx")).unwrap();
    let not_text = std::fs::read(fixture("not-utf8-not-gbk.txt")).unwrap();
    hostile_unit(
        batch.path(),
        "截断",
        &[("统计表.xlsx", &good[..good.len() / 2])],
    );
    hostile_unit(
        batch.path(),
        "加密",
        &[("统计表.xlsx", &encrypted_workbook())],
    );
    hostile_unit(batch.path(), "CSV冒充", &[("统计表.xlsx", &csv)]);
    hostile_unit(batch.path(), "网页冒充", &[("统计表.xlsx", &html)]);
    hostile_unit(
        batch.path(),
        "百万行",
        &[("统计表.xlsx", &million_rows_workbook())],
    );
    hostile_unit(
        batch.path(),
        "正文损坏",
        &[("统计表.xlsx", good), ("草稿.docx", &broken_docx())],
    );
    hostile_unit(
        batch.path(),
        "乱码文稿",
        &[("统计表.xlsx", good), ("草稿.txt", &not_text)],
    );
    hostile_unit(
        batch.path(),
        "草稿正常",
        &[("统计表.xlsx", good), ("草稿.docx", &draft)],
    );
    if with_bomb {
        hostile_unit(
            batch.path(),
            "压缩炸弹",
            &[("统计表.xlsx", &bomb_workbook())],
        );
    }
    batch
}

/// Runs `nianbao batch` over the folder on two threads, guarded; returns the parsed
/// 检查结果.json units by name, and stdout.
fn run_batch(
    batch: &Path,
) -> (
    std::collections::BTreeMap<String, serde_json::Value>,
    String,
) {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(common::nianbao_binary());
    cmd.arg("batch")
        .arg(batch)
        .arg("-o")
        .arg(out.path())
        .args(["--jobs", "2"]);
    let run = run_guarded(cmd, 2 * ADDRESS_SPACE, TIMEOUT);
    eprintln!(
        "batch: {:.1} s, peak RSS {:.0} MiB",
        run.elapsed.as_secs_f64(),
        run.max_rss_mib
    );
    assert!(!run.timed_out, "batch still running after {TIMEOUT:?}");
    assert_eq!(
        run.code,
        Some(1),
        "batch should finish with exit code 1 (units with errors); signal {:?}\n{}\n{}",
        run.signal,
        run.stdout,
        tail(&run.stderr)
    );
    assert!(
        run.max_rss_mib <= 2.0 * MAX_RSS_MIB,
        "batch peak RSS {:.0} MiB",
        run.max_rss_mib
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("检查结果.json")).unwrap()).unwrap();
    assert!(out.path().join("汇总.xlsx").is_file());
    let units = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["name"].as_str().unwrap().to_string(), u.clone()))
        .collect();
    (units, run.stdout)
}

fn assert_batch_results(
    units: &std::collections::BTreeMap<String, serde_json::Value>,
    stdout: &str,
) {
    assert!(
        stdout.contains(&format!("共 {} 个单位", units.len())),
        "{stdout}"
    );
    for name in ["正常单位1", "正常单位2", "草稿正常"] {
        let u = &units[name];
        assert_eq!(u["counts"]["errors"], 0, "{name}: {u}");
        // DOCX and XLSX, and a 问题清单 when the unit has errors or warnings.
        let outputs: Vec<&str> = u["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o.as_str())
            .collect();
        let lists = usize::from(
            u["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["severity"] != "info"),
        );
        assert_eq!(outputs.len(), 2 + lists, "{name}: {u}");
        assert!(outputs.iter().any(|o| o.ends_with(".docx")), "{name}: {u}");
    }
    let failed = |name: &str, words: &[&str]| {
        let u = &units[name];
        assert_eq!(u["status"], "无法读取", "{name}: {u}");
        let failure = u["failure"].as_str().unwrap();
        for w in words {
            assert!(failure.contains(w), "{name}: “{w}” missing in {failure}");
        }
    };
    failed("截断", &["统计表.xlsx", "已损坏或不完整"]);
    failed("加密", &["统计表.xlsx", "加密"]);
    failed("CSV冒充", &["统计表.xlsx", "CSV"]);
    failed("网页冒充", &["统计表.xlsx", "HTML"]);
    failed("正文损坏", &["草稿.docx", "已损坏"]);
    failed("乱码文稿", &["草稿.txt", "GBK"]);
    // A sheet declaring a million rows is read (capped) and reported, not refused.
    let million = &units["百万行"];
    let rules: Vec<&str> = million["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"import.sheet_too_large"), "{million}");
}

#[test]
fn a_batch_with_hostile_units_completes() {
    let batch = hostile_batch(false);
    let (units, stdout) = run_batch(batch.path());
    assert_eq!(units.len(), 10, "{:?}", units.keys());
    assert_batch_results(&units, &stdout);
}

#[test]
fn a_batch_with_a_decompression_bomb_completes() {
    let batch = hostile_batch(true);
    let (units, stdout) = run_batch(batch.path());
    assert_eq!(units["压缩炸弹"]["status"], "无法读取");
    assert_batch_results(&units, &stdout);
}
