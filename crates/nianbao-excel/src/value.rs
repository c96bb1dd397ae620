//! Cell values: from what the file stores to a report [`CellValue`], and the plain-sum formulas
//! that can be recomputed when a file holds no cached result.

use std::collections::BTreeSet;

use nianbao_model::CellValue;
use nianbao_model::format::ValueKind;
use nianbao_model::report::{number_value, parse_value_text};
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
    // Whole numbers (counts, nearly every cell) are exact as floats up to 2^53: no conversion of
    // the binary fraction is needed.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        return Some(Decimal::from(f as i64));
    }
    // The shortest text that reads back as the same float is what the user typed, unless a
    // formula produced noise in the last places; rounding to FLOAT_PLACES removes that noise.
    let exact = Decimal::from_f64(f).or_else(|| format!("{f}").parse::<Decimal>().ok())?;
    Some(exact.round_dp(FLOAT_PLACES).normalize())
}

/// The report value of a stored cell (formulas aside), for a field of the given kind: numbers
/// beyond [`nianbao_model::report::MAX_ABS_VALUE`] and text whose unit does not fit the field
/// (`12元` for an amount in 万元) are unreadable; a date is unreadable and shown as a date.
pub fn cell_value(raw: &Raw, kind: ValueKind) -> CellValue {
    match raw {
        Raw::Empty => CellValue::Empty(String::new()),
        Raw::Int(i) => number_value(Decimal::from(*i)),
        // Beyond the bound, the number as the spreadsheet shows it (not its binary expansion).
        Raw::Number(f) => match decimal_from_float(*f).map(number_value) {
            Some(CellValue::Number(n)) => CellValue::Number(n),
            _ => CellValue::Unreadable(f.to_string()),
        },
        Raw::Text(s) => parse_value_text(s, kind),
        Raw::Date(serial) => CellValue::Unreadable(date_text(*serial)),
        Raw::Other(s) => CellValue::Unreadable(s.clone()),
    }
}

/// Excel 1900-system date serial to `YYYY-MM-DD` (serials from 1900-03-01 to 9999-12-31).
pub fn date_from_serial(serial: f64) -> Option<String> {
    if !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    // Days since 1970-01-01; Excel's day 25569 is 1970-01-01.
    let days = serial.floor() as i64 - 25_569;
    // Civil-from-days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// A date cell as a reader sees it: `2025-01-16`, `2025-01-16 09:30`, a time alone as `09:30`;
/// a serial outside the calendar as its number.
pub fn date_text(serial: f64) -> String {
    let minutes = (serial.fract() * 1_440.0).round() as i64;
    let time = (minutes > 0 && minutes < 1_440)
        .then(|| format!("{:02}:{:02}", minutes / 60, minutes % 60));
    if (0.0..1.0).contains(&serial) {
        return time.unwrap_or_else(|| "00:00".to_string());
    }
    match (date_from_serial(serial), time) {
        (Some(date), Some(time)) => format!("{date} {time}"),
        (Some(date), None) => date,
        (None, _) => serial.to_string(),
    }
}

/// A1 address from zero-based coordinates (`(11, 5)` → `F12`).
pub fn a1(r: u32, c: u32) -> String {
    use std::fmt::Write;
    // One allocation: every value read from a workbook gets its address.
    let mut address = String::with_capacity(12);
    push_column_name(&mut address, c);
    let _ = write!(address, "{}", u64::from(r) + 1);
    address
}

/// Appends the column letters of a zero-based index (`0` → `A`, `26` → `AA`).
fn push_column_name(out: &mut String, c: u32) {
    let mut n = u64::from(c) + 1;
    // Least significant letter first: 26^7 > u32::MAX, so seven places hold any column.
    let mut letters = [0u8; 7];
    let mut len = 0;
    while n > 0
        && let Some(slot) = letters.get_mut(len)
    {
        *slot = b'A' + ((n - 1) % 26) as u8;
        len += 1;
        n = (n - 1) / 26;
    }
    out.extend(letters.iter().take(len).rev().map(|&b| char::from(b)));
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
    // Excel's own spelling (`SUM(D5:I5)`, as every total of a workbook nianbao wrote) needs no
    // rewriting: only other spellings are brought to it first.
    let plain = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b"():,;+$".contains(&b);
    if formula.bytes().all(plain) {
        return terms_of(formula);
    }
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
    terms_of(&f.to_ascii_uppercase())
}

/// The cells of a formula already in Excel's spelling (upper case, no `=`, no spaces).
fn terms_of(upper: &str) -> Option<Vec<(u32, u32)>> {
    let mut cells = Vec::new();
    for term in split_top_level(upper, '+')? {
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
    /// Every term is a number or blank (blank counts 0, as in Excel), at least one a number;
    /// the sum is within [`nianbao_model::report::MAX_ABS_VALUE`].
    Number(Decimal),
    /// Every term is a number, but the sum is beyond the bound of a table value (or beyond what
    /// a decimal holds): no number can be given for it.
    TooLarge,
    /// Every term is blank: nothing was filled in, so the total is "no value" too.
    AllBlank,
    /// Not a plain sum, or a term is text, or the terms loop.
    Unknown,
}

/// Evaluates a formula as a plain sum over the cells of a field of the given kind, following
/// formula terms without cached values (a 总计 of 总计s) up to a small depth.
pub fn evaluate_sum(grid: &Grid, formula: &str, kind: ValueKind) -> SumResult {
    let mut seen = BTreeSet::new();
    evaluate(grid, formula, kind, &mut seen, 0)
}

fn evaluate(
    grid: &Grid,
    formula: &str,
    kind: ValueKind,
    seen: &mut BTreeSet<(u32, u32)>,
    depth: usize,
) -> SumResult {
    let mut total = Decimal::ZERO;
    let mut any_number = false;
    let walked = walk_terms(grid, formula, kind, seen, depth, |n| {
        match total.checked_add(n) {
            Some(sum) => {
                total = sum;
                any_number = true;
                Ok(())
            }
            None => Err(SumResult::TooLarge),
        }
    });
    if let Err(result) = walked {
        return result;
    }
    if !any_number {
        return SumResult::AllBlank;
    }
    match number_value(total) {
        CellValue::Number(n) => SumResult::Number(n),
        _ => SumResult::TooLarge,
    }
}

/// Walks the terms of a plain sum in order, handing each number to `number` (which may stop the
/// walk with a result); blank terms are passed over. Stops with [`SumResult::Unknown`] when the
/// formula is not a plain sum, a term is unreadable, or the terms loop. The one walk both
/// [`evaluate_sum`] and [`sums_only_blanks`] make.
fn walk_terms(
    grid: &Grid,
    formula: &str,
    kind: ValueKind,
    seen: &mut BTreeSet<(u32, u32)>,
    depth: usize,
    mut number: impl FnMut(Decimal) -> Result<(), SumResult>,
) -> Result<(), SumResult> {
    if depth > 8 {
        return Err(SumResult::Unknown);
    }
    let terms = sum_terms(formula).ok_or(SumResult::Unknown)?;
    for (r, c) in terms {
        if !seen.insert((r, c)) {
            return Err(SumResult::Unknown);
        }
        let Some(cell) = grid.get(r, c) else {
            continue;
        };
        // A term that is itself a total counts as what its own sum gives when its result was
        // not saved, and as its saved result otherwise (blank when it adds only blanks).
        let value = match (&cell.value, &cell.formula) {
            (Raw::Empty, Some(inner)) => match evaluate(grid, inner, kind, seen, depth + 1) {
                SumResult::Number(n) => CellValue::Number(n),
                SumResult::AllBlank => CellValue::Empty(String::new()),
                other => return Err(other),
            },
            (raw, Some(inner)) => match evaluate(grid, inner, kind, seen, depth + 1) {
                SumResult::AllBlank => CellValue::Empty(String::new()),
                _ => cell_value(raw, kind),
            },
            (raw, None) => cell_value(raw, kind),
        };
        match value {
            CellValue::Number(n) => number(n)?,
            CellValue::Empty(_) => {}
            CellValue::Unreadable(_) => return Err(SumResult::Unknown),
        }
    }
    Ok(())
}

/// The direct terms of a plain sum that hold a number typed as text (`12 `, `１２`, `12件`):
/// Excel's and WPS's SUM pass over such cells, so a saved result can leave them out although
/// nianbao reads them as numbers. In the formula's order, with the cell's text.
pub fn text_number_terms(grid: &Grid, formula: &str, kind: ValueKind) -> Vec<((u32, u32), String)> {
    let Some(terms) = sum_terms(formula) else {
        return Vec::new();
    };
    terms
        .into_iter()
        .filter_map(|(r, c)| {
            let cell = grid.get(r, c)?;
            match (&cell.value, &cell.formula) {
                (Raw::Text(text), None)
                    if matches!(cell_value(&cell.value, kind), CellValue::Number(_)) =>
                {
                    Some(((r, c), text.clone()))
                }
                _ => None,
            }
        })
        .collect()
}

/// Whether [`evaluate_sum`] would find the formula adds only blank cells
/// ([`SumResult::AllBlank`]), stopping at the first number: once a term is a number the sum
/// cannot be blank, whatever follows. For a formula whose result was saved only this decides
/// whether the saved result counts (a 总计 over blank cells is blank, not 0).
pub fn sums_only_blanks(grid: &Grid, formula: &str, kind: ValueKind) -> bool {
    let mut seen = BTreeSet::new();
    walk_terms(grid, formula, kind, &mut seen, 0, |_| {
        Err(SumResult::Unknown)
    })
    .is_ok()
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
        assert_eq!(decimal_from_float(-3.0), Some(d("-3")));
        assert_eq!(decimal_from_float(0.0), Some(d("0")));
        assert_eq!(decimal_from_float(1e15), Some(d("1000000000000000")));
        assert_eq!(
            decimal_from_float(1e300).map(|_| ()),
            Decimal::from_f64(1e300).map(|_| ())
        );
        assert_eq!(decimal_from_float(f64::NAN), None);
    }

    #[test]
    fn values_are_read_by_the_kind_of_their_field() {
        let text = |s: &str| Raw::Text(s.into());
        assert_eq!(
            cell_value(&text("1.2万元"), ValueKind::Amount),
            CellValue::Number(d("1.2"))
        );
        assert_eq!(
            cell_value(&text("12元"), ValueKind::Amount),
            CellValue::Unreadable("12元".into())
        );
        assert_eq!(
            cell_value(&text("3万元"), ValueKind::Count),
            CellValue::Unreadable("3万元".into())
        );
        assert_eq!(
            cell_value(&Raw::Number(5e28), ValueKind::Count),
            CellValue::Unreadable("50000000000000000000000000000".into())
        );
        assert!(matches!(
            cell_value(&Raw::Number(1e300), ValueKind::Count),
            CellValue::Unreadable(_)
        ));
    }

    #[test]
    fn date_cells_show_as_dates() {
        assert_eq!(
            cell_value(&Raw::Date(45673.0), ValueKind::Count),
            CellValue::Unreadable("2025-01-16".into())
        );
        assert_eq!(date_text(45673.5), "2025-01-16 12:00");
        assert_eq!(date_text(0.395833333), "09:30");
        assert_eq!(date_text(-3.0), "-3");
        assert_eq!(date_text(f64::NAN), "NaN");
    }

    fn grid_of(cells: &[((u32, u32), Raw, Option<&str>)]) -> Grid {
        let mut g = Grid::default();
        for (pos, value, formula) in cells {
            g.cells.insert(
                *pos,
                crate::sheet::RawCell {
                    value: value.clone(),
                    formula: formula.map(str::to_string),
                },
            );
        }
        g
    }

    #[test]
    fn sums_never_overflow() {
        // Within the bound each, beyond it together.
        let big = Raw::Int(900_000_000_000);
        let g = grid_of(&[((0, 0), big.clone(), None), ((0, 1), big, None)]);
        assert_eq!(
            evaluate_sum(&g, "A1+B1", ValueKind::Count),
            SumResult::TooLarge
        );
        // Nested totals without cached values: the inner one too large makes the outer too.
        let g = grid_of(&[
            ((0, 0), Raw::Int(900_000_000_000), None),
            ((0, 1), Raw::Int(900_000_000_000), None),
            ((0, 2), Raw::Empty, Some("A1+B1")),
            ((0, 3), Raw::Int(1), None),
        ]);
        assert_eq!(
            evaluate_sum(&g, "C1+D1", ValueKind::Count),
            SumResult::TooLarge
        );
        // Amount units in the terms of an amount total.
        let g = grid_of(&[
            ((0, 0), Raw::Text("1.2万元".into()), None),
            ((0, 1), Raw::Number(0.3), None),
        ]);
        assert_eq!(
            evaluate_sum(&g, "SUM(A1:B1)", ValueKind::Amount),
            SumResult::Number(d("1.5"))
        );
    }

    #[test]
    fn only_blanks_agrees_with_the_full_sum() {
        // Each term is one of these; sums of two terms, nested one level, are compared with
        // what evaluate_sum finds.
        let kinds: [(Raw, Option<&str>); 10] = [
            (Raw::Empty, None),
            (Raw::Int(3), None),
            (Raw::Text("/".into()), None),
            (Raw::Text("约5".into()), None),
            (Raw::Empty, Some("E1+F1")),
            (Raw::Int(7), Some("E1+F1")),
            (Raw::Empty, Some("A1+B1")),
            // Saved as blank text by a formula that is not a plain sum, or that adds numbers.
            (Raw::Text("/".into()), Some("IF(E1=0,\"/\",E1)")),
            (Raw::Text(String::new()), Some("E1+F1")),
            (Raw::Text("/".into()), Some("E1+E1")),
        ];
        let inner: [(Raw, Option<&str>); 3] = [
            (Raw::Empty, None),
            (Raw::Int(2), None),
            (Raw::Text("无".into()), None),
        ];
        let mut compared = 0;
        for a in &kinds {
            for b in &kinds {
                for e in &inner {
                    let g = grid_of(&[
                        ((0, 0), a.0.clone(), a.1),
                        ((0, 1), b.0.clone(), b.1),
                        ((0, 4), e.0.clone(), e.1),
                        ((0, 5), Raw::Empty, None),
                    ]);
                    for kind in [ValueKind::Count, ValueKind::Amount] {
                        assert_eq!(
                            sums_only_blanks(&g, "A1+B1", kind),
                            evaluate_sum(&g, "A1+B1", kind) == SumResult::AllBlank,
                            "{a:?} {b:?} {e:?}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 10 * 10 * 3 * 2);
        assert!(!sums_only_blanks(
            &Grid::default(),
            "A1*2",
            ValueKind::Count
        ));
    }

    #[test]
    fn addresses() {
        assert_eq!(a1(11, 5), "F12");
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(1, 701), "ZZ2");
        assert_eq!(a1(2, 702), "AAA3");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
        assert_eq!(a1(u32::MAX, u32::MAX), "MWLQKWV4294967296");
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
