//! Prose checks (warnings): the text must agree with the tables and with the format.
//!
//! Rule ids: `prose.part_missing`, `prose.part_order`, `prose.heading_wording`, `prose.part_empty`,
//! `prose.subheading_empty`,
//! `prose.keyword_missing`, `prose.item_missing`, `prose.fee_conflict`, `prose.number_mismatch`,
//! `prose.year_mismatch`.

use std::sync::{Arc, OnceLock};

use regex::Regex;
use rust_decimal::Decimal;

use crate::diagnostic::{Finding, Location};
use crate::format::{Format, chinese_numeral};
use crate::key::ValueKey;
use crate::report::{Paragraph, ParagraphLevel, PartText, Report};
use crate::text::{normalize_label, shared_regex};

/// Runs every prose check. Call only when the report has prose.
pub fn check_prose(format: &Format, report: &Report) -> Vec<Finding> {
    let mut findings = Vec::new();
    check_structure(format, report, &mut findings);
    let claims = format.derived(ClaimPatterns::of);
    for part in &report.parts {
        for p in &part.paragraphs {
            let text = compact(&p.full_text());
            check_numbers(format, &claims, report, p, &text, &mut findings);
            check_year(report, p, &text, &mut findings);
        }
    }
    findings
}

/// The patterns of a format's prose claims, in the order of `prose_claims`, compiled once per
/// format ([`Format::derived`]); `None` for one that does not compile (formats are checked for
/// that when they are loaded).
struct ClaimPatterns(Vec<Option<Arc<Regex>>>);

impl ClaimPatterns {
    fn of(format: &Format) -> ClaimPatterns {
        ClaimPatterns(
            format
                .prose_claims
                .iter()
                .map(|c| shared_regex(&c.pattern))
                .collect(),
        )
    }
}

fn part_location(part: &PartText) -> Location {
    part.source.clone().unwrap_or_default()
}

fn check_structure(format: &Format, report: &Report, findings: &mut Vec<Finding>) {
    // Built once, and only when a part has regional items to look for: it holds every value.
    let mut context: Option<serde_json::Value> = None;
    for spec in &format.parts {
        let Some(part) = report.part(spec.number) else {
            // Parts holding a table are printed from the tables; a draft need not write them.
            if spec.table.is_none() {
                findings.push(
                    Finding::warning(
                        "prose.part_missing",
                        format!(
                            "缺少第{}部分“{}”",
                            chinese_numeral(spec.number as usize),
                            spec.full_heading()
                        ),
                    )
                    .expected_found(spec.full_heading(), "（无）")
                    .hint("按官方格式，报告须包含六个部分，标题用规范表述。"),
                );
            }
            continue;
        };
        if let Some(written) = &part.heading_as_written
            && normalize_label(written) != normalize_label(&spec.heading)
        {
            findings.push(
                Finding::warning(
                    "prose.heading_wording",
                    format!(
                        "第{}部分标题“{}”不是规范表述，已按“{}”处理",
                        chinese_numeral(spec.number as usize),
                        written.trim(),
                        spec.full_heading()
                    ),
                )
                .at(part_location(part))
                .expected_found(spec.full_heading(), written.trim()),
            );
        }
        let text = part.text();
        let trimmed = text.trim().trim_end_matches(['。', '.']);
        if spec.table.is_none()
            && (trimmed.is_empty() || ["无", "暂无", "没有", "本年度无"].contains(&trimmed))
        {
            findings.push(
                Finding::warning(
                    "prose.part_empty",
                    format!(
                        "第{}部分“{}”没有实质内容",
                        chinese_numeral(spec.number as usize),
                        spec.heading
                    ),
                )
                .at(part_location(part))
                .expected_found(
                    "具体情况说明",
                    if trimmed.is_empty() {
                        "（空）".to_string()
                    } else {
                        trimmed.to_string()
                    },
                )
                .hint("即使没有相关事项，也应简要说明情况，例如“本年度未收取信息处理费”。"),
            );
        }
        // A sub-heading with nothing under it before the next heading of its level or above
        // (or the end of the part): a template heading left unfilled.
        let level_rank = |l: ParagraphLevel| match l {
            ParagraphLevel::Sub1 => Some(1),
            ParagraphLevel::Sub2 => Some(2),
            ParagraphLevel::Sub3 => Some(3),
            _ => None,
        };
        for (i, p) in part.paragraphs.iter().enumerate() {
            let Some(rank) = level_rank(p.level).filter(|_| p.run_in.is_none()) else {
                continue;
            };
            let next_is_heading_or_end = match part.paragraphs.get(i + 1) {
                None => true,
                Some(next) => {
                    next.run_in.is_none() && level_rank(next.level).is_some_and(|r| r <= rank)
                }
            };
            if next_is_heading_or_end {
                findings.push(
                    Finding::warning(
                        "prose.subheading_empty",
                        format!(
                            "第{}部分的小标题“{}”下没有内容",
                            chinese_numeral(spec.number as usize),
                            p.text.trim()
                        ),
                    )
                    .at(p.source.clone().unwrap_or_else(|| part_location(part)))
                    .expected_found("小标题下的具体情况", "（空）")
                    .hint("请在小标题下写明本单位的情况，或删除该小标题。"),
                );
            }
        }
        for keyword in &spec.required_keywords {
            if !text.contains(keyword.as_str()) {
                findings.push(
                    Finding::warning(
                        "prose.keyword_missing",
                        format!("第{}部分“{}”未提及“{keyword}”", chinese_numeral(spec.number as usize), spec.heading),
                    )
                    .at(part_location(part))
                    .expected_found(format!("包含“{keyword}”"), "未提及")
                    .hint(if keyword == "信息处理费" {
                        "按《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），须说明本年度收取信息处理费的情况。"
                    } else {
                        "请按本地区格式要求补充。"
                    }),
                );
            }
        }
        for item in &spec.items {
            let context = context.get_or_insert_with(|| report.template_context());
            let want = normalize_label(&item.heading_for(context));
            let found = part.paragraphs.iter().any(|p| {
                let heading = match (&p.run_in, p.level) {
                    (Some(r), _) => r.clone(),
                    (None, ParagraphLevel::Sub1 | ParagraphLevel::Sub2) => p.text.clone(),
                    _ => return false,
                };
                normalize_label(&heading).contains(&want)
            }) || normalize_label(&text).contains(&want);
            // Content under other wording counts: a sentence `本年度未收取信息处理费` covers the
            // item `信息处理费` as well as a sub-heading would.
            if !found {
                findings.push(
                    Finding::warning(
                        "prose.item_missing",
                        format!(
                            "第{}部分缺少本地区格式要求的事项“{}”",
                            chinese_numeral(spec.number as usize),
                            item.heading_for(context)
                        ),
                    )
                    .at(part_location(part))
                    .expected_found(item.heading_for(context), "（无）"),
                );
            }
        }
        if spec.key == "other" {
            check_fee_conflict(format, report, part, &text, findings);
        }
    }
    let numbers: Vec<u8> = report.parts.iter().map(|p| p.number).collect();
    if numbers.windows(2).any(|w| w[0] >= w[1]) {
        let written: Vec<String> = numbers
            .iter()
            .map(|n| crate::format::chinese_numeral(*n as usize))
            .collect();
        findings.push(
            Finding::warning(
                "prose.part_order",
                format!("各部分顺序有误：{}", written.join("、")),
            )
            .expected_found("一、二、三、四、五、六", written.join("、")),
        );
    }
}

fn check_fee_conflict(
    format: &Format,
    report: &Report,
    part: &PartText,
    text: &str,
    findings: &mut Vec<Finding>,
) {
    static NO_FEE: OnceLock<Regex> = OnceLock::new();
    let no_fee = NO_FEE.get_or_init(|| regex(r"(未|没有|不|无)(收取|收费|产生)[^。；]{0,12}信息处理费|信息处理费(?:共|合计)?(?:为)?(?:0|零)元?(?:[^0-9.]|$)"));
    let key = ValueKey::new("other_no_fee_paid", "total");
    if let Some(n) = report.number(&key)
        && n > Decimal::ZERO
        && no_fee.is_match(&compact(text))
        // A text that tells of the notices (`发出收费通知1件，申请人未缴费`) says it all.
        && !compact(text).contains("收费通知")
    {
        findings.push(
            Finding::warning(
                "prose.fee_conflict",
                format!(
                    "第六部分只称未收取信息处理费，但{}为 {n}，说明本年发出过收费通知：按格式要求，应写明发出收费通知的件数和总金额以及实际收取的总金额",
                    format.value_label(&key)
                ),
            )
            .at(part_location(part))
            .at(report
                .values
                .get(&key)
                .and_then(|c| c.source.clone())
                .unwrap_or_default()
                .with_value(key.to_string(), format.value_label(&key)))
            .hint("发出收费通知而申请人未缴费的，属于正常情形，实际收取为 0；请在第六部分补充发出收费通知的件数和金额。"),
        );
    }
}

fn regex(pattern: &str) -> Regex {
    // Patterns are literals of this module, covered by its tests.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("valid built-in pattern")
}

/// Removes white space (pdftotext and Word drafts put spaces around numbers: `3119 件`).
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `text`: the paragraph's [`compact`] full text.
fn check_numbers(
    format: &Format,
    claims: &ClaimPatterns,
    report: &Report,
    p: &Paragraph,
    text: &str,
    findings: &mut Vec<Finding>,
) {
    for (claim, re) in format.prose_claims.iter().zip(&claims.0) {
        let Some(re) = re else {
            continue;
        };
        for caps in re.captures_iter(text) {
            let (Some(whole), Some(num)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            let stated: Decimal = if num.as_str().is_empty() {
                Decimal::ZERO
            } else {
                match num.as_str().parse() {
                    Ok(n) => n,
                    Err(_) => continue,
                }
            };
            let mut candidates: Vec<(Decimal, Vec<ValueKey>)> = Vec::new();
            for keys in &claim.accept {
                let sum = keys
                    .iter()
                    .try_fold(Decimal::ZERO, |acc, k| acc.checked_add(report.number(k)?));
                if let Some(sum) = sum {
                    candidates.push((sum, keys.clone()));
                }
            }
            let Some((first_sum, first_keys)) = candidates.first().cloned() else {
                continue;
            };
            if candidates.iter().any(|(sum, _)| *sum == stated) {
                continue;
            }
            let names: Vec<String> = first_keys.iter().map(|k| format.value_label(k)).collect();
            let mut f = Finding::warning(
                "prose.number_mismatch",
                format!(
                    "正文所述{}与表格不一致：正文“{}”为 {stated}，{}为 {}",
                    claim.what,
                    whole.as_str(),
                    names.join("＋"),
                    crate::validate::show(first_sum)
                ),
            )
            .expected_found(crate::validate::show(first_sum), stated.to_string())
            .hint("请核对正文数字与统计表，二者应一致。");
            if let Some(src) = &p.source {
                f = f.at(src.clone());
            }
            for k in &first_keys {
                let loc = report
                    .values
                    .get(k)
                    .and_then(|c| c.source.clone())
                    .unwrap_or_default();
                f = f.at(loc.with_value(k.to_string(), format.value_label(k)));
            }
            findings.push(f);
        }
    }
}

/// `text`: the paragraph's [`compact`] full text.
fn check_year(report: &Report, p: &Paragraph, text: &str, findings: &mut Vec<Finding>) {
    static YEAR: OnceLock<Regex> = OnceLock::new();
    let re = YEAR.get_or_init(|| {
        regex(r"(?:^|[。；！？：])(?:本(?:单位|机关|局|委|办|部门|镇|街道|区|县|市)?|我(?:单位|局|委|办|区|县|市|镇)?)?(\d{4})年度?[，,]|本(?:单位|机关|局|委|办|部门)(\d{4})年度")
    });
    let year = report.meta.year;
    for caps in re.captures_iter(text) {
        let Some(m) = caps.get(1).or_else(|| caps.get(2)) else {
            continue;
        };
        let Ok(y) = m.as_str().parse::<i32>() else {
            continue;
        };
        // The report is written early in the next year and may announce that year's plans.
        if y == year || y == year + 1 {
            continue;
        }
        let mut f = Finding::warning(
            "prose.year_mismatch",
            format!("正文出现“{y}年”，与报告年度 {year} 年不符，可能沿用了往年文字"),
        )
        .expected_found(format!("{year}年"), format!("{y}年"));
        if let Some(src) = &p.source {
            f = f.at(src.clone());
        }
        findings.push(f);
    }
}
