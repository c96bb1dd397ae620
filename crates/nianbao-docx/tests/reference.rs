//! An office's own Word template (`--reference-docx`): `tests/fixtures/reference/office-template.docx`
//! was made from nianbao's starting template and saved by LibreOffice with the body style in
//! 楷体 at exact 22 pt lines and a header line (`make-reference.py` beside it). The filing
//! document carries all three; its tables and values are the same as without the template.

mod common;

use std::sync::Arc;

use common::*;
use nianbao_docx::{DocxOptions, ReferenceDocx, write_reference_template, write_report_docx};
use nianbao_model::Format;

const HEADER_TEXT: &str = "卫东区行政审批和政务信息管理局　政务公开专用";

fn office_template() -> Arc<ReferenceDocx> {
    let bytes = std::fs::read(fixture("reference/office-template.docx")).unwrap();
    Arc::new(ReferenceDocx::parse(&bytes, "office-template.docx").unwrap())
}

fn with_reference(reference: Arc<ReferenceDocx>) -> Vec<u8> {
    let options = DocxOptions {
        reference: Some(reference),
        ..DocxOptions::default()
    };
    write_report_docx(Format::national_2021(), &huaian_report(), &options).unwrap()
}

/// The first body paragraph of part 一 (plain 正文 text) and its first run.
fn body_text_paragraph(doc: &X) -> &X {
    body_paragraphs(doc)
        .into_iter()
        .find(|p| p.prop("w:pPr", "w:pStyle", "w:val").is_none() && p.text().chars().count() > 30)
        .unwrap()
}

#[test]
fn the_office_template_gives_body_font_line_spacing_and_header() {
    let plain = write_report_docx(
        Format::national_2021(),
        &huaian_report(),
        &DocxOptions::default(),
    )
    .unwrap();
    let styled = with_reference(office_template());
    let (plain_doc, styled_doc) = (document(&plain), document(&styled));
    let (plain_styles, styled_styles) = (Styles::of(&plain), Styles::of(&styled));

    // Body font and line spacing: the template's 正文.
    let p = body_text_paragraph(&styled_doc);
    let run = p.child("w:r").unwrap();
    assert_eq!(
        styled_styles
            .run(p, run, "w:rFonts", "w:eastAsia")
            .as_deref(),
        Some("楷体")
    );
    assert_eq!(
        styled_styles.para(p, "w:spacing", "w:line").as_deref(),
        Some("440")
    );
    let p = body_text_paragraph(&plain_doc);
    let run = p.child("w:r").unwrap();
    assert_eq!(
        plain_styles
            .run(p, run, "w:rFonts", "w:eastAsia")
            .as_deref(),
        Some("仿宋_GB2312")
    );
    assert_eq!(
        plain_styles.para(p, "w:spacing", "w:line").as_deref(),
        Some("560")
    );
    // What the template does not change keeps nianbao's: the first-line indent, the headings.
    let p = body_text_paragraph(&styled_doc);
    assert_eq!(
        styled_styles.para(p, "w:ind", "w:firstLine").as_deref(),
        Some("640")
    );
    let heading = paragraph_with(&styled_doc, "一、总体情况");
    let run = heading.child("w:r").unwrap();
    assert_eq!(
        styled_styles
            .run(heading, run, "w:rFonts", "w:eastAsia")
            .as_deref(),
        Some("黑体")
    );

    // The header line: a default header in the section, its part holding the text.
    let files = unzip(&styled);
    let sect = body(&styled_doc).child("w:sectPr").unwrap();
    let rels = parse(&files["word/_rels/document.xml.rels"]);
    let header_targets: Vec<String> = sect
        .children_named("w:headerReference")
        .filter(|r| r.attr("w:type") == Some("default"))
        .filter_map(|r| {
            let id = r.attr("r:id")?;
            rels.children_named("Relationship")
                .find(|rel| rel.attr("Id") == Some(id))
                .and_then(|rel| rel.attr("Target"))
                .map(str::to_string)
        })
        .collect();
    assert_eq!(header_targets.len(), 1, "{header_targets:?}");
    let header = parse(&files[&format!("word/{}", header_targets[0])]);
    assert_eq!(header.text(), HEADER_TEXT);
    // The header's own style came along, and every style a paragraph names is defined.
    assert!(String::from_utf8_lossy(&files["word/styles.xml"]).contains("w:styleId=\"Header\""));
    // The page setup is the template's (here the same GB/T 9704 margins).
    assert_eq!(sect.child("w:pgMar").unwrap().attr("w:top"), Some("2098"));
    assert!(!unzip(&plain).keys().any(|k| k.contains("header")));

    // Tables and values are the same, cell for cell.
    let tables = |doc: &X| -> Vec<Vec<Vec<String>>> {
        body(doc)
            .children_named("w:tbl")
            .map(|t| {
                t.children_named("w:tr")
                    .map(|r| r.children_named("w:tc").map(|c| c.text()).collect())
                    .collect()
            })
            .collect()
    };
    assert_eq!(tables(&plain_doc).len(), 3);
    assert_eq!(tables(&plain_doc), tables(&styled_doc));
    let table_xml = |docx: &[u8]| {
        let xml = String::from_utf8_lossy(&unzip(docx)["word/document.xml"]).into_owned();
        let start = xml.find("<w:tbl>").unwrap();
        let end = xml.rfind("</w:tbl>").unwrap();
        xml[start..end].to_string()
    };
    assert_eq!(table_xml(&plain), table_xml(&styled));
    // And the same bytes for the same input.
    assert_eq!(styled, with_reference(office_template()));
}

#[test]
fn nianbao_s_starting_template_gives_back_the_built_in_look() {
    let template = write_reference_template(Format::national_2021()).unwrap();
    let reference = Arc::new(ReferenceDocx::parse(&template, "本单位模板.docx").unwrap());
    let styled = with_reference(reference);
    let doc = document(&styled);
    let styles = Styles::of(&styled);
    let p = body_text_paragraph(&doc);
    let run = p.child("w:r").unwrap();
    assert_eq!(
        styles.run(p, run, "w:rFonts", "w:eastAsia").as_deref(),
        Some("仿宋_GB2312")
    );
    assert_eq!(
        styles.para(p, "w:spacing", "w:line").as_deref(),
        Some("560")
    );
    // Its page-number footers stand in for nianbao's own.
    let files = unzip(&styled);
    assert!(String::from_utf8_lossy(&files["word/footer1.xml"]).contains("PAGE"));
}
