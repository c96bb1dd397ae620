//! The two real published reports of `tests/fixtures/samples/` read into complete reports.

mod common;

use common::{HUAIAN_2024, all_zero, assert_values, expected_values, fixture};
use nianbao_docs::read_document;
use nianbao_model::{Format, ParagraphLevel, Severity, validate};

#[test]
fn huaian_pdftotext_reads_every_value() {
    let format = Format::national_2021();
    let imported = read_document(
        &fixture("samples/huaian-2024-published-pdftotext.txt"),
        format,
    )
    .unwrap();
    assert!(imported.findings.is_empty(), "{:#?}", imported.findings);
    let report = &imported.report;
    assert_values(report, &expected_values(HUAIAN_2024));
    assert_eq!(report.meta.org, "淮安市人民政府");
    assert_eq!(report.meta.year, 2024);
}

#[test]
fn huaian_values_point_at_their_lines() {
    let format = Format::national_2021();
    let report = read_document(
        &fixture("samples/huaian-2024-published-pdftotext.txt"),
        format,
    )
    .unwrap()
    .report;
    let line_of = |row: &str, field: &str| {
        report
            .values
            .get(&nianbao_model::ValueKey::new(row, field))
            .and_then(|c| c.source.as_ref())
            .and_then(|l| l.line)
    };
    assert_eq!(line_of("new_received", "natural_person"), Some(123));
    assert_eq!(line_of("partial", "total"), Some(130));
    assert_eq!(line_of("other_no_fee_paid", "total"), Some(188));
    assert_eq!(line_of("review", "total"), Some(220));
    assert_eq!(line_of("fees", "amount_wan_yuan"), Some(106));
}

#[test]
fn huaian_prose_is_split_into_parts_and_agrees_with_tables() {
    let format = Format::national_2021();
    let report = read_document(
        &fixture("samples/huaian-2024-published-pdftotext.txt"),
        format,
    )
    .unwrap()
    .report;
    let numbers: Vec<u8> = report.parts.iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(report.opening.len(), 1);
    assert!(
        report.opening[0]
            .text
            .starts_with("本报告由淮安市人民政府办公室")
    );
    assert!(report.opening[0].text.ends_with("hazwgkc@163.com）。"));
    assert_eq!(
        report.meta.contact,
        vec![
            "地址：淮安市翔宇南道 1 号",
            "邮编：223001",
            "电话：0517-83605210",
            "电子邮箱：hazwgkc@163.com"
        ]
    );
    let overview = report.part(1).unwrap();
    // The paragraph crossing the page break (footer `-1-`) stays one paragraph.
    let first = &overview.paragraphs[1];
    assert_eq!(first.run_in.as_deref(), Some("（一）主动公开情况。"));
    assert!(
        first
            .text
            .contains("“建设‘四最’一流营商环境高质量推进产业发展”"),
        "{}",
        first.text
    );
    let runs: Vec<&str> = overview
        .paragraphs
        .iter()
        .filter_map(|p| p.run_in.as_deref())
        .collect();
    assert_eq!(runs.len(), 5, "{runs:?}");
    assert!(
        report
            .part(5)
            .unwrap()
            .text()
            .contains("政策解读质量仍需提升")
    );
    assert!(
        report
            .part(6)
            .unwrap()
            .text()
            .contains("信息处理费 3940 元")
    );
    // Parts holding a table have no prose: their lines were the table.
    assert!(report.part(3).unwrap().paragraphs.is_empty());
    let findings = validate(format, &report, None);
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error || f.rule == "prose.number_mismatch")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn weidong_tab_separated_reads_all_zeros() {
    let format = Format::national_2021();
    let imported = read_document(&fixture("samples/weidong-2024-published.txt"), format).unwrap();
    assert!(imported.findings.is_empty(), "{:#?}", imported.findings);
    let report = &imported.report;
    assert_values(report, &all_zero());
    assert_eq!(report.meta.org, "卫东区行政审批和政务信息管理局");
    assert_eq!(report.meta.year, 2024);
    let numbers: Vec<u8> = report.parts.iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6]);
    let overview = report.part(1).unwrap();
    let sub: Vec<&str> = overview
        .paragraphs
        .iter()
        .filter(|p| p.level == ParagraphLevel::Sub1)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(
        sub,
        vec![
            "（一）主动公开信息情况",
            "（二）依申请公开情况",
            "（三）政府信息管理",
            "（四）政府信息公开平台建设",
            "（五）监督保障"
        ]
    );
    assert!(report.part(6).unwrap().text().contains("未收取信息处理费"));
    let source = overview.paragraphs[0].source.as_ref().unwrap();
    assert_eq!(source.line, Some(7));
    assert!(
        source
            .file
            .as_deref()
            .unwrap()
            .ends_with("weidong-2024-published.txt")
    );
    let errors: Vec<_> = validate(format, report, None)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The Huaian text with some lines replaced.
fn huaian_with(changes: &[(usize, &str)]) -> String {
    let text =
        std::fs::read_to_string(fixture("samples/huaian-2024-published-pdftotext.txt")).unwrap();
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            changes
                .iter()
                .find(|(no, _)| *no == i + 1)
                .map_or(line, |(_, new)| *new)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn huaian_rows_with_missing_numbers_are_refused_not_invented() {
    let format = Format::national_2021();
    let text = huaian_with(&[
        // 2.重复申请: the numbers are gone.
        (169, "               2.重复申请"),
        // （二）部分公开: the numbers between the two lines of its wrapped label are gone.
        (130, ""),
        // 1.本机关不掌握相关政府信息: one number short.
        (
            156,
            "             1.本机关不掌握相关政府信息     746         12       0        0    10       1",
        ),
        // 一、本年新收…: the cells were joined.
        (
            123,
            "一、本年新收政府信息公开申请数量                300153006143119",
        ),
    ]);
    let imported = nianbao_docs::read_document_bytes("淮安.txt", text.as_bytes(), format).unwrap();
    let found: Vec<(String, Option<usize>)> = imported
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.locations.first().and_then(|l| l.line)))
        .collect();
    assert_eq!(
        found,
        vec![
            ("import.cells_joined".to_string(), Some(123)),
            ("import.row_values".to_string(), Some(156)),
            // The missing rows, in one finding at the table's first row.
            ("import.row_missing".to_string(), Some(123)),
        ]
    );
    let message = &imported.findings[2].message;
    assert!(
        message.contains("（二）部分公开") && message.contains("（五）不予处理2.重复申请"),
        "{message}"
    );
    let report = &imported.report;
    assert_eq!(report.values.len(), 200 - 4 * 7);
    let key = |row: &str| nianbao_model::ValueKey::new(row, "total");
    for row in ["new_received", "partial", "unable_not_held", "np_repeat"] {
        assert!(!report.values.contains_key(&key(row)), "{row}");
    }
    // The rows around the damaged ones keep their own numbers.
    assert_eq!(report.number(&key("np_petition")), Some(62.into()));
    assert_eq!(report.number(&key("granted")), Some(1362.into()));
    assert_eq!(report.number(&key("deny_state_secret")), Some(2.into()));
    assert_eq!(report.number(&key("np_publication")), Some(0.into()));
    assert_eq!(report.number(&key("unable_need_creation")), Some(11.into()));
}

#[test]
fn pdf_text_with_one_cell_per_line_is_read() {
    // `pdftotext` without `-layout` writes every cell on a line of its own.
    let format = Format::national_2021();
    let mut text = String::from("某局2024年政府信息公开工作年度报告\n");
    let mut expected = Vec::new();
    let mut n = 0;
    for (part, table) in [(2u8, "table2"), (3, "table3"), (4, "table4")] {
        text.push_str(&format.part(part).unwrap().full_heading());
        text.push('\n');
        let spec = format.table(table).unwrap();
        let cells = spec.value_cells();
        let mut last_row = String::new();
        for vc in cells {
            if table != "table4" && vc.key.row != last_row {
                text.push_str(&format!("{}\n", spec.row_label(&vc.key.row).unwrap()));
                last_row = vc.key.row.clone();
            }
            n += 1;
            text.push_str(&format!("{n}\n"));
            expected.push((vc.key.clone(), nianbao_model::Decimal::from(n)));
        }
    }
    let imported = nianbao_docs::read_document_bytes("逐格.txt", text.as_bytes(), format).unwrap();
    assert!(imported.findings.is_empty(), "{:#?}", imported.findings);
    common::assert_values(&imported.report, &expected);
}
