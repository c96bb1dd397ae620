//! Opening a workbook and turning each worksheet into a bounded, sparse [`Grid`] of raw cells.
//!
//! Every byte of input is untrusted: the container is sniffed from its first bytes (never from
//! the file name), encrypted and non-spreadsheet files are refused with a clear message, sheets
//! are read only up to [`MAX_ROWS`] × [`MAX_COLS`], and any panic inside calamine is caught and
//! turned into an error. The findings sheet of a workbook nianbao wrote ([`FINDINGS_SHEET`]) is
//! its own output, never data, and is not read at all.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, ExcelDateTime, ExcelDateTimeType, Ods, Range, Reader, Xls, Xlsx};

use crate::ExcelError;
use crate::import::FINDINGS_SHEET;

/// Rows read from one sheet; anything below is ignored (and said so).
pub const MAX_ROWS: u32 = 5_000;
/// Columns read from one sheet; anything to the right is ignored (and said so).
pub const MAX_COLS: u32 = 200;
/// Largest file accepted (a statistics workbook is a few hundred kilobytes).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// A cell value as stored in the file, before interpretation.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Empty,
    Number(f64),
    Int(i64),
    Text(String),
    /// A cell formatted as a date or time: its serial number in Excel's 1900 date system
    /// (`45673` is 2025-01-16; a 1904-system workbook's serials are shifted to it).
    Date(f64),
    /// A value that is neither a number, text nor a date (boolean, error, duration), as shown.
    Other(String),
}

/// One non-empty cell: its value and its formula (without `=`), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCell {
    pub value: Raw,
    pub formula: Option<String>,
}

/// A merged region, inclusive, zero-based: the model's `Span`, so a sheet's merges are the
/// recogniser's as they are.
pub use nianbao_model::recognise::Span as Merge;

/// One worksheet, sparse, absolute zero-based coordinates.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub name: String,
    pub cells: BTreeMap<(u32, u32), RawCell>,
    pub merges: Vec<Merge>,
    /// Set when the sheet had content (or declared a size) beyond the cap.
    pub capped: Option<(u32, u32)>,
}

impl Grid {
    pub fn get(&self, r: u32, c: u32) -> Option<&RawCell> {
        self.cells.get(&(r, c))
    }

    /// The merge region containing a cell, if any.
    pub fn merge_at(&self, r: u32, c: u32) -> Option<Merge> {
        nianbao_model::recognise::span_at(&self.merges, r, c)
    }

    /// The cell that holds the value shown at (r, c): the top-left of its merge region.
    pub fn anchor(&self, r: u32, c: u32) -> (u32, u32) {
        match self.merge_at(r, c) {
            Some(m) => (m.r0, m.c0),
            None => (r, c),
        }
    }

    /// The text of a cell (numbers as written), empty when blank.
    pub fn text(&self, r: u32, c: u32) -> String {
        match self.get(r, c).map(|cell| &cell.value) {
            Some(Raw::Text(s)) | Some(Raw::Other(s)) => s.clone(),
            Some(Raw::Date(serial)) => crate::value::date_text(*serial),
            Some(Raw::Number(n)) => n.to_string(),
            Some(Raw::Int(n)) => n.to_string(),
            Some(Raw::Empty) | None => String::new(),
        }
    }

    fn insert(&mut self, r: u32, c: u32, value: Raw, formula: Option<String>) {
        if r >= MAX_ROWS || c >= MAX_COLS {
            if value != Raw::Empty || formula.is_some() {
                self.note_cap(r, c);
            }
            return;
        }
        let formula = formula.filter(|f| !f.trim().is_empty());
        if value == Raw::Empty && formula.is_none() {
            return;
        }
        self.cells.insert((r, c), RawCell { value, formula });
    }

    fn note_cap(&mut self, r: u32, c: u32) {
        let (mr, mc) = self.capped.unwrap_or((0, 0));
        self.capped = Some((mr.max(r.saturating_add(1)), mc.max(c.saturating_add(1))));
    }
}

/// The container a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Zip,
    Cfb,
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads every worksheet of a workbook given as bytes.
pub fn read_grids(display_name: &str, bytes: &[u8]) -> Result<Vec<Grid>, ExcelError> {
    let file = display_name.to_string();
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ExcelError::TooLarge {
            file,
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    let container = sniff(display_name, bytes)?;
    let result = catch_unwind(AssertUnwindSafe(|| match container {
        Container::Zip => read_zip(display_name, bytes),
        Container::Cfb => read_xls(display_name, bytes),
    }));
    match result {
        Ok(r) => r,
        Err(_) => Err(ExcelError::Damaged {
            file,
            detail: "读取程序在解析文件结构时出错".into(),
        }),
    }
}

fn sniff(display_name: &str, bytes: &[u8]) -> Result<Container, ExcelError> {
    let file = display_name.to_string();
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Container::Zip);
    }
    if bytes.starts_with(&CFB_MAGIC) {
        if contains_utf16(bytes, "EncryptionInfo") || contains_utf16(bytes, "EncryptedPackage") {
            return Err(ExcelError::Encrypted { file });
        }
        return Ok(Container::Cfb);
    }
    let is_et = display_name.to_lowercase().ends_with(".et");
    if is_et {
        return Err(ExcelError::UnsupportedEt { file });
    }
    if bytes.is_empty() {
        return Err(ExcelError::NotSpreadsheet {
            file,
            what: "文件是空的".into(),
        });
    }
    if bytes.starts_with(b"PK") || bytes.starts_with(&CFB_MAGIC[..4]) {
        return Err(ExcelError::Damaged {
            file,
            detail: "文件头不完整".into(),
        });
    }
    Err(ExcelError::NotSpreadsheet {
        file,
        what: describe_non_spreadsheet(bytes).into(),
    })
}

/// A guess at what a non-spreadsheet file is, for the message.
fn describe_non_spreadsheet(bytes: &[u8]) -> &'static str {
    let head: Vec<u8> = bytes.iter().take(512).copied().collect();
    let text = String::from_utf8_lossy(&head).to_lowercase();
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') && (trimmed.contains("html") || trimmed.contains("<table")) {
        "内容是网页（HTML）"
    } else if trimmed.starts_with("<?xml") || trimmed.starts_with('<') {
        "内容是 XML 文本"
    } else if bytes.starts_with(b"%PDF") {
        "内容是 PDF 文档"
    } else if std::str::from_utf8(&head).is_ok() || text.contains(',') || text.contains('\t') {
        "内容是纯文本或 CSV"
    } else {
        "无法识别的文件内容"
    }
}

fn contains_utf16(bytes: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    bytes
        .windows(pattern.len())
        .any(|w| w == pattern.as_slice())
}

fn damaged(file: &str, detail: impl std::fmt::Display) -> ExcelError {
    ExcelError::Damaged {
        file: file.to_string(),
        detail: detail.to_string(),
    }
}

fn read_zip(file: &str, bytes: &[u8]) -> Result<Vec<Grid>, ExcelError> {
    crate::prescan::check_xlsx(file, bytes)?;
    match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => read_xlsx(file, workbook),
        Err(xlsx_err) => {
            // An OpenDocument spreadsheet is a zip too; its first entry names its type.
            if bytes
                .windows(b"opendocument.spreadsheet".len())
                .take(200)
                .any(|w| w == b"opendocument.spreadsheet")
            {
                crate::prescan::check_ods(file, bytes)?;
                let workbook: Ods<_> =
                    Ods::new(Cursor::new(bytes)).map_err(|e| damaged(file, e))?;
                read_generic(file, workbook, |_, _| Vec::new())
            } else {
                Err(damaged(file, describe_zip_error(&xlsx_err)))
            }
        }
    }
}

fn describe_zip_error(err: &calamine::XlsxError) -> String {
    let text = err.to_string();
    if text.to_lowercase().contains("zip") || text.to_lowercase().contains("eof") {
        "压缩包结构不完整，文件可能被截断".into()
    } else {
        format!("不是有效的 Excel 工作簿：{text}")
    }
}

fn read_xls(file: &str, bytes: &[u8]) -> Result<Vec<Grid>, ExcelError> {
    crate::prescan::check_xls(file, bytes)?;
    let workbook: Xls<_> = match Xls::new(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(calamine::XlsError::Password) => {
            return Err(ExcelError::Encrypted {
                file: file.to_string(),
            });
        }
        Err(e) => {
            return Err(damaged(
                file,
                format!("不是有效的 Excel 97-2003 工作簿：{e}"),
            ));
        }
    };
    read_generic(file, workbook, |wb: &Xls<_>, name| {
        wb.merge_cells_by_sheet_name(name)
            .map(|v| v.iter().map(merge_of).collect())
            .unwrap_or_default()
    })
}

fn merge_of(d: &calamine::Dimensions) -> Merge {
    Merge {
        r0: d.start.0,
        c0: d.start.1,
        r1: d.end.0,
        c1: d.end.1,
    }
}

/// Xls and Ods load whole sheets: calamine builds every sheet as a dense range while the
/// workbook is opened, so their size is measured before (`prescan`, see the crate
/// documentation) and oversized workbooks never get here. What is copied into the grid is bounded: a range declaring more than [`MAX_ROWS`] × [`MAX_COLS`] is
/// noted as capped (`import.sheet_too_large`, as for xlsx) and only its part within the cap is
/// visited, so a sheet with cells at A1 and IV65536 is not walked cell by cell.
fn read_generic<RS, R, F>(file: &str, mut workbook: R, merges: F) -> Result<Vec<Grid>, ExcelError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
    F: Fn(&R, &str) -> Vec<Merge>,
{
    let mut grids = Vec::new();
    for name in workbook.sheet_names() {
        if name == FINDINGS_SHEET {
            continue;
        }
        let mut grid = Grid {
            name: name.clone(),
            ..Grid::default()
        };
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| damaged(file, format!("工作表“{name}”无法读取：{e}")))?;
        copy_capped(&mut grid, &range);
        drop(range);
        // Formulas are optional: a reader that cannot give them still gives the values.
        if let Ok(formulas) = workbook.worksheet_formula(&name) {
            copy_formulas_capped(&mut grid, &formulas);
        }
        grid.merges = merges(&workbook, &name);
        grids.push(grid);
    }
    Ok(grids)
}

/// The part of a range within the cap, as (row, column) of its top-left cell and the number of
/// rows and columns to visit; notes the cap on the grid when the range declares more.
fn capped_window<T>(grid: &mut Grid, range: &Range<T>) -> Option<(u32, u32, usize, usize)>
where
    T: calamine::CellType,
{
    let ((r0, c0), (r1, c1)) = (range.start()?, range.end()?);
    if r1 >= MAX_ROWS || c1 >= MAX_COLS {
        grid.note_cap(r1, c1);
    }
    if r0 >= MAX_ROWS || c0 >= MAX_COLS {
        return None;
    }
    let (height, width) = range.get_size();
    let rows = height.min((MAX_ROWS - r0) as usize);
    let cols = width.min((MAX_COLS - c0) as usize);
    Some((r0, c0, rows, cols))
}

/// Copies the values of a dense range into the grid, visiting only the part within the cap.
fn copy_capped(grid: &mut Grid, range: &Range<Data>) {
    let Some((r0, c0, rows, cols)) = capped_window(grid, range) else {
        return;
    };
    for (i, row) in range.rows().take(rows).enumerate() {
        for (j, value) in row.iter().take(cols).enumerate() {
            if *value == Data::Empty {
                continue;
            }
            grid.insert(r0 + i as u32, c0 + j as u32, raw_of_data(value), None);
        }
    }
}

/// Adds the formulas of a dense range to the grid's cells, within the cap.
fn copy_formulas_capped(grid: &mut Grid, formulas: &Range<String>) {
    let Some((r0, c0, rows, cols)) = capped_window(grid, formulas) else {
        return;
    };
    for (i, row) in formulas.rows().take(rows).enumerate() {
        for (j, text) in row.iter().take(cols).enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            let (r, c) = (r0 + i as u32, c0 + j as u32);
            let value = grid
                .get(r, c)
                .map(|cell| cell.value.clone())
                .unwrap_or(Raw::Empty);
            grid.insert(r, c, value, Some(text.trim_start_matches('=').to_string()));
        }
    }
}

fn read_xlsx(file: &str, mut workbook: Xlsx<Cursor<&[u8]>>) -> Result<Vec<Grid>, ExcelError> {
    let names = workbook.sheet_names();
    let mut grids = Vec::new();
    for name in names {
        if name == FINDINGS_SHEET {
            continue;
        }
        let mut grid = Grid {
            name: name.clone(),
            ..Grid::default()
        };
        {
            let mut reader = match workbook.worksheet_cells_reader(&name) {
                Ok(r) => r,
                // Chart sheets and dialog sheets have no cells: skip them.
                Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
                Err(e) => return Err(damaged(file, format!("工作表“{name}”无法读取：{e}"))),
            };
            let dims = reader.dimensions();
            if dims.end.0 >= MAX_ROWS || dims.end.1 >= MAX_COLS {
                grid.note_cap(dims.end.0, dims.end.1);
            }
            loop {
                match reader.next_cell_with_formula() {
                    Ok(Some(cell)) => {
                        let (r, c) = cell.pos;
                        grid.insert(r, c, raw_of_ref(&cell.value), cell.formula);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        return Err(damaged(file, format!("工作表“{name}”内容不完整：{e}")));
                    }
                }
            }
        }
        grid.merges = workbook
            .merge_cells_by_sheet_name(&name)
            .map(|v| v.iter().map(merge_of).collect())
            .unwrap_or_default();
        grids.push(grid);
    }
    Ok(grids)
}

fn raw_of_ref(value: &DataRef<'_>) -> Raw {
    match value {
        DataRef::Int(i) => Raw::Int(*i),
        DataRef::Float(f) => Raw::Number(*f),
        DataRef::String(s) => Raw::Text(s.clone()),
        DataRef::SharedString(s) => Raw::Text((*s).to_string()),
        DataRef::Bool(b) => Raw::Other(if *b { "TRUE" } else { "FALSE" }.into()),
        DataRef::DateTime(d) => raw_of_datetime(d),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Raw::Other(s.clone()),
        DataRef::Error(e) => Raw::Other(format!("{e}")),
        DataRef::Empty => Raw::Empty,
    }
}

pub fn raw_of_data(value: &Data) -> Raw {
    match value {
        Data::Int(i) => Raw::Int(*i),
        Data::Float(f) => Raw::Number(*f),
        Data::String(s) => Raw::Text(s.clone()),
        Data::Bool(b) => Raw::Other(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(d) => raw_of_datetime(d),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Raw::Other(s.clone()),
        Data::Error(e) => Raw::Other(format!("{e}")),
        Data::Empty => Raw::Empty,
    }
}

/// Days between Excel's 1900 and 1904 date systems.
const EPOCH_1904_OFFSET: f64 = 1_462.0;

/// A date cell as [`Raw::Date`] with its serial in the 1900 date system; a duration (`[h]:mm`)
/// is not a date and stays as written.
fn raw_of_datetime(d: &ExcelDateTime) -> Raw {
    if d.is_duration() {
        return Raw::Other(format!("{d}"));
    }
    let serial = d.as_f64();
    // calamine keeps the workbook's date system private; it is part of the value's equality.
    let is_1904 = *d == ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, true);
    Raw::Date(if is_1904 {
        serial + EPOCH_1904_OFFSET
    } else {
        serial
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_cells_become_dates_in_the_1900_system() {
        let d1900 = ExcelDateTime::new(45673.0, ExcelDateTimeType::DateTime, false);
        let d1904 = ExcelDateTime::new(44211.0, ExcelDateTimeType::DateTime, true);
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(raw_of_data(&Data::DateTime(d1900)), Raw::Date(45673.0));
        assert_eq!(raw_of_data(&Data::DateTime(d1904)), Raw::Date(45673.0));
        assert_eq!(raw_of_ref(&DataRef::DateTime(d1904)), Raw::Date(45673.0));
        assert_eq!(
            raw_of_data(&Data::DateTime(duration)),
            Raw::Other("1.5".into())
        );
    }

    #[test]
    fn a_dense_range_declaring_more_than_the_cap_is_capped_and_read_within_it() {
        // A range reaching past the cap (its cells beyond the cap blank, as in a sheet whose
        // size is declared by formatting): the grid says so and keeps what is within.
        let mut range: Range<Data> =
            Range::new((MAX_ROWS - 10, MAX_COLS - 10), (MAX_ROWS + 5, MAX_COLS + 5));
        range.set_value((MAX_ROWS - 5, MAX_COLS - 5), Data::Int(7));
        range.set_value((MAX_ROWS - 1, MAX_COLS - 1), Data::String("末".into()));
        let mut formulas: Range<String> =
            Range::new((MAX_ROWS - 10, MAX_COLS - 10), (MAX_ROWS + 5, MAX_COLS + 5));
        formulas.set_value((MAX_ROWS - 5, MAX_COLS - 5), "=A1+B1".into());
        formulas.set_value((MAX_ROWS + 1, MAX_COLS + 1), "=A1".into());
        let mut grid = Grid::default();
        copy_capped(&mut grid, &range);
        copy_formulas_capped(&mut grid, &formulas);
        assert_eq!(grid.capped, Some((MAX_ROWS + 6, MAX_COLS + 6)));
        assert_eq!(grid.cells.len(), 2);
        assert_eq!(
            grid.get(MAX_ROWS - 5, MAX_COLS - 5),
            Some(&RawCell {
                value: Raw::Int(7),
                formula: Some("A1+B1".into())
            })
        );
        assert_eq!(grid.text(MAX_ROWS - 1, MAX_COLS - 1), "末");

        // A range that lies wholly beyond the cap is noted and not visited.
        let far: Range<Data> = Range::new((MAX_ROWS + 100, 0), (MAX_ROWS + 101, 1));
        let mut grid = Grid::default();
        copy_capped(&mut grid, &far);
        assert_eq!(grid.capped, Some((MAX_ROWS + 102, 2)));
        assert!(grid.cells.is_empty());
    }
}
