//! The report format as data: parts, table layouts, rules and regional wording.
//!
//! The national 2021 format lives in `formats/national-2021.toml` and is the only place where a
//! table layout, a label or a rule is written. Regional formats are [`FormatOverlay`]s applied on
//! top of it (built into plugins, or read from JSON).

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Severity;
use crate::key::{KeyLookup, ValueKey};

/// Id of the built-in national format.
pub const NATIONAL_2021: &str = "national-2021";

const NATIONAL_2021_TOML: &str = include_str!("../formats/national-2021.toml");

/// A complete report format.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Format {
    /// Stable id (`national-2021`, `shandong`, …).
    pub id: String,
    /// Display name in Chinese.
    pub name: String,
    pub version: String,
    /// The nianbao versions this format is written for (a semver requirement, informative).
    #[serde(default)]
    pub nianbao_versions: String,
    /// Id of the format this one was derived from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    pub title: TitleSpec,
    pub parts: Vec<PartSpec>,
    pub tables: Vec<TableSpec>,
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// Signature and date block closing the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureSpec>,
    #[serde(default)]
    pub page_number: PageNumberStyle,
    /// Labels of the 2019 format and how they map to this one.
    #[serde(default)]
    pub legacy_2019: LegacySpec,
    /// Numbers the prose states and the table values they must equal (`prose.number_mismatch`).
    #[serde(default)]
    pub prose_claims: Vec<ProseClaim>,
    /// The prompts and notes the draft templates write for the office (regular expressions over
    /// a paragraph's text): a draft paragraph matching one was left from the template, is
    /// reported (`draft.template_text`) and never filed.
    #[serde(default)]
    pub template_notes: Vec<String>,
    /// The texts this format writes, as templates by name ([`crate::template`]): the built-in
    /// ones of `templates/<id>/`, then those a format file or an overlay adds or replaces.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub templates: BTreeMap<String, String>,
    /// `expand_rule` of each rule, in the order of `rules`.
    #[serde(skip)]
    expanded_rules: Derived<Vec<Result<Vec<RuleInstance>, String>>>,
    /// `value_label` of every value key.
    #[serde(skip)]
    value_labels: Derived<BTreeMap<ValueKey, String>>,
    /// What other crates derive from this format ([`Format::derived`]), one value per type.
    #[serde(skip)]
    extensions: Derived<Mutex<Vec<Arc<dyn Any + Send + Sync>>>>,
}

/// A value derived from the data of the struct that holds it, computed once on first use (every
/// report of a batch is read and checked against the same format). A format is not changed once
/// it is used; a clone starts with nothing derived, because a clone is how a format is changed
/// ([`Format::with_overlay`]), and what is derived never makes two formats unequal.
struct Derived<T>(OnceLock<T>);

impl<T> Derived<T> {
    fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(init)
    }
}

impl<T> Default for Derived<T> {
    fn default() -> Self {
        Derived(OnceLock::new())
    }
}

impl<T> Clone for Derived<T> {
    fn clone(&self) -> Self {
        Derived::default()
    }
}

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> std::fmt::Debug for Derived<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

/// A kind of number stated in the prose (`共收到申请75件`) and the table values it must equal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProseClaim {
    /// What the number is, in Chinese (`收到申请数`), for messages.
    pub what: String,
    /// A regular expression over the paragraph with white space removed; its first group is the
    /// number (an empty group means a stated 0, as in `未收到…申请`).
    pub pattern: String,
    /// Acceptable values: each alternative is a list of keys whose numbers add up to the value.
    pub accept: Vec<Vec<ValueKey>>,
}

/// How the title is built from the metadata.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TitleSpec {
    /// `{org}{year}年政府信息公开工作年度报告`
    pub pattern: String,
    /// The second line when the title is set on two lines (`{year}年政府信息公开工作年度报告`).
    pub second_line: String,
}

/// One of the six parts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PartSpec {
    /// 1 to 6.
    pub number: u8,
    /// Stable key (`overview`, `proactive`, `applications`, `review_litigation`, `problems`, `other`).
    pub key: String,
    /// Official heading without its numeral (`总体情况`).
    pub heading: String,
    /// Other wordings accepted on import (normalised to `heading` with a warning).
    #[serde(default)]
    pub variants: Vec<String>,
    /// The table this part holds, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Numbered sub-items the format requires in this part, in order. (The part's own draft
    /// text is the template `part-<number>.j2`.)
    #[serde(default)]
    pub items: Vec<ItemSpec>,
    /// Words the part's text must contain.
    #[serde(default)]
    pub required_keywords: Vec<String>,
}

impl PartSpec {
    /// The heading as printed: `一、总体情况`.
    pub fn full_heading(&self) -> String {
        format!(
            "{}、{}",
            chinese_numeral(self.number as usize),
            self.heading
        )
    }
}

/// A numbered sub-item a format requires (e.g. Shandong's 六（一）信息处理费).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    /// Sub-heading without its enumerator (`信息处理费`).
    pub heading: String,
    /// Draft text under the item for a new draft (a template over the metadata).
    #[serde(default)]
    pub skeleton: String,
    /// Words that must appear under this item.
    #[serde(default)]
    pub keywords: Vec<String>,
}

impl ItemSpec {
    /// The heading as printed in a given report. A heading may use the metadata placeholders of
    /// [`crate::Report::template_context`] (Beijing's `{{ year }}年度政务公开工作要点落实情况`);
    /// one that does not render is used as written.
    pub fn heading_for(&self, context: &serde_json::Value) -> String {
        crate::template::render_text_keeping(&self.heading, context)
    }
}

/// The signature and date block at the end.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignatureSpec {
    /// Whether a missing 成文日期 is an error (otherwise the block is printed when known).
    #[serde(default)]
    pub date_required: bool,
}

/// How page numbers are printed.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PageNumberStyle {
    /// `— 1 —`, odd pages right, even pages left (GB/T 9704).
    #[default]
    EmDashOddEven,
    /// `— 1 —` centred on every page.
    EmDashCentered,
    /// `-1-` centred.
    HyphenCentered,
}

/// The kind of number a field holds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    /// A whole, non-negative count.
    #[default]
    Count,
    /// A non-negative decimal amount in 万元, kept exactly as given.
    Amount,
}

/// One statistics table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// `table2`, `table3`, `table4`.
    pub id: String,
    /// Short name used in messages (`表三`).
    pub name: String,
    pub title: String,
    pub grid_cols: usize,
    /// Relative column widths (any unit); exporters scale them to the page.
    pub col_widths: Vec<u32>,
    /// How many leading grid rows form a header that repeats across pages.
    #[serde(default)]
    pub header_rows: usize,
    pub fields: Vec<FieldSpec>,
    pub rows: Vec<RowSpec>,
    /// Text cells of the grid (headers, group labels, row labels).
    pub cells: Vec<CellSpec>,
    /// Runs of value cells.
    pub values: Vec<ValueRunSpec>,
    #[serde(skip)]
    derived_value_cells: Derived<Vec<ValueCell>>,
    #[serde(skip)]
    derived_value_lookup: Derived<KeyLookup>,
    #[serde(skip)]
    derived_layout: Derived<Vec<Vec<Slot>>>,
}

/// A value column (field) of a table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub kind: ValueKind,
    /// Header over several fields (`法人或其他组织`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// A value row of a table (a block, for table 4). Its label is the grid cell that names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RowSpec {
    pub key: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// What a text cell is.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CellRole {
    /// A row label (or any plain label).
    #[default]
    Label,
    /// A column header.
    Header,
    /// A group caption spanning several rows or the whole width.
    Group,
}

/// A text cell of the grid, at its top-left position.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CellSpec {
    pub r: usize,
    pub c: usize,
    #[serde(default = "one")]
    pub rowspan: usize,
    #[serde(default = "one")]
    pub colspan: usize,
    pub text: String,
    #[serde(default)]
    pub role: CellRole,
    /// The row (or block) this cell labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    /// The field this header cell names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Value cells of one row placed from column `c` on, one per field, each `colspan` wide.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ValueRunSpec {
    pub r: usize,
    pub c: usize,
    pub row: String,
    /// The fields in column order; all of the table's fields when empty.
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default = "one")]
    pub colspan: usize,
}

fn one() -> usize {
    1
}

/// A value cell placed on the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueCell {
    pub key: ValueKey,
    pub r: usize,
    pub c: usize,
    pub colspan: usize,
}

/// The 2019 format's labels and their mapping.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegacySpec {
    /// Labels that only the 2019 format has.
    #[serde(default)]
    pub markers: Vec<String>,
    #[serde(default)]
    pub mappings: Vec<LegacyMapping>,
    #[serde(default)]
    pub unmapped: Vec<LegacyUnmapped>,
}

/// A 2019 label whose values go to a 2021 row or field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegacyMapping {
    pub table: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Why the mapping is not exact; `None` when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A 2019 label with no 2021 place.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegacyUnmapped {
    pub label: String,
    pub note: String,
}

/// A declarative rule: `Σ sum  op  Σ equals`, for each value of `for_each`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable id (`t3.row_total`).
    pub id: String,
    pub severity: Severity,
    /// What the rule checks, in Chinese.
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_each: Option<ForEach>,
    /// Terms `[-][prev:]row.field`, with `{var}` placeholders.
    pub sum: Vec<String>,
    pub equals: Vec<String>,
    #[serde(default)]
    pub op: CompareOp,
    /// Message template: {sum} {equals} {equals_label} {sum_label} {var_label} {diff}.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Iteration of a rule over row keys, field keys or an explicit list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ForEach {
    pub var: String,
    pub values: ForEachValues,
}

/// `"table3.rows"`, `"table3.fields"`, or an explicit list of keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ForEachValues {
    Named(String),
    List(Vec<String>),
}

/// The comparison a rule makes.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CompareOp {
    #[default]
    Eq,
    /// sum ≤ equals
    Le,
    /// sum ≥ equals
    Ge,
}

/// Errors in format data (built-in or from a plugin).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("格式定义无法解析：{0}")]
    Parse(String),
    #[error("格式定义有误：{0}")]
    Invalid(String),
}

impl Format {
    /// The built-in 2021 national format.
    pub fn national_2021() -> &'static Format {
        static FORMAT: OnceLock<Format> = OnceLock::new();
        FORMAT.get_or_init(|| {
            // The data is compiled in and checked by the crate's tests, so a failure here is a
            // build defect, never a user input problem.
            #[allow(clippy::expect_used)]
            Format::from_toml(NATIONAL_2021_TOML).expect("built-in national format is valid")
        })
    }

    /// Parses and checks a format written in TOML.
    pub fn from_toml(text: &str) -> Result<Format, FormatError> {
        let mut format: Format =
            toml::from_str(text).map_err(|e| FormatError::Parse(e.to_string()))?;
        // The built-in templates of the format's id, under those the file itself gives.
        let mut templates = crate::template::builtin(&format.id);
        templates.append(&mut format.templates);
        format.templates = templates;
        format.check()?;
        Ok(format)
    }

    /// Checks internal consistency: every key referenced exists, cells stay in the grid, no cell
    /// overlaps another, rule terms name real values.
    pub fn check(&self) -> Result<(), FormatError> {
        let mut problems = Vec::new();
        for table in &self.tables {
            table.check(&mut problems);
        }
        for part in &self.parts {
            if let Some(t) = &part.table
                && self.table(t).is_none()
            {
                problems.push(format!("第{}部分引用了不存在的表格 {t}", part.number));
            }
        }
        problems.extend(crate::template::Compiled::new(&self.templates).problems);
        for note in &self.template_notes {
            if regex::Regex::new(note).is_err() {
                problems.push(format!("模板提示文字的正则表达式有误：{note}"));
            }
        }
        for rule in &self.rules {
            match self.expand_rule(rule) {
                Ok(instances) => {
                    for inst in instances {
                        for term in inst.sum.iter().chain(&inst.equals) {
                            if self.locate(&term.key).is_none() {
                                problems.push(format!(
                                    "规则 {} 引用了不存在的数值 {}",
                                    rule.id, term.key
                                ));
                            }
                        }
                    }
                }
                Err(e) => problems.push(e),
            }
        }
        for claim in &self.prose_claims {
            if let Err(e) = regex::Regex::new(&claim.pattern) {
                problems.push(format!("正文核对项“{}”的表达式有误：{e}", claim.what));
            }
            for key in claim.accept.iter().flatten() {
                if self.locate(key).is_none() {
                    problems.push(format!(
                        "正文核对项“{}”引用了不存在的数值 {key}",
                        claim.what
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(problems.join("；")))
        }
    }

    pub fn table(&self, id: &str) -> Option<&TableSpec> {
        self.tables.iter().find(|t| t.id == id)
    }

    pub fn part(&self, number: u8) -> Option<&PartSpec> {
        self.parts.iter().find(|p| p.number == number)
    }

    /// Every value key of the format, table by table in grid order.
    pub fn value_keys(&self) -> Vec<ValueKey> {
        self.tables
            .iter()
            .flat_map(|t| t.value_cells().iter().map(|v| v.key.clone()))
            .collect()
    }

    /// The table and field spec of a value key.
    pub fn locate(&self, key: &ValueKey) -> Option<(&TableSpec, &FieldSpec)> {
        // Called for every label in every message and import: look at the value runs directly
        // rather than building the table's value cells each time.
        self.tables.iter().find_map(|t| {
            let placed = t.values.iter().any(|run| {
                run.row == key.row
                    && if run.fields.is_empty() {
                        t.field(&key.field).is_some()
                    } else {
                        run.fields.contains(&key.field)
                    }
            });
            if placed {
                t.field(&key.field).map(|f| (t, f))
            } else {
                None
            }
        })
    }

    /// A human label for a value: `表三（七）总计·自然人`.
    pub fn value_label(&self, key: &ValueKey) -> String {
        // Every value read and every finding names its value: the labels of the format's own
        // keys are made once.
        let labels = self.value_labels.get_or_init(|| {
            self.value_keys()
                .into_iter()
                .map(|k| {
                    let label = self.make_value_label(&k);
                    (k, label)
                })
                .collect()
        });
        labels
            .get(key)
            .cloned()
            .unwrap_or_else(|| self.make_value_label(key))
    }

    fn make_value_label(&self, key: &ValueKey) -> String {
        match self.locate(key) {
            Some((table, field)) => {
                let row = table.row_display(&key.row);
                // `表三（七）总计·自然人` but `表三 一、本年新收…·自然人`: a space where the row
                // label does not open with a bracket, so the table name and label stay apart.
                let sep = if row.starts_with('（') { "" } else { " " };
                format!("{}{sep}{}·{}", table.name, row, field.label)
            }
            None => key.to_string(),
        }
    }

    /// The title for an organisation and year.
    pub fn title(&self, org: &str, year: i32) -> String {
        self.title
            .pattern
            .replace("{org}", org)
            .replace("{year}", &year.to_string())
    }

    /// 机关名称 and 年度 read from a title as offices write it: the format's pattern, with
    /// `2024年度` for `2024年`, white space and book-title marks ignored, and a workbook's
    /// `…年度报告统计表` (or `附表`, `表格`) accepted. `None` when the text is not a title.
    /// `某局关于2024年…` names 某局. The year may also open the title
    /// (`2024年度某局政府信息公开工作年度报告`) or close it in brackets (`…年度报告（2024年度）`); a
    /// site's tag before it (`【年报】`) and a note in brackets after it (`（修订版）`) are not part
    /// of it.
    pub fn read_title(&self, text: &str) -> Option<(String, i32)> {
        let year = r"(?P<year>(?:19|20)\d{2})";
        let written = regex::escape(&self.title.pattern)
            .replace(r"\{org\}", "(?P<org>.*?)")
            .replace(r"\{year\}年", &format!("{year}年度?"))
            .replace(r"\{year\}", year);
        // The same words without the year, for the year before or after them.
        let yearless = self.title_words_without_year();
        let patterns = [
            format!("^{written}{TITLE_TABLE}?$"),
            format!("^{year}年度?{yearless}{TITLE_TABLE}?$"),
            format!("^{yearless}[（(]{year}年度?[）)]{TITLE_TABLE}?$"),
            format!("^{yearless}{TITLE_TABLE}[（(]{year}年度?[）)]$"),
        ];
        let compact = title_text(text);
        // A site's tag in front (`【年报】`) and a note after (`（修订版）`, `（全文）`).
        let untagged = crate::text::shared_regex(r"^(?:【[^】]{1,10}】|\[[^\]]{1,10}\])")
            .map_or(compact.clone(), |re| re.replace(&compact, "").into_owned());
        let unnoted = crate::text::shared_regex(r"[（(][^（）()0-9]{1,8}[）)]$")
            .map_or(untagged.clone(), |re| {
                re.replace(&untagged, "").into_owned()
            });
        for candidate in [&unnoted, &untagged, &compact] {
            for pattern in &patterns {
                let Some(caps) =
                    crate::text::shared_regex(pattern).and_then(|re| re.captures(candidate))
                else {
                    continue;
                };
                let Some(year) = caps
                    .name("year")
                    .and_then(|y| y.as_str().parse::<i32>().ok())
                else {
                    continue;
                };
                let org = caps.name("org").map_or("", |m| m.as_str());
                let org = org.strip_suffix("关于").unwrap_or(org);
                return Some((org.to_string(), year));
            }
        }
        None
    }

    /// 机关名称 from a title that states no year (`某局政府信息公开工作年度报告统计表`, a
    /// workbook's title row whose year is stated elsewhere): `None` when the text is no such
    /// title or names no body.
    pub fn read_title_without_year(&self, text: &str) -> Option<String> {
        let yearless = self.title_words_without_year();
        let re = crate::text::shared_regex(&format!("^{yearless}{TITLE_TABLE}?$"))?;
        let compact = title_text(text);
        let org = re.captures(&compact)?.name("org")?.as_str();
        let org = org.strip_suffix("关于").unwrap_or(org);
        // A year in the words before the title makes it a title with a year, read elsewhere.
        (!org.is_empty() && !org.chars().any(|c| c.is_ascii_digit())).then(|| org.to_string())
    }

    /// The title pattern as a regular expression without its year (`{org}` captured as `org`).
    fn title_words_without_year(&self) -> String {
        regex::escape(&self.title.pattern)
            .replace(r"\{org\}", "(?P<org>.*?)")
            .replace(r"\{year\}年度", "")
            .replace(r"\{year\}年", "")
            .replace(r"\{year\}", "")
    }

    /// Whether a paragraph is a prompt or note of the draft templates ([`Format::template_notes`]).
    pub fn is_template_note(&self, text: &str) -> bool {
        let text = text.trim();
        !text.is_empty()
            && self
                .template_notes
                .iter()
                .any(|note| crate::text::shared_regex(note).is_some_and(|re| re.is_match(text)))
    }

    /// The second title line (`2024年政府信息公开工作年度报告`).
    pub fn title_second_line(&self, year: i32) -> String {
        self.title.second_line.replace("{year}", &year.to_string())
    }

    /// A value another crate derives from this format alone (the DOCX writer's table XML, say),
    /// made by `init` on first use and kept with the format, one per type `T`: every report of
    /// a batch uses the same format, and what depends on the format only is made once. Like
    /// everything derived, it is not carried into a clone.
    pub fn derived<T: Send + Sync + 'static>(&self, init: impl FnOnce(&Format) -> T) -> Arc<T> {
        let store = self.extensions.get_or_init(Mutex::default);
        let find = |items: &[Arc<dyn Any + Send + Sync>]| {
            items
                .iter()
                .find_map(|item| Arc::clone(item).downcast::<T>().ok())
        };
        if let Some(found) = find(&store.lock().unwrap_or_else(|p| p.into_inner())) {
            return found;
        }
        // Made without holding the lock (`init` may take a while, or ask for another derived
        // value); if another thread made it meanwhile, theirs is kept.
        let made = Arc::new(init(self));
        let mut items = store.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = find(&items) {
            return found;
        }
        items.push(made.clone());
        made
    }

    /// Every rule expanded ([`Format::expand_rule`]), in the order of `rules`; computed once.
    pub fn expanded_rules(&self) -> &[Result<Vec<RuleInstance>, String>] {
        self.expanded_rules
            .get_or_init(|| self.rules.iter().map(|r| self.expand_rule(r)).collect())
    }

    /// Expands a rule's `for_each` into concrete instances.
    pub fn expand_rule(&self, rule: &RuleSpec) -> Result<Vec<RuleInstance>, String> {
        let bindings: Vec<Option<(String, String)>> = match &rule.for_each {
            None => vec![None],
            Some(each) => {
                let values: Vec<String> = match &each.values {
                    ForEachValues::List(list) => list.clone(),
                    ForEachValues::Named(name) => {
                        let (table_id, what) = name.split_once('.').ok_or_else(|| {
                            format!(
                                "规则 {} 的 for_each “{name}” 应为“表格.rows”或“表格.fields”",
                                rule.id
                            )
                        })?;
                        let table = self.table(table_id).ok_or_else(|| {
                            format!("规则 {} 引用了不存在的表格 {table_id}", rule.id)
                        })?;
                        match what {
                            "rows" => table.rows.iter().map(|r| r.key.clone()).collect(),
                            "fields" => table.fields.iter().map(|f| f.key.clone()).collect(),
                            _ => {
                                return Err(format!(
                                    "规则 {} 的 for_each “{name}” 应以 .rows 或 .fields 结尾",
                                    rule.id
                                ));
                            }
                        }
                    }
                };
                values
                    .into_iter()
                    .map(|v| Some((each.var.clone(), v)))
                    .collect()
            }
        };
        bindings
            .into_iter()
            .map(|binding| {
                let subst = |t: &String| -> Result<Term, String> {
                    let text = match &binding {
                        Some((var, value)) => t.replace(&format!("{{{var}}}"), value),
                        None => t.clone(),
                    };
                    Term::parse(&text)
                        .ok_or_else(|| format!("规则 {} 的项 “{text}” 无法解析", rule.id))
                };
                Ok(RuleInstance {
                    binding: binding.as_ref().map(|(_, v)| v.clone()),
                    sum: rule.sum.iter().map(subst).collect::<Result<_, _>>()?,
                    equals: rule.equals.iter().map(subst).collect::<Result<_, _>>()?,
                })
            })
            .collect()
    }

    /// Applies a regional overlay, giving a new format.
    pub fn with_overlay(&self, overlay: &FormatOverlay) -> Result<Format, FormatError> {
        let mut f = self.clone();
        f.base = Some(self.id.clone());
        f.id = overlay.id.clone();
        f.name = overlay.name.clone();
        f.version = overlay.version.clone();
        if let Some(v) = &overlay.nianbao_versions {
            f.nianbao_versions = v.clone();
        }
        if let Some(opening) = &overlay.opening {
            f.templates
                .insert(crate::template::OPENING.to_string(), opening.clone());
        }
        if let Some(sig) = &overlay.signature {
            f.signature = Some(sig.clone());
        }
        if let Some(style) = overlay.page_number {
            f.page_number = style;
        }
        for po in &overlay.parts {
            let part = f
                .parts
                .iter_mut()
                .find(|p| p.number == po.number)
                .ok_or_else(|| {
                    FormatError::Invalid(format!("叠加格式引用了不存在的第{}部分", po.number))
                })?;
            if let Some(h) = &po.heading
                && *h != part.heading
            {
                let old = std::mem::replace(&mut part.heading, h.clone());
                part.variants.push(old);
            }
            part.variants.extend(po.variants.iter().cloned());
            if let Some(items) = &po.items {
                part.items = items.clone();
            }
            if let Some(lines) = &po.skeleton {
                let mut text = lines.join("\n");
                if !text.is_empty() {
                    text.push('\n');
                }
                f.templates
                    .insert(crate::template::part_skeleton(po.number), text);
            }
            part.required_keywords
                .extend(po.required_keywords.iter().cloned());
        }
        for alias in &overlay.label_aliases {
            let table = f
                .tables
                .iter_mut()
                .find(|t| t.id == alias.table)
                .ok_or_else(|| {
                    FormatError::Invalid(format!("叠加格式引用了不存在的表格 {}", alias.table))
                })?;
            if let Some(row) = table.rows.iter_mut().find(|r| r.key == alias.key) {
                row.aliases.extend(alias.aliases.iter().cloned());
            } else if let Some(field) = table.fields.iter_mut().find(|r| r.key == alias.key) {
                field.aliases.extend(alias.aliases.iter().cloned());
            } else {
                return Err(FormatError::Invalid(format!(
                    "叠加格式的别名引用了表格 {} 中不存在的键 {}",
                    alias.table, alias.key
                )));
            }
        }
        // Templates last: they replace what `opening` and a part's `skeleton` said.
        f.templates.extend(
            overlay
                .templates
                .iter()
                .map(|(name, text)| (name.clone(), text.clone())),
        );
        f.prose_claims.extend(overlay.prose_claims.iter().cloned());
        for rule in &overlay.rules {
            if f.rules.iter().any(|r| r.id == rule.id) {
                return Err(FormatError::Invalid(format!(
                    "叠加格式的规则 {} 与已有规则重名",
                    rule.id
                )));
            }
            f.rules.push(rule.clone());
        }
        f.check()?;
        Ok(f)
    }
}

/// A regional change on top of a base format. Only what is given changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FormatOverlay {
    pub id: String,
    pub name: String,
    pub version: String,
    /// The base format's id (`national-2021`).
    #[serde(default = "national_id")]
    pub base: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nianbao_versions: Option<String>,
    /// The opening paragraph: the same as `templates["opening.j2"]` (kept for plugins written
    /// before templates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening: Option<String>,
    /// Templates added or replacing the base's, by name (`opening.j2`, `closing.j2`,
    /// `part-6.j2`, `draft.md.j2`, `workbook-notes.j2`; see [`crate::template`]). Applied after
    /// `opening` and the parts' `skeleton`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub templates: BTreeMap<String, String>,
    #[serde(default)]
    pub parts: Vec<PartOverlay>,
    #[serde(default)]
    pub label_aliases: Vec<AliasOverlay>,
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// Extra numbers to find in the prose and compare with the tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prose_claims: Vec<ProseClaim>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_number: Option<PageNumberStyle>,
    /// Whether the format also has a native check function (plugins only).
    #[serde(default)]
    pub native_check: bool,
}

fn national_id() -> String {
    NATIONAL_2021.to_string()
}

/// Changes to one part.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PartOverlay {
    pub number: u8,
    /// A new official heading (the old one becomes an accepted variant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    #[serde(default)]
    pub variants: Vec<String>,
    /// Required numbered items, replacing the base's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemSpec>>,
    /// The part's draft text, line by line, replacing the base's: the same as
    /// `templates["part-<number>.j2"]`; `Some(vec![])` when the items carry the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skeleton: Option<Vec<String>>,
    #[serde(default)]
    pub required_keywords: Vec<String>,
}

/// Extra label spellings for a row or field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AliasOverlay {
    pub table: String,
    /// A row or field key.
    pub key: String,
    pub aliases: Vec<String>,
}

/// One term of a rule: a value, possibly negated, possibly from last year's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: ValueKey,
    pub negative: bool,
    pub previous: bool,
}

impl Term {
    /// Parses `[-][prev:]row.field`.
    pub fn parse(text: &str) -> Option<Term> {
        let mut t = text.trim();
        let negative = t.starts_with('-');
        if negative {
            t = &t[1..];
        }
        let previous = t.starts_with("prev:");
        if previous {
            t = &t[5..];
        }
        Some(Term {
            key: ValueKey::parse(t)?,
            negative,
            previous,
        })
    }
}

/// A rule with its `for_each` variable bound.
#[derive(Debug, Clone)]
pub struct RuleInstance {
    /// The value bound to the rule's variable, if it has one.
    pub binding: Option<String>,
    pub sum: Vec<Term>,
    pub equals: Vec<Term>,
}

impl TableSpec {
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn row(&self, key: &str) -> Option<&RowSpec> {
        self.rows.iter().find(|r| r.key == key)
    }

    /// Whether the table's rows have no labels of their own and values are placed by position
    /// under the header (table 4: its "rows" are blocks named only by header cells).
    pub fn is_positional(&self) -> bool {
        self.rows.iter().all(|r| {
            self.cells
                .iter()
                .filter(|c| c.row.as_deref() == Some(r.key.as_str()))
                .all(|c| c.role != CellRole::Label)
        })
    }

    /// The official label of a row (or block): the text of the grid cell that names it.
    pub fn row_label(&self, key: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|c| c.row.as_deref() == Some(key))
            .map(|c| c.text.as_str())
    }

    /// The label cells to the left of a row's own label that span it (`三、本年度办理结果`,
    /// `（三）不予公开`), outermost first.
    pub fn row_ancestors(&self, key: &str) -> Vec<&CellSpec> {
        let Some(own) = self.cells.iter().find(|c| c.row.as_deref() == Some(key)) else {
            return Vec::new();
        };
        let mut ancestors: Vec<&CellSpec> = self
            .cells
            .iter()
            .filter(|c| {
                c.role == CellRole::Group
                    && c.c < own.c
                    && c.r <= own.r
                    && own.r < c.r + c.rowspan
                    && c.rowspan > 1
            })
            .collect();
        ancestors.sort_by_key(|c| c.c);
        ancestors
    }

    /// How a row is named in messages: its label with its nearest group when the label is a
    /// numbered sub-item (`（三）不予公开 1.属于国家秘密`).
    pub fn row_display(&self, key: &str) -> String {
        let label = self.row_label(key).unwrap_or(key);
        let starts_with_digit = label.chars().next().is_some_and(|c| c.is_ascii_digit());
        match self.row_ancestors(key).last() {
            Some(parent) if starts_with_digit => format!("{}{}", parent.text, label),
            _ => label.to_string(),
        }
    }

    /// The fields of one row, in column order (without building every value cell).
    pub fn row_fields(&self, row: &str) -> Vec<&str> {
        let mut runs: Vec<&ValueRunSpec> = self.values.iter().filter(|r| r.row == row).collect();
        runs.sort_by_key(|r| r.c);
        runs.into_iter()
            .flat_map(|run| self.run_fields(run))
            .collect()
    }

    /// The fields of a run of value cells, in column order: those it names, or every field of
    /// the table when it names none.
    pub fn run_fields<'s>(&'s self, run: &'s ValueRunSpec) -> Vec<&'s str> {
        if run.fields.is_empty() {
            self.fields.iter().map(|f| f.key.as_str()).collect()
        } else {
            run.fields.iter().map(String::as_str).collect()
        }
    }

    /// Every value cell with its grid position.
    pub fn value_cells(&self) -> &[ValueCell] {
        self.derived_value_cells
            .get_or_init(|| self.make_value_cells())
    }

    /// The keys of [`TableSpec::value_cells`], in that order, to find a report's values for the
    /// whole table at once.
    pub fn value_lookup(&self) -> &KeyLookup {
        self.derived_value_lookup
            .get_or_init(|| KeyLookup::new(self.value_cells().iter().map(|v| &v.key)))
    }

    fn make_value_cells(&self) -> Vec<ValueCell> {
        let mut out = Vec::new();
        for run in &self.values {
            for (i, field) in self.run_fields(run).into_iter().enumerate() {
                out.push(ValueCell {
                    key: ValueKey::new(&run.row, field),
                    r: run.r,
                    c: run.c + i * run.colspan,
                    colspan: run.colspan,
                });
            }
        }
        out.sort_by_key(|v| (v.r, v.c));
        out
    }

    /// Number of grid rows.
    pub fn grid_rows(&self) -> usize {
        let cells = self.cells.iter().map(|c| c.r + c.rowspan);
        let values = self.values.iter().map(|v| v.r + 1);
        cells.chain(values).max().unwrap_or(0)
    }

    /// The grid as a matrix of slots: what occupies each (row, column).
    pub fn layout(&self) -> &[Vec<Slot>] {
        self.derived_layout.get_or_init(|| self.make_layout())
    }

    fn make_layout(&self) -> Vec<Vec<Slot>> {
        let rows = self.grid_rows();
        let mut grid = vec![vec![Slot::Empty; self.grid_cols]; rows];
        for (i, cell) in self.cells.iter().enumerate() {
            let row_end = (cell.r + cell.rowspan).min(rows);
            for (r, grid_row) in grid.iter_mut().enumerate().take(row_end).skip(cell.r) {
                let col_end = (cell.c + cell.colspan).min(self.grid_cols);
                for (c, slot) in grid_row.iter_mut().enumerate().take(col_end).skip(cell.c) {
                    *slot = if r == cell.r && c == cell.c {
                        Slot::Text(i)
                    } else {
                        Slot::Covered
                    };
                }
            }
        }
        for v in self.value_cells() {
            let Some(grid_row) = grid.get_mut(v.r) else {
                continue;
            };
            let col_end = (v.c + v.colspan).min(self.grid_cols);
            for (c, slot) in grid_row.iter_mut().enumerate().take(col_end).skip(v.c) {
                *slot = if c == v.c {
                    Slot::Value(v.key.clone())
                } else {
                    Slot::Covered
                };
            }
        }
        grid
    }

    fn check(&self, problems: &mut Vec<String>) {
        let t = &self.id;
        if self.col_widths.len() != self.grid_cols {
            problems.push(format!("表格 {t} 的列宽个数与列数不符"));
        }
        let mut used: BTreeMap<(usize, usize), String> = BTreeMap::new();
        let mut claim = |r: usize, c: usize, what: String, problems: &mut Vec<String>| {
            if c >= self.grid_cols {
                problems.push(format!("表格 {t} 的 {what} 超出网格"));
            } else if let Some(prev) = used.insert((r, c), what.clone()) {
                problems.push(format!("表格 {t} 的 {what} 与 {prev} 重叠"));
            }
        };
        for cell in &self.cells {
            if let Some(row) = &cell.row
                && self.row(row).is_none()
            {
                problems.push(format!(
                    "表格 {t} 的单元格“{}”引用了不存在的行 {row}",
                    cell.text
                ));
            }
            if let Some(field) = &cell.field
                && self.field(field).is_none()
            {
                problems.push(format!(
                    "表格 {t} 的单元格“{}”引用了不存在的列 {field}",
                    cell.text
                ));
            }
            for r in cell.r..cell.r + cell.rowspan {
                for c in cell.c..cell.c + cell.colspan {
                    claim(r, c, format!("“{}”", cell.text), problems);
                }
            }
        }
        for v in self.value_cells() {
            if self.row(&v.key.row).is_none() || self.field(&v.key.field).is_none() {
                problems.push(format!("表格 {t} 的数值 {} 未定义", v.key));
            }
            for c in v.c..v.c + v.colspan {
                claim(v.r, c, format!("数值 {}", v.key), problems);
            }
        }
        for row in &self.rows {
            if self.row_label(&row.key).is_none() {
                problems.push(format!("表格 {t} 的行 {} 没有标签单元格", row.key));
            }
        }
    }
}

/// What a workbook's title may add after the report's name (`…年度报告统计表`).
const TITLE_TABLE: &str = "(?:统计表|附表|表格|数据表)";

/// A title as compared: without white space and the book-title marks around it.
fn title_text(text: &str) -> String {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.trim_matches(['《', '》', '“', '”']).to_string()
}

/// What occupies one slot of a table grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Nothing (should not happen in a complete layout).
    Empty,
    /// The top-left of text cell `cells[i]`.
    Text(usize),
    /// The first column of a value cell.
    Value(ValueKey),
    /// Covered by a merge whose top-left is elsewhere.
    Covered,
}

/// `1` → `一`, up to 99.
pub fn chinese_numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_as_sites_and_offices_write_them() {
        let format = Format::national_2021();
        let org = "深圳市南山区粤海街道办事处";
        for (title, read) in [
            (
                "深圳市南山区粤海街道办事处2024年政府信息公开工作年度报告",
                Some(2024),
            ),
            (
                "深圳市南山区粤海街道办事处2024年度政府信息公开工作年度报告",
                Some(2024),
            ),
            (
                "2024年度深圳市南山区粤海街道办事处政府信息公开工作年度报告",
                Some(2024),
            ),
            (
                "深圳市南山区粤海街道办事处政府信息公开工作年度报告（2024年度）",
                Some(2024),
            ),
            (
                "【年报】深圳市南山区粤海街道办事处2024年政府信息公开工作年度报告",
                Some(2024),
            ),
            (
                "深圳市南山区粤海街道办事处2024年政府信息公开工作年度报告（修订版）",
                Some(2024),
            ),
            (
                "《深圳市南山区粤海街道办事处 2024 年政府信息公开工作年度报告》",
                Some(2024),
            ),
            (
                "深圳市南山区粤海街道办事处关于2024年政府信息公开工作年度报告",
                Some(2024),
            ),
            ("深圳市南山区粤海街道办事处政府信息公开工作年度报告", None),
            (
                "深圳市南山区粤海街道办事处政府信息公开工作年度报告统计表（2024年度）",
                Some(2024),
            ),
            ("2024年政府信息公开工作总结", None),
        ] {
            assert_eq!(
                format.read_title(title),
                read.map(|y| (org.to_string(), y)),
                "{title}"
            );
        }
    }

    #[test]
    fn a_title_without_its_year_names_the_body() {
        let format = Format::national_2021();
        assert_eq!(
            format.read_title_without_year("临川县自然资源局政府信息公开工作年度报告统计表"),
            Some("临川县自然资源局".to_string())
        );
        assert_eq!(
            format.read_title_without_year("政府信息公开工作年度报告"),
            None
        );
        assert_eq!(
            format.read_title_without_year("临川县自然资源局2024年政府信息公开工作年度报告"),
            None
        );
    }

    #[test]
    fn derived_values_are_made_once_per_format_and_not_carried_into_a_clone() {
        struct Count(usize);
        let format = Format::national_2021().clone();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let make = |f: &Format| {
            made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Count(f.tables.len())
        };
        let first = format.derived(make);
        let again = format.derived(make);
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(
            (first.0, made.load(std::sync::atomic::Ordering::SeqCst)),
            (3, 1)
        );
        // Another type is another value.
        assert_eq!(*format.derived(|f| f.id.clone()), "national-2021");
        // A clone may be changed, so it derives its own.
        let mut changed = format.clone();
        changed.tables.pop();
        assert_eq!(changed.derived(make).0, 2);
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(format.derived(make).0, 3);
        // What is derived does not make formats unequal.
        assert_eq!(format, Format::national_2021().clone());
        // The value cells of a table of the clone follow the clone's data.
        let mut narrowed = Format::national_2021().clone();
        narrowed.tables[0].values.truncate(1);
        assert!(narrowed.tables[0].value_cells().len() < 10);
    }

    #[test]
    fn national_format_loads_and_has_210_values() {
        let f = Format::national_2021();
        assert_eq!(f.tables.len(), 3);
        let counts: Vec<usize> = f.tables.iter().map(|t| t.value_cells().len()).collect();
        assert_eq!(counts, vec![10, 175, 15]);
        assert_eq!(f.value_keys().len(), 200);
        let opening = f.template(crate::template::OPENING).unwrap_or_default();
        assert!(opening.contains("国办公开办函〔2021〕30号"), "{opening}");
        assert_eq!(f.page_number, PageNumberStyle::EmDashOddEven);
    }

    #[test]
    fn grids_are_fully_covered() {
        for table in &Format::national_2021().tables {
            for (r, row) in table.layout().iter().enumerate() {
                for (c, slot) in row.iter().enumerate() {
                    assert_ne!(slot, &Slot::Empty, "{} ({r},{c}) is empty", table.id);
                }
            }
        }
        let t3 = Format::national_2021()
            .table("table3")
            .map(|t| t.grid_rows());
        assert_eq!(t3, Some(28));
    }

    #[test]
    fn labels_read_from_grid() {
        let f = Format::national_2021();
        let key = ValueKey::new("processed_total", "natural_person");
        assert_eq!(f.value_label(&key), "表三（七）总计·自然人");
        let key = ValueKey::new("deny_state_secret", "total");
        assert_eq!(f.value_label(&key), "表三（三）不予公开1.属于国家秘密·总计");
        let key = ValueKey::new("review", "total");
        assert_eq!(f.value_label(&key), "表四 行政复议·总计");
        assert_eq!(
            f.part(4).map(|p| p.full_heading()).as_deref(),
            Some("四、政府信息公开行政复议、行政诉讼情况")
        );
    }

    #[test]
    fn broken_format_is_refused_with_reasons() {
        let mut text = NATIONAL_2021_TOML.replace("\"{row}.org_other\"]", "\"{row}.org_others\"]");
        let err = Format::from_toml(&text)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("org_others"), "{err}");
        text = NATIONAL_2021_TOML.replace(
            "{ r = 2, c = 0, text = \"规章\"",
            "{ r = 2, c = 1, text = \"规章\"",
        );
        let err = Format::from_toml(&text)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("重叠"), "{err}");
    }

    #[test]
    fn overlay_changes_only_what_it_names() {
        let overlay = FormatOverlay {
            id: "test".into(),
            name: "测试".into(),
            version: "1".into(),
            parts: vec![PartOverlay {
                number: 6,
                items: Some(vec![ItemSpec {
                    heading: "信息处理费".into(),
                    skeleton: String::new(),
                    keywords: vec!["信息处理费".into()],
                }]),
                ..Default::default()
            }],
            ..Default::default()
        };
        let base = Format::national_2021();
        let f = base.with_overlay(&overlay).map_err(|e| e.to_string());
        let f = f
            .as_ref()
            .map(|f| (f.part(6).map(|p| p.items.len()), f.tables == base.tables));
        assert_eq!(f, Ok((Some(1), true)));
    }

    #[test]
    fn overlay_templates_add_or_replace_and_older_overlays_still_read() {
        // An overlay written before templates: `opening` and a part's `skeleton`.
        let old: FormatOverlay = serde_json::from_str(
            r#"{"id":"old","name":"旧式","version":"1","opening":"依据{{ org }}编制。",
                "parts":[{"number":6,"skeleton":["本年度无。"]}]}"#,
        )
        .unwrap();
        let f = Format::national_2021().with_overlay(&old).unwrap();
        assert_eq!(
            f.template(crate::template::OPENING),
            Some("依据{{ org }}编制。")
        );
        assert_eq!(f.template("part-6.j2"), Some("本年度无。\n"));
        // Templates by name: one replaced, one added; the others stay the base's.
        let new: FormatOverlay = serde_json::from_str(
            r#"{"id":"new","name":"新式","version":"1","opening":"不用这句。",
                "templates":{"opening.j2":"依据条例编制。","part-2.j2":"（主动公开情况另附。）"}}"#,
        )
        .unwrap();
        let f = Format::national_2021().with_overlay(&new).unwrap();
        assert_eq!(f.template(crate::template::OPENING), Some("依据条例编制。"));
        assert_eq!(f.template("part-2.j2"), Some("（主动公开情况另附。）"));
        assert_eq!(
            f.template(crate::template::CLOSING),
            Format::national_2021().template(crate::template::CLOSING)
        );
        // A template that does not compile is refused with its name.
        let broken = FormatOverlay {
            id: "broken".into(),
            name: "坏".into(),
            version: "1".into(),
            templates: [("closing.j2".to_string(), "{% for %}".to_string())].into(),
            ..Default::default()
        };
        let err = Format::national_2021()
            .with_overlay(&broken)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("closing.j2"), "{err}");
    }

    #[test]
    fn only_table_4_is_positional() {
        let f = Format::national_2021();
        let positional: Vec<&str> = f
            .tables
            .iter()
            .filter(|t| t.is_positional())
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(positional, vec!["table4"]);
    }

    #[test]
    fn numerals() {
        assert_eq!(chinese_numeral(6), "六");
        assert_eq!(chinese_numeral(12), "十二");
        assert_eq!(chinese_numeral(25), "二十五");
    }
}
