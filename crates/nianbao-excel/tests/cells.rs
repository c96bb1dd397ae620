//! Cells that are not plain numbers: real date cells, units that must fit the field, numbers
//! beyond any real figure. Workbooks are built in memory with rust_xlsxwriter.

mod common;

use common::*;
use nianbao_excel::{import_workbook_bytes, write_report_workbook};
use nianbao_model::{CellValue, Decimal, Format, Report};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};

/// A workbook with a 基本信息 sheet whose 成文日期 is a real date cell, and table 2's first row
/// with a date typed into the 本年制发件数 cell.
fn workbook_with_dates() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let date_format = CellFormat::new().set_num_format("yyyy-mm-dd");
    let date = ExcelDateTime::from_ymd(2025, 1, 16).unwrap();

    let meta = workbook.add_worksheet();
    meta.set_name(nianbao_excel::META_SHEET).unwrap();
    for (i, label) in nianbao_excel::META_LABELS.iter().enumerate() {
        meta.write_string(1 + i as u32, 0, *label).unwrap();
    }
    meta.write_string(1, 1, "淮安市人民政府").unwrap();
    meta.write_number(2, 1, 2024).unwrap();
    meta.write_datetime_with_format(5, 1, &date, &date_format)
        .unwrap();

    let table = workbook.add_worksheet();
    table.set_name("主动公开").unwrap();
    for (c, text) in ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
        .iter()
        .enumerate()
    {
        table.write_string(0, c as u16, *text).unwrap();
    }
    table.write_string(1, 0, "规章").unwrap();
    table
        .write_datetime_with_format(1, 1, &date, &date_format)
        .unwrap();
    table.write_number(1, 2, 1).unwrap();
    table.write_number(1, 3, 9).unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn a_real_date_cell_is_read_as_a_date() {
    let bytes = workbook_with_dates();
    let imported = import_workbook_bytes("日期.xlsx", &bytes, Format::national_2021()).unwrap();
    assert_eq!(imported.report.meta.date.as_deref(), Some("2025-01-16"));
    assert_eq!(imported.report.meta.year, 2024);
    // A date where a count belongs is unreadable, shown as the date the user sees.
    assert_eq!(
        value_at(&imported.report, "regulations", "made"),
        (
            CellValue::Unreadable("2025-01-16".into()),
            "主动公开".into(),
            "B2".into()
        )
    );
    assert_eq!(
        value_at(&imported.report, "regulations", "valid").0,
        num("9")
    );
}

/// The 淮安 report with some cells holding text, written and read back.
fn round_trip(texts: &[(&str, &str, &str)]) -> Report {
    let format = Format::national_2021();
    let mut report = huaian_report();
    for (row, field, text) in texts {
        report.values.get_mut(&key(row, field)).unwrap().value =
            CellValue::Unreadable((*text).into());
    }
    let bytes = write_report_workbook(format, &report, &[]).unwrap();
    import_workbook_bytes("统计表.xlsx", &bytes, format)
        .unwrap()
        .report
}

#[test]
fn units_are_read_by_the_kind_of_the_field() {
    // 万元 fits the fees cell (an amount in 万元); 元 does not, nor 万元 in a count.
    let report = round_trip(&[
        ("fees", "amount_wan_yuan", "1.2万元"),
        ("regulations", "made", "3万元"),
        ("licensing", "decisions", "5件"),
    ]);
    assert_eq!(
        value_at(&report, "fees", "amount_wan_yuan"),
        (num("1.2"), "表二".into(), "B15".into())
    );
    assert_eq!(
        value_at(&report, "regulations", "made").0,
        CellValue::Unreadable("3万元".into())
    );
    assert_eq!(value_at(&report, "licensing", "decisions").0, num("5"));

    let report = round_trip(&[("fees", "amount_wan_yuan", "12元")]);
    assert_eq!(
        value_at(&report, "fees", "amount_wan_yuan").0,
        CellValue::Unreadable("12元".into())
    );
}

#[test]
fn huge_numbers_are_unreadable_not_a_crash() {
    // Typed as numbers and as text: beyond any real figure, so unreadable, never a panic.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("主动公开").unwrap();
    for (c, text) in ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *text).unwrap();
    }
    sheet.write_string(1, 0, "规章").unwrap();
    sheet.write_number(1, 1, 5e28).unwrap();
    sheet
        .write_string(1, 2, "50000000000000000000000000000")
        .unwrap();
    sheet.write_number(1, 3, 1e300).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let imported = import_workbook_bytes("大数.xlsx", &bytes, Format::national_2021()).unwrap();
    for field in ["made", "repealed", "valid"] {
        let value = value_at(&imported.report, "regulations", field).0;
        assert!(
            matches!(value, CellValue::Unreadable(_)),
            "{field}: {value:?}"
        );
    }
}

#[test]
fn a_report_whose_totals_overflow_is_still_written() {
    // A report need not come from a workbook: terms whose sum overflows a decimal make the
    // total a plain value, not a panic.
    let format = Format::national_2021();
    let mut report = huaian_report();
    for field in ["upheld", "corrected"] {
        report.set(key("review", field), Decimal::MAX, None);
    }
    let bytes = write_report_workbook(format, &report, &[]).unwrap();
    let imported = import_workbook_bytes("统计表.xlsx", &bytes, format).unwrap();
    assert!(matches!(
        value_at(&imported.report, "review", "upheld").0,
        CellValue::Unreadable(_)
    ));
}
