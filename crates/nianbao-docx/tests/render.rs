//! Render check with LibreOffice: the DOCX converts to PDF without error, the PDF text holds
//! every part heading and every table value, and the page count is sane.
//!
//! Runs only with `NIANBAO_RENDER_TESTS=1` (CI sets it; it needs `soffice` and poppler's
//! `pdftotext`), because a conversion takes seconds and the tools are not everywhere.

mod common;

use common::*;
use nianbao_docx::{DocxOptions, render, write_report_docx};
use nianbao_model::{Format, Report};

fn enabled() -> bool {
    if std::env::var("NIANBAO_RENDER_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set NIANBAO_RENDER_TESTS=1 to run the LibreOffice render check");
        return false;
    }
    true
}

fn check_render(report: &Report, name: &str) {
    let format = Format::national_2021();
    let dir = tempfile::tempdir().unwrap();
    let docx_path = dir.path().join(format!("{name}.docx"));
    std::fs::write(
        &docx_path,
        write_report_docx(format, report, &DocxOptions::default()).unwrap(),
    )
    .unwrap();
    let soffice = render::find_soffice().expect(render::INSTALL_HINT);
    let pdf_bytes = render::convert_to_pdf(&soffice, &[docx_path], render::timeout_for(1)).unwrap();
    let pdf = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&pdf, &pdf_bytes[0]).unwrap();
    let text = render::pdf_text(&pdf).unwrap();
    let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert!((3..=12).contains(&pages), "{name}: {pages} pages");
    // pdftotext may break a line inside a heading; compare without whitespace.
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for part in &format.parts {
        assert!(
            compact.contains(&part.full_heading()),
            "{name}: {}",
            part.full_heading()
        );
    }
    let tokens: std::collections::BTreeSet<&str> = text.split_whitespace().collect();
    for key in format.value_keys() {
        let value = report.number(&key).unwrap().normalize().to_string();
        assert!(
            tokens.contains(value.as_str()),
            "{name}: {key} = {value} not in the PDF"
        );
    }
    // Page numbers in the GB/T 9704 form.
    assert!(
        compact.contains("—1—") && compact.contains("—2—"),
        "{name}: page numbers"
    );
    let pngs = render::render_pages_png(&pdf, dir.path(), 30).unwrap();
    assert_eq!(pngs.len(), pages, "{name}: one PNG per page");
}

#[test]
fn zero_report_renders_with_libreoffice() {
    if enabled() {
        check_render(&zero_report(), "weidong");
    }
}

#[test]
fn huaian_report_renders_with_libreoffice() {
    if enabled() {
        check_render(&huaian_report(), "huaian");
    }
}
