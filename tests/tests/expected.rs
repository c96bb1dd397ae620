//! Tests as data: every input under `tests/fixtures/{real,docs,excel,samples}` is read the way
//! `nianbao check` reads it (workbooks by the Excel importer, documents by the document reader,
//! then validated), and what was read — 机关名称, 年度, every value with its source, every
//! finding with its rule, severity and places — is rendered as text and compared with the
//! `.expected` file beside the input.
//!
//! Adding a real case is adding a file: run `UPDATE_EXPECT=1 cargo test -p nianbao-tests --test
//! expected`, read the new `.expected` in the diff, commit both.
//!
//! The published pages also have their true table values in `real/html/truth.json` (typed from
//! the pages by a person): the values read must equal them, whatever the `.expected` files say.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nianbao_model::{CellValue, Format, Report, ValueKey, validate};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The inputs: every file of the fixture folders that a reader takes.
fn inputs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "real/html",
        "real/text",
        "real/verbatim",
        "docs",
        "docs/kinds",
        "excel",
        "excel/titled",
        "samples",
    ] {
        let Ok(entries) = std::fs::read_dir(fixtures().join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // A folder's README says what its fixtures are; it is none of them.
            if path
                .file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
            {
                continue;
            }
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if matches!(
                ext.as_str(),
                "xlsx" | "xls" | "ods" | "et" | "docx" | "html" | "md" | "txt"
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn is_workbook(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "xlsx" | "xls" | "ods" | "et")
}

/// What nianbao reads from one input, as text.
fn render(path: &Path, format: &Format) -> String {
    let mut out = String::new();
    let read = if is_workbook(path) {
        nianbao_excel::import_workbook(path, format)
            .map(|i| (i.report, i.findings))
            .map_err(|e| e.to_string())
    } else {
        nianbao_docs::read_document(path, format)
            .map(|i| (i.report, i.findings))
            .map_err(|e| e.to_string())
    };
    let (report, mut findings) = match read {
        Ok(read) => read,
        Err(message) => {
            let _ = writeln!(out, "不能读取：{message}");
            return out;
        }
    };
    findings.extend(validate(format, &report, None));
    let _ = writeln!(out, "机关名称：{}", report.meta.org);
    let _ = writeln!(out, "年度：{}", report.meta.year);
    if let Some(date) = &report.meta.date {
        let _ = writeln!(out, "成文日期：{date}");
    }
    let _ = writeln!(out, "部分：{}", parts_line(&report));
    for (part, headings) in subheadings(&report) {
        let _ = writeln!(out, "  第{part}部分小标题：{}", headings.join("；"));
    }
    let _ = writeln!(out, "\n数值（{} 个）：", report.values.len());
    for (key, cell) in &report.values {
        let value = match &cell.value {
            CellValue::Number(n) => n.to_string(),
            CellValue::Empty(raw) if raw.is_empty() => "（空）".to_string(),
            CellValue::Empty(raw) => format!("（空：{raw}）"),
            CellValue::Unreadable(raw) => format!("（不可读：{raw}）"),
        };
        let source = cell
            .source
            .as_ref()
            .map(|s| {
                let mut place = s.clone();
                place.key = None;
                place.label = None;
                place.to_string()
            })
            .unwrap_or_default();
        let _ = writeln!(out, "  {key} = {value} @ {source}");
    }
    let _ = writeln!(out, "\n问题（{} 项）：", findings.len());
    for f in &findings {
        let places: Vec<String> = f
            .locations
            .iter()
            .map(|l| {
                let mut place = l.clone();
                place.label = None;
                match (place.to_string(), &l.key) {
                    (text, Some(key)) if text.is_empty() => key.clone(),
                    (text, _) => text,
                }
            })
            .collect();
        let _ = writeln!(out, "  {} [{}] {}", f.severity.label(), f.rule, f.message);
        // A finding over many values (`values.missing`) names the first few.
        const SHOWN: usize = 12;
        if !places.is_empty() {
            let mut shown: Vec<String> = places.iter().take(SHOWN).cloned().collect();
            if places.len() > SHOWN {
                shown.push(format!("等 {} 处", places.len()));
            }
            let _ = writeln!(out, "    位置：{}", shown.join("；"));
        }
    }
    out
}

/// Each part's sub-headings as read (standalone and run-in), in order: shows that numbering and
/// levels were recognised, not only that paragraphs were found.
fn subheadings(report: &Report) -> Vec<(usize, Vec<String>)> {
    use nianbao_model::report::ParagraphLevel;
    report
        .parts
        .iter()
        .filter_map(|p| {
            let headings: Vec<String> = p
                .paragraphs
                .iter()
                .filter_map(|para| match (&para.run_in, para.level) {
                    (Some(run_in), _) => Some(run_in.clone()),
                    (None, ParagraphLevel::Body) => None,
                    (None, _) => Some(para.text.clone()),
                })
                .collect();
            (!headings.is_empty()).then_some((p.number as usize, headings))
        })
        .collect()
}

fn parts_line(report: &Report) -> String {
    let parts: Vec<String> = report
        .parts
        .iter()
        .map(|p| format!("{}（{} 段）", p.number, p.paragraphs.len()))
        .collect();
    if parts.is_empty() {
        "（无）".to_string()
    } else {
        parts.join(" ")
    }
}

#[test]
fn every_fixture_reads_as_its_expected_file_says() {
    let format = Format::national_2021();
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let inputs = inputs();
    assert!(inputs.len() > 20, "fixtures not found: {inputs:?}");
    for input in inputs {
        let got = render(&input, format);
        let mut expected_path = input.clone().into_os_string();
        expected_path.push(".expected");
        let expected_path = PathBuf::from(expected_path);
        if update {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if want != got {
            failures.push(format!(
                "{}\n--- expected\n{}\n--- got\n{}",
                input.display(),
                first_difference(&want, &got),
                first_difference(&got, &want)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ from their .expected (UPDATE_EXPECT=1 rewrites them; review the diff):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The lines of `a` from the first one that `b` does not have at the same place (a few).
fn first_difference(a: &str, b: &str) -> String {
    let (al, bl): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = al
        .iter()
        .zip(&bl)
        .position(|(x, y)| x != y)
        .unwrap_or(al.len().min(bl.len()));
    al.iter()
        .skip(at)
        .take(3)
        .map(|line| line.chars().take(160).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The true values of the published pages (`truth.json`, keys as in the specification's
/// `tables-2021.yaml`) are the values read from them.
#[test]
fn published_pages_read_their_true_values() {
    let format = Format::national_2021();
    let dir = fixtures().join("real/html");
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let pages = truth.as_object().unwrap();
    assert!(!pages.is_empty());
    for (name, page) in pages {
        let imported = nianbao_docs::read_document(&dir.join(format!("{name}.html")), format)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = &imported.report;
        let want_org = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{name}.html\t")))
            .and_then(|l| l.split('\t').nth(1))
            .unwrap();
        assert_eq!(report.meta.org, want_org, "{name}");
        assert_eq!(
            i64::from(report.meta.year),
            page["year"].as_i64().unwrap(),
            "{name}"
        );
        let mut want: BTreeMap<ValueKey, f64> = BTreeMap::new();
        let t2 = &page["t2"];
        for (row, fields) in [
            ("regulations", &["made", "repealed", "valid"][..]),
            ("normative_documents", &["made", "repealed", "valid"][..]),
        ] {
            for (i, field) in fields.iter().enumerate() {
                want.insert(ValueKey::new(row, field), t2[row][i].as_f64().unwrap());
            }
        }
        for (row, field, key) in [
            ("licensing", "decisions", "licensing"),
            ("punishment", "decisions", "punishment"),
            ("coercion", "decisions", "coercion"),
            ("fees", "amount_wan_yuan", "fees"),
        ] {
            want.insert(ValueKey::new(row, field), t2[key].as_f64().unwrap());
        }
        let t3_fields = format.table("table3").unwrap();
        for (row, values) in page["t3"].as_object().unwrap() {
            for (field, v) in t3_fields.fields.iter().zip(values.as_array().unwrap()) {
                want.insert(ValueKey::new(row, &field.key), v.as_f64().unwrap());
            }
        }
        let t4 = format.table("table4").unwrap();
        for (row, values) in t4.rows.iter().zip(page["t4"].as_array().unwrap()) {
            for (field, v) in t4.fields.iter().zip(values.as_array().unwrap()) {
                want.insert(ValueKey::new(&row.key, &field.key), v.as_f64().unwrap());
            }
        }
        assert_eq!(want.len(), 200, "{name}: truth has every value");
        for (key, value) in want {
            let got = report.values.get(&key).map(|c| c.value.clone());
            let Some(CellValue::Number(n)) = got else {
                panic!("{name}: {key} not read: {got:?}");
            };
            let got: f64 = n.to_string().parse().unwrap();
            assert!(
                (got - value).abs() < 1e-6,
                "{name}: {key} read {got}, truly {value}"
            );
        }
        let rules: Vec<&str> = imported.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(
            !rules.iter().any(|r| r.starts_with("import.")),
            "{name}: {rules:?}"
        );
    }
}
