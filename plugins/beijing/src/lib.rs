//! The Beijing regional format (北京市), as a nianbao plugin.
//!
//! On top of the national 2021 format it changes:
//! - the opening: one sentence citing 第五十条 of the 条例;
//! - part 一 (总体情况): a required first item `（一）{{ year }}年度政务公开工作要点落实情况`,
//!   followed by the national sub-parts (主动公开 … 监督保障), which become required items too;
//! - an extra declarative rule (warning) `bj.valid_below_net_made`: for 规章 and 行政规范性文件,
//!   本年制发件数 − 本年废止件数 cannot exceed 现行有效件数 (the stock only grows by what is
//!   made and shrinks by what is repealed).
//!
//! It has no native check.

use nianbao_plugin_api::nianbao_model::Format;
use nianbao_plugin_api::nianbao_model::format::{CompareOp, ForEach, ForEachValues};
use nianbao_plugin_api::nianbao_model::template::part_skeleton;
use nianbao_plugin_api::nianbao_model::text::split_enumerator;
use nianbao_plugin_api::{
    FormatOverlay, ItemSpec, PartOverlay, PluginDescriptor, RuleSpec, Severity, nianbao_plugin,
};

/// The format id users pass as `--format beijing`.
pub const FORMAT_ID: &str = "beijing";

/// Part 一, 总体情况.
const OVERVIEW_PART: u8 = 1;

const OPENING: &str = "依据《中华人民共和国政府信息公开条例》（以下简称《政府信息公开条例》）第五十条规定，编制本报告。";

fn overview_items() -> Vec<ItemSpec> {
    let mut items = vec![ItemSpec {
        heading: "{{ year }}年度政务公开工作要点落实情况".to_string(),
        skeleton: "{{ year }}年，{{ org }}对照本年度政务公开工作要点，逐项分解任务、落实责任，完成情况如下：".to_string(),
        keywords: vec!["工作要点".to_string()],
    }];
    // The national sub-parts follow, worded as the national format's draft text words them.
    let national = Format::national_2021().template(&part_skeleton(OVERVIEW_PART));
    for line in national
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let (_, heading) = split_enumerator(line.trim());
        items.push(ItemSpec {
            heading: heading.to_string(),
            skeleton: String::new(),
            keywords: Vec::new(),
        });
    }
    items
}

fn stock_rule() -> RuleSpec {
    RuleSpec {
        id: "bj.valid_below_net_made".to_string(),
        severity: Severity::Warning,
        name: "合理性：本年制发件数减本年废止件数不超过现行有效件数".to_string(),
        name_en: "Plausibility: made minus repealed does not exceed documents in force".to_string(),
        for_each: Some(ForEach {
            var: "row".to_string(),
            values: ForEachValues::List(vec![
                "regulations".to_string(),
                "normative_documents".to_string(),
            ]),
        }),
        sum: vec!["{row}.made".to_string(), "-{row}.repealed".to_string()],
        equals: vec!["{row}.valid".to_string()],
        op: CompareOp::Le,
        message: "{equals_label}为 {equals}，少于本年制发减本年废止的 {sum}，请核实".to_string(),
        hint: Some(
            "现行有效件数等于上年现行有效件数加本年制发、减本年废止，不应少于本年制发减本年废止。"
                .to_string(),
        ),
    }
}

/// The Beijing descriptor.
pub fn describe() -> PluginDescriptor {
    let overlay = FormatOverlay {
        opening: Some(OPENING.to_string()),
        parts: vec![PartOverlay {
            number: OVERVIEW_PART,
            items: Some(overview_items()),
            // The national skeleton lines became items above; printing both would repeat them.
            skeleton: Some(Vec::new()),
            ..PartOverlay::default()
        }],
        rules: vec![stock_rule()],
        ..FormatOverlay::default()
    };
    PluginDescriptor::new(
        FORMAT_ID,
        "北京市格式（2021年版）",
        "2025.1",
        ">=0.1, <0.2",
        overlay,
    )
}

nianbao_plugin! {
    describe: describe,
    check: None,
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_plugin_api::Report;
    use nianbao_plugin_api::nianbao_model::template::OPENING as OPENING_TEMPLATE;
    use nianbao_plugin_api::nianbao_model::{ValueKey, validate};

    fn beijing() -> Format {
        let overlay = describe().resolved_overlay().unwrap();
        Format::national_2021().with_overlay(&overlay).unwrap()
    }

    #[test]
    fn overview_starts_with_the_work_points_item() {
        let f = beijing();
        let headings: Vec<&str> = f
            .part(1)
            .unwrap()
            .items
            .iter()
            .map(|i| i.heading.as_str())
            .collect();
        assert_eq!(headings.len(), 6);
        assert_eq!(headings[0], "{{ year }}年度政务公开工作要点落实情况");
        assert_eq!(headings[1], "主动公开");
        assert_eq!(headings[5], "监督保障");
        assert_eq!(f.template(&part_skeleton(1)), Some(""));
        assert_eq!(f.template(OPENING_TEMPLATE), Some(OPENING));
    }

    #[test]
    fn stock_rule_warns_only_when_stock_is_below_net_made() {
        let f = beijing();
        let mut report = Report::new("北京市某区人民政府", 2024);
        let set = |r: &mut Report, field: &str, n: i64| {
            r.set(ValueKey::new("normative_documents", field), n.into(), None)
        };
        set(&mut report, "made", 12);
        set(&mut report, "repealed", 2);
        set(&mut report, "valid", 7);
        let hits: Vec<String> = validate(&f, &report, None)
            .into_iter()
            .filter(|x| x.rule == "bj.valid_below_net_made")
            .map(|x| x.message)
            .collect();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].contains("行政规范性文件") && hits[0].contains("10"),
            "{}",
            hits[0]
        );

        set(&mut report, "valid", 40);
        assert!(
            !validate(&f, &report, None)
                .iter()
                .any(|x| x.rule == "bj.valid_below_net_made")
        );
    }
}
