//! The report: metadata, the prose of the six parts, and the table values with their sources.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Finding, Location};
use crate::format::{Format, NATIONAL_2021, ValueKind};
use crate::key::ValueKey;

/// A whole report, as read from the office's files or a published report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub meta: Metadata,
    /// Paragraphs before part 一 (the opening paragraph; not the title).
    #[serde(default)]
    pub opening: Vec<Paragraph>,
    /// The six parts' text, in the order found.
    #[serde(default)]
    pub parts: Vec<PartText>,
    /// Paragraphs after part 六 (signature, date, notes).
    #[serde(default)]
    pub closing: Vec<Paragraph>,
    /// Table values keyed by `row.field`.
    #[serde(default)]
    pub values: BTreeMap<ValueKey, Cell>,
    /// Units whose tables were added up into this report (for a summed report).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summed_from: Vec<String>,
}

/// Who reports, for which year, and how to reach them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// 机关名称.
    pub org: String,
    /// 年度 (the year reported on).
    pub year: i32,
    /// The format id (`national-2021`, `shandong`, …).
    #[serde(default = "national")]
    pub format: String,
    /// 行政级别.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<AdminLevel>,
    /// 地区 (`山东省威海市`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// 成文日期, ISO `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Contact lines (`地址：…`, `电话：…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
}

fn national() -> String {
    NATIONAL_2021.to_string()
}

impl Default for Metadata {
    fn default() -> Self {
        Metadata {
            org: String::new(),
            year: 0,
            format: national(),
            level: None,
            region: None,
            date: None,
            contact: Vec::new(),
        }
    }
}

impl Metadata {
    /// 成文日期 in Chinese (`2025年1月16日`), if known and well formed.
    pub fn date_chinese(&self) -> Option<String> {
        let date = self.date.as_deref()?;
        let mut it = date.split('-').map(|p| p.parse::<u32>().ok());
        match (it.next()??, it.next()??, it.next()??) {
            (y, m, d) if (1..=12).contains(&m) && (1..=31).contains(&d) => {
                Some(format!("{y}年{m}月{d}日"))
            }
            _ => None,
        }
    }
}

/// 行政级别 of the reporting body: what it may plausibly report (only governments make 规章).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminLevel {
    /// 省级人民政府
    Province,
    /// 设区的市人民政府
    City,
    /// 县级人民政府
    County,
    /// 乡镇人民政府、街道办事处
    Town,
    /// 政府部门
    Department,
}

impl AdminLevel {
    /// Parses English or Chinese names (`department`, `部门`, `乡镇`, `街道`, …).
    pub fn parse(text: &str) -> Option<AdminLevel> {
        Some(match text.trim() {
            "province" | "省级" | "省" => AdminLevel::Province,
            "city" | "市级" | "市" | "设区的市" => AdminLevel::City,
            // A 区 of a city is at the level of a 县 (县级行政区).
            "county" | "县级" | "县" | "区县" | "县区" | "区级" | "区" | "县（区）级" => {
                AdminLevel::County
            }
            "town" | "乡镇" | "街道" | "乡镇街道" | "镇" | "乡" => AdminLevel::Town,
            "department" | "部门" | "政府部门" => AdminLevel::Department,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            AdminLevel::Province => "省级",
            AdminLevel::City => "市级",
            AdminLevel::County => "县级",
            AdminLevel::Town => "乡镇（街道）",
            AdminLevel::Department => "部门",
        }
    }

    /// Whether a body at this level can make 规章 (only province and city governments).
    pub fn may_make_regulations(self) -> bool {
        matches!(self, AdminLevel::Province | AdminLevel::City)
    }
}

/// The text of one of the six parts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartText {
    /// 1 to 6.
    pub number: u8,
    /// The heading as written in the source (`四、政府信息公开行政复议及行政诉讼情况`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_as_written: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Location>,
    pub paragraphs: Vec<Paragraph>,
}

impl PartText {
    /// All of the part's text, paragraphs joined by newlines.
    pub fn text(&self) -> String {
        self.paragraphs
            .iter()
            .map(Paragraph::full_text)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A paragraph of prose; headings are paragraphs of their own level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Paragraph {
    pub level: ParagraphLevel,
    /// A run-in sub-heading that starts the paragraph (`（一）主动公开情况。`), printed in the
    /// heading's face, followed by `text` in the body face.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_in: Option<String>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Location>,
}

impl Paragraph {
    pub fn body(text: impl Into<String>) -> Paragraph {
        Paragraph {
            level: ParagraphLevel::Body,
            run_in: None,
            text: text.into(),
            source: None,
        }
    }

    pub fn heading(level: ParagraphLevel, text: impl Into<String>) -> Paragraph {
        Paragraph {
            level,
            run_in: None,
            text: text.into(),
            source: None,
        }
    }

    /// The paragraph as printed: run-in heading and text.
    pub fn full_text(&self) -> String {
        match &self.run_in {
            Some(r) => format!("{r}{}", self.text),
            None => self.text.clone(),
        }
    }
}

/// The level of a paragraph in the official numbering scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParagraphLevel {
    /// Body text.
    #[default]
    Body,
    /// `（一）` sub-heading (楷体).
    Sub1,
    /// `1.` sub-heading (仿宋).
    Sub2,
    /// `（1）` sub-heading (仿宋).
    Sub3,
}

/// One table value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub value: CellValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Location>,
}

impl Cell {
    pub fn number(n: Decimal, source: Option<Location>) -> Cell {
        Cell {
            value: CellValue::Number(n),
            source,
        }
    }

    pub fn number_value(&self) -> Option<Decimal> {
        match self.value {
            CellValue::Number(n) => Some(n),
            _ => None,
        }
    }
}

/// A table value: a number, or no value (blank, `/`), or text that is not a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "raw", rename_all = "lowercase")]
pub enum CellValue {
    /// An exact number (counts are whole; amounts keep every decimal place given).
    Number(Decimal),
    /// Blank or a "no value" marker (`/`, `-`, `—`, `不适用`): not zero.
    Empty(String),
    /// Text that is not a number (reported by the importer).
    Unreadable(String),
}

/// A whole decimal as `i64`, if it is whole and fits.
pub fn decimal_to_i64(n: Decimal) -> Option<i64> {
    if n.fract().is_zero() {
        rust_decimal::prelude::ToPrimitive::to_i64(&n)
    } else {
        None
    }
}

/// The years a report can be for: the 条例 took effect on 2008-05-01; later than 2100 is a
/// typing error. The one range every source of a 年度 is checked against.
pub const REPORT_YEARS: std::ops::RangeInclusive<i32> = 2008..=2100;

/// The largest magnitude a table value may have. The largest real figures are a province's
/// yearly 行政处罚 decisions (tens of millions); anything beyond this bound is a typing or
/// conversion error, and keeping values bounded means no sum of a report's values can overflow.
pub const MAX_ABS_VALUE: i64 = 1_000_000_000_000;

/// A number read from a file, as a value: `Unreadable` (with the number as written) when it is
/// beyond [`MAX_ABS_VALUE`].
pub fn number_value(n: Decimal) -> CellValue {
    if n.abs() > Decimal::from(MAX_ABS_VALUE) {
        CellValue::Unreadable(n.normalize().to_string())
    } else {
        CellValue::Number(n.normalize())
    }
}

/// Reads a value as written in a cell or a document, for a field of the given kind: `3`, ` 3 `,
/// `3.0`, `1,234`, full-width digits; a unit that fits the field (`5件` for a count, `1.2万元`
/// for an amount in 万元); blank and `/ - — 不适用 无` as no value. A unit that does not fit
/// (`12元` where the table asks for 万元, `3万元` in a count) makes the value unreadable rather
/// than silently wrong by a factor of 10,000.
pub fn parse_value_text(raw: &str, kind: ValueKind) -> CellValue {
    if !digit_groups_are_thousands(raw) {
        // `4 1236`: two numbers side by side (cells run together), not one.
        return CellValue::Unreadable(raw.trim().to_string());
    }
    let normal = normalized_value_text(raw);
    if normal.is_empty() {
        return CellValue::Empty(raw.trim().to_string());
    }
    const EMPTY_MARKERS: [&str; 9] = ["/", "／", "-", "—", "——", "–", "不适用", "无", "\\"];
    if EMPTY_MARKERS.contains(&normal.as_str()) {
        return CellValue::Empty(raw.trim().to_string());
    }
    match number_part(&normal, kind).parse::<Decimal>() {
        Ok(d) => match number_value(d) {
            CellValue::Number(n) => CellValue::Number(n),
            _ => CellValue::Unreadable(raw.trim().to_string()),
        },
        Err(_) => CellValue::Unreadable(raw.trim().to_string()),
    }
}

/// Whether a value as written is a number, only one beyond [`MAX_ABS_VALUE`] (`1e300`, a
/// 301-digit figure, `5e28`): out of range, which is not the same as "not a number".
pub fn is_out_of_range(raw: &str, kind: ValueKind) -> bool {
    let normal = normalized_value_text(raw);
    let number = number_part(&normal, kind);
    let numeric = number.bytes().any(|b| b.is_ascii_digit())
        && number
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    // f64 reads any length of digits (as infinity beyond its range); the bound is far within it.
    numeric
        && number
            .parse::<f64>()
            .is_ok_and(|f| !f.is_nan() && f.abs() > MAX_ABS_VALUE as f64)
}

/// Whether the separators between a value's digits (a space, a comma) group them as thousands
/// (`41 236`, `1,234,567`): each group after the first of three digits, the first of one to
/// three. A text without separators between digits is fine.
fn digit_groups_are_thousands(raw: &str) -> bool {
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let is_separator = |c: char| c.is_whitespace() || matches!(c, ',' | '，');
    let mut groups: Vec<usize> = Vec::new();
    let mut current = 0usize;
    let mut pending_separator = false;
    for c in raw.trim().chars() {
        if is_digit(c) {
            if pending_separator && current > 0 {
                groups.push(current);
                current = 0;
            }
            pending_separator = false;
            current += 1;
        } else if is_separator(c) {
            pending_separator = current > 0 || pending_separator;
        } else {
            // A point, a sign or a unit ends the digits that may be grouped.
            if current > 0 {
                groups.push(current);
            }
            current = 0;
            pending_separator = false;
            if !groups.is_empty() {
                break;
            }
        }
    }
    if current > 0 {
        groups.push(current);
    }
    match groups.split_first() {
        Some((first, rest)) if !rest.is_empty() => {
            (1..=3).contains(first) && rest.iter().all(|g| *g == 3)
        }
        _ => true,
    }
}

/// A value's text with full-width digits and signs made ASCII and spaces and thousands
/// separators removed.
fn normalized_value_text(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' | '−' => '-',
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
        .collect()
}

/// The number of a normalised value text, without a unit that fits the field's kind.
fn number_part(normal: &str, kind: ValueKind) -> &str {
    let units: &[&str] = match kind {
        ValueKind::Count => &["件", "个", "项", "条", "次"],
        ValueKind::Amount => &["万元"],
    };
    units
        .iter()
        .find_map(|unit| normal.strip_suffix(unit))
        .unwrap_or(normal)
}

impl Report {
    /// A report with metadata and no content.
    pub fn new(org: impl Into<String>, year: i32) -> Report {
        Report {
            meta: Metadata {
                org: org.into(),
                year,
                ..Metadata::default()
            },
            ..Report::default()
        }
    }

    /// The office's explicit choice that a blank value cell means 0 (`--blank-as-zero`,
    /// `blank_as_zero = true`): every cell read as no value (blank, “/”, “—”) becomes 0 and
    /// keeps its location, so the checks run over it and the filing document shows 0. A value
    /// whose row or column was not found at all stays missing: there is no cell to fill. Returns
    /// one info finding naming every cell filled, or `None` when there was none.
    pub fn blanks_as_zero(&mut self, format: &Format) -> Option<Finding> {
        let mut filled: Vec<(String, Location)> = Vec::new();
        for key in format.value_keys() {
            let Some(cell) = self.values.get_mut(&key) else {
                continue;
            };
            if !matches!(cell.value, CellValue::Empty(_)) {
                continue;
            }
            cell.value = CellValue::Number(Decimal::ZERO);
            let label = format.value_label(&key);
            let location = cell
                .source
                .clone()
                .unwrap_or_default()
                .with_value(key.to_string(), label.clone());
            filled.push((label, location));
        }
        if filled.is_empty() {
            return None;
        }
        const NAMED: usize = 5;
        let named: Vec<String> = filled.iter().take(NAMED).map(|(l, _)| l.clone()).collect();
        let more = if filled.len() > NAMED {
            format!("等 {} 个", filled.len())
        } else {
            String::new()
        };
        Some(
            Finding::info(
                "values.blank_as_zero",
                format!(
                    "按“空白按 0 处理”的设置，{} 个未填写的数值按 0 检查并写入报告：{}{more}",
                    filled.len(),
                    named.join("、")
                ),
            )
            .at_all(filled.into_iter().map(|(_, l)| l))
            .hint("这些单元格在统计表中仍为空白；如其中有尚未统计的数，请填写实际数字后重新检查。"),
        )
    }

    /// The number held by a value, if it has one.
    pub fn number(&self, key: &ValueKey) -> Option<Decimal> {
        self.values.get(key).and_then(Cell::number_value)
    }

    /// Sets a value from a number.
    pub fn set(&mut self, key: ValueKey, n: Decimal, source: Option<Location>) {
        self.values.insert(key, Cell::number(n, source));
    }

    pub fn part(&self, number: u8) -> Option<&PartText> {
        self.parts.iter().find(|p| p.number == number)
    }

    /// Whether any prose was read (drafts and published reports have it; a workbook alone not).
    pub fn has_prose(&self) -> bool {
        self.parts.iter().any(|p| !p.paragraphs.is_empty())
    }

    /// The title under a format.
    pub fn title(&self, format: &Format) -> String {
        format.title(&self.meta.org, self.meta.year)
    }

    /// Values as plain numbers (missing ones omitted), for placeholders and JSON.
    pub fn numbers(&self) -> BTreeMap<ValueKey, Decimal> {
        self.values
            .iter()
            .filter_map(|(k, c)| c.number_value().map(|n| (k.clone(), n)))
            .collect()
    }

    /// The metadata part of [`Report::template_context`] only (`org`, `year`, `date`, `region`,
    /// `contact`): for rendering skeleton text, where value placeholders must stay as written
    /// for the office to fill in later.
    pub fn metadata_context(&self) -> serde_json::Value {
        self.template_context_of(|_| false)
    }

    /// The context that placeholders in drafts and format templates see: `org`, `year`, `date`
    /// (Chinese), `contact`, `region`, and every value as `row.field` (`{{ new_received.total }}`).
    /// Whole numbers are numbers; amounts with decimals are strings, so they print exactly.
    pub fn template_context(&self) -> serde_json::Value {
        self.template_context_of(|_| true)
    }

    /// [`Report::template_context`] with the values of only the rows `wanted` accepts (the
    /// metadata is always there): a draft's placeholders name a few of the format's rows.
    pub fn template_context_of(&self, wanted: impl Fn(&str) -> bool) -> serde_json::Value {
        use serde_json::{Map, Value};
        let mut root = Map::new();
        root.insert("org".into(), Value::from(self.meta.org.clone()));
        root.insert("year".into(), Value::from(self.meta.year));
        root.insert(
            "date".into(),
            self.meta
                .date_chinese()
                .map(Value::from)
                .unwrap_or(Value::Null),
        );
        root.insert(
            "region".into(),
            self.meta
                .region
                .clone()
                .map(Value::from)
                .unwrap_or(Value::Null),
        );
        root.insert("contact".into(), Value::from(self.meta.contact.clone()));
        let as_value = |n: Decimal| {
            if n.fract().is_zero() {
                rust_decimal::prelude::ToPrimitive::to_i64(&n)
                    .map(Value::from)
                    .unwrap_or_else(|| Value::from(n.to_string()))
            } else {
                Value::from(n.normalize().to_string())
            }
        };
        let mut put = |key: &ValueKey, value: Option<Value>| {
            let row = root
                .entry(key.row.as_str())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(fields) = row {
                match value {
                    Some(value) => {
                        fields.insert(key.field.clone(), value);
                    }
                    None => {
                        fields.entry(key.field.as_str()).or_insert(Value::Null);
                    }
                }
            }
        };
        // Every value key is known, with null where the report has no number, so a placeholder
        // naming an unfilled value is told apart from a misspelt one. The tables are the national
        // ones in every format (overlays do not change them). A value under a key of no national
        // table (none is read so today) is still seen.
        for (key, cell) in &self.values {
            if wanted(&key.row)
                && let Some(n) = cell.number_value()
            {
                put(key, Some(as_value(n)));
            }
        }
        for table in &Format::national_2021().tables {
            for cell in table.value_cells() {
                if wanted(&cell.key.row) {
                    put(&cell.key, None);
                }
            }
        }
        Value::Object(root)
    }

    /// Adds up the tables of several units into one report's tables; the units' names are kept
    /// in `summed_from`. A value that any unit lacks has no sum: it stays "no value" (with the
    /// units that lack it named in its raw text), because a total that silently counts a blank as
    /// 0 would look complete and be wrong.
    pub fn sum_tables<'a>(
        format: &Format,
        meta: Metadata,
        units: impl IntoIterator<Item = &'a Report>,
    ) -> Report {
        let mut out = Report {
            meta,
            ..Report::default()
        };
        let keys = format.value_keys();
        let mut totals: BTreeMap<ValueKey, Result<Decimal, Vec<String>>> = keys
            .iter()
            .map(|k| (k.clone(), Ok(Decimal::ZERO)))
            .collect();
        for unit in units {
            out.summed_from.push(unit.meta.org.clone());
            for key in &keys {
                let Some(total) = totals.get_mut(key) else {
                    continue;
                };
                let next = match (&*total, unit.number(key)) {
                    (Ok(t), Some(n)) => t.checked_add(n).ok_or_else(|| vec![unit.meta.org.clone()]),
                    (Ok(_), None) => Err(vec![unit.meta.org.clone()]),
                    (Err(lacking), None) => {
                        Err([lacking.clone(), vec![unit.meta.org.clone()]].concat())
                    }
                    (Err(lacking), Some(_)) => Err(lacking.clone()),
                };
                *total = next;
            }
        }
        let count = out.summed_from.len();
        for (key, total) in totals {
            let source = Some(Location {
                key: Some(key.to_string()),
                label: Some(format!("{count}个单位合计")),
                ..Location::default()
            });
            let value = match total {
                Ok(n) => CellValue::Number(n.normalize()),
                Err(lacking) => CellValue::Empty(format!("（{}未填写）", lacking.join("、"))),
            };
            out.values.insert(key, Cell { value, source });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> CellValue {
        CellValue::Number(s.parse().unwrap_or_default())
    }

    fn parse(raw: &str) -> CellValue {
        parse_value_text(raw, ValueKind::Count)
    }

    #[test]
    fn numbers_beyond_the_bound_are_out_of_range_not_text() {
        let huge = format!("1{}", "0".repeat(300));
        assert!(matches!(
            parse_value_text(&huge, ValueKind::Count),
            CellValue::Unreadable(_)
        ));
        for raw in [
            huge.as_str(),
            "1e300",
            "5e28",
            "-2000000000000",
            "1,000,000,000,001件",
            "１e400",
        ] {
            assert!(is_out_of_range(raw, ValueKind::Count), "{raw}");
        }
        for raw in ["约5", "inf", "NaN", "12元", "1000000000000", "e5", "三"] {
            assert!(!is_out_of_range(raw, ValueKind::Amount), "{raw}");
        }
    }

    #[test]
    fn the_context_holds_the_wanted_rows_whole() {
        let mut report = Report::default();
        report.meta.org = "某某区数据局".into();
        report.meta.year = 2024;
        report.set(
            ValueKey::new("new_received", "total"),
            Decimal::from(3119),
            None,
        );
        report.set(
            ValueKey::new("fees", "amount_wan_yuan"),
            Decimal::new(1250, 2),
            None,
        );
        report.set(
            ValueKey::new("local_extra", "total"),
            Decimal::from(7),
            None,
        );
        let all = report.template_context();
        assert_eq!(all["new_received"]["total"], serde_json::json!(3119));
        // A value of the tables not filled in is null (not missing), so it is told apart from a
        // misspelt name; decimals are exact strings; a key of no national table is still seen.
        assert_eq!(
            all["new_received"]["natural_person"],
            serde_json::Value::Null
        );
        assert_eq!(all["fees"]["amount_wan_yuan"], serde_json::json!("12.5"));
        assert_eq!(all["local_extra"]["total"], serde_json::json!(7));

        let some = report.template_context_of(|row| row == "new_received");
        let serde_json::Value::Object(map) = &some else {
            panic!("{some}");
        };
        let names: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["contact", "date", "new_received", "org", "region", "year"]
        );
        assert_eq!(some["new_received"], all["new_received"]);
        let meta = report.metadata_context();
        assert_eq!(meta["org"], serde_json::json!("某某区数据局"));
        assert!(meta.get("new_received").is_none());
    }

    #[test]
    fn units_must_fit_the_field() {
        // Thousands may be grouped with spaces or commas; other groupings are two numbers.
        assert_eq!(parse_value_text("41 236", ValueKind::Count), num("41236"));
        assert_eq!(
            parse_value_text("1,234,567", ValueKind::Count),
            num("1234567")
        );
        assert_eq!(
            parse_value_text("2,587.36", ValueKind::Amount),
            num("2587.36")
        );
        assert_eq!(
            parse_value_text("4 1236", ValueKind::Count),
            CellValue::Unreadable("4 1236".into())
        );
        assert_eq!(
            parse_value_text("0 0", ValueKind::Count),
            CellValue::Unreadable("0 0".into())
        );
        assert_eq!(parse_value_text("1.2万元", ValueKind::Amount), num("1.2"));
        assert_eq!(
            parse_value_text("12元", ValueKind::Amount),
            CellValue::Unreadable("12元".into())
        );
        assert_eq!(
            parse_value_text("3万元", ValueKind::Count),
            CellValue::Unreadable("3万元".into())
        );
        assert_eq!(
            parse_value_text("5件", ValueKind::Amount),
            CellValue::Unreadable("5件".into())
        );
    }

    #[test]
    fn absurd_magnitudes_are_unreadable_not_a_crash() {
        let huge = "50000000000000000000000000000";
        assert_eq!(parse(huge), CellValue::Unreadable(huge.into()));
        assert_eq!(
            parse("-2000000000000"),
            CellValue::Unreadable("-2000000000000".into())
        );
        assert_eq!(parse("88283"), num("88283"));
        assert_eq!(
            number_value(Decimal::from(MAX_ABS_VALUE)),
            num("1000000000000")
        );
    }

    #[test]
    fn value_text_forms() {
        assert_eq!(parse("3"), num("3"));
        assert_eq!(parse(" 3 "), num("3"));
        assert_eq!(parse("3.0"), num("3"));
        assert_eq!(parse("5件"), num("5"));
        assert_eq!(parse("１２"), num("12"));
        assert_eq!(parse("1,234"), num("1234"));
        assert_eq!(parse("9.088667"), num("9.088667"));
        assert_eq!(parse("-2"), num("-2"));
        assert_eq!(parse(""), CellValue::Empty(String::new()));
        assert_eq!(parse("/"), CellValue::Empty("/".into()));
        assert_eq!(parse("不适用"), CellValue::Empty("不适用".into()));
        assert_eq!(parse("三"), CellValue::Unreadable("三".into()));
        assert_eq!(parse("约5"), CellValue::Unreadable("约5".into()));
    }

    #[test]
    fn amounts_stay_exact() {
        let a = parse("0.1");
        let b = parse("0.2");
        if let (CellValue::Number(a), CellValue::Number(b)) = (a, b) {
            assert_eq!((a + b).to_string(), "0.3");
        } else {
            panic!("not numbers");
        }
    }

    #[test]
    fn blanks_become_zero_only_where_a_cell_was_read() {
        let format = Format::national_2021();
        let mut report = Report::new("某局", 2024);
        let blank = ValueKey::new("regulations", "made");
        let slash = ValueKey::new("regulations", "repealed");
        let written = ValueKey::new("regulations", "valid");
        report.values.insert(
            blank.clone(),
            Cell {
                value: CellValue::Empty(String::new()),
                source: Some(Location::sheet_cell("统计表.xlsx", "表二", "B3")),
            },
        );
        report.values.insert(
            slash.clone(),
            Cell {
                value: CellValue::Empty("/".into()),
                source: None,
            },
        );
        report.set(written.clone(), Decimal::from(7), None);
        let finding = report.blanks_as_zero(format).expect("two cells filled");
        assert_eq!(report.number(&blank), Some(Decimal::ZERO));
        assert_eq!(report.number(&slash), Some(Decimal::ZERO));
        assert_eq!(report.number(&written), Some(Decimal::from(7)));
        // A value never read (its row was not found) is not made up.
        assert_eq!(report.values.len(), 3);
        assert_eq!(finding.rule, "values.blank_as_zero");
        assert_eq!(finding.locations.len(), 2);
        assert_eq!(finding.locations[0].cell.as_deref(), Some("B3"));
        assert!(
            finding.message.contains("2 个未填写的数值"),
            "{}",
            finding.message
        );
        assert!(report.blanks_as_zero(format).is_none());
    }

    #[test]
    fn chinese_date() {
        let mut m = Metadata {
            date: Some("2025-01-16".into()),
            ..Metadata::default()
        };
        assert_eq!(m.date_chinese().as_deref(), Some("2025年1月16日"));
        m.date = Some("2025-13-01".into());
        assert_eq!(m.date_chinese(), None);
    }
}
