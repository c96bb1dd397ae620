//! Pages and copies of the kinds real reports come in (`tests/fixtures/docs/kinds/`: a TRS site,
//! a mobile page without merged cells, a table split at a page break, a Word export in GBK,
//! cell-per-line and tab copies, Markdown, pdftotext), each with the values and metadata it was
//! written with in `<name>.truth.json`. The invariant of recognition is checked against them:
//! every value read is the true one, a value not read is said (an `import.*` warning or error),
//! and the 机关名称 and 年度 are the true ones. Their `.expected` files (the `expected` test) hold
//! the rest.

use std::path::{Path, PathBuf};

use nianbao_model::{CellValue, Decimal, Format, Severity, ValueKey};
use serde_json::Value;

fn kinds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/docs/kinds")
}

/// The documents a truth file describes: the files of the same stem that are not JSON (a page
/// and the DOCX made from it say the same).
fn documents_of(truth: &Path) -> Vec<PathBuf> {
    let Some(stem) = truth
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".truth.json"))
    else {
        return Vec::new();
    };
    ["html", "txt", "md", "docx"]
        .iter()
        .map(|ext| truth.with_file_name(format!("{stem}.{ext}")))
        .filter(|p| p.exists())
        .collect()
}

fn truth_number(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[test]
fn every_value_read_is_true_and_every_value_not_read_is_said() {
    let format = Format::national_2021();
    let mut truths: Vec<PathBuf> = std::fs::read_dir(kinds())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".truth.json"))
        .collect();
    truths.sort();
    assert!(truths.len() >= 10, "{truths:?}");
    let mut wrong = Vec::new();
    for (truth_path, doc) in truths
        .iter()
        .flat_map(|t| documents_of(t).into_iter().map(move |d| (t, d)))
    {
        let name = doc.file_name().unwrap().to_string_lossy().into_owned();
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(truth_path).unwrap()).unwrap();
        let imported = nianbao_docs::read_document(&doc, format).unwrap();
        let report = &imported.report;
        if report.meta.org != truth["meta"]["org"].as_str().unwrap_or_default()
            || i64::from(report.meta.year) != truth["meta"]["year"].as_i64().unwrap_or_default()
        {
            wrong.push(format!(
                "{name}: 读作 {} {}，应为 {}",
                report.meta.org, report.meta.year, truth["meta"]
            ));
        }
        let said = imported
            .findings
            .iter()
            .any(|f| f.rule.starts_with("import.") && f.severity >= Severity::Warning);
        for (row, fields) in truth["values"].as_object().unwrap() {
            for (field, want) in fields.as_object().unwrap() {
                let key = ValueKey::new(row, field);
                let got = report.values.get(&key).map(|c| &c.value);
                match (truth_number(want), got) {
                    (Some(want), Some(CellValue::Number(got))) if *got != want => {
                        wrong.push(format!("{name}: {key} 读作 {got}，应为 {want}"));
                    }
                    (Some(_), Some(CellValue::Number(_))) => {}
                    (Some(want), _) if !said => {
                        wrong.push(format!("{name}: {key}（{want}）未读到，也没有说明"));
                    }
                    (None, Some(CellValue::Number(got))) => {
                        wrong.push(format!("{name}: {key} 原表无数值，读作 {got}"));
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
