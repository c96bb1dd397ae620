//! Writes the filing DOCX of a report and the draft skeleton, converts both to PDF with
//! LibreOffice and writes PNG pages (`report-1.png`, …, `skeleton-1.png`, …).
//!
//! `cargo run -p nianbao-docx --example render -- <out_dir> [values.tsv] [机关名称] [年度]`
//!
//! Without a values file the report is all zeros. The TSV holds one line per row key followed by
//! the row's values in the format's field order (`tests/fixtures/values/huaian-2024.tsv`).

use std::path::PathBuf;

use nianbao_docx::{DocxOptions, render, write_draft_skeleton, write_report_docx};
use nianbao_model::{Decimal, Format, Paragraph, ParagraphLevel, PartText, Report, ValueKey};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out_dir = PathBuf::from(
        args.next()
            .ok_or("用法：render <输出目录> [数值.tsv] [机关名称] [年度]")?,
    );
    let values = args.next();
    let org = args.next().unwrap_or_else(|| "淮安市人民政府".to_string());
    let year: i32 = args.next().map(|y| y.parse()).transpose()?.unwrap_or(2024);
    let format = Format::national_2021();
    let mut report = Report::new(org, year);
    report.meta.date = Some(format!("{}-01-16", year + 1));
    report.closing = vec![
        Paragraph::body(report.meta.org.clone()),
        Paragraph::body(format!("{}年1月16日", year + 1)),
    ];
    for key in format.value_keys() {
        report.set(key, Decimal::ZERO, None);
    }
    if let Some(path) = values {
        let text = std::fs::read_to_string(&path)?;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let mut cells = line.split('\t');
            let row = cells.next().unwrap_or_default();
            let Some(table) = format.tables.iter().find(|t| t.row(row).is_some()) else {
                return Err(format!("{path}: 未知的行 {row}").into());
            };
            let fields: Vec<&str> = table
                .value_cells()
                .iter()
                .filter(|v| v.key.row == row)
                .map(|v| {
                    table
                        .field(&v.key.field)
                        .map(|f| f.key.as_str())
                        .unwrap_or_default()
                })
                .collect();
            for (field, value) in fields.into_iter().zip(cells) {
                report.set(ValueKey::new(row, field), value.trim().parse()?, None);
            }
        }
    }
    for part in &format.parts {
        report.parts.push(PartText {
            number: part.number,
            paragraphs: vec![
                Paragraph {
                    level: ParagraphLevel::Sub1,
                    run_in: Some("（一）示例小标题。".to_string()),
                    ..Paragraph::body(format!("{year}年，本机关{}部分的示例正文。", part.heading))
                },
                Paragraph::body("示例正文的第二段，用于检查两端对齐、首行缩进两字和每行固定28磅的行距是否正确，并检查跨行时的排版效果。"),
            ],
            ..PartText::default()
        });
    }
    std::fs::create_dir_all(&out_dir)?;
    let docx_path = out_dir.join("report.docx");
    std::fs::write(
        &docx_path,
        write_report_docx(format, &report, &DocxOptions::default())?,
    )?;
    let skeleton_path = out_dir.join("skeleton.docx");
    std::fs::write(&skeleton_path, write_draft_skeleton(format, &report.meta)?)?;
    let soffice = render::find_soffice().ok_or(render::INSTALL_HINT)?;
    let docx = [docx_path, skeleton_path];
    let pdfs = render::convert_to_pdf(&soffice, &docx, render::timeout_for(docx.len()))?;
    for (path, bytes) in docx.iter().zip(pdfs) {
        let pdf = path.with_extension("pdf");
        std::fs::write(&pdf, bytes)?;
        for page in render::render_pages_png(&pdf, &out_dir, 60)? {
            println!("{}", page.display());
        }
    }
    Ok(())
}
