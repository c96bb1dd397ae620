//! The official-layout workbook, drawn from the format's grids: the blank template an office
//! fills in, and the filled report workbook with a sheet of findings.
//!
//! Layout: one sheet per table, named by the table (`表二`, `表三`, `表四`), each with the
//! heading of its part as a title row; a `基本信息` sheet first; `检查结果` last in the report
//! workbook. One sheet per table lets each table keep its own column widths and print on A4
//! fitted to the page width.

use std::collections::BTreeMap;

use nianbao_model::format::{CellRole, CompareOp, TableSpec, ValueKind};
use nianbao_model::{CellValue, Finding, Format, Metadata, Report, ValueKey, template};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format as CellFormat,
    FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
};

use crate::ExcelError;
use crate::import::{FINDINGS_SHEET, META_LABELS, META_SHEET};
use crate::value::a1;

/// Sheet rows above each table's grid (the title row).
const GRID_TOP: u32 = 1;
/// Font of every cell: 宋体 with the GB2312 character set, as Chinese offices expect.
pub(crate) const FONT: &str = "宋体";
pub(crate) const CHARSET_GB2312: u8 = 134;
/// A4 in Excel's paper size codes.
pub(crate) const PAPER_A4: u8 = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Template,
    Report,
}

/// The blank input template.
pub fn write_template(format: &Format, meta: &Metadata) -> Result<Vec<u8>, ExcelError> {
    let report = Report {
        meta: meta.clone(),
        ..Report::default()
    };
    write_workbook(format, &report, None, Mode::Template)
}

/// The filled report workbook with its findings.
pub fn write_report_workbook(
    format: &Format,
    report: &Report,
    findings: &[Finding],
) -> Result<Vec<u8>, ExcelError> {
    write_workbook(format, report, Some(findings), Mode::Report)
}

pub(crate) fn werr(e: rust_xlsxwriter::XlsxError) -> ExcelError {
    match e {
        // Every text this crate writes is checked or shortened first ([`checked_meta`],
        // [`cell_text`]); this is the last guard, in words the office understands.
        rust_xlsxwriter::XlsxError::MaxStringLengthExceeded => ExcelError::CellTooLong {
            what: "单元格文字".to_string(),
            chars: MAX_CELL_CHARS + 1,
        },
        other => ExcelError::Write(other.to_string()),
    }
}

/// Excel's limit for the text of one cell, in UTF-16 code units (what Excel counts).
pub const MAX_CELL_CHARS: usize = 32_767;

/// A metadata value as written in `基本信息`: refused when Excel cannot hold it, since it is
/// the office's own data (a 机关名称 of megabytes is a mistake to fix, not to cut).
fn checked_meta(label: &str, value: &str) -> Result<(), ExcelError> {
    let chars = value.encode_utf16().count();
    if chars > MAX_CELL_CHARS {
        return Err(ExcelError::CellTooLong {
            what: label.to_string(),
            chars,
        });
    }
    Ok(())
}

/// Text nianbao made (a finding, a value as written in a document) cut to what a cell holds,
/// with `…` where it was cut.
pub fn cell_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_CELL_CHARS {
        // Bytes bound UTF-16 units from above.
        return std::borrow::Cow::Borrowed(text);
    }
    let mut units = 0;
    let mut out = String::new();
    for c in text.chars() {
        units += c.len_utf16();
        if units > MAX_CELL_CHARS - 1 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    std::borrow::Cow::Owned(out)
}

pub(crate) struct Formats {
    pub(crate) title: CellFormat,
    pub(crate) header: CellFormat,
    pub(crate) label: CellFormat,
    pub(crate) value_locked: CellFormat,
    pub(crate) value_input: CellFormat,
    pub(crate) text: CellFormat,
    pub(crate) text_input: CellFormat,
    pub(crate) heading: CellFormat,
}

impl Formats {
    pub(crate) fn new() -> Formats {
        let base = CellFormat::new()
            .set_font_name(FONT)
            .set_font_charset(CHARSET_GB2312)
            .set_font_size(10.5);
        let boxed = base
            .clone()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            title: base
                .clone()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::VerticalCenter),
            header: boxed.clone().set_align(FormatAlign::Center),
            label: boxed.clone().set_align(FormatAlign::Left),
            value_locked: boxed.clone().set_align(FormatAlign::Center),
            value_input: boxed
                .clone()
                .set_align(FormatAlign::Center)
                .set_unlocked()
                .set_background_color(Color::RGB(0xFFFDE7)),
            text: base.clone().set_text_wrap().set_align(FormatAlign::Top),
            text_input: base
                .clone()
                .set_border(FormatBorder::Thin)
                .set_unlocked()
                .set_num_format("@")
                .set_background_color(Color::RGB(0xFFFDE7)),
            heading: base
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(0xEEEEEE)),
        }
    }
}

fn write_workbook(
    format: &Format,
    report: &Report,
    findings: Option<&[Finding]>,
    mode: Mode,
) -> Result<Vec<u8>, ExcelError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    // The fastest Deflate level: a workbook of these tables is a few KB either way, and the
    // default level took a quarter of the time of writing it.
    workbook.set_zip_compression_level(1);
    // A fixed creation time keeps the bytes identical for the same input.
    let created = ExcelDateTime::from_ymd(2021, 1, 1).map_err(werr)?;
    let properties = DocProperties::new()
        .set_title("政府信息公开工作年度报告统计表")
        .set_author("nianbao")
        .set_creation_datetime(&created);
    workbook.set_properties(&properties);

    write_meta_sheet(
        workbook.add_worksheet(),
        format,
        &report.meta,
        &formats,
        mode,
    )?;
    // Which cells are totals, and their formulas, depend on the format alone: worked out once
    // per format.
    let totals = format.derived(TotalCells::of);
    for (t, table) in format.tables.iter().enumerate() {
        let heading = format
            .parts
            .iter()
            .find(|p| p.table.as_deref() == Some(table.id.as_str()))
            .map(|p| p.full_heading())
            .unwrap_or_else(|| table.title.clone());
        let sheet = workbook.add_worksheet();
        let table_totals = totals.0.get(t).map(Vec::as_slice).unwrap_or_default();
        write_table_sheet(sheet, table, &heading, report, table_totals, &formats, mode)?;
    }
    if let Some(findings) = findings {
        write_findings_sheet(workbook.add_worksheet(), findings, &formats)?;
    }
    workbook.save_to_buffer().map_err(werr)
}

/// The total cells of a format's tables, kept with the format ([`Format::derived`]): for each
/// table (in order), for each of its value cells (in `value_cells` order), the cell's formula
/// and the cells it adds when it is a total ([`total_formulas`]).
struct TotalCells(Vec<Vec<Option<TotalCell>>>);

struct TotalCell {
    /// `SUM(D5:I5)`.
    formula: String,
    /// Indices of the added cells in the table's `value_cells`.
    terms: Vec<usize>,
}

impl TotalCells {
    fn of(format: &Format) -> TotalCells {
        let totals = total_formulas(format);
        TotalCells(
            format
                .tables
                .iter()
                .map(|table| {
                    let cells = table.value_cells();
                    let index: BTreeMap<&ValueKey, usize> =
                        cells.iter().enumerate().map(|(i, v)| (&v.key, i)).collect();
                    let at = |i: usize| cells.get(i).map(|v| (GRID_TOP + v.r as u32, v.c as u32));
                    cells
                        .iter()
                        .map(|v| {
                            let keys = totals.get(&v.key)?;
                            // A total adding a value of another table is no formula here.
                            let terms: Vec<usize> = keys
                                .iter()
                                .map(|k| index.get(k).copied())
                                .collect::<Option<_>>()?;
                            let positions: Vec<(u32, u32)> =
                                terms.iter().map(|&i| at(i)).collect::<Option<_>>()?;
                            Some(TotalCell {
                                formula: sum_formula(&positions),
                                terms,
                            })
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

/// Which values are totals, and of what: the single `equals` term of every equality rule
/// within one table of this year's values whose `sum` terms are all added (t3.row_total,
/// t3.results_total, t4.block_total in the national format). The first rule naming a total wins.
fn total_formulas(format: &Format) -> BTreeMap<ValueKey, Vec<ValueKey>> {
    let mut totals: BTreeMap<ValueKey, Vec<ValueKey>> = BTreeMap::new();
    let table_of = |key: &ValueKey| format.locate(key).map(|(t, _)| t.id.clone());
    for (rule, instances) in format.rules.iter().zip(format.expanded_rules()) {
        if rule.op != CompareOp::Eq {
            continue;
        }
        let Ok(instances) = instances else {
            continue;
        };
        for inst in instances {
            let [total] = inst.equals.as_slice() else {
                continue;
            };
            if total.negative || total.previous {
                continue;
            }
            let same_table = table_of(&total.key);
            let plain = !inst.sum.is_empty()
                && inst.sum.iter().all(|t| {
                    !t.negative
                        && !t.previous
                        && t.key != total.key
                        && table_of(&t.key) == same_table
                });
            if plain && same_table.is_some() {
                totals
                    .entry(total.key.clone())
                    .or_insert_with(|| inst.sum.iter().map(|t| t.key.clone()).collect());
            }
        }
    }
    totals
}

/// `SUM(D5:I5)` for a run of adjacent cells, `SUM(D5,F7)` otherwise.
fn sum_formula(cells: &[(u32, u32)]) -> String {
    let same_row = cells
        .windows(2)
        .all(|w| w[0].0 == w[1].0 && w[1].1 == w[0].1 + 1);
    let same_col = cells
        .windows(2)
        .all(|w| w[0].1 == w[1].1 && w[1].0 == w[0].0 + 1);
    match (cells.first(), cells.last()) {
        (Some(&(r0, c0)), Some(&(r1, c1))) if cells.len() > 1 && (same_row || same_col) => {
            format!("SUM({}:{})", a1(r0, c0), a1(r1, c1))
        }
        _ => {
            let refs: Vec<String> = cells.iter().map(|&(r, c)| a1(r, c)).collect();
            format!("SUM({})", refs.join(","))
        }
    }
}

fn decimal_f64(n: Decimal) -> f64 {
    // Through text, so the nearest double of the decimal is chosen (and written back exactly).
    n.to_string()
        .parse::<f64>()
        .ok()
        .or_else(|| n.to_f64())
        .unwrap_or(0.0)
}

fn write_table_sheet(
    sheet: &mut Worksheet,
    table: &TableSpec,
    heading: &str,
    report: &Report,
    totals: &[Option<TotalCell>],
    f: &Formats,
    mode: Mode,
) -> Result<(), ExcelError> {
    sheet.set_name(&table.name).map_err(werr)?;
    let last_col = table.grid_cols.saturating_sub(1) as u16;
    sheet
        .merge_range(0, 0, 0, last_col, heading, &f.title)
        .map_err(werr)?;
    sheet.set_row_height(0, 28).map_err(werr)?;

    // Column widths: the format's relative widths scaled to about 9 units a column (4½ Han
    // characters), so a table fits A4 when printed fitted to the page width.
    let total_rel: u32 = table.col_widths.iter().sum::<u32>().max(1);
    let total_width = 11.0 * table.grid_cols as f64;
    let widths: Vec<f64> = table
        .col_widths
        .iter()
        .map(|rel| (f64::from(*rel) / f64::from(total_rel) * total_width).max(8.0))
        .collect();
    for (c, width) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *width).map_err(werr)?;
    }
    // Spreadsheet programs do not grow rows for wrapped text written by a library: give each
    // grid row the height its longest single-row label needs.
    let mut lines_per_row: BTreeMap<u32, usize> = BTreeMap::new();
    for cell in table.cells.iter().filter(|c| c.rowspan == 1) {
        let width: f64 = widths.iter().skip(cell.c).take(cell.colspan).sum();
        let lines = (text_width(&cell.text) / (width - 1.0).max(1.0))
            .ceil()
            .max(1.0) as usize;
        let entry = lines_per_row.entry(GRID_TOP + cell.r as u32).or_insert(1);
        *entry = (*entry).max(lines);
    }
    for (row, lines) in lines_per_row {
        if lines > 1 {
            sheet
                .set_row_height(row, 14.0 * lines as f64 + 2.0)
                .map_err(werr)?;
        }
    }

    let mut styled = Styled::default();
    for cell in &table.cells {
        let r0 = GRID_TOP + cell.r as u32;
        let c0 = cell.c as u16;
        let fmt = match cell.role {
            CellRole::Header | CellRole::Group => &f.header,
            CellRole::Label => &f.label,
        };
        if cell.rowspan > 1 || cell.colspan > 1 {
            let r1 = r0 + cell.rowspan as u32 - 1;
            let c1 = c0 + cell.colspan as u16 - 1;
            sheet
                .merge_range(r0, c0, r1, c1, &cell.text, fmt)
                .map_err(werr)?;
        } else {
            sheet.write_string(r0, c0, &cell.text).map_err(werr)?;
            styled.add(r0, c0, fmt);
        }
    }

    let cells = table.value_cells();
    // Each value looked up once, all in one pass; totals add by index.
    let values: Vec<Option<&CellValue>> = table
        .value_lookup()
        .find(&report.values)
        .into_iter()
        .map(|cell| cell.map(|c| &c.value))
        .collect();
    for (i, v) in cells.iter().enumerate() {
        let row = GRID_TOP + v.r as u32;
        let col = v.c as u16;
        let kind = table
            .field(&v.key.field)
            .map(|f| f.kind)
            .unwrap_or_default();
        let formula = totals
            .get(i)
            .and_then(Option::as_ref)
            .and_then(|total| total_cell_formula(total, i, &values, mode));
        let fmt = if formula.is_some() || mode == Mode::Report {
            &f.value_locked
        } else {
            &f.value_input
        };
        if v.colspan > 1 {
            sheet
                .merge_range(row, col, row, col + v.colspan as u16 - 1, "", fmt)
                .map_err(werr)?;
        }
        match formula {
            Some(formula) => {
                sheet.write_formula(row, col, formula).map_err(werr)?;
                styled.add(row, col, fmt);
            }
            None => {
                write_value(
                    sheet,
                    row,
                    col,
                    values.get(i).copied().flatten(),
                    fmt,
                    &mut styled,
                )?;
                if mode == Mode::Template {
                    let last = col + v.colspan as u16 - 1;
                    sheet
                        .add_data_validation(row, col, row, last, &validation(kind)?)
                        .map_err(werr)?;
                }
            }
        }
    }

    styled.apply(sheet)?;

    sheet.set_paper_size(PAPER_A4);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    if table.grid_cols > 10 {
        sheet.set_landscape();
    }
    if mode == Mode::Template {
        sheet.protect();
    }
    Ok(())
}

/// Width of a text in column-width units: a Han character takes two, ASCII one.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
        .sum()
}

/// The formula of a total cell, or `None` when the report's value must be written as given
/// (it differs from the sum of its terms, or a term is not a number: the workbook shows what
/// was reported and `检查结果` says what is wrong).
fn total_cell_formula(
    total: &TotalCell,
    at: usize,
    values: &[Option<&CellValue>],
    mode: Mode,
) -> Option<Formula> {
    if mode == Mode::Template {
        return Some(Formula::new(total.formula.as_str()).set_result("0"));
    }
    let number = |i: usize| match values.get(i).copied().flatten() {
        Some(CellValue::Number(n)) => Some(*n),
        _ => None,
    };
    // A report may hold any decimal (it need not come from a workbook): a sum that overflows
    // is no sum, and the value is written as reported.
    let mut sum = Decimal::ZERO;
    for &term in &total.terms {
        sum = sum.checked_add(number(term)?)?;
    }
    let sum = sum.normalize();
    match number(at) {
        Some(n) if n == sum => {
            Some(Formula::new(total.formula.as_str()).set_result(sum.to_string()))
        }
        _ => None,
    }
}

/// Writes a value, its format to follow in a run ([`Styled`]); a cell without a value is written
/// blank with its format (a formatted range alone does not make a sheet's rows reach it).
fn write_value<'f>(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<&CellValue>,
    format: &'f CellFormat,
    styled: &mut Styled<'f>,
) -> Result<(), ExcelError> {
    match value {
        Some(CellValue::Number(n)) => {
            sheet
                .write_number(row, col, decimal_f64(*n))
                .map_err(werr)?;
            styled.add(row, col, format);
        }
        Some(CellValue::Empty(raw)) | Some(CellValue::Unreadable(raw)) if !raw.is_empty() => {
            sheet.write_string(row, col, cell_text(raw)).map_err(werr)?;
            styled.add(row, col, format);
        }
        _ => {
            sheet.write_blank(row, col, format).map_err(werr)?;
        }
    }
    Ok(())
}

/// The formats of cells written without one, given afterwards in runs. rust_xlsxwriter hashes
/// the whole format on every formatted write, which was a quarter of writing a workbook;
/// `set_range_format` hashes it once per run of neighbouring cells that share it.
#[derive(Default)]
struct Styled<'f> {
    cells: Vec<(u32, u16, &'f CellFormat)>,
}

impl<'f> Styled<'f> {
    fn add(&mut self, row: u32, col: u16, format: &'f CellFormat) {
        self.cells.push((row, col, format));
    }

    /// Formats every added cell, each of which was written: one call per horizontal run of
    /// cells with the same format.
    fn apply(mut self, sheet: &mut Worksheet) -> Result<(), ExcelError> {
        self.cells.sort_by_key(|&(row, col, _)| (row, col));
        let mut rest = self.cells.as_slice();
        while let Some(&(row, first, format)) = rest.first() {
            let mut last = first;
            let mut taken = 1;
            for &(r, c, f) in rest.iter().skip(1) {
                if r != row || c != last + 1 || !std::ptr::eq(f, format) {
                    break;
                }
                last = c;
                taken += 1;
            }
            sheet
                .set_range_format(row, first, row, last, format)
                .map_err(werr)?;
            rest = rest.get(taken..).unwrap_or_default();
        }
        Ok(())
    }
}

fn validation(kind: ValueKind) -> Result<DataValidation, ExcelError> {
    let dv = match kind {
        ValueKind::Count => DataValidation::new()
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_error_title("数值有误")
            .map_err(werr)?
            .set_error_message("此处应填写大于或等于 0 的整数；没有发生的事项请填 0。")
            .map_err(werr)?,
        ValueKind::Amount => DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_error_title("数值有误")
            .map_err(werr)?
            .set_error_message(
                "此处应填写大于或等于 0 的金额（单位：万元，可有小数）；没有收费请填 0。",
            )
            .map_err(werr)?,
    };
    Ok(dv)
}

/// The 填写说明 under 基本信息: the format's `workbook-notes.j2` over the metadata.
fn workbook_notes(format: &Format, meta: &Metadata) -> Result<String, ExcelError> {
    let report = Report {
        meta: meta.clone(),
        ..Report::default()
    };
    let context = template::template_context(format, report.metadata_context());
    let notes = format
        .render_template(template::WORKBOOK_NOTES, &context)
        .map_err(|e| ExcelError::Write(e.to_string()))?
        .unwrap_or_default();
    checked_meta("填写说明", &notes)?;
    Ok(notes)
}

fn write_meta_sheet(
    sheet: &mut Worksheet,
    format: &Format,
    meta: &Metadata,
    f: &Formats,
    mode: Mode,
) -> Result<(), ExcelError> {
    sheet.set_name(META_SHEET).map_err(werr)?;
    sheet.set_column_width(0, 14).map_err(werr)?;
    sheet.set_column_width(1, 60).map_err(werr)?;
    sheet
        .merge_range(0, 0, 0, 1, "基本信息", &f.title)
        .map_err(werr)?;
    let values: [String; 6] = [
        meta.org.clone(),
        if meta.year > 0 {
            meta.year.to_string()
        } else {
            String::new()
        },
        meta.level
            .map(|l| l.label().to_string())
            .unwrap_or_default(),
        meta.region.clone().unwrap_or_default(),
        meta.date.clone().unwrap_or_default(),
        meta.contact.join("；"),
    ];
    for (label, value) in META_LABELS.iter().zip(values.iter()) {
        checked_meta(label, value)?;
    }
    let input = if mode == Mode::Template {
        &f.text_input
    } else {
        &f.label
    };
    for (i, (label, value)) in META_LABELS.iter().zip(values.iter()).enumerate() {
        let row = 1 + i as u32;
        sheet
            .write_string_with_format(row, 0, *label, &f.heading)
            .map_err(werr)?;
        if value.is_empty() {
            sheet.write_blank(row, 1, input).map_err(werr)?;
        } else {
            sheet
                .write_string_with_format(row, 1, value, input)
                .map_err(werr)?;
        }
    }
    let notes = workbook_notes(format, meta)?;
    sheet
        .merge_range(8, 0, 8, 1, &notes, &f.text)
        .map_err(werr)?;
    sheet.set_row_height(8, 60).map_err(werr)?;
    sheet.set_paper_size(PAPER_A4);
    if mode == Mode::Template {
        sheet.protect();
    }
    Ok(())
}

fn write_findings_sheet(
    sheet: &mut Worksheet,
    findings: &[Finding],
    f: &Formats,
) -> Result<(), ExcelError> {
    sheet.set_name(FINDINGS_SHEET).map_err(werr)?;
    crate::findings::write_finding_rows(sheet, 0, findings, &f.heading, &f.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_beyond_a_cell_are_refused_or_cut() {
        let format = Format::national_2021();
        let mut report = Report::new("局".repeat(MAX_CELL_CHARS + 1), 2024);
        let err = write_report_workbook(format, &report, &[]).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("机关名称过长") && message.contains("32,767"),
            "{message}"
        );
        // Counted as Excel counts: a character beyond the BMP is two.
        report.meta.org = "𠀀".repeat(MAX_CELL_CHARS / 2 + 1);
        assert!(write_report_workbook(format, &report, &[]).is_err());
        report.meta.org = "某某局".into();
        let long = Finding::warning("x.y", "长".repeat(40_000));
        assert!(write_report_workbook(format, &report, &[long]).is_ok());
        let cut = cell_text(&"𠀀".repeat(20_000)).into_owned();
        assert!(cut.encode_utf16().count() <= MAX_CELL_CHARS && cut.ends_with('…'));
        assert_eq!(cell_text("短"), "短");
    }

    #[test]
    fn totals_come_from_the_rules() {
        let totals = total_formulas(Format::national_2021());
        // 25 row totals of table 3, 6 more column totals in （七）, 3 block totals of table 4.
        assert_eq!(totals.len(), 25 + 6 + 3);
        let processed = totals.get(&ValueKey::new("processed_total", "natural_person"));
        assert_eq!(processed.map(Vec::len), Some(21));
        assert!(!totals.contains_key(&ValueKey::new("carried_forward", "natural_person")));
    }

    /// Every label and value cell of every table sheet is boxed, and in the template exactly
    /// the cells to fill in are unlocked, totals and labels locked: formats given in runs
    /// ([`Styled`]) reach every cell.
    #[test]
    fn every_table_cell_has_its_format() {
        use calamine::{Reader, Xlsx};
        let format = Format::national_2021();
        let totals = total_formulas(format);
        // A filled report: every value a number (totals that do not add up are written as
        // values), one of them unreadable text.
        let mut filled = Report::default();
        for (i, v) in format
            .tables
            .iter()
            .flat_map(|t| t.value_cells())
            .enumerate()
        {
            let value = if i == 7 {
                CellValue::Unreadable("约5".into())
            } else {
                CellValue::Number(Decimal::from(i as i64))
            };
            filled.values.insert(
                v.key.clone(),
                nianbao_model::Cell {
                    value,
                    source: None,
                },
            );
        }
        let empty = Report::default();
        for (mode, report) in [
            (Mode::Template, &empty),
            (Mode::Report, &empty),
            (Mode::Report, &filled),
        ] {
            let bytes = write_workbook(format, report, None, mode).unwrap();
            let mut workbook = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let mut checked = 0;
            for table in &format.tables {
                let styles = workbook.worksheet_style(&table.name).unwrap();
                let style_at = |r: usize, c: usize| styles.get((GRID_TOP + r as u32, c as u32));
                let boxed = |r: usize, c: usize| {
                    style_at(r, c)
                        .and_then(|s| s.borders.as_ref())
                        .is_some_and(|b| {
                            [&b.left, &b.right, &b.top, &b.bottom]
                                .iter()
                                .all(|side| side.is_visible())
                        })
                };
                let locked = |r: usize, c: usize| {
                    style_at(r, c)
                        .and_then(|s| s.protection.as_ref())
                        .is_none_or(|p| p.locked)
                };
                for cell in &table.cells {
                    assert!(
                        boxed(cell.r, cell.c),
                        "{} {:?} {}",
                        table.name,
                        mode,
                        cell.text
                    );
                    assert!(locked(cell.r, cell.c), "{} {}", table.name, cell.text);
                    checked += 1;
                }
                for v in table.value_cells() {
                    assert!(boxed(v.r, v.c), "{} {:?} {}", table.name, mode, v.key);
                    let to_fill = mode == Mode::Template && !totals.contains_key(&v.key);
                    assert_eq!(
                        locked(v.r, v.c),
                        !to_fill,
                        "{} {:?} {}",
                        table.name,
                        mode,
                        v.key
                    );
                    checked += 1;
                }
            }
            assert!(checked > 250, "{checked}");
        }
    }

    #[test]
    fn sum_formulas() {
        assert_eq!(sum_formula(&[(4, 3), (4, 4), (4, 5)]), "SUM(D5:F5)");
        assert_eq!(sum_formula(&[(4, 3), (5, 3)]), "SUM(D5:D6)");
        assert_eq!(sum_formula(&[(4, 3), (6, 4)]), "SUM(D5,E7)");
    }
}
