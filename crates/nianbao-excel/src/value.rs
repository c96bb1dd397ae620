//! Cell values: from what the file stores to a report [`CellValue`], and the plain-sum formulas
//! that can be recomputed when a file holds no cached result.

use std::collections::BTreeSet;

use nianbao_model::CellValue;
use nianbao_model::report::parse_value_text;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::sheet::{Grid, Raw};

/// Decimal places kept from a binary float: enough for any amount an office types (万元 with
/// six places), few enough to drop the noise of formulas (`3.0000000001`, `0.30000000000000004`).
const FLOAT_PLACES: u32 = 9;

/// An exact decimal from a float read from a spreadsheet, without float noise.
pub fn decimal_from_float(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    // The shortest text that reads back as the same float is what the user typed, unless a
    // formula produced noise in the last places; rounding to FLOAT_PLACES removes that noise.
    let exact = Decimal::from_f64(f).or_else(|| format!("{f}").parse::<Decimal>().ok())?;
    Some(exact.round_dp(FLOAT_PLACES).normalize())
}

/// The report value of a stored cell (formulas aside).
pub fn cell_value(raw: &Raw) -> CellValue {
    match raw {
        Raw::Empty => CellValue::Empty(String::new()),
        Raw::Int(i) => nianbao_model::report::number_value(Decimal::from(*i)),
        Raw::Number(f) => match decimal_from_float(*f) {
            Some(d) => nianbao_model::report::number_value(d),
            None => CellValue::Unreadable(f.to_string()),
        },
        // Interim: the field's kind is not known here yet; counts are the common case.
        Raw::Text(s) => parse_value_text(s, nianbao_model::format::ValueKind::Count),
        Raw::Other(s) => CellValue::Unreadable(s.clone()),
    }
}

/// A1 address from zero-based coordinates (`(11, 5)` → `F12`).
pub fn a1(r: u32, c: u32) -> String {
    format!("{}{}", column_name(c), u64::from(r) + 1)
}

/// Column letters from a zero-based index (`0` → `A`, `26` → `AA`).
pub fn column_name(c: u32) -> String {
    let mut n = u64::from(c) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Parses `D5` / `$D$5` into zero-based coordinates.
fn parse_ref(text: &str) -> Option<(u32, u32)> {
    let t = text.replace('$', "");
    let split = t.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = t.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let row: u32 = digits.parse().ok()?;
    let mut col: u32 = 0;
    for ch in letters.chars() {
        col = col * 26 + (ch.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
    }
    (row >= 1).then(|| (row - 1, col - 1))
}

/// The cells a plain-sum formula adds up: `SUM(D5:I5)`, `D5+E5+F5`, `SUM(D5,E5)+F5`, and the
/// OpenDocument spelling `of:=SUM([.D5:.I5])`. `None` for anything else.
pub fn sum_terms(formula: &str) -> Option<Vec<(u32, u32)>> {
    let mut f: String = formula
        .trim()
        .trim_start_matches("of:")
        .trim_start_matches('=')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '[' && *c != ']')
        .collect();
    f = f.replace(":.", ":");
    if let Some(rest) = f.strip_prefix('.') {
        f = rest.to_string();
    }
    f = f
        .replace("+.", "+")
        .replace("(.", "(")
        .replace(",.", ",")
        .replace(";.", ";");
    let upper = f.to_ascii_uppercase();
    let mut cells = Vec::new();
    for term in split_top_level(&upper, '+')? {
        if let Some(inner) = term.strip_prefix("SUM(").and_then(|t| t.strip_suffix(')')) {
            for arg in inner.split([',', ';']) {
                push_ref_or_range(arg, &mut cells)?;
            }
        } else {
            push_ref_or_range(&term, &mut cells)?;
        }
    }
    (!cells.is_empty()).then_some(cells)
}

fn split_top_level(text: &str, sep: char) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for ch in text.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return None;
        }
        if ch == sep && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(ch);
        }
    }
    parts.push(current);
    (depth == 0 && parts.iter().all(|p| !p.is_empty())).then_some(parts)
}

/// Adds one reference or range to the list; refuses ranges over more than a table's worth of
/// cells (a plain sum in these tables never spans more).
fn push_ref_or_range(arg: &str, cells: &mut Vec<(u32, u32)>) -> Option<()> {
    if arg.contains('!') {
        return None;
    }
    match arg.split_once(':') {
        Some((a, b)) => {
            let (r0, c0) = parse_ref(a)?;
            let (r1, c1) = parse_ref(b)?;
            let (r0, r1) = (r0.min(r1), r0.max(r1));
            let (c0, c1) = (c0.min(c1), c0.max(c1));
            if u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1) > 1_000 {
                return None;
            }
            for r in r0..=r1 {
                for c in c0..=c1 {
                    cells.push((r, c));
                }
            }
        }
        None => cells.push(parse_ref(arg)?),
    }
    Some(())
}

/// The result of evaluating a plain sum over a grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumResult {
    /// Every term is a number or blank (blank counts 0, as in Excel), at least one a number.
    Number(Decimal),
    /// Every term is blank: nothing was filled in, so the total is "no value" too.
    AllBlank,
    /// Not a plain sum, or a term is text, or the terms loop.
    Unknown,
}

/// Evaluates a formula cell at (r, c) as a plain sum, following formula terms without cached
/// values (a 总计 of 总计s) up to a small depth.
pub fn evaluate_sum(grid: &Grid, formula: &str) -> SumResult {
    let mut seen = BTreeSet::new();
    evaluate(grid, formula, &mut seen, 0)
}

fn evaluate(
    grid: &Grid,
    formula: &str,
    seen: &mut BTreeSet<(u32, u32)>,
    depth: usize,
) -> SumResult {
    if depth > 8 {
        return SumResult::Unknown;
    }
    let Some(terms) = sum_terms(formula) else {
        return SumResult::Unknown;
    };
    let mut total = Decimal::ZERO;
    let mut any_number = false;
    for (r, c) in terms {
        if !seen.insert((r, c)) {
            return SumResult::Unknown;
        }
        let Some(cell) = grid.get(r, c) else {
            continue;
        };
        let value = match (&cell.value, &cell.formula) {
            (Raw::Empty, Some(inner)) => match evaluate(grid, inner, seen, depth + 1) {
                SumResult::Number(n) => CellValue::Number(n),
                SumResult::AllBlank => CellValue::Empty(String::new()),
                SumResult::Unknown => return SumResult::Unknown,
            },
            (raw, Some(inner)) => match evaluate(grid, inner, seen, depth + 1) {
                SumResult::AllBlank => CellValue::Empty(String::new()),
                _ => cell_value(raw),
            },
            (raw, None) => cell_value(raw),
        };
        match value {
            CellValue::Number(n) => {
                total += n;
                any_number = true;
            }
            CellValue::Empty(_) => {}
            CellValue::Unreadable(_) => return SumResult::Unknown,
        }
    }
    if any_number {
        SumResult::Number(total.normalize())
    } else {
        SumResult::AllBlank
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn floats_lose_their_noise_but_keep_amounts() {
        assert_eq!(decimal_from_float(3.0000000001), Some(d("3")));
        assert_eq!(decimal_from_float(0.1 + 0.2), Some(d("0.3")));
        assert_eq!(decimal_from_float(9.088667), Some(d("9.088667")));
        assert_eq!(decimal_from_float(96171.6), Some(d("96171.6")));
        assert_eq!(decimal_from_float(447228.0), Some(d("447228")));
        assert_eq!(decimal_from_float(f64::NAN), None);
    }

    #[test]
    fn addresses() {
        assert_eq!(a1(11, 5), "F12");
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(parse_ref("$AA$10"), Some((9, 26)));
        assert_eq!(parse_ref("A0"), None);
    }

    #[test]
    fn plain_sums_are_recognised() {
        assert_eq!(sum_terms("SUM(D5:F5)"), Some(vec![(4, 3), (4, 4), (4, 5)]));
        assert_eq!(sum_terms("=D5+E5"), Some(vec![(4, 3), (4, 4)]));
        assert_eq!(sum_terms("of:=SUM([.D5:.E5])"), Some(vec![(4, 3), (4, 4)]));
        assert_eq!(
            sum_terms("SUM(D5,E6)+F7"),
            Some(vec![(4, 3), (5, 4), (6, 5)])
        );
        assert_eq!(sum_terms("D5-E5"), None);
        assert_eq!(sum_terms("AVERAGE(D5:E5)"), None);
        assert_eq!(sum_terms("Sheet2!D5+E5"), None);
        assert_eq!(sum_terms("SUM(A1:Z1000)"), None);
    }
}
