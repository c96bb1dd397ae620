//! The writer and the importer together: what nianbao writes, it reads back exactly.

mod common;

use common::*;
use nianbao_excel::{import_workbook_bytes, write_report_workbook, write_template};
use nianbao_model::{AdminLevel, CellValue, Format, Metadata, Severity, validate};

fn meta() -> Metadata {
    Metadata {
        org: "淮安市人民政府".into(),
        year: 2024,
        level: Some(AdminLevel::Town),
        region: Some("江苏省淮安市".into()),
        date: Some("2025-01-16".into()),
        contact: vec!["地址：淮安市健康东路".into(), "电话：0517-83606265".into()],
        ..Metadata::default()
    }
}

#[test]
fn huaian_numbers_round_trip_through_the_report_workbook() {
    let format = Format::national_2021();
    let mut report = huaian_report();
    report.meta = meta();
    assert!(
        validate(format, &report, None)
            .iter()
            .all(|f| f.severity != Severity::Error)
    );
    let bytes = write_report_workbook(format, &report, &[]).unwrap();
    let imported = import_workbook_bytes("统计表.xlsx", &bytes, format).unwrap();
    assert_eq!(imported.findings, vec![], "import findings");
    assert_eq!(imported.report.values.len(), 200);
    assert_same_numbers(&report, &imported.report);
    assert_eq!(imported.report.meta, report.meta);
    // Provenance: the sheet and the A1 cell of the value.
    assert_eq!(
        value_at(&imported.report, "fees", "amount_wan_yuan"),
        (num("96171.6"), "表二".into(), "B15".into())
    );
    assert_eq!(
        value_at(&imported.report, "processed_total", "natural_person"),
        (num("2932"), "表三".into(), "D28".into())
    );
    assert_eq!(
        value_at(&imported.report, "litigation_after_review", "total"),
        (num("20"), "表四".into(), "O5".into())
    );
    let findings = validate(format, &imported.report, None);
    assert!(
        findings.iter().all(|f| f.severity != Severity::Error),
        "{findings:#?}"
    );
}

#[test]
fn blank_template_imports_as_no_value_everywhere() {
    let format = Format::national_2021();
    let bytes = write_template(format, &meta()).unwrap();
    let imported = import_workbook_bytes("统计表.xlsx", &bytes, format).unwrap();
    assert_eq!(imported.findings, vec![]);
    assert_eq!(imported.report.values.len(), 200);
    assert!(
        imported
            .report
            .values
            .values()
            .all(|c| c.value == CellValue::Empty(String::new()))
    );
    assert_eq!(imported.report.meta, meta());
    let findings = validate(format, &imported.report, None);
    let missing: Vec<_> = findings
        .iter()
        .filter(|f| f.rule == "values.missing")
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].locations.len(), 200);
    assert!(
        findings.iter().all(|f| f.severity != Severity::Error),
        "{findings:#?}"
    );
}

#[test]
fn writing_is_byte_identical() {
    let format = Format::national_2021();
    let report = huaian_report();
    let findings = validate(format, &report, None);
    let a = write_report_workbook(format, &report, &findings).unwrap();
    let b = write_report_workbook(format, &report, &findings).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        write_template(format, &meta()).unwrap(),
        write_template(format, &meta()).unwrap()
    );
}
