//! Text normalisation shared by every importer: labels drift in width, spacing, punctuation,
//! quote style and enumerators; matching happens on a normal form.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;

/// A regular expression built from run-time text (format data: prose claims, the title pattern),
/// compiled once per process and shared. Shared, not cloned: a cloned `Regex` starts with a cold
/// matching cache, and compiling per report cost more than the matching. `None` when the pattern
/// does not compile (formats are checked for that when they are loaded).
pub fn shared_regex(pattern: &str) -> Option<Arc<Regex>> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, Arc<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(re) = map.get(pattern) {
        return Some(Arc::clone(re));
    }
    let re = Arc::new(Regex::new(pattern).ok()?);
    map.insert(pattern.to_string(), Arc::clone(&re));
    Some(re)
}

/// Converts full-width ASCII to half-width and the ideographic space to a space.
pub fn to_half_width(s: &str) -> String {
    let mut half = String::with_capacity(s.len());
    half.extend(s.chars().map(half_width));
    half
}

/// One character made half-width (full-width ASCII, the ideographic space).
pub fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Splits a leading enumerator off a label: `一、`, `（一）`, `(一)`, `1.`, `1、`, `1．`, `（1）`.
/// Returns the enumerator as written (trimmed) and the rest.
pub fn split_enumerator(s: &str) -> (Option<&str>, &str) {
    let t = s.trim_start();
    let offset = s.len() - t.len();
    let end = enumerator_len(t);
    if end == 0 {
        (None, s)
    } else {
        (Some(s[offset..offset + end].trim()), t[end..].trim_start())
    }
}

fn is_cn_digit(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// Byte length of a leading enumerator (0 when there is none).
/// How far into a text an enumerator (`（ 一 ）`, `12、`) may reach, spaces included.
const ENUMERATOR_MAX_CHARS: usize = 32;

fn enumerator_len(t: &str) -> usize {
    // An enumerator is a few characters at the start: only those are looked at (labels and
    // paragraphs can be long, and this runs for every cell and heading read).
    let mut start = [(0usize, '\0'); ENUMERATOR_MAX_CHARS];
    let mut len = 0;
    for (slot, ic) in start.iter_mut().zip(t.char_indices()) {
        *slot = ic;
        len += 1;
    }
    let chars = &start[..len];
    let end_at = |i: usize| chars.get(i).map(|(b, _)| *b).unwrap_or(t.len());
    let skip_spaces = |mut i: usize| {
        while chars
            .get(i)
            .is_some_and(|(_, c)| *c == ' ' || *c == '\u{3000}')
        {
            i += 1;
        }
        i
    };
    // （一） (一) （1） (1)
    if let Some((_, open)) = chars.first()
        && (*open == '（' || *open == '(')
    {
        let mut i = skip_spaces(1);
        let start = i;
        let cn = chars.get(i).is_some_and(|(_, c)| is_cn_digit(*c));
        while chars.get(i).is_some_and(|(_, c)| {
            if cn {
                is_cn_digit(*c)
            } else {
                c.is_ascii_digit() || ('０'..='９').contains(c)
            }
        }) {
            i += 1;
        }
        if i > start && i - start <= 3 {
            let j = skip_spaces(i);
            if chars.get(j).is_some_and(|(_, c)| *c == '）' || *c == ')') {
                return end_at(j + 1);
            }
        }
        return 0;
    }
    // 一、  1.  1、  1．
    let mut i = 0;
    let cn = chars.first().is_some_and(|(_, c)| is_cn_digit(*c));
    while chars.get(i).is_some_and(|(_, c)| {
        if cn {
            is_cn_digit(*c)
        } else {
            c.is_ascii_digit() || ('０'..='９').contains(c)
        }
    }) {
        i += 1;
    }
    if i == 0 || i > 3 {
        return 0;
    }
    let j = skip_spaces(i);
    match chars.get(j).map(|(_, c)| *c) {
        Some('、') => end_at(j + 1),
        Some('.') | Some('．') if !cn => {
            // `1.5` is a number, not an enumerator.
            if chars.get(j + 1).is_some_and(|(_, c)| c.is_ascii_digit()) {
                0
            } else {
                end_at(j + 1)
            }
        }
        _ => 0,
    }
}

/// The normal form used to compare labels: half-width, no enumerator, no white space, no
/// punctuation or quotes. `（二）部分公开（区分处理的，…）` and `(二) 部分公开 (区分处理的, …)`
/// normalise alike.
pub fn normalize_label(s: &str) -> String {
    // One buffer: made half-width, the enumerator cut off the front, the rest filtered in place
    // (this runs for every cell and heading read).
    let mut half = to_half_width(s);
    let (_, rest) = split_enumerator(&half);
    let enumerator = half.len() - rest.len();
    half.drain(..enumerator);
    half.retain(|c| !c.is_whitespace() && !is_punctuation(c));
    half
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '“' | '”'
                | '‘'
                | '’'
                | '「'
                | '」'
                | '『'
                | '』'
                | '、'
                | '，'
                | '。'
                | '：'
                | '；'
                | '（'
                | '）'
                | '《'
                | '》'
                | '〈'
                | '〉'
                | '【'
                | '】'
                | '—'
                | '–'
                | '·'
                | '…'
                | '\u{200B}'
                | '\u{FEFF}'
        )
}

/// Whether two labels are the same after normalisation.
pub fn same_label(a: &str, b: &str) -> bool {
    normalize_label(a) == normalize_label(b)
}

/// The ISO date (`2025-01-16`) of a line that is only a date, as a 落款 writes it
/// (`2025年1月16日`, `2025 年 1 月 16 日`, `二〇二五年一月十六日`).
pub fn parse_date_line(text: &str) -> Option<String> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| {
            Regex::new(r"^(\d{4}|[〇○零一二三四五六七八九]{4})年(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})日$").ok()
        })
        .as_ref()?;
    let compacted: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let caps = re.captures(&compacted)?;
    let y = chinese_number(caps.get(1)?.as_str())?;
    let m = chinese_number(caps.get(2)?.as_str())?;
    let d = chinese_number(caps.get(3)?.as_str())?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// A 成文日期 as offices write it — `2025-01-16`, `2025/1/16`, `2025.1.16`, `2025年1月16日`,
/// `二〇二五年一月十六日` — as `YYYY-MM-DD`; `None` when it is no date (`2025/13/45`).
pub fn parse_date(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(iso) = parse_date_line(&compact) {
        return Some(iso);
    }
    let parts: Vec<&str> = compact.split(['-', '/', '.']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((1000..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// A number written in Arabic or Chinese digits (`2025`, `二〇二五`, `十六`).
fn chinese_number(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return Some(n);
    }
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '〇' | '○' | '零' => 0,
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    if text.contains('十') {
        let (tens, ones) = text.split_once('十')?;
        let tens = if tens.is_empty() {
            1
        } else {
            digit(tens.chars().next()?)?
        };
        let ones = if ones.is_empty() {
            0
        } else {
            digit(ones.chars().next()?)?
        };
        return Some(tens * 10 + ones);
    }
    text.chars()
        .try_fold(0u32, |acc, c| digit(c).map(|d| acc * 10 + d))
}

/// The report's year as its text states it, with the words that state it: its statistics
/// period (`统计期限为2024年1月1日至2024年12月31日`, `自2023年1月1日起至2023年12月31日止`, a whole
/// calendar year, the same year at both ends), or the opening's announcement of the report
/// (`现将我局2020年度政府信息公开情况报告如下`). A sentence that only mentions a date
/// (`截止2023年12月31日`) states no report's year.
pub fn stated_year(text: &str) -> Option<(i32, String)> {
    static RES: OnceLock<Vec<Regex>> = OnceLock::new();
    let res = RES.get_or_init(|| {
        [
            r"(\d{4})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|－|-|~|～)\s*(\d{4})\s*年\s*12\s*月\s*31\s*日",
            r"(?:现将|现就|现向社会公布|特向社会公布)[^。，,]{0,24}?(\d{4})\s*年度?[^。，,]{0,12}?政府信息公开[^。，,]{0,16}?(?:报告如下|公布如下)",
        ]
        .iter()
        .filter_map(|re| Regex::new(re).ok())
        .collect()
    });
    res.iter().find_map(|re| {
        let caps = re.captures(text)?;
        let start: i32 = caps.get(1)?.as_str().parse().ok()?;
        let end: i32 = match caps.get(2) {
            Some(end) => end.as_str().parse().ok()?,
            None => start,
        };
        (start == end && crate::report::REPORT_YEARS.contains(&start))
            .then(|| (start, caps.get(0).map_or("", |m| m.as_str()).to_string()))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_as_offices_write_them() {
        for (text, iso) in [
            ("2025-01-16", Some("2025-01-16")),
            ("2025/1/16", Some("2025-01-16")),
            ("2025.1.6", Some("2025-01-06")),
            ("2025年2月3日", Some("2025-02-03")),
            ("二〇二五年一月十六日", Some("2025-01-16")),
            ("2025/13/45", None),
            ("一月", None),
        ] {
            assert_eq!(parse_date(text).as_deref(), iso, "{text}");
        }
    }

    use super::*;

    #[test]
    fn enumerators() {
        assert_eq!(split_enumerator("一、总体情况"), (Some("一、"), "总体情况"));
        assert_eq!(
            split_enumerator("（一）主动公开"),
            (Some("（一）"), "主动公开")
        );
        assert_eq!(
            split_enumerator("(二) 部分公开"),
            (Some("(二)"), "部分公开")
        );
        assert_eq!(
            split_enumerator("1.属于国家秘密"),
            (Some("1."), "属于国家秘密")
        );
        assert_eq!(split_enumerator("1、申请人"), (Some("1、"), "申请人"));
        assert_eq!(split_enumerator("1. 属于"), (Some("1."), "属于"));
        assert_eq!(split_enumerator("（1）细项"), (Some("（1）"), "细项"));
        assert_eq!(split_enumerator("2024年"), (None, "2024年"));
        assert_eq!(split_enumerator("1.5万元"), (None, "1.5万元"));
        assert_eq!(split_enumerator("（本列数据）"), (None, "（本列数据）"));
    }

    #[test]
    fn labels_normalise_alike() {
        assert!(same_label(
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            "(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)"
        ));
        assert!(same_label(
            "3.危及“三安全一稳定”",
            "3、危及\"三安全一稳定\""
        ));
        assert!(same_label("商业企业", "商业\n企业"));
        assert!(same_label("第二十条第（一）项", "第二十条 第(一)项"));
        assert!(same_label("本年度办理结果", "本年度办 理结果"));
        assert!(!same_label("规章", "行政规范性文件"));
    }
}
