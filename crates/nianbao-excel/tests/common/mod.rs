//! Shared helpers: the 淮安 2024 numbers as a report, fixture paths, finding lookups.
#![allow(dead_code)]

use std::path::PathBuf;

use nianbao_model::{Cell, CellValue, Decimal, Finding, Format, Report, ValueKey};

const HUAIAN: &str = include_str!("../../../../tests/fixtures/values/huaian-2024.tsv");

/// The 200 values of 淮安市人民政府's 2024 report, typed in from the published text.
pub fn huaian_report() -> Report {
    let format = Format::national_2021();
    let mut report = Report::new("淮安市人民政府", 2024);
    for line in HUAIAN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut parts = line.split('\t');
        let row = parts.next().unwrap();
        let table = format
            .tables
            .iter()
            .find(|t| t.row(row).is_some())
            .unwrap_or_else(|| panic!("unknown row {row}"));
        let mut cells: Vec<_> = table
            .value_cells()
            .iter()
            .filter(|v| v.key.row == row)
            .collect();
        cells.sort_by_key(|v| v.c);
        let numbers: Vec<&str> = parts.collect();
        assert_eq!(numbers.len(), cells.len(), "{row}");
        for (cell, n) in cells.iter().zip(numbers) {
            report.set(cell.key.clone(), n.parse().unwrap(), None);
        }
    }
    assert_eq!(report.values.len(), 200);
    report
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/excel")
        .join(name)
}

pub fn key(row: &str, field: &str) -> ValueKey {
    ValueKey::new(row, field)
}

pub fn num(s: &str) -> CellValue {
    CellValue::Number(s.parse::<Decimal>().unwrap())
}

/// The value and the A1 cell it came from.
pub fn value_at(report: &Report, row: &str, field: &str) -> (CellValue, String, String) {
    let cell: &Cell = report
        .values
        .get(&key(row, field))
        .unwrap_or_else(|| panic!("no value {row}.{field}"));
    let source = cell.source.clone().expect("source");
    (
        cell.value.clone(),
        source.sheet.unwrap_or_default(),
        source.cell.unwrap_or_default(),
    )
}

pub fn rules(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

pub fn find<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no finding {rule} in {findings:#?}"))
}

/// Every value of `expected` is in `actual` with the same number.
pub fn assert_same_numbers(expected: &Report, actual: &Report) {
    for (k, cell) in &expected.values {
        assert_eq!(
            actual.values.get(k).map(|c| &c.value),
            Some(&cell.value),
            "value {k}"
        );
    }
}
