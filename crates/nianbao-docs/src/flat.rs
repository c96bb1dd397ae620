//! Tables whose cells lost every separator: a site crawler's text runs a whole table into one
//! line, each row's digits glued together (`一、本年新收政府信息公开申请数量640020470二、上年结转…`).
//!
//! The rows are found by their labels, in the format's order; the digits between a label and
//! the next are that row's run. A run is split into the row's values only where **exactly one**
//! split satisfies the format's equations that involve no other row (表三's seven columns with
//! 总计 = the sum of the six, 表四's blocks); runs that remain ambiguous are tried together with
//! the equations between rows (表三's columns). Every value placed this way carries
//! [`Location::inferred`] and the table gets one `import.digits_split` warning listing them.
//! Where no unique split exists the row is not read and the table gets one
//! `import.cells_joined` finding naming the rows and their candidate splits. A value is never
//! invented: no split, no value.

use std::collections::{BTreeMap, BTreeSet};

use nianbao_model::format::{CompareOp, RuleInstance, TableSpec, ValueKind};
use nianbao_model::legacy::LegacyUse;
use nianbao_model::recognise::Recogniser;
use nianbao_model::text::normalize_label;
use nianbao_model::{Cell, Finding, Format, Location, Report, ValueKey};

use crate::text::SourceLine;

/// Longest run of digits split (a row of 表四 has 15 values; beyond this a run is not a row).
const MAX_RUN_DIGITS: usize = 48;
/// Most candidate splits kept for one run, and most combinations tried across rows.
const MAX_CANDIDATES: usize = 5_000;
const MAX_COMBINATIONS: usize = 200_000;

/// The text of the lines in normal form (half-width, no punctuation or spaces between words),
/// keeping what separates numbers: a space between two digits and a point after one. Each
/// character remembers the line it came from.
struct Flat {
    chars: Vec<char>,
    lines: Vec<usize>,
}

impl Flat {
    fn of(lines: &[&SourceLine]) -> Flat {
        let mut chars = Vec::new();
        let mut nos = Vec::new();
        for line in lines {
            let mut pending_space = false;
            for c in line.text.chars() {
                let half = nianbao_model::text::to_half_width(&c.to_string());
                let Some(h) = half.chars().next() else {
                    continue;
                };
                let last_digit = chars.last().is_some_and(|l: &char| l.is_ascii_digit());
                if h.is_whitespace() {
                    pending_space = last_digit;
                    continue;
                }
                if h.is_ascii_digit() {
                    if pending_space {
                        chars.push(' ');
                        nos.push(line.no);
                    }
                    chars.push(h);
                    nos.push(line.no);
                } else if matches!(h, '.' | '、') && last_digit {
                    chars.push(h);
                    nos.push(line.no);
                } else {
                    let kept = normalize_label(&h.to_string());
                    for k in kept.chars() {
                        chars.push(k);
                        nos.push(line.no);
                    }
                }
                pending_space = false;
            }
            // Lines end cells.
            if chars.last().is_some_and(|l| l.is_ascii_digit()) {
                chars.push(' ');
                nos.push(line.no);
            }
        }
        Flat { chars, lines: nos }
    }

    fn find(&self, needle: &[char], from: usize) -> Option<usize> {
        if needle.is_empty() || self.chars.len() < needle.len() {
            return None;
        }
        (from..=self.chars.len() - needle.len())
            .find(|&i| self.chars.get(i..i + needle.len()) == Some(needle))
    }

    /// The digits right after `at` (spaces between them kept as separators): the run and where
    /// it ends. Points after a digit stay (a decimal amount, or an enumerator of the next row).
    fn run_at(&self, at: usize) -> (String, usize) {
        let mut end = at;
        while self
            .chars
            .get(end)
            .is_some_and(|c| c.is_ascii_digit() || *c == ' ' || *c == '.' || *c == '、')
        {
            end += 1;
        }
        let run: String = self.chars.get(at..end).unwrap_or_default().iter().collect();
        (run, end)
    }
}

/// Whether lines hold a flattened table: of one of the format's tables, most rows found (at
/// least two, or 表四's one) have fewer separated numbers than the row has cells. Columns aligned with
/// spaces (pdftotext) separate every number and are not flattened.
pub(crate) fn is_flattened(lines: &[&SourceLine], format: &Format) -> bool {
    let long: Vec<&SourceLine> = lines
        .iter()
        .copied()
        .filter(|l| l.text.chars().nth(40).is_some())
        .collect();
    if long.is_empty() {
        return false;
    }
    let flat = Flat::of(&long);
    format.tables.iter().any(|spec| {
        // Rows of one value cannot show it; of the others, most glued: a table with a few
        // damaged rows among separated ones is not flattened.
        let runs: Vec<usize> = runs_of(&flat, spec, format)
            .iter()
            .filter(|(_, fields, _, _, _)| fields.len() > 1)
            .map(|(_, fields, run, _, _)| {
                fields.len() - run.split_whitespace().count().min(fields.len())
            })
            .collect();
        let glued = runs.iter().filter(|missing| **missing > 0).count();
        glued >= if spec.is_positional() { 1 } else { 2 } && glued * 2 >= runs.len()
    })
}

/// A row of the table as found in the flat text.
struct FoundRow {
    row: String,
    fields: Vec<String>,
    run: String,
    line: usize,
    /// The 2019 mapping whose label named the row (`（六）其他处理`).
    mapping: Option<usize>,
    candidates: Vec<Vec<u64>>,
}

/// Reads one table from flattened lines. Returns whether any row of it was found.
pub(crate) fn map_flat(
    file: &str,
    lines: &[&SourceLine],
    spec: &TableSpec,
    format: &Format,
    report: &mut Report,
    findings: &mut Vec<Finding>,
    legacy: &mut LegacyUse,
) -> bool {
    // A 2019 table whose columns differ from the 2021 ones (表二): glued digits cannot say
    // which column a number belongs to.
    if let Some(first) = lines.first()
        && crate::tables::refuse_legacy_columns(
            lines,
            spec,
            format,
            Location::line(file, first.no),
            findings,
            legacy,
        )
    {
        return false;
    }
    let flat = Flat::of(lines);
    // The equations a report must satisfy (errors, `=`), within this year's values.
    let rules: Vec<&RuleInstance> = format
        .rules
        .iter()
        .zip(format.expanded_rules())
        .filter(|(spec, _)| {
            spec.op == CompareOp::Eq && spec.severity == nianbao_model::Severity::Error
        })
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .filter(|r| r.sum.iter().chain(&r.equals).all(|t| !t.previous))
        .collect();
    let runs = runs_of(&flat, spec, format);
    if runs.is_empty() {
        return false;
    }
    let mut found: Vec<FoundRow> = runs
        .into_iter()
        .map(|(row, fields, run, line, mapping)| {
            let own: Vec<ValueKey> = fields.iter().map(|f| key_of(&row, f)).collect();
            let row_rules: Vec<&RuleInstance> = rules
                .iter()
                .copied()
                .filter(|r| r.sum.iter().chain(&r.equals).all(|t| own.contains(&t.key)))
                .collect();
            let candidates = if fields.len() == 1 || field_is_amount(spec, &fields) {
                Vec::new()
            } else {
                splits(&run, fields.len())
                    .into_iter()
                    .filter(|values| {
                        let known: BTreeMap<ValueKey, u64> =
                            own.iter().cloned().zip(values.iter().copied()).collect();
                        row_rules.iter().all(|r| holds(r, &known) != Some(false))
                    })
                    .collect()
            };
            FoundRow {
                row,
                fields,
                run,
                line,
                mapping,
                candidates,
            }
        })
        .collect();
    resolve_across_rows(&mut found, &rules);

    let mut split_rows: Vec<String> = Vec::new();
    let mut split_places: Vec<Location> = Vec::new();
    let mut ambiguous: Vec<(String, Location)> = Vec::new();
    for f in &found {
        let place = Location::line(file, f.line);
        let display = if f.row.is_empty() {
            spec.name.clone()
        } else {
            spec.row_display(&f.row)
        };
        let texts: Vec<String> = if f.fields.len() == 1 || field_is_amount(spec, &f.fields) {
            let tokens: Vec<&str> = f.run.split_whitespace().collect();
            if tokens.len() == f.fields.len() {
                tokens
                    .iter()
                    .map(|t| t.trim_end_matches(['.', '、']).to_string())
                    .collect()
            } else {
                ambiguous.push((format!("“{display}”（“{}”）", f.run.trim()), place));
                continue;
            }
        } else {
            match f.candidates.as_slice() {
                [one] => one.iter().map(u64::to_string).collect(),
                [] => {
                    ambiguous.push((
                        format!("“{display}”（“{}”，没有符合勾稽关系的拆分）", f.run.trim()),
                        place,
                    ));
                    continue;
                }
                many => {
                    let shown: Vec<String> = many
                        .iter()
                        .take(3)
                        .map(|c| c.iter().map(u64::to_string).collect::<Vec<_>>().join("/"))
                        .collect();
                    let more = if many.len() > 3 {
                        format!("等 {} 种", many.len())
                    } else {
                        String::new()
                    };
                    ambiguous.push((
                        format!(
                            "“{display}”（“{}”可拆为 {}{more}）",
                            f.run.trim(),
                            shown.join("、")
                        ),
                        place,
                    ));
                    continue;
                }
            }
        };
        let inferred = f.run.split_whitespace().count() != f.fields.len();
        for (field, text) in f.fields.iter().zip(&texts) {
            let key = key_of(&f.row, field);
            if report.values.contains_key(&key) {
                continue;
            }
            let mut source = place
                .clone()
                .with_value(key.to_string(), format.value_label(&key));
            source.inferred = inferred;
            let kind = spec.field(&key.field).map(|f| f.kind).unwrap_or_default();
            if let Some(mapping) = f.mapping {
                legacy.map(format, spec, &key, source.clone(), mapping);
            }
            report.values.insert(
                key,
                Cell {
                    value: nianbao_model::report::parse_value_text(text, kind),
                    source: Some(source),
                },
            );
        }
        if inferred {
            split_rows.push(format!("“{display}”{} → {}", f.run.trim(), texts.join("/")));
            if !split_places.contains(&place) {
                split_places.push(place);
            }
        }
    }
    if !split_rows.is_empty() {
        findings.push(
            Finding::warning(
                "import.digits_split",
                format!(
                    "{}各行的数字连在一起（复制网页时单元格的分隔丢失），其中 {} 行已按勾稽关系唯一拆分：{}",
                    spec.name,
                    split_rows.len(),
                    split_rows.join("；")
                ),
            )
            .at_all(split_places)
            .expected_found("每个单元格一个数值", "数字连写")
            .hint("这些数值是推算所得（只有一种拆法符合勾稽关系）：请与原表核对；最好改用 DOCX、HTML 或 Excel 版本。"),
        );
    }
    if !ambiguous.is_empty() {
        let (texts, mut places): (Vec<String>, Vec<Location>) = ambiguous.into_iter().unzip();
        places.dedup();
        findings.push(
            Finding::error(
                "import.cells_joined",
                format!(
                    "{}中 {} 行的数字连在一起，无法确定各单元格的数值，未导入：{}",
                    spec.name,
                    texts.len(),
                    texts.join("；")
                ),
            )
            .at_all(places)
            .expected_found("每个单元格一个数值", "数字连写，拆法不唯一")
            .hint("复制时单元格之间的分隔丢失了：请改用原网页（HTML）、DOCX 或 Excel 版本，或在文本中用空格或制表符分开各单元格。"),
        );
    }
    // Rows of the table not found at all.
    let seen: BTreeSet<&str> = found.iter().map(|f| f.row.as_str()).collect();
    if spec.is_positional() {
        return true;
    }
    let missing: Vec<String> = spec
        .values
        .iter()
        .map(|run| run.row.as_str())
        .filter(|row| !seen.contains(row))
        .map(|row| format!("“{}”", spec.row_display(row)))
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    if !missing.is_empty()
        && let Some(first) = found.first()
    {
        findings.push(
            Finding::warning(
                "import.row_missing",
                format!(
                    "{}中未找到以下 {} 行，按未填写处理：{}",
                    spec.name,
                    missing.len(),
                    missing.join("、")
                ),
            )
            .at(Location::line(file, first.line))
            .expected_found(
                format!("{}的全部行", spec.name),
                format!("缺少 {} 行", missing.len()),
            )
            .hint("请核对该表是否完整；缺少的数值不会被推测补齐。"),
        );
    }
    true
}

fn field_is_amount(spec: &TableSpec, fields: &[String]) -> bool {
    fields
        .iter()
        .any(|f| spec.field(f).is_some_and(|f| f.kind == ValueKind::Amount))
}

/// A row's run as found: (row, fields, digits, line, the 2019 mapping whose label named it).
type Run = (String, Vec<String>, String, usize, Option<usize>);

/// The runs of each row, in the format's order. A positional table (表四) is one run after its
/// last column header.
fn runs_of(flat: &Flat, spec: &TableSpec, format: &Format) -> Vec<Run> {
    let mut out = Vec::new();
    if spec.is_positional() {
        // The headers end with the last block's fields run together (`结果维持结果纠正其他结果
        // 尚未审结总计`): the run follows them. Headers laid out in columns never read so.
        let needle: Vec<char> = spec
            .fields
            .iter()
            .map(|f| normalize_label(&f.label))
            .collect::<String>()
            .chars()
            .collect();
        if needle.is_empty() {
            return out;
        }
        let mut from = 0;
        let mut best = None;
        while let Some(at) = flat.find(&needle, from) {
            let (run, _) = flat.run_at(at + needle.len());
            let digits = run.chars().filter(char::is_ascii_digit).count();
            if digits >= spec.value_cells().len() {
                best = Some((run, flat.lines.get(at).copied().unwrap_or(1)));
                break;
            }
            from = at + 1;
        }
        if let Some((run, line)) = best {
            let fields: Vec<String> = spec
                .value_cells()
                .iter()
                .map(|v| format!("{}.{}", v.key.row, v.key.field))
                .collect();
            out.push((String::new(), fields, clean_run(&run, None), line, None));
        }
        return out;
    }
    let recogniser = Recogniser::of(format);
    let Some(table) = format.tables.iter().position(|t| t.id == spec.id) else {
        return out;
    };
    let mut runs: Vec<_> = spec.values.iter().collect();
    runs.sort_by_key(|r| (r.r, r.c));
    let mut cursor = 0usize;
    for run_spec in runs {
        let row = &run_spec.row;
        let fields: Vec<String> = spec
            .run_fields(run_spec)
            .into_iter()
            .map(str::to_string)
            .collect();
        // The recogniser's spellings of the row, its 2019 one included (`（六）其他处理`, one
        // row then), longest first.
        let labels: Vec<(Vec<char>, Option<usize>)> = recogniser
            .row_spellings(table, row)
            .into_iter()
            .map(|(norm, mapping)| (norm.chars().collect(), mapping))
            .collect();
        // The earliest place after the previous row where a label of this row stands with digits
        // right after it.
        let hit = labels
            .iter()
            .filter_map(|(needle, mapping)| {
                let mut from = cursor;
                while let Some(at) = flat.find(needle, from) {
                    let end = at + needle.len();
                    if flat
                        .chars
                        .get(end)
                        .is_some_and(|c| c.is_ascii_digit() || *c == ' ')
                        && flat.run_at(end).0.chars().any(|c| c.is_ascii_digit())
                    {
                        return Some((at, end, *mapping));
                    }
                    from = at + 1;
                }
                None
            })
            .min_by_key(|(at, end, _)| (*at, std::cmp::Reverse(*end)));
        let Some((at, end, mapping)) = hit else {
            continue;
        };
        let (run, run_end) = flat.run_at(end);
        cursor = run_end;
        let next_is_enumerated = flat.chars.get(run_end).is_some();
        out.push((
            row.clone(),
            fields,
            clean_run(&run, next_is_enumerated.then_some(())),
            flat.lines.get(at).copied().unwrap_or(1),
            mapping,
        ));
    }
    out
}

/// A run without the enumerator of the next row glued to its end (`00000002.` before
/// `其他法律…`: the `2.` numbers the next row) and without trailing separators.
fn clean_run(run: &str, before_text: Option<()>) -> String {
    let mut run = run.trim_end_matches(' ').to_string();
    if before_text.is_some() && (run.ends_with('.') || run.ends_with('、')) {
        run.pop();
        // The enumerator's digits: one, or two for `10.` when the run is long.
        if run.chars().last().is_some_and(|c| c.is_ascii_digit()) {
            run.pop();
        }
    }
    run.trim_end_matches([' ', '.', '、']).to_string()
}

/// Every way to cut a run into `n` whole numbers without leading zeros (spaces in the run are
/// cuts already made). Empty when the run is too long to try.
fn splits(run: &str, n: usize) -> Vec<Vec<u64>> {
    let tokens: Vec<&str> = run.split_whitespace().collect();
    let digits: usize = tokens.iter().map(|t| t.len()).sum();
    if digits > MAX_RUN_DIGITS
        || tokens
            .iter()
            .any(|t| !t.bytes().all(|b| b.is_ascii_digit()))
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut current = Vec::new();
    split_tokens(&tokens, n, &mut current, &mut out);
    out
}

fn split_tokens(tokens: &[&str], n: usize, current: &mut Vec<u64>, out: &mut Vec<Vec<u64>>) {
    if out.len() >= MAX_CANDIDATES {
        return;
    }
    let Some((first, rest)) = tokens.split_first() else {
        if current.len() == n {
            out.push(current.clone());
        }
        return;
    };
    split_one(first, rest, n, current, out);
}

fn split_one(
    token: &str,
    rest: &[&str],
    n: usize,
    current: &mut Vec<u64>,
    out: &mut Vec<Vec<u64>>,
) {
    if token.is_empty() {
        split_tokens(rest, n, current, out);
        return;
    }
    // Not enough places left for the digits that remain, or too many numbers already.
    let remaining_digits = token.len() + rest.iter().map(|t| t.len()).sum::<usize>();
    let remaining_tokens = 1 + rest.len();
    if current.len() + remaining_tokens > n || current.len() + remaining_digits < n {
        return;
    }
    let max_len = if token.starts_with('0') {
        1
    } else {
        token.len().min(12)
    };
    for len in 1..=max_len {
        let (head, tail) = token.split_at(len);
        let Ok(value) = head.parse::<u64>() else {
            return;
        };
        current.push(value);
        split_one(tail, rest, n, current, out);
        current.pop();
        if out.len() >= MAX_CANDIDATES {
            return;
        }
    }
}

/// Whether a rule holds for the values known; `None` when a term is not known.
fn holds(rule: &RuleInstance, known: &BTreeMap<ValueKey, u64>) -> Option<bool> {
    let side = |terms: &[nianbao_model::format::Term]| -> Option<i128> {
        terms.iter().try_fold(0i128, |acc, t| {
            let v = i128::from(*known.get(&t.key)?);
            Some(if t.negative { acc - v } else { acc + v })
        })
    };
    Some(side(&rule.sum)? == side(&rule.equals)?)
}

/// Rows left with several candidates: the combination of their candidates that, with the rows
/// already certain, satisfies every equation between rows — kept only when it is the one.
fn resolve_across_rows(found: &mut [FoundRow], rules: &[&RuleInstance]) {
    let ambiguous: Vec<usize> = found
        .iter()
        .enumerate()
        .filter(|(_, f)| f.candidates.len() > 1)
        .map(|(i, _)| i)
        .collect();
    if ambiguous.is_empty() {
        return;
    }
    let combinations = ambiguous
        .iter()
        .try_fold(1usize, |acc, i| acc.checked_mul(found[*i].candidates.len()));
    if combinations.is_none_or(|c| c > MAX_COMBINATIONS) {
        return;
    }
    let mut certain: BTreeMap<ValueKey, u64> = BTreeMap::new();
    for f in found.iter().filter(|f| f.candidates.len() == 1) {
        for (field, v) in f.fields.iter().zip(&f.candidates[0]) {
            certain.insert(key_of(&f.row, field), *v);
        }
    }
    let mut unique: Option<Vec<usize>> = None;
    let mut count = 0usize;
    let mut choice = vec![0usize; ambiguous.len()];
    loop {
        let mut known = certain.clone();
        for (slot, &i) in ambiguous.iter().enumerate() {
            let f = &found[i];
            for (field, v) in f.fields.iter().zip(&f.candidates[choice[slot]]) {
                known.insert(key_of(&f.row, field), *v);
            }
        }
        let mut touched: BTreeSet<ValueKey> = BTreeSet::new();
        for &i in &ambiguous {
            let f = &found[i];
            touched.extend(f.fields.iter().map(|fl| key_of(&f.row, fl)));
        }
        let ok = rules
            .iter()
            .filter(|r| {
                r.sum
                    .iter()
                    .chain(&r.equals)
                    .any(|t| touched.contains(&t.key))
            })
            .all(|r| holds(r, &known) == Some(true));
        if ok {
            count += 1;
            unique = Some(choice.clone());
            if count > 1 {
                return;
            }
        }
        // Next combination.
        let mut slot = 0;
        loop {
            let Some(&i) = ambiguous.get(slot) else {
                // All tried.
                if let (1, Some(pick)) = (count, unique) {
                    for (slot, &i) in ambiguous.iter().enumerate() {
                        let chosen = found[i].candidates[pick[slot]].clone();
                        found[i].candidates = vec![chosen];
                    }
                }
                return;
            };
            choice[slot] += 1;
            if choice[slot] < found[i].candidates.len() {
                break;
            }
            choice[slot] = 0;
            slot += 1;
        }
    }
}

/// The key of a row's field; a positional table's fields are already `row.field`.
fn key_of(row: &str, field: &str) -> ValueKey {
    if row.is_empty()
        && let Some(key) = ValueKey::parse(field)
    {
        return key;
    }
    ValueKey::new(row, field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_every_way() {
        assert_eq!(splits("000", 3), vec![vec![0, 0, 0]]);
        assert_eq!(splits("2025", 3), vec![vec![2, 0, 25], vec![20, 2, 5]]);
        assert_eq!(splits("500000 5", 7), vec![vec![5, 0, 0, 0, 0, 0, 5]]);
        assert!(splits("05", 1).is_empty());
    }

    #[test]
    fn a_glued_enumerator_leaves_the_run() {
        assert_eq!(clean_run("00000002.", Some(())), "0000000");
        assert_eq!(clean_run("24252.311082", None), "24252.311082");
        assert_eq!(clean_run("1000001 ", Some(())), "1000001");
    }
}
