//! The generators the other tests and the benchmark rely on produce what they claim: valid
//! reports that go through the whole pipeline without errors.

use nianbao_model::{Decimal, Format, Severity, ValueKey, validate};
use nianbao_tests::{TotalsPlan, process_unit_bytes, unit_files, valid_report, varied_report};

fn errors(findings: &[nianbao_model::Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn totals_plan_computes_the_totals_of_tables_3_and_4() {
    let plan = TotalsPlan::of(Format::national_2021());
    for key in [
        "new_received.total",
        "processed_total.natural_person",
        "review.total",
        "new_received.org_other",
    ] {
        assert!(
            plan.derived().contains(&ValueKey::parse(key).unwrap()),
            "{key} should be derived"
        );
    }
    for key in [
        "granted.natural_person",
        "carried_over.org_other",
        "regulations.made",
        "fees.amount_wan_yuan",
    ] {
        assert!(
            plan.is_leaf(&ValueKey::parse(key).unwrap()),
            "{key} should be a leaf"
        );
    }
}

#[test]
fn recomputing_the_huaian_totals_gives_the_published_ones() {
    let format = Format::national_2021();
    let published = nianbao_tests::huaian();
    let plan = TotalsPlan::of(format);
    let mut leaves_only = published.clone();
    leaves_only.values.retain(|k, _| plan.is_leaf(k));
    plan.complete(&mut leaves_only).unwrap();
    assert_eq!(leaves_only.numbers(), published.numbers());
}

#[test]
fn generated_reports_pass_every_rule() {
    let format = Format::national_2021();
    let mut n = 0i64;
    let report = valid_report(format, "某局", 2024, |_, _| {
        n += 1;
        Decimal::from(n % 7)
    })
    .unwrap();
    assert_eq!(report.values.len(), format.value_keys().len());
    assert!(errors(&validate(format, &report, None)).is_empty());
    for i in 0..30 {
        let r = varied_report(i, 2024);
        let found = errors(&validate(format, &r, None));
        assert!(found.is_empty(), "unit {i}: {found:?}");
    }
}

#[test]
fn a_generated_unit_goes_through_the_pipeline_without_errors() {
    let report = varied_report(3, 2024);
    let (config, workbook, draft) = unit_files(&report).unwrap();
    assert!(config.contains("示范县"), "{config}");
    let processed = process_unit_bytes(&report.meta, &workbook, &draft).unwrap();
    assert_eq!(processed.report.numbers(), report.numbers());
    let found = errors(&processed.findings);
    assert!(found.is_empty(), "{found:#?}");
    let part1 = processed.report.part(1).unwrap().text();
    let expected = format!(
        "共收到政府信息公开申请{}件",
        report
            .number(&ValueKey::new("new_received", "total"))
            .unwrap()
    );
    assert!(part1.contains(&expected), "{part1}");
}
