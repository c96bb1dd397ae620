//! Every rule of the 2021 format against the real numbers of a published city report (淮安 2024):
//! the report passes as published, and a copy with one changed cell produces exactly the expected
//! findings (rule id, cells, numbers).

use nianbao_model::report::{Paragraph, ParagraphLevel, PartText};
use nianbao_model::{
    AdminLevel, CellValue, Decimal, Finding, Format, Location, Report, Severity, ValueKey, validate,
};

const HUAIAN: &str = include_str!("../../../tests/fixtures/values/huaian-2024.tsv");
const FILE: &str = "huaian-2024.tsv";

/// Reads the typed-in values: one line per row key, fields in the format's grid order.
fn huaian() -> Report {
    let format = Format::national_2021();
    let mut report = Report::new("淮安市人民政府", 2024);
    report.meta.level = Some(AdminLevel::City);
    for (i, line) in HUAIAN.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let row = cols.next().unwrap();
        let table = format.tables.iter().find(|t| t.row(row).is_some()).unwrap();
        let keys: Vec<ValueKey> = table
            .value_cells()
            .iter()
            .filter(|v| v.key.row == row)
            .map(|v| v.key.clone())
            .collect();
        let numbers: Vec<&str> = cols.collect();
        assert_eq!(keys.len(), numbers.len(), "line {}", i + 1);
        for (key, n) in keys.into_iter().zip(numbers) {
            report.set(key, n.parse().unwrap(), Some(Location::line(FILE, i + 1)));
        }
    }
    report
}

fn key(s: &str) -> ValueKey {
    ValueKey::parse(s).unwrap()
}

fn set(report: &mut Report, k: &str, n: i64) {
    let source = report.values[&key(k)].source.clone();
    report.set(key(k), Decimal::from(n), source);
}

fn check(report: &Report) -> Vec<Finding> {
    validate(Format::national_2021(), report, None)
}

/// (rule, message) pairs, for exact comparison.
fn summary(findings: &[Finding]) -> Vec<(String, String)> {
    findings
        .iter()
        .map(|f| (f.rule.clone(), f.message.clone()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

#[test]
fn published_city_report_passes_every_rule() {
    let report = huaian();
    assert_eq!(report.values.len(), 200);
    let findings = check(&report);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn one_changed_total_in_table_3_trips_exactly_its_three_rules() {
    let mut report = huaian();
    set(&mut report, "processed_total.natural_person", 2931);
    let findings = check(&report);
    assert_eq!(
        sorted(summary(&findings)),
        pairs(&[
            (
                "t3.results_total",
                "表三（七）总计·自然人：各项之和为 2932，填报为 2931"
            ),
            (
                "t3.row_total",
                "表三（七）总计·总计：各类申请人之和为 3049，填报为 3050"
            ),
            (
                "t3.balance",
                "表三·自然人：一（本年新收）加二（上年结转）为 3035，三（七）总计加四（结转下年度）为 3034"
            ),
        ])
    );
    assert!(findings.iter().all(|f| f.severity == Severity::Error));
    let results = findings
        .iter()
        .find(|f| f.rule == "t3.results_total")
        .unwrap();
    // The total cell first, then all 21 result rows it adds up, each with its key and source line.
    assert_eq!(results.locations.len(), 22);
    assert_eq!(
        results.locations[0].key.as_deref(),
        Some("processed_total.natural_person")
    );
    assert_eq!(results.locations[0].line, Some(34));
    assert_eq!(results.expected.as_deref(), Some("2932"));
    assert_eq!(results.found.as_deref(), Some("2931"));
    assert_eq!(
        results.locations[0].to_string(),
        "huaian-2024.tsv › 第34行（表三（七）总计·自然人）"
    );
}

#[test]
fn a_changed_sub_item_trips_row_and_column_rules() {
    let mut report = huaian();
    set(&mut report, "deny_admin_query.org_legal_service", 2);
    let rules: Vec<String> = sorted(summary(&check(&report)))
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(rules, vec!["t3.results_total", "t3.row_total"]);
    let f = check(&report);
    let row = f.iter().find(|f| f.rule == "t3.row_total").unwrap();
    assert_eq!(
        row.message,
        "表三（三）不予公开8.属于行政查询事项·总计：各类申请人之和为 107，填报为 105"
    );
}

#[test]
fn table_4_block_total() {
    let mut report = huaian();
    set(&mut report, "litigation_direct.pending", 2);
    assert_eq!(
        summary(&check(&report)),
        pairs(&[(
            "t4.block_total",
            "表四 未经复议直接起诉·总计：各项之和为 27，填报为 26"
        )])
    );
}

#[test]
fn carried_over_must_equal_last_years_carried_forward() {
    let report = huaian();
    let mut last_year = huaian();
    last_year.meta.year = 2023;
    // As published, last year's carried-forward equals this year's carried-over: no finding.
    set(&mut last_year, "carried_forward.natural_person", 34);
    set(&mut last_year, "carried_forward.total", 34);
    let format = Format::national_2021();
    let clean = validate(format, &report, Some(&last_year));
    assert!(clean.iter().all(|f| f.rule != "y.carry_over"), "{clean:#?}");

    set(&mut last_year, "carried_forward.natural_person", 33);
    set(&mut last_year, "carried_forward.total", 33);
    let findings: Vec<Finding> = validate(format, &report, Some(&last_year))
        .into_iter()
        .filter(|f| f.rule == "y.carry_over")
        .collect();
    assert_eq!(
        sorted(summary(&findings)),
        pairs(&[
            (
                "y.carry_over",
                "表三 二、上年结转政府信息公开申请数量·自然人：本年填报 34，上年报告“四、结转下年度继续办理”为 33"
            ),
            (
                "y.carry_over",
                "表三 二、上年结转政府信息公开申请数量·总计：本年填报 34，上年报告“四、结转下年度继续办理”为 33"
            ),
        ])
    );
    assert!(findings.iter().all(|f| f.severity == Severity::Error));
    assert!(findings[0].locations.iter().any(|l| {
        l.label
            .as_deref()
            .is_some_and(|x| x.starts_with("上年报告"))
    }));
}

#[test]
fn document_stock_is_a_warning_across_years() {
    // Real data broke this through a clean-up: 698 + 77 − 132 = 643 ≠ 470.
    let mut report = huaian();
    set(&mut report, "normative_documents.made", 77);
    set(&mut report, "normative_documents.repealed", 132);
    set(&mut report, "normative_documents.valid", 470);
    let mut last_year = huaian();
    set(&mut last_year, "carried_forward.natural_person", 34);
    set(&mut last_year, "carried_forward.total", 34);
    set(&mut last_year, "normative_documents.valid", 698);
    set(&mut last_year, "regulations.valid", 10);
    let findings = validate(Format::national_2021(), &report, Some(&last_year));
    assert_eq!(
        summary(&findings),
        pairs(&[(
            "y.document_stock",
            "表二 行政规范性文件·现行有效件数：按上年现行有效件数加本年制发减本年废止应为 643，填报为 470"
        )])
    );
    assert_eq!(findings[0].severity, Severity::Warning);
    // Without last year's report the cross-year rules cannot run and say nothing.
    assert!(check(&report).is_empty());
}

#[test]
fn review_after_litigation_plausibility() {
    let mut report = huaian();
    for (k, n) in [
        ("review.upheld", 5),
        ("review.corrected", 5),
        ("review.other", 5),
        ("review.pending", 0),
        ("review.total", 15),
    ] {
        set(&mut report, k, n);
    }
    assert_eq!(
        summary(&check(&report)),
        pairs(&[(
            "p.after_review_exceeds_review",
            "表四：复议后起诉总计 20 大于行政复议总计 15，请核实"
        )])
    );
}

#[test]
fn values_must_be_whole_non_negative_numbers() {
    let mut report = huaian();
    set(&mut report, "np_massive.natural_person", -1);
    set(&mut report, "np_massive.total", -1);
    set(&mut report, "np_publication.natural_person", 1);
    report
        .values
        .get_mut(&key("np_publication.natural_person"))
        .unwrap()
        .value = CellValue::Number("0.5".parse().unwrap());
    report
        .values
        .get_mut(&key("np_repeat.org_other"))
        .unwrap()
        .value = CellValue::Unreadable("零".into());
    let findings = check(&report);
    let of = |rule: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.message.clone())
            .collect()
    };
    assert_eq!(
        of("values.negative"),
        vec![
            "表三（五）不予处理4.无正当理由大量反复申请·自然人：填报为负数 -1",
            "表三（五）不予处理4.无正当理由大量反复申请·总计：填报为负数 -1",
        ]
    );
    assert_eq!(
        of("values.not_whole"),
        vec!["表三（五）不予处理3.要求提供公开出版物·自然人：件数应为整数，填报为 0.5"]
    );
    assert_eq!(
        of("values.unreadable"),
        vec!["表三（五）不予处理2.重复申请·其他：“零”不是数字"]
    );
    // A number far beyond the bound is out of range, and quoted short.
    let mut report = huaian();
    report
        .values
        .get_mut(&key("np_repeat.org_other"))
        .unwrap()
        .value = CellValue::Unreadable(format!("1{}", "0".repeat(300)));
    let findings = check(&report);
    let huge: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "values.unreadable")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        huge,
        vec!["表三（五）不予处理2.重复申请·其他：“1000000000000000…（共 301 个字符）”超出范围"]
    );
    // The amount may carry decimals.
    let mut report = huaian();
    report.set(
        key("fees.amount_wan_yuan"),
        "9.088667".parse().unwrap(),
        None,
    );
    assert!(check(&report).is_empty());
}

#[test]
fn missing_values_are_one_summary_warning_and_skip_their_rules() {
    let mut report = huaian();
    report
        .values
        .get_mut(&key("granted.org_research"))
        .unwrap()
        .value = CellValue::Empty("/".into());
    report.values.remove(&key("review.total"));
    let findings = check(&report);
    assert_eq!(
        summary(&findings),
        pairs(&[(
            "values.missing",
            "有 2 个数值未填写（空白或“/”等）：表三 1 个、表四 1 个；未填写的数值不参与勾稽检查"
        )])
    );
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(findings[0].locations.len(), 2);

    let blank = Report::new("某局", 2024);
    let findings = check(&blank);
    assert_eq!(
        summary(&findings),
        pairs(&[("values.missing", "全部 200 个数值均未填写（空白或“/”等）")])
    );
}

#[test]
fn a_rule_with_blank_values_is_judged_when_no_filling_could_satisfy_it() {
    // A published table whose result rows already add up to more than （七）总计, with one row
    // left blank: whatever the blank holds (a count is never negative), the column is wrong.
    let mut report = huaian();
    let granted = report.values[&key("granted.natural_person")]
        .number_value()
        .unwrap();
    report.values.remove(&key("granted.natural_person"));
    let partial = report.values[&key("partial.natural_person")]
        .number_value()
        .unwrap();
    let source = report.values[&key("partial.natural_person")].source.clone();
    report.set(
        key("partial.natural_person"),
        partial + granted + Decimal::from(5),
        source,
    );
    let findings = check(&report);
    let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    // 予以公开's row total has a blank term and its known terms are below its total: it could
    // still hold, and is not judged.
    assert_eq!(
        sorted_rules(&rules),
        ["t3.results_total", "t3.row_total", "values.missing"],
        "{findings:#?}"
    );
    let results = findings
        .iter()
        .find(|f| f.rule == "t3.results_total")
        .unwrap();
    assert!(
        results.message.contains("自然人")
            && results
                .message
                .contains("另有 1 项未填写，即使按 0 计也已不符"),
        "{}",
        results.message
    );

    // The same blank with result rows below the total: not judged.
    let mut report = huaian();
    report.values.remove(&key("granted.natural_person"));
    let rules: Vec<String> = check(&report).into_iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["values.missing"]);
}

fn sorted_rules<'a>(rules: &[&'a str]) -> Vec<&'a str> {
    let mut v = rules.to_vec();
    v.sort_unstable();
    v
}

#[test]
fn regulations_reported_by_a_department() {
    let mut report = huaian();
    report.meta.level = Some(AdminLevel::Department);
    let findings = check(&report);
    assert_eq!(
        summary(&findings),
        pairs(&[(
            "p.regulations_by_non_government",
            "表二“规章”填有数值，但本机关为部门，无权制定规章"
        )])
    );
    assert_eq!(
        findings[0].locations.len(),
        2,
        "made and valid are non-zero"
    );
    report.meta.level = Some(AdminLevel::City);
    assert!(check(&report).is_empty());
}

#[test]
fn many_applications_and_nothing_granted() {
    let mut report = huaian();
    for field in [
        "natural_person",
        "org_commercial",
        "org_legal_service",
        "org_other",
        "total",
    ] {
        let g = report.number(&key(&format!("granted.{field}"))).unwrap();
        let p = report.number(&key(&format!("partial.{field}"))).unwrap();
        let o = report
            .number(&key(&format!("other_other.{field}")))
            .unwrap();
        report.set(key(&format!("other_other.{field}")), o + g + p, None);
        report.set(key(&format!("granted.{field}")), Decimal::ZERO, None);
        report.set(key(&format!("partial.{field}")), Decimal::ZERO, None);
    }
    assert_eq!(
        summary(&check(&report)),
        pairs(&[(
            "p.nothing_granted",
            "表三：本年新收申请 3119 件，但“予以公开”和“部分公开”均为 0，请核实"
        )])
    );
}

#[test]
fn metadata_is_required() {
    let mut report = huaian();
    report.meta.org = " ".into();
    report.meta.year = 24;
    let rules: Vec<String> = check(&report).into_iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec!["meta.org_missing", "meta.year_invalid"]);
}

// ───────────────────────────── prose ─────────────────────────────

fn para(text: &str, n: usize) -> Paragraph {
    Paragraph {
        source: Some(Location::paragraph("草稿.docx", n)),
        ..Paragraph::body(text)
    }
}

fn part(number: u8, heading: &str, paragraphs: Vec<Paragraph>) -> PartText {
    PartText {
        number,
        heading_as_written: Some(heading.to_string()),
        source: Some(Location::paragraph("草稿.docx", number as usize * 10)),
        paragraphs,
    }
}

/// The prose of the published 淮安 report (the sentences that carry numbers, and the headings).
fn huaian_with_prose() -> Report {
    let mut report = huaian();
    report.parts = vec![
        part(
            1,
            "一、总体情况",
            vec![
                para(
                    "2024年，我市坚持以习近平新时代中国特色社会主义思想为指导，圆满完成了各项任务。",
                    1,
                ),
                Paragraph {
                    run_in: Some("（二）依申请公开情况。".into()),
                    ..para(
                        "定期对政府信息公开申请集中的领域和热点问题进行研判。2024 年，全市共受理政府信息公开申请 3119 件，答复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到下年度答复），均在法定期限内予以答复。政府信息公开行政复议 351 件，其中结果维持 72 件，结果纠正 64 件，其他结果 178 件，尚未审结 37 件；政府信息公开行政诉讼 46 件，其中结果维持 25 件，结果纠正 5 件，其他结果 9 件，尚未审结 7 件。",
                        2,
                    )
                },
            ],
        ),
        part(2, "二、主动公开政府信息情况", vec![]),
        part(3, "三、收到和处理政府信息公开申请情况", vec![]),
        part(4, "四、政府信息公开行政复议、行政诉讼情况", vec![]),
        part(
            5,
            "五、存在的主要问题及改进情况",
            vec![para(
                "对照上级新要求和公众新期待，还有一些需要加强和改进的地方。",
                5,
            )],
        ),
        part(
            6,
            "六、其他需要报告的事项",
            vec![para(
                "2024 年，市政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费 3940 元。",
                6,
            )],
        ),
    ];
    report
}

#[test]
fn city_prose_agrees_with_its_tables() {
    let findings = check(&huaian_with_prose());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn prose_says_75_applications_table_says_74() {
    let mut report = huaian_with_prose();
    report.parts[0].paragraphs[1] = para("2024年，本机关共收到政府信息公开申请75件，办结75件。", 2);
    // A small office's tables: 74 new applications, all answered.
    let mut small = Report::new("某县人民政府办公室", 2024);
    small.meta.level = Some(AdminLevel::County);
    for k in Format::national_2021().value_keys() {
        small.set(k, Decimal::ZERO, None);
    }
    for k in ["new_received", "granted", "processed_total"] {
        small.set(key(&format!("{k}.natural_person")), Decimal::from(74), None);
        small.set(key(&format!("{k}.total")), Decimal::from(74), None);
    }
    small.parts = report.parts;
    let findings = check(&small);
    assert_eq!(
        sorted(summary(&findings)),
        pairs(&[
            (
                "prose.number_mismatch",
                "正文所述收到申请数与表格不一致：正文“收到政府信息公开申请75件”为 75，表三 一、本年新收政府信息公开申请数量·总计为 74"
            ),
            (
                "prose.number_mismatch",
                "正文所述办结数与表格不一致：正文“办结75件”为 75，表三（七）总计·总计为 74"
            ),
        ])
    );
    assert_eq!(
        findings[0].locations[0],
        Location::paragraph("草稿.docx", 2)
    );
}

#[test]
fn prose_numbers_for_reviews_litigation_and_carry_over() {
    let mut report = huaian_with_prose();
    report.parts[0].paragraphs[1] = para(
        "政府信息公开行政复议 2 件；政府信息公开行政诉讼 45 件。另有 102 件结转下一年度办理。",
        2,
    );
    let mut found: Vec<String> = check(&report)
        .into_iter()
        .map(|f| f.expected_found_pair())
        .collect();
    found.sort();
    assert_eq!(found, vec!["103≠102", "351≠2", "46≠45"]);
}

trait Pair {
    fn expected_found_pair(&self) -> String;
}
impl Pair for Finding {
    fn expected_found_pair(&self) -> String {
        format!(
            "{}≠{}",
            self.expected.clone().unwrap_or_default(),
            self.found.clone().unwrap_or_default()
        )
    }
}

#[test]
fn no_applications_sentence() {
    let mut report = huaian_with_prose();
    report.parts[0].paragraphs[1] = para("2024 年，我局未收到政府信息公开申请件。", 2);
    let f = check(&report);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].expected_found_pair(), "3119≠0");
}

#[test]
fn last_years_text_left_in_the_report() {
    let mut report = huaian_with_prose();
    report.parts[4].paragraphs.push(para(
        "本单位2023年度政务公开工作存在以下问题。2025年，我局将持续改进。",
        7,
    ));
    let f = check(&report);
    assert_eq!(
        summary(&f),
        pairs(&[(
            "prose.year_mismatch",
            "正文出现“2023年”，与报告年度 2024 年不符，可能沿用了往年文字"
        )])
    );
    assert_eq!(f[0].locations, vec![Location::paragraph("草稿.docx", 7)]);
}

#[test]
fn headings_parts_and_fee_statement() {
    let mut report = huaian_with_prose();
    report.parts[3].heading_as_written = Some("四、政府信息公开行政复议及行政诉讼情况".into());
    report.parts[4].paragraphs = vec![para("无。", 5)];
    report.parts[5].paragraphs = vec![para("本年度未收取信息处理费。", 6)];
    let f = check(&report);
    assert_eq!(
        sorted(summary(&f)),
        pairs(&[
            (
                "prose.heading_wording",
                "第四部分标题“四、政府信息公开行政复议及行政诉讼情况”不是规范表述，已按“四、政府信息公开行政复议、行政诉讼情况”处理"
            ),
            (
                "prose.part_empty",
                "第五部分“存在的主要问题及改进情况”没有实质内容"
            ),
            (
                "prose.fee_conflict",
                "第六部分只称未收取信息处理费，但表三（六）其他处理2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请·总计为 6，说明本年发出过收费通知：按格式要求，应写明发出收费通知的件数和总金额以及实际收取的总金额"
            ),
        ])
    );
    // A text that tells of the notices is complete.
    let mut told = huaian_with_prose();
    told.parts[5].paragraphs = vec![para(
        "本年度发出收费通知6件，申请人均未缴费，未收取信息处理费。",
        6,
    )];
    assert!(
        !check(&told).iter().any(|f| f.rule == "prose.fee_conflict"),
        "{:#?}",
        check(&told)
    );

    let mut report = huaian_with_prose();
    report.parts[5].paragraphs = vec![para("本年度无其他需要报告的事项。", 6)];
    report.parts.remove(4);
    report.parts.swap(0, 1);
    let f = check(&report);
    assert_eq!(
        sorted(summary(&f)),
        pairs(&[
            (
                "prose.keyword_missing",
                "第六部分“其他需要报告的事项”未提及“信息处理费”"
            ),
            (
                "prose.part_missing",
                "缺少第五部分“五、存在的主要问题及改进情况”"
            ),
            ("prose.part_order", "各部分顺序有误：二、一、三、四、六"),
        ])
    );
}

#[test]
fn regional_items_are_required_by_an_overlay() {
    use nianbao_model::format::{ItemSpec, PartOverlay};
    let overlay = nianbao_model::FormatOverlay {
        id: "test-region".into(),
        name: "测试地区格式".into(),
        version: "1".into(),
        parts: vec![PartOverlay {
            number: 6,
            items: Some(vec![
                ItemSpec {
                    heading: "信息处理费".into(),
                    skeleton: String::new(),
                    keywords: vec![],
                },
                ItemSpec {
                    heading: "政务公开工作创新情况".into(),
                    skeleton: String::new(),
                    keywords: vec![],
                },
            ]),
            ..Default::default()
        }],
        ..Default::default()
    };
    let format = Format::national_2021().with_overlay(&overlay).unwrap();
    let mut report = huaian_with_prose();
    report.parts[5].paragraphs = vec![
        Paragraph::heading(ParagraphLevel::Sub1, "（一）信息处理费"),
        para("全年收取政府信息公开信息处理费 3940 元。", 6),
    ];
    let f = validate(&format, &report, None);
    assert_eq!(
        summary(&f),
        pairs(&[(
            "prose.item_missing",
            "第六部分缺少本地区格式要求的事项“政务公开工作创新情况”"
        )])
    );
    report.parts[5].paragraphs.push(Paragraph {
        run_in: Some("（二）政务公开工作创新情况。".into()),
        ..para("探索建立政社合作的解读模式。", 7)
    });
    assert!(validate(&format, &report, None).is_empty());
}

#[test]
fn summed_tables_add_units() {
    let a = huaian();
    let mut b = huaian();
    b.meta.org = "另一单位".into();
    b.values.get_mut(&key("review.total")).unwrap().value = CellValue::Empty(String::new());
    let meta = nianbao_model::Metadata {
        org: "合计".into(),
        year: 2024,
        ..Default::default()
    };
    let sum = Report::sum_tables(Format::national_2021(), meta, [&a, &b]);
    assert_eq!(sum.summed_from, vec!["淮安市人民政府", "另一单位"]);
    assert_eq!(
        sum.number(&key("new_received.total")),
        Some(Decimal::from(6238))
    );
    // A value one unit left blank has no total: no silent zero.
    assert_eq!(sum.number(&key("review.total")), None);
    assert_eq!(
        sum.values[&key("review.total")].value,
        CellValue::Empty("（另一单位未填写）".into())
    );
    let findings = validate(Format::national_2021(), &sum, None);
    assert_eq!(
        findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        vec!["values.missing"]
    );
    assert_eq!(
        sum.number(&key("fees.amount_wan_yuan")),
        Some("192343.2".parse().unwrap())
    );
}
