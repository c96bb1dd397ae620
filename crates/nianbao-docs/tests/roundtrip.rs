//! A report written by this project's DOCX exporter (official grid with merges, run-in
//! headings in their own runs, signature and date) reads back as the same report.

mod common;

use common::fixture;
use nianbao_docs::{read_document, read_document_bytes};
use nianbao_docx::{DocxOptions, write_report_docx};
use nianbao_model::{CellValue, Format, Report};

/// The report without the places things came from (those differ between the two files).
fn content(report: &Report) -> String {
    let mut r = report.clone();
    for p in r.opening.iter_mut().chain(r.closing.iter_mut()) {
        p.source = None;
    }
    for part in &mut r.parts {
        part.source = None;
        for p in &mut part.paragraphs {
            p.source = None;
        }
    }
    let values: Vec<(String, CellValue)> = r
        .values
        .iter()
        .map(|(k, c)| (k.to_string(), c.value.clone()))
        .collect();
    r.values.clear();
    format!("{r:#?}\n{values:?}")
}

#[test]
fn exported_docx_reads_back_as_the_same_report() {
    let format = Format::national_2021();
    for source in [
        "docs/huaian-2024.html",
        "samples/weidong-2024-published.txt",
    ] {
        let original = read_document(&fixture(source), format).unwrap().report;
        assert_eq!(original.values.len(), 200, "{source}");
        let bytes = write_report_docx(format, &original, &DocxOptions::default()).unwrap();
        let mut back = read_document_bytes("导出.docx", &bytes, format).unwrap();
        assert!(back.findings.is_empty(), "{source}: {:#?}", back.findings);
        if original.opening.is_empty() {
            // The exporter writes the format's standard opening when the report has none.
            let opening: Vec<String> = back.report.opening.drain(..).map(|p| p.text).collect();
            assert_eq!(opening.len(), 1, "{source}");
            assert!(opening[0].starts_with("本报告根据《中华人民共和国政府信息公开条例》"));
        }
        assert_eq!(content(&back.report), content(&original), "{source}");
        let place = back
            .report
            .values
            .values()
            .next()
            .and_then(|c| c.source.clone())
            .unwrap();
        assert_eq!(place.file.as_deref(), Some("导出.docx"));
        assert!(place.table.is_some() && place.table_cell.is_some());
    }
}
