//! `TableValues::Skip`: a draft whose numbers come from a workbook has its tables recognised but
//! not read. The prose must come out exactly as a full read gives it, for every kind of file.

mod common;

use common::fixture;
use nianbao_docs::{Imported, TableValues, read_document_bytes_with, read_document_with};
use nianbao_model::Format;

/// Rules about reading a table's rows: none may come from a draft whose values are skipped.
const TABLE_RULES: [&str; 5] = [
    "import.row_missing",
    "import.row_values",
    "import.cells_joined",
    "import.row_duplicate",
    "import.legacy_2019",
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

/// Reads `text` as `name` both ways; the skipped read must report nothing about tables, hold
/// no values but know the tables are there, and give the same prose as the full read.
fn read_both(name: &str, text: &str) -> Imported {
    let format = Format::national_2021();
    let read = read_document_bytes_with(name, text.as_bytes(), format, TableValues::Read).unwrap();
    let skipped =
        read_document_bytes_with(name, text.as_bytes(), format, TableValues::Skip).unwrap();
    assert!(
        table_rules(&skipped).is_empty(),
        "{name}: {:?}",
        skipped.findings
    );
    assert!(
        skipped.has_tables && skipped.report.values.is_empty(),
        "{name}"
    );
    assert_same_prose(&read, &skipped, name);
    read
}

#[test]
fn a_broken_table_is_reported_when_read_and_silent_when_skipped() {
    let html = std::fs::read_to_string(fixture("docs/huaian-2024.html")).unwrap();
    // The 规章 row loses a cell: read, it is an error; skipped, it is not looked at.
    let row = "<td>规章</td><td>1</td><td>0</td><td>11</td>";
    assert!(html.contains(row));
    let read = read_both(
        "草稿.html",
        &html.replace(row, "<td>规章</td><td>1</td><td>0</td>"),
    );
    assert_eq!(table_rules(&read), ["import.row_values"]);

    // The same in text copied from a PDF: a row missing a number.
    let text =
        std::fs::read_to_string(fixture("samples/huaian-2024-published-pdftotext.txt")).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("规章"))
        .expect("the 规章 row");
    let shortened = line.trim_end().rsplit_once(char::is_whitespace).unwrap().0;
    let read = read_both("草稿.txt", &text.replacen(line, shortened, 1));
    assert!(!table_rules(&read).is_empty(), "{:?}", read.findings);
}

/// A draft whose only statistics table is 表四 (a row of numbers under block headers) is
/// known to have tables either way; a 2019-format table is none of this format's tables.
#[test]
fn table_four_alone_counts_and_a_2019_table_does_not() {
    let format = Format::national_2021();
    let html = std::fs::read_to_string(fixture("docs/huaian-2024.html")).unwrap();
    let tables: Vec<&str> = html
        .match_indices("<table")
        .map(|(i, _)| &html[i..])
        .collect();
    let table_four = tables
        .iter()
        .map(|t| &t[..t.find("</table>").unwrap() + "</table>".len()])
        .find(|t| t.contains("行政复议"))
        .unwrap();
    let only_four =
        format!("<html><body><h3>一、总体情况</h3><p>无。</p>{table_four}</body></html>");
    for mode in [TableValues::Read, TableValues::Skip] {
        let imported =
            read_document_bytes_with("草稿.html", only_four.as_bytes(), format, mode).unwrap();
        assert!(imported.has_tables, "{mode:?}");
    }
    let legacy = "<html><body><p>无。</p><table><tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr><tr><td>规章</td><td>1</td><td>1</td><td>11</td></tr></table></body></html>";
    for mode in [TableValues::Read, TableValues::Skip] {
        let imported =
            read_document_bytes_with("草稿.html", legacy.as_bytes(), format, mode).unwrap();
        // A 2019 table is a statistics table, read through the format's mappings.
        assert!(imported.has_tables, "{mode:?}");
    }
}
