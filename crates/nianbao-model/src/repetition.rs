//! How much of this year's text was carried over from last year's report (`prose.repeated_text`).
//!
//! Assessments of 政务公开 deduct for a report whose text repeats last year's by more than half
//! (“与上年度重复率大于50%的，扣分”). The measure here is what a reader checking by hand would
//! count: the share of this year's characters that stand in a passage also found in last year's
//! report.
//!
//! - Text is compared in a normal form: only letters and Han characters count (white space and
//!   punctuation are left out), and every run of digits is one placeholder, so `2023年` and
//!   `2024年`, `办结86件` and `办结97件` read alike — a sentence copied with new figures is still
//!   copied.
//! - A character counts as repeated when it lies inside a run of [`SHINGLE_CHARS`] consecutive
//!   characters (a shingle) that also occurs anywhere in last year's prose — in any part, since
//!   text moved between parts is still last year's. Shorter coincidences (`政府信息公开工作`) do
//!   not count, and a copied sentence counts in full.
//! - The share is given per part (parts with at least [`MIN_PART_CHARS`] characters) and overall
//!   (the opening and all parts; the closing signature is left out), with the longest repeated
//!   passages quoted as written this year.
//!
//! The closing is left out because a signature and a date are the same every year by nature.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Serialize;

use crate::diagnostic::{Finding, Location};
use crate::format::chinese_numeral;
use crate::report::{Paragraph, Report};

/// Length of the runs compared, in normalised characters: about one clause of official prose.
/// Long enough that the set phrases every report shares (`政府信息公开工作年度报告`, 12
/// characters, is the longest common one) rarely make a run alone, short enough that a sentence
/// copied with one word changed still counts on both sides of the change.
pub const SHINGLE_CHARS: usize = 13;
/// Parts with fewer normalised characters than this get no share of their own (a heading and a
/// line are not worth a percentage); their text still counts overall.
pub const MIN_PART_CHARS: usize = 50;
/// Above this share (in per cent) the text is reported as a warning; the assessments deduct for
/// “大于50%”.
pub const WARN_ABOVE_PERCENT: u32 = 50;
/// How many of the longest repeated passages are quoted, and how long a quotation may be.
const PASSAGES_QUOTED: usize = 3;
pub const QUOTE_MAX_CHARS: usize = 60;

/// The repetition of one report's text in last year's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repetition {
    /// Share of this year's characters found in last year's report, 0–100, one decimal.
    pub percent: f64,
    /// Characters compared and characters found repeated (normal form).
    pub chars: usize,
    pub repeated_chars: usize,
    /// Per part with enough text, in the order of the report.
    pub parts: Vec<PartRepetition>,
    /// The longest repeated passages, longest first, as written this year (cut to
    /// [`QUOTE_MAX_CHARS`] characters).
    pub passages: Vec<String>,
}

/// The repetition of one part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartRepetition {
    /// 1 to 6.
    pub number: u8,
    pub percent: f64,
    pub chars: usize,
    pub repeated_chars: usize,
}

/// Text in normal form, each normalised character with the range of original characters it
/// stands for (a digit run stands for all its digits).
struct Normalised {
    chars: Vec<char>,
    /// Per normalised character: (first, last + 1) index into `original`.
    spans: Vec<(usize, usize)>,
    original: Vec<char>,
}

/// What stands for every run of digits.
const DIGITS: char = '#';

fn normalise(text: &str) -> Normalised {
    let original: Vec<char> = text.chars().collect();
    let mut chars = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(&c) = original.get(i) {
        let c = crate::text::half_width(c);
        if c.is_ascii_digit() {
            // A digit run, with decimal points inside it (`12.5`), is one placeholder.
            let start = i;
            i += 1;
            while original.get(i).is_some_and(|d| {
                d.is_ascii_digit()
                    || ('０'..='９').contains(d)
                    || ((*d == '.' || *d == '．')
                        && original.get(i + 1).is_some_and(|n| n.is_ascii_digit()))
            }) {
                i += 1;
            }
            chars.push(DIGITS);
            spans.push((start, i));
            continue;
        }
        if c.is_alphanumeric() {
            chars.push(c);
            spans.push((i, i + 1));
        }
        i += 1;
    }
    Normalised {
        chars,
        spans,
        original,
    }
}

fn shingle_hash(window: &[char]) -> u64 {
    let mut h = DefaultHasher::new();
    window.hash(&mut h);
    h.finish()
}

/// Which characters of `text` lie in a shingle found in `known`.
fn covered(text: &[char], known: &HashSet<u64>) -> Vec<bool> {
    let mut marks = vec![false; text.len()];
    if text.len() < SHINGLE_CHARS {
        return marks;
    }
    for (start, window) in text.windows(SHINGLE_CHARS).enumerate() {
        if known.contains(&shingle_hash(window))
            && let Some(slots) = marks.get_mut(start..start + SHINGLE_CHARS)
        {
            slots.iter_mut().for_each(|m| *m = true);
        }
    }
    marks
}

fn paragraphs_text(paragraphs: &[Paragraph]) -> String {
    paragraphs
        .iter()
        .map(Paragraph::full_text)
        .collect::<Vec<_>>()
        .join("\n")
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// Measures how much of `report`'s prose is found in `previous`'s. `None` when either has no
/// prose to compare (a workbook alone, or a report too short to hold one shingle).
pub fn measure(report: &Report, previous: &Report) -> Option<Repetition> {
    let mut known = HashSet::new();
    let previous_texts = std::iter::once(paragraphs_text(&previous.opening))
        .chain(previous.parts.iter().map(|p| p.text()));
    for text in previous_texts {
        let n = normalise(&text);
        for window in n.chars.windows(SHINGLE_CHARS) {
            known.insert(shingle_hash(window));
        }
    }
    if known.is_empty() {
        return None;
    }
    let mut chars = 0;
    let mut repeated_chars = 0;
    let mut parts = Vec::new();
    // (length, quotation) of every repeated passage.
    let mut passages: Vec<(usize, String)> = Vec::new();
    let sections = std::iter::once((None, paragraphs_text(&report.opening)))
        .chain(report.parts.iter().map(|p| (Some(p.number), p.text())));
    for (number, text) in sections {
        let n = normalise(&text);
        let marks = covered(&n.chars, &known);
        let repeated = marks.iter().filter(|m| **m).count();
        chars += n.chars.len();
        repeated_chars += repeated;
        if let Some(number) = number
            && n.chars.len() >= MIN_PART_CHARS
        {
            parts.push(PartRepetition {
                number,
                percent: percent(repeated, n.chars.len()),
                chars: n.chars.len(),
                repeated_chars: repeated,
            });
        }
        collect_passages(&n, &marks, &mut passages);
    }
    if chars < SHINGLE_CHARS {
        return None;
    }
    // Longest first; among equals, the earlier one (the sort is stable).
    passages.sort_by_key(|p| std::cmp::Reverse(p.0));
    Some(Repetition {
        percent: percent(repeated_chars, chars),
        chars,
        repeated_chars,
        parts,
        passages: passages
            .into_iter()
            .take(PASSAGES_QUOTED)
            .map(|(_, q)| q)
            .collect(),
    })
}

/// Every maximal run of repeated characters, quoted from the original text.
fn collect_passages(n: &Normalised, marks: &[bool], into: &mut Vec<(usize, String)>) {
    let mut i = 0;
    while i < marks.len() {
        if !marks[i] {
            i += 1;
            continue;
        }
        let start = i;
        while marks.get(i).copied().unwrap_or(false) {
            i += 1;
        }
        let (Some(first), Some(last)) = (n.spans.get(start), n.spans.get(i - 1)) else {
            continue;
        };
        let quoted: String = n
            .original
            .get(first.0..last.1)
            .unwrap_or_default()
            .iter()
            .map(|c| if *c == '\n' { ' ' } else { *c })
            .collect();
        let quoted = if quoted.chars().count() > QUOTE_MAX_CHARS {
            let cut: String = quoted.chars().take(QUOTE_MAX_CHARS).collect();
            format!("{cut}…")
        } else {
            quoted
        };
        into.push((i - start, quoted));
    }
}

impl Repetition {
    /// Whether the share is above [`WARN_ABOVE_PERCENT`].
    pub fn too_high(&self) -> bool {
        self.percent > f64::from(WARN_ABOVE_PERCENT)
    }

    /// The finding: a warning above [`WARN_ABOVE_PERCENT`], otherwise a note giving the share
    /// (every unit's share is reported, so an office can compare them).
    pub fn finding(&self, report: &Report) -> Finding {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| {
                format!(
                    "第{}部分 {}%",
                    chinese_numeral(p.number as usize),
                    show_percent(p.percent)
                )
            })
            .collect();
        let by_part = if parts.is_empty() {
            String::new()
        } else {
            format!("（{}）", parts.join("，"))
        };
        let message = format!(
            "正文与上年报告重复 {}%{by_part}：本年正文 {} 字中有 {} 字见于上年报告（数字和年份不计）",
            show_percent(self.percent),
            self.chars,
            self.repeated_chars
        );
        let quoted: Vec<String> = self.passages.iter().map(|q| format!("“{q}”")).collect();
        let mut finding = if self.too_high() {
            Finding::warning("prose.repeated_text", message).hint(format!(
                "与上年度重复率大于{WARN_ABOVE_PERCENT}%的报告在考核中会被扣分，请结合本年度工作重新撰写。重复最长的段落：{}",
                quoted.join("；")
            ))
        } else {
            let f = Finding::info("prose.repeated_text", message);
            if quoted.is_empty() {
                f
            } else {
                f.hint(format!("重复最长的段落：{}", quoted.join("；")))
            }
        }
        .expected_found(
            format!("不超过 {WARN_ABOVE_PERCENT}%"),
            format!("{}%", show_percent(self.percent)),
        );
        // The parts above the line, where rewriting helps most.
        for p in self
            .parts
            .iter()
            .filter(|p| p.percent > f64::from(WARN_ABOVE_PERCENT))
        {
            if let Some(loc) = report
                .part(p.number)
                .and_then(|part| part.source.clone())
                .filter(Location::has_place)
            {
                finding = finding.at(loc);
            }
        }
        finding
    }
}

/// A percentage as printed: one decimal, none when whole (`72%`, `72.5%`).
pub fn show_percent(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::PartText;

    fn report(parts: &[(u8, &str)]) -> Report {
        let mut r = Report::new("某局", 2024);
        r.parts = parts
            .iter()
            .map(|(n, text)| PartText {
                number: *n,
                paragraphs: text.split('\n').map(Paragraph::body).collect(),
                ..PartText::default()
            })
            .collect();
        r
    }

    #[test]
    fn numbers_and_years_do_not_make_text_new() {
        let before = report(&[(
            1,
            "2023年，本局共收到政府信息公开申请86件，全部按期答复，答复率达到百分之百。",
        )]);
        let now = report(&[(
            1,
            "2024年，本局共收到政府信息公开申请97件，全部按期答复，答复率达到百分之百。",
        )]);
        let m = measure(&now, &before).unwrap();
        assert_eq!(m.percent, 100.0);
        assert_eq!(m.repeated_chars, m.chars);
    }

    #[test]
    fn new_text_is_new_and_passages_are_quoted() {
        let before = report(&[(
            1,
            "本局坚持以公开为常态、不公开为例外，持续深化政务公开标准化规范化建设。",
        )]);
        let now = report(&[(
            1,
            "本局坚持以公开为常态、不公开为例外，持续深化政务公开标准化规范化建设。\n今年新建了政策问答库，群众来电咨询明显减少，满意度有所提高。",
        )]);
        let m = measure(&now, &before).unwrap();
        // Counted by hand: the first sentence's 32 of the 59 characters (punctuation left out)
        // are last year's.
        assert_eq!((m.repeated_chars, m.chars), (32, 59));
        assert_eq!(
            m.passages,
            ["本局坚持以公开为常态、不公开为例外，持续深化政务公开标准化规范化建设"]
        );
        assert!(m.too_high());
        let f = m.finding(&now);
        assert_eq!(f.severity, crate::Severity::Warning);
        assert_eq!(f.found.as_deref(), Some("54.2%"));
        // Under the line it is a note with the share: 32 of 69.
        let half = report(&[(
            1,
            "本局坚持以公开为常态、不公开为例外，持续深化政务公开标准化规范化建设。\n今年新建了政策问答库，群众来电咨询明显减少，满意度有所提高，办件时限平均缩短两天。",
        )]);
        let f = measure(&half, &before).unwrap().finding(&half);
        assert_eq!(f.severity, crate::Severity::Info);
        assert_eq!(f.found.as_deref(), Some("46.4%"));
    }

    #[test]
    fn no_prose_no_measure() {
        let before = report(&[]);
        let now = report(&[(1, "本局坚持以公开为常态、不公开为例外。")]);
        assert_eq!(measure(&now, &before), None);
    }
}
