//! Validation: every rule of the format over a report, plus value, metadata, plausibility and
//! prose checks. All findings are returned; nothing stops at the first.
//!
//! Rule ids are stable (they are a public interface):
//! - `values.missing`, `values.unreadable`, `values.negative`, `values.not_whole`: single values.
//! - the format's declarative rules (`t3.row_total`, `t3.results_total`, `t3.balance`,
//!   `t4.block_total`, `y.carry_over`, `y.document_stock`, `p.after_review_exceeds_review`, and
//!   whatever a regional format adds).
//! - `meta.org_missing`, `meta.year_invalid`, `meta.date_missing`, `meta.date_invalid`: metadata.
//! - `p.regulations_by_non_government`, `p.nothing_granted`: plausibility (code rules).
//! - `prose.*`: see [`crate::prose`]; `prose.repeated_text`, the cross-year prose rule, see
//!   [`crate::repetition`].

use rust_decimal::Decimal;

use crate::diagnostic::{Finding, Location, Severity, sort_findings};
use crate::format::{CompareOp, Format, RuleInstance, RuleSpec, Term, ValueKind};
use crate::key::{KeyLookup, ValueKey};
use crate::repetition::Repetition;
use crate::report::{AdminLevel, Cell, CellValue, Report};

/// The inputs of a validation run.
pub struct Validation<'a> {
    pub format: &'a Format,
    pub report: &'a Report,
    /// Last year's report, for the cross-year rules (`prev:` terms).
    pub previous: Option<&'a Report>,
}

/// Every term of a format's rules as one [`KeyLookup`] (rule by rule, instance by instance, `sum`
/// then `equals`), made once per format ([`Format::derived`]): a report's values for all the rules
/// are found in one pass.
struct RuleKeys {
    lookup: KeyLookup,
    /// Per rule (in order), per instance: where its terms start in the lookup's list.
    starts: Vec<Vec<usize>>,
}

impl RuleKeys {
    fn of(format: &Format) -> RuleKeys {
        let mut keys = Vec::new();
        let mut starts = Vec::new();
        for rule in format.expanded_rules() {
            let mut rule_starts = Vec::new();
            for inst in rule.iter().flatten() {
                rule_starts.push(keys.len());
                keys.extend(inst.sum.iter().chain(&inst.equals).map(|t| &t.key));
            }
            starts.push(rule_starts);
        }
        RuleKeys {
            lookup: KeyLookup::new(keys),
            starts,
        }
    }

    /// The report's number under each term, in the lookup's order.
    fn numbers(&self, report: &Report) -> Vec<Option<Decimal>> {
        self.lookup
            .find(&report.values)
            .into_iter()
            .map(|cell| cell.and_then(Cell::number_value))
            .collect()
    }
}

/// A report's (and last year's) numbers under a format's [`RuleKeys`].
struct RuleValues {
    now: Vec<Option<Decimal>>,
    before: Option<Vec<Option<Decimal>>>,
}

impl RuleValues {
    /// The value of the term at `at` in the rules' list.
    fn term(&self, at: usize, term: &Term) -> Option<Decimal> {
        let numbers = if term.previous {
            self.before.as_ref()?
        } else {
            &self.now
        };
        let n = (*numbers.get(at)?)?;
        Some(if term.negative { -n } else { n })
    }
}

/// Validates a report against a format (and last year's report, if given). Findings come sorted:
/// errors first.
pub fn validate(format: &Format, report: &Report, previous: Option<&Report>) -> Vec<Finding> {
    Validation {
        format,
        report,
        previous,
    }
    .run()
}

/// What a validation found, with the measures it took on the way.
pub struct Validated {
    pub findings: Vec<Finding>,
    /// How much of the prose repeats last year's (`prose.repeated_text`), when both reports
    /// have prose.
    pub repetition: Option<Repetition>,
}

impl Validation<'_> {
    pub fn run(&self) -> Vec<Finding> {
        self.run_measured().findings
    }

    /// Every finding, and the repetition measure the cross-year prose rule took.
    pub fn run_measured(&self) -> Validated {
        let mut findings = Vec::new();
        self.check_metadata(&mut findings);
        self.check_values(&mut findings);
        let rule_keys = self.format.derived(RuleKeys::of);
        let values = RuleValues {
            now: rule_keys.numbers(self.report),
            before: self.previous.map(|p| rule_keys.numbers(p)),
        };
        let rules = self.format.rules.iter().zip(self.format.expanded_rules());
        for ((rule, instances), starts) in rules.zip(&rule_keys.starts) {
            match instances {
                Ok(instances) => {
                    for (inst, &start) in instances.iter().zip(starts) {
                        self.check_instance(
                            rule,
                            inst,
                            |i, term| values.term(start + i, term),
                            &mut findings,
                        );
                    }
                }
                Err(e) => findings.push(Finding::error("format.rule_invalid", e.clone())),
            }
        }
        self.check_plausibility(&mut findings);
        if self.report.has_prose() {
            findings.extend(crate::prose::check_prose(self.format, self.report));
        }
        // The cross-year prose rule: last year's text carried over.
        let repetition = self
            .previous
            .and_then(|previous| crate::repetition::measure(self.report, previous));
        if let Some(r) = &repetition {
            findings.push(r.finding(self.report));
        }
        sort_findings(&mut findings);
        Validated {
            findings,
            repetition,
        }
    }

    /// Where a value is, for a finding: its source cell if known, always with its key and label.
    fn value_location(&self, report: &Report, key: &ValueKey) -> Location {
        let label = self.format.value_label(key);
        let base = report
            .values
            .get(key)
            .and_then(|c| c.source.clone())
            .unwrap_or_default();
        base.with_value(key.to_string(), label)
    }

    fn check_metadata(&self, findings: &mut Vec<Finding>) {
        let meta = &self.report.meta;
        if meta.org.trim().is_empty() {
            findings.push(
                Finding::error("meta.org_missing", "未填写机关名称")
                    .hint("在 report.toml 中填写 org，或用 --org 指定机关名称。"),
            );
        }
        if !crate::report::REPORT_YEARS.contains(&meta.year) {
            findings.push(
                Finding::error(
                    "meta.year_invalid",
                    if meta.year == 0 {
                        "未填写报告年度".to_string()
                    } else {
                        format!("年度 {} 不是有效的报告年度", meta.year)
                    },
                )
                .expected_found(
                    "2008 至 2100 之间的年份",
                    if meta.year == 0 {
                        "未填写".to_string()
                    } else {
                        meta.year.to_string()
                    },
                )
                .hint("在 report.toml 中填写 year，或用 --year 指定年度。"),
            );
        }
        if self
            .format
            .signature
            .as_ref()
            .is_some_and(|s| s.date_required)
            && meta.date_chinese().is_none()
        {
            findings.push(
                Finding::error(
                    "meta.date_missing",
                    format!(
                        "格式“{}”要求落款成文日期，但未填写或格式有误",
                        self.format.name
                    ),
                )
                .expected_found(
                    "YYYY-MM-DD",
                    meta.date.clone().unwrap_or_else(|| "（未填写）".into()),
                )
                .hint("在 report.toml 中填写 date = \"2025-01-16\"。"),
            );
        }
        // A 成文日期 given but not readable (a workbook's 基本信息 cell, a draft's own line):
        // the 落款 cannot print it, and saying nothing would file a document without it.
        if let Some(date) = self.report.meta.date.as_deref()
            && self.report.meta.date_chinese().is_none()
        {
            findings.push(
                Finding::warning(
                    "meta.date_invalid",
                    format!("成文日期“{date}”无法识别，落款中未打印日期"),
                )
                .expected_found("2025-01-16 或 2025年1月16日", date.to_string())
                .hint("请在 report.toml 中写 date = \"2025-01-16\"，或改正统计表“基本信息”中的成文日期。"),
            );
        }
    }

    fn check_values(&self, findings: &mut Vec<Finding>) {
        let mut missing: Vec<(String, Location)> = Vec::new();
        // What the blank cells held, as written (`空白`, `/`, `不适用`…), each once.
        let mut written: Vec<String> = Vec::new();
        for table in &self.format.tables {
            let cells = table.value_lookup().find(&self.report.values);
            for (vc, cell) in table.value_cells().iter().zip(cells) {
                let key = &vc.key;
                let kind = table.field(&key.field).map(|f| f.kind).unwrap_or_default();
                let loc = || self.value_location(self.report, key);
                let label = || self.format.value_label(key);
                match cell.map(|c| &c.value) {
                    None | Some(CellValue::Empty(_)) => {
                        let raw = match cell.map(|c| &c.value) {
                            Some(CellValue::Empty(raw)) if !raw.trim().is_empty() => {
                                raw.trim().to_string()
                            }
                            _ => "空白".to_string(),
                        };
                        if !written.contains(&raw) {
                            written.push(raw);
                        }
                        missing.push((table.name.clone(), loc()));
                    }
                    Some(CellValue::Unreadable(raw))
                        if crate::report::is_out_of_range(raw, kind) =>
                    {
                        let shown = shortened(raw);
                        findings.push(
                            Finding::error(
                                "values.unreadable",
                                format!("{}：“{shown}”超出范围", label()),
                            )
                            .at(loc())
                            .expected_found(
                                format!(
                                    "绝对值不超过 {} 的{}",
                                    crate::report::MAX_ABS_VALUE,
                                    expected_kind(kind)
                                ),
                                shown,
                            )
                            .hint("数值远超统计数值的合理范围，多为误填或公式、格式转换出错；请核对原始数据。"),
                        )
                    }
                    Some(CellValue::Unreadable(raw)) => {
                        let shown = shortened(raw);
                        findings.push(
                            Finding::error(
                                "values.unreadable",
                                format!("{}：“{shown}”不是数字", label()),
                            )
                            .at(loc())
                            .expected_found(expected_kind(kind), shown)
                            .hint("请填写阿拉伯数字；没有发生的填 0。"),
                        )
                    }
                    Some(CellValue::Number(n)) => {
                        if n.is_sign_negative() && !n.is_zero() {
                            findings.push(
                                Finding::error(
                                    "values.negative",
                                    format!("{}：填报为负数 {n}", label()),
                                )
                                .at(loc())
                                .expected_found(expected_kind(kind), n.to_string()),
                            );
                        }
                        if kind == ValueKind::Count && !n.fract().is_zero() {
                            findings.push(
                                Finding::error(
                                    "values.not_whole",
                                    format!("{}：件数应为整数，填报为 {n}", label()),
                                )
                                .at(loc())
                                .expected_found("整数", n.to_string()),
                            );
                        }
                    }
                }
            }
        }
        if missing.is_empty() {
            return;
        }
        let total = self.format.value_keys().len();
        let message = if missing.len() == total {
            format!("全部 {total} 个数值均未填写（空白或“/”等）")
        } else {
            let mut per_table: Vec<(String, usize)> = Vec::new();
            for (table, _) in &missing {
                match per_table.iter_mut().find(|(t, _)| t == table) {
                    Some((_, n)) => *n += 1,
                    None => per_table.push((table.clone(), 1)),
                }
            }
            let detail: Vec<String> = per_table
                .iter()
                .map(|(t, n)| format!("{t} {n} 个"))
                .collect();
            format!(
                "有 {} 个数值未填写（空白或“/”等）：{}；未填写的数值不参与勾稽检查",
                missing.len(),
                detail.join("、")
            )
        };
        findings.push(
            Finding::warning("values.missing", message)
                .at_all(missing.into_iter().map(|(_, l)| l))
                .expected_found("数字（没有发生的填 0）", written.join("、"))
                .hint("按官方要求，没有发生的事项应明确填写 0，不应留空或填“/”。"),
        );
    }

    /// `value(i, term)`: the value of the instance's `i`-th term (`sum`, then `equals`).
    fn check_instance(
        &self,
        rule: &RuleSpec,
        inst: &RuleInstance,
        value: impl Fn(usize, &Term) -> Option<Decimal>,
        findings: &mut Vec<Finding>,
    ) {
        let sum_values: Vec<Option<Decimal>> = inst
            .sum
            .iter()
            .enumerate()
            .map(|(i, t)| value(i, t))
            .collect();
        let equals_values: Vec<Option<Decimal>> = inst
            .equals
            .iter()
            .enumerate()
            .map(|(i, t)| value(inst.sum.len() + i, t))
            .collect();
        // Values are bounded on import, but a report built in code need not be: a sum that
        // overflows cannot be judged, and must not panic.
        let add = |values: &[Option<Decimal>]| {
            values
                .iter()
                .flatten()
                .try_fold(Decimal::ZERO, |a, b| a.checked_add(*b))
        };
        let (Some(sum), Some(equals)) = (add(&sum_values), add(&equals_values)) else {
            return;
        };
        let blank = |values: &[Option<Decimal>]| values.iter().filter(|v| v.is_none()).count();
        let (sum_blank, equals_blank) = (blank(&sum_values), blank(&equals_values));
        let holds = match rule.op {
            CompareOp::Eq => sum == equals,
            CompareOp::Le => sum <= equals,
            CompareOp::Ge => sum >= equals,
        };
        // With values missing (reported elsewhere) a rule is judged only where no filling of
        // them could make it hold: every term is a count added (none negative, none of last
        // year's), and the side that is complete is already below what the other side's known
        // terms add up to.
        let judged = match (sum_blank, equals_blank) {
            (0, 0) => !holds,
            (s, e) if s > 0 && e > 0 => false,
            _ => {
                let addable = inst
                    .sum
                    .iter()
                    .chain(&inst.equals)
                    .all(|t| !t.negative && !t.previous)
                    && sum_values
                        .iter()
                        .chain(&equals_values)
                        .flatten()
                        .all(|v| !v.is_sign_negative());
                let exceeded = if sum_blank > 0 {
                    // The sum can only grow: it already exceeds what it must equal (or not exceed).
                    matches!(rule.op, CompareOp::Eq | CompareOp::Le) && sum > equals
                } else {
                    matches!(rule.op, CompareOp::Eq | CompareOp::Ge) && equals > sum
                };
                addable && exceeded
            }
        };
        if !judged {
            return;
        }
        let partly = |side: Decimal, blanks: usize| {
            if blanks == 0 {
                show(side)
            } else {
                format!(
                    "{}（另有 {blanks} 项未填写，即使按 0 计也已不符）",
                    show(side)
                )
            }
        };
        let label_of = |terms: &[Term]| -> String {
            terms
                .iter()
                .map(|t| {
                    let prefix = if t.previous { "上年" } else { "" };
                    format!("{prefix}{}", self.format.value_label(&t.key))
                })
                .collect::<Vec<_>>()
                .join("＋")
        };
        let var_label = inst
            .binding
            .as_deref()
            .map(|b| self.binding_label(&inst.equals, b))
            .unwrap_or_default();
        let message = rule
            .message
            .replace("{sum}", &partly(sum, sum_blank))
            .replace("{equals}", &partly(equals, equals_blank))
            .replace("{diff}", &show(equals - sum))
            .replace("{equals_label}", &label_of(&inst.equals))
            .replace("{sum_label}", &label_of(&inst.sum))
            .replace("{var_label}", &var_label);
        let mut locations = Vec::new();
        for term in inst.equals.iter().chain(&inst.sum) {
            let loc = match (term.previous, self.previous) {
                (true, Some(prev)) => {
                    let mut l = self.value_location(prev, &term.key);
                    l.label = l.label.map(|x| format!("上年报告 {x}"));
                    l
                }
                _ => self.value_location(self.report, &term.key),
            };
            if !locations.contains(&loc) {
                locations.push(loc);
            }
        }
        let op = match rule.op {
            CompareOp::Eq => "",
            CompareOp::Le => "不小于 ",
            CompareOp::Ge => "不大于 ",
        };
        let mut finding = Finding::new(rule.id.clone(), rule.severity, message)
            .at_all(locations)
            .expected_found(format!("{op}{}", show(sum)), show(equals));
        if let Some(h) = &rule.hint {
            finding = finding.hint(h.clone());
        }
        findings.push(finding);
    }

    /// A readable name for a rule's bound variable: a field label (`自然人`) or a row label.
    fn binding_label(&self, terms: &[Term], binding: &str) -> String {
        let table = terms
            .first()
            .and_then(|t| self.format.locate(&t.key))
            .map(|(t, _)| t);
        let tables = table.into_iter().chain(self.format.tables.iter());
        for t in tables {
            if let Some(f) = t.field(binding) {
                return f.label.clone();
            }
            if t.row(binding).is_some() {
                return t.row_display(binding);
            }
        }
        binding.to_string()
    }

    fn check_plausibility(&self, findings: &mut Vec<Finding>) {
        let r = self.report;
        let n = |row: &str, field: &str| r.number(&ValueKey::new(row, field));
        if let Some(level) = r.meta.level
            && !level.may_make_regulations()
        {
            let keys: Vec<ValueKey> = ["made", "repealed", "valid"]
                .iter()
                .map(|f| ValueKey::new("regulations", f))
                .filter(|k| r.number(k).is_some_and(|v| v > Decimal::ZERO))
                .collect();
            if !keys.is_empty() {
                findings.push(
                    Finding::warning(
                        "p.regulations_by_non_government",
                        format!(
                            "表二“规章”填有数值，但本机关为{}，无权制定规章",
                            level.label()
                        ),
                    )
                    .at_all(keys.iter().map(|k| self.value_location(r, k)))
                    .expected_found("0", "大于 0")
                    .hint(match level {
                        AdminLevel::Department => "政府部门制发的文件一般计入“行政规范性文件”；规章由省、设区的市人民政府制定。",
                        _ => "规章由省、设区的市人民政府制定；本机关制发的文件一般计入“行政规范性文件”。",
                    }),
                );
            }
        }
        if let (Some(received), Some(granted), Some(partial)) = (
            n("new_received", "total"),
            n("granted", "total"),
            n("partial", "total"),
        ) && received >= Decimal::from(20)
            && granted.is_zero()
            && partial.is_zero()
        {
            let keys = [
                ValueKey::new("new_received", "total"),
                ValueKey::new("granted", "total"),
            ];
            findings.push(
                Finding::warning(
                    "p.nothing_granted",
                    format!(
                        "表三：本年新收申请 {received} 件，但“予以公开”和“部分公开”均为 0，请核实"
                    ),
                )
                .at_all(keys.iter().map(|k| self.value_location(r, k))),
            );
        }
    }
}

fn expected_kind(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Count => "不小于 0 的整数",
        ValueKind::Amount => "不小于 0 的金额（万元）",
    }
}

/// Prints a number without trailing zeros (`3`, `9.088667`).
pub fn show(n: Decimal) -> String {
    n.normalize().to_string()
}

/// Whether findings include an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// A value as quoted in a message: at most 24 characters, with how long it was when longer.
fn shortened(raw: &str) -> String {
    let count = raw.chars().count();
    if count <= 24 {
        raw.to_string()
    } else {
        let head: String = raw.chars().take(16).collect();
        format!("{head}…（共 {count} 个字符）")
    }
}
