//! `TableValues::Skip`: a draft whose numbers come from a workbook has its tables recognised but
//! not read. The prose must come out exactly as a full read gives it, for every kind of file.

mod common;

use common::fixture;
use nianbao_docs::{Imported, TableValues, read_document_bytes_with, read_document_with};
use nianbao_model::Format;

/// Rules about reading a table's rows: none may come from a draft whose values are skipped.
const TABLE_RULES: [&str; 5] = [
    "import.row_not_found",
    "import.row_values",
    "import.cells_joined",
    "import.row_duplicate",
    "import.legacy_format",
];

fn table_rules(imported: &Imported) -> Vec<&str> {
    imported
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .filter(|r| TABLE_RULES.contains(r))
        .collect()
}

fn assert_same_prose(read: &Imported, skipped: &Imported, what: &str) {
    assert_eq!(read.report.meta, skipped.report.meta, "{what}: metadata");
    assert_eq!(
        read.report.opening, skipped.report.opening,
        "{what}: opening"
    );
    assert_eq!(read.report.parts, skipped.report.parts, "{what}: parts");
    assert_eq!(
        read.report.closing, skipped.report.closing,
        "{what}: closing"
    );
}

#[test]
fn skipped_tables_are_recognised_and_the_prose_is_unchanged() {
    let format = Format::national_2021();
    for name in [
        "docs/huaian-2024.docx",
        "docs/huaian-2024.html",
        "samples/huaian-2024-published-pdftotext.txt",
        "samples/weidong-2024-published.txt",
    ] {
        let path = fixture(name);
        let read = read_document_with(&path, format, TableValues::Read).unwrap();
        let skipped = read_document_with(&path, format, TableValues::Skip).unwrap();
        assert!(
            read.report.values.len() >= 100,
            "{name}: a full read gives the table values ({})",
            read.report.values.len()
        );
        assert!(read.has_tables && skipped.has_tables, "{name}: tables seen");
        assert!(skipped.report.values.is_empty(), "{name}: no values");
        assert_same_prose(&read, &skipped, name);
    }
}

#[test]
fn a_draft_without_tables_has_none_either_way() {
    let format = Format::national_2021();
    let path = fixture("docs/prose-only.html");
    for mode in [TableValues::Read, TableValues::Skip] {
        let imported = read_document_with(&path, format, mode).unwrap();
        assert!(!imported.has_tables, "{mode:?}");
        assert!(imported.report.values.is_empty(), "{mode:?}");
        assert!(imported.report.has_prose(), "{mode:?}");
    }
}

#[test]
fn a_broken_table_is_reported_when_read_and_silent_when_skipped() {
    let format = Format::national_2021();
    let html = std::fs::read_to_string(fixture("docs/huaian-2024.html")).unwrap();
    // The 规章 row loses a cell: read, it is an error; skipped, it is not looked at.
    let row = "<td>规章</td><td>1</td><td>0</td><td>11</td>";
    assert!(html.contains(row));
    let broken = html.replace(row, "<td>规章</td><td>1</td><td>0</td>");
    let read = read_document_bytes_with("草稿.html", broken.as_bytes(), format, TableValues::Read)
        .unwrap();
    assert_eq!(table_rules(&read), ["import.row_values"]);
    let skipped =
        read_document_bytes_with("草稿.html", broken.as_bytes(), format, TableValues::Skip)
            .unwrap();
    assert!(table_rules(&skipped).is_empty(), "{:?}", skipped.findings);
    assert!(skipped.has_tables && skipped.report.values.is_empty());
    assert_same_prose(&read, &skipped, "broken html");

    // The same in text copied from a PDF: a row missing a number.
    let text =
        std::fs::read_to_string(fixture("samples/huaian-2024-published-pdftotext.txt")).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("规章"))
        .expect("the 规章 row");
    let shortened = line.trim_end().rsplit_once(char::is_whitespace).unwrap().0;
    let broken = text.replacen(line, shortened, 1);
    let read =
        read_document_bytes_with("草稿.txt", broken.as_bytes(), format, TableValues::Read).unwrap();
    assert!(!table_rules(&read).is_empty(), "{:?}", read.findings);
    let skipped =
        read_document_bytes_with("草稿.txt", broken.as_bytes(), format, TableValues::Skip).unwrap();
    assert!(table_rules(&skipped).is_empty(), "{:?}", skipped.findings);
    assert_same_prose(&read, &skipped, "broken text");
}
