//! The Shandong regional format (山东省, as used by 威海、文登、荣成 and their departments), as a
//! nianbao plugin.
//!
//! On top of the national 2021 format it changes:
//! - the opening paragraph (its template `templates/opening.j2`): legal basis (国务院令第711号 and 国办公开办函〔2021〕30号), the six
//!   parts, the statistics period, where to download the report and whom to contact;
//! - part 六: five required numbered items （一）信息处理费 … （五）其他报告事项, each with skeleton
//!   text for a new draft;
//! - a signature and date block whose 成文日期 is required;
//! - a native check (`shandong.fee_statement`): item （一） must state the fee collected or that
//!   none was collected.
//!
//! Everything national (tables, rules, headings) is read from the base format, never restated.

use nianbao_plugin_api::nianbao_model::text::normalize_label;
use nianbao_plugin_api::nianbao_model::{Paragraph, ParagraphLevel, PartText};
use nianbao_plugin_api::{
    Finding, FormatOverlay, ItemSpec, Location, PageNumberStyle, PartOverlay, PluginDescriptor,
    Report, SignatureSpec, nianbao_plugin,
};

/// The format id users pass as `--format shandong`.
pub const FORMAT_ID: &str = "shandong";

/// The part whose items this format prescribes.
const OTHER_MATTERS_PART: u8 = 6;

/// Item （一） of part 六, the one the native check reads.
const FEE_ITEM: &str = "信息处理费";

/// The opening paragraph: the template `opening.j2` of this plugin's `templates/`, replacing the
/// national one. It lists the parts from the format (`parts`), so it never restates them.
const OPENING_TEMPLATE: &str = include_str!("../templates/opening.j2");

fn item(heading: &str, skeleton: &str, keywords: &[&str]) -> ItemSpec {
    ItemSpec {
        heading: heading.to_string(),
        skeleton: skeleton.to_string(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
    }
}

/// The five items of part 六, in order.
fn other_matters_items() -> Vec<ItemSpec> {
    vec![
        item(
            FEE_ITEM,
            "依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），{{ year }}年度{{ org }}未收取信息处理费。",
            &["信息处理费"],
        ),
        item(
            "落实上级年度政务公开工作要点情况",
            "{{ year }}年，{{ org }}对照上级年度政务公开工作要点，逐项明确责任分工和完成时限，各项任务落实情况如下：",
            &["工作要点"],
        ),
        item(
            "人大代表建议和政协提案办理结果公开情况",
            "{{ year }}年，{{ org }}承办人大代表建议和政协提案的办理结果，除涉及国家秘密等不宜公开的情形外，均已按规定公开，具体情况如下：",
            &["建议", "提案"],
        ),
        item(
            "政务公开工作创新情况",
            "{{ year }}年，{{ org }}在政务公开工作中的创新做法及成效如下：",
            &[],
        ),
        item("其他报告事项", "本年度无其他需要报告的事项。", &[]),
    ]
}

/// The Shandong descriptor.
pub fn describe() -> PluginDescriptor {
    let overlay = FormatOverlay {
        templates: [(
            nianbao_plugin_api::nianbao_model::template::OPENING.to_string(),
            OPENING_TEMPLATE.to_string(),
        )]
        .into(),
        parts: vec![PartOverlay {
            number: OTHER_MATTERS_PART,
            items: Some(other_matters_items()),
            // The items carry the draft text: the national sentence would repeat item （一）.
            skeleton: Some(Vec::new()),
            ..PartOverlay::default()
        }],
        signature: Some(SignatureSpec {
            date_required: true,
        }),
        page_number: Some(PageNumberStyle::EmDashOddEven),
        ..FormatOverlay::default()
    };
    PluginDescriptor::new(
        FORMAT_ID,
        "山东省格式（2021年版）",
        "2025.1",
        ">=0.1, <0.2",
        overlay,
    )
}

/// A heading paragraph: a sub-heading level of its own, or a run-in heading.
fn heading_of(p: &Paragraph) -> Option<&str> {
    match (&p.run_in, p.level) {
        (Some(run_in), _) => Some(run_in.as_str()),
        (None, ParagraphLevel::Sub1 | ParagraphLevel::Sub2) => Some(p.text.as_str()),
        _ => None,
    }
}

/// The text written under an item of a part: the run-in paragraph's own text, then body
/// paragraphs up to the next heading. With the heading paragraph, for locating findings.
fn item_section<'a>(part: &'a PartText, heading: &str) -> Option<(&'a Paragraph, String)> {
    let want = normalize_label(heading);
    let start = part
        .paragraphs
        .iter()
        .position(|p| heading_of(p).is_some_and(|h| normalize_label(h).contains(&want)))?;
    let head = part.paragraphs.get(start)?;
    let mut text = if head.run_in.is_some() {
        head.text.clone()
    } else {
        String::new()
    };
    for p in part.paragraphs.iter().skip(start + 1) {
        if heading_of(p).is_some() {
            break;
        }
        text.push_str(&p.text);
    }
    Some((head, text))
}

/// Whether the text says how much 信息处理费 was collected, or that none was.
fn states_fee(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    const NONE_COLLECTED: [&str; 9] = [
        "未收取",
        "不收取",
        "没有收取",
        "未产生",
        "无收取",
        "免收",
        "未发生",
        "零元",
        "未收费",
    ];
    if NONE_COLLECTED.iter().any(|w| compact.contains(w)) {
        return true;
    }
    // An amount: digits, optionally 万, then 元 (`120元`, `0.12万元`).
    let chars: Vec<char> = compact.chars().collect();
    chars.iter().enumerate().any(|(i, c)| {
        *c == '元'
            && match i.checked_sub(1).and_then(|j| chars.get(j)) {
                Some('万') => i
                    .checked_sub(2)
                    .and_then(|j| chars.get(j))
                    .is_some_and(|d| d.is_ascii_digit() || ('０'..='９').contains(d)),
                Some(d) => d.is_ascii_digit() || ('０'..='９').contains(d),
                None => false,
            }
    })
}

/// The native check: item （一） of part 六 must state the fee.
pub fn check(report: &Report) -> Vec<Finding> {
    // A missing part or item is already reported by the declarative checks
    // (`prose.part_missing`, `prose.item_missing`).
    let Some(part) = report.part(OTHER_MATTERS_PART) else {
        return Vec::new();
    };
    let Some((head, text)) = item_section(part, FEE_ITEM) else {
        return Vec::new();
    };
    if states_fee(&text) {
        return Vec::new();
    }
    let place = head
        .source
        .clone()
        .or_else(|| part.source.clone())
        .unwrap_or_default();
    let excerpt: String = text.trim().chars().take(40).collect();
    let found = if excerpt.is_empty() {
        "（该事项下没有正文）".to_string()
    } else {
        format!("“{excerpt}”")
    };
    vec![
        Finding::warning(
            "shandong.fee_statement",
            "第六部分事项“（一）信息处理费”既未写明本年度收取的信息处理费金额，也未说明未收取",
        )
        .at(Location {
            label: Some("第六部分（一）信息处理费".to_string()),
            ..place
        })
        .expected_found("收取金额（如“共收取信息处理费120元”）或“未收取信息处理费”", found)
        .hint("山东省格式要求在第六部分（一）中说明按《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）收取信息处理费的情况。"),
    ]
}

nianbao_plugin! {
    describe: describe,
    check: Some(check),
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_plugin_api::nianbao_model::Format;

    fn part6(paragraphs: Vec<Paragraph>) -> Report {
        let mut report = Report::new("威海市文登区人民政府", 2024);
        report.parts.push(PartText {
            number: 6,
            paragraphs,
            ..PartText::default()
        });
        report
    }

    fn sub1(text: &str, paragraph: usize) -> Paragraph {
        Paragraph {
            source: Some(Location::paragraph("草稿.docx", paragraph)),
            ..Paragraph::heading(ParagraphLevel::Sub1, text)
        }
    }

    #[test]
    fn overlay_applies_and_lists_the_national_parts() {
        let d = describe();
        let overlay = d.resolved_overlay().unwrap();
        let f = Format::national_2021().with_overlay(&overlay).unwrap();
        let context = nianbao_plugin_api::nianbao_model::template::template_context(
            &f,
            Report::new("威海市文登区人民政府", 2024).template_context(),
        );
        let opening = f
            .render_template(
                nianbao_plugin_api::nianbao_model::template::OPENING,
                &context,
            )
            .unwrap()
            .unwrap();
        assert!(opening.contains("国务院令第711号"));
        assert!(opening.contains("由威海市文登区人民政府编制"), "{opening}");
        assert!(
            opening.contains("共6个部分：总体情况、主动公开政府信息情况"),
            "{opening}"
        );
        let items: Vec<String> = f
            .part(6)
            .unwrap()
            .items
            .iter()
            .map(|i| i.heading.clone())
            .collect();
        assert_eq!(items.len(), 5);
        assert_eq!(items[0], "信息处理费");
        assert_eq!(items[4], "其他报告事项");
        assert!(f.signature.unwrap().date_required);
    }

    #[test]
    fn fee_stated_in_words_or_amounts_passes() {
        for text in [
            "本年度未收取信息处理费。",
            "本年度共收取信息处理费120元。",
            "收取信息处理费 0.12 万元。",
            "本机关不收取信息处理费。",
        ] {
            let report = part6(vec![sub1("（一）信息处理费", 30), Paragraph::body(text)]);
            assert!(check(&report).is_empty(), "{text}");
        }
        let run_in = Paragraph {
            run_in: Some("（一）信息处理费。".into()),
            ..Paragraph::body("本年度未收取信息处理费。")
        };
        assert!(check(&part6(vec![run_in])).is_empty());
    }

    #[test]
    fn fee_not_stated_is_a_warning_at_the_item() {
        let report = part6(vec![
            sub1("（一）信息处理费", 31),
            Paragraph::body("严格执行有关规定。"),
            sub1("（二）落实上级年度政务公开工作要点情况", 33),
            Paragraph::body("本年度未收取任何费用。"),
        ]);
        let findings = check(&report);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.rule, "shandong.fee_statement");
        assert_eq!(f.locations[0].paragraph, Some(31));
        assert_eq!(f.locations[0].file.as_deref(), Some("草稿.docx"));
        assert_eq!(f.found.as_deref(), Some("“严格执行有关规定。”"));
    }

    #[test]
    fn no_item_or_no_part_leaves_it_to_the_declarative_checks() {
        assert!(check(&Report::new("荣成市人民政府", 2024)).is_empty());
        let report = part6(vec![Paragraph::body("无其他需要报告的事项。")]);
        assert!(check(&report).is_empty());
    }
}
