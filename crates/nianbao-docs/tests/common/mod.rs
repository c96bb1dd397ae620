//! Shared helpers of the integration tests: fixture paths and the Huaian 2024 figures.
#![allow(dead_code)]

use std::path::PathBuf;

use nianbao_model::{CellValue, Decimal, Report, ValueKey};

/// What a report holds for `row.field`, if anything.
pub fn value_of(report: &Report, row: &str, field: &str) -> Option<CellValue> {
    report
        .values
        .get(&ValueKey::new(row, field))
        .map(|c| c.value.clone())
}

/// A file under the workspace's `tests/fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path)
}

/// The 200 values of 淮安市人民政府 2024年政府信息公开工作年度报告, typed in from the published
/// report: one line per row key, the fields in the format's order.
pub const HUAIAN_2024: &str = "
regulations 1 0 11
normative_documents 8 26 66
licensing 447228
punishment 3985758
coercion 88283
fees 96171.6
new_received 3001 53 0 0 61 4 3119
carried_over 34 0 0 0 0 0 34
granted 1288 21 0 0 50 3 1362
partial 447 7 0 0 0 0 454
deny_state_secret 2 0 0 0 0 0 2
deny_law_forbidden 30 1 0 0 0 0 31
deny_three_safety 5 0 0 0 0 0 5
deny_third_party 6 0 0 0 0 0 6
deny_internal_affairs 7 1 0 0 0 0 8
deny_process_info 12 0 0 0 0 0 12
deny_enforcement_file 9 0 0 0 0 0 9
deny_admin_query 105 0 0 0 0 0 105
unable_not_held 746 12 0 0 10 1 769
unable_need_creation 11 0 0 0 0 0 11
unable_still_unclear 1 0 0 0 0 0 1
np_petition 56 6 0 0 0 0 62
np_repeat 25 0 0 0 0 0 25
np_publication 0 0 0 0 0 0 0
np_massive 0 0 0 0 0 0 0
np_confirm 1 0 0 0 0 0 1
other_no_correction 67 3 0 0 1 0 71
other_no_fee_paid 6 0 0 0 0 0 6
other_other 108 2 0 0 0 0 110
processed_total 2932 53 0 0 61 4 3050
carried_forward 103 0 0 0 0 0 103
review 72 64 178 37 351
litigation_direct 13 4 8 1 26
litigation_after_review 12 1 1 6 20
";

/// The expected values as keys of the format (fields in each row's format order).
pub fn expected_values(text: &str) -> Vec<(ValueKey, Decimal)> {
    let format = nianbao_model::Format::national_2021();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let row = words.next().unwrap();
        let fields: Vec<String> = format
            .value_keys()
            .into_iter()
            .filter(|k| k.row == row)
            .map(|k| k.field)
            .collect();
        let numbers: Vec<&str> = words.collect();
        assert_eq!(fields.len(), numbers.len(), "row {row}");
        for (field, n) in fields.iter().zip(numbers) {
            out.push((ValueKey::new(row, field), n.parse().unwrap()));
        }
    }
    out
}

/// Asserts that a report holds exactly these numbers, naming every difference.
pub fn assert_values(report: &Report, expected: &[(ValueKey, Decimal)]) {
    let mut wrong = Vec::new();
    for (key, n) in expected {
        match report.values.get(key).map(|c| &c.value) {
            Some(CellValue::Number(got)) if got == n => {}
            other => wrong.push(format!("{key}: expected {n}, got {other:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong values:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(report.values.len(), expected.len());
}

/// Every value of the format set to zero.
pub fn all_zero() -> Vec<(ValueKey, Decimal)> {
    nianbao_model::Format::national_2021()
        .value_keys()
        .into_iter()
        .map(|k| (k, Decimal::ZERO))
        .collect()
}
