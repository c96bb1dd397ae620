//! Opening a workbook and turning each worksheet into a bounded, sparse [`Grid`] of raw cells.
//!
//! Every byte of input is untrusted: the container is sniffed from its first bytes (never from
//! the file name), encrypted and non-spreadsheet files are refused with a clear message, sheets
//! are read only up to [`MAX_ROWS`] × [`MAX_COLS`], and any panic inside calamine is caught and
//! turned into an error.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsx};

use crate::ExcelError;

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
    /// A value that is neither a number nor text (date, boolean, error), as shown.
    Other(String),
}

/// One non-empty cell: its value and its formula (without `=`), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCell {
    pub value: Raw,
    pub formula: Option<String>,
}

/// A merged region, inclusive, zero-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub r0: u32,
    pub c0: u32,
    pub r1: u32,
    pub c1: u32,
}

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
        self.merges
            .iter()
            .copied()
            .find(|m| m.r0 <= r && r <= m.r1 && m.c0 <= c && c <= m.c1)
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
    match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => read_xlsx(file, workbook),
        Err(xlsx_err) => {
            // An OpenDocument spreadsheet is a zip too; its first entry names its type.
            if bytes
                .windows(b"opendocument.spreadsheet".len())
                .take(200)
                .any(|w| w == b"opendocument.spreadsheet")
            {
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

/// Xls and Ods load whole sheets; their sizes are bounded by the format (xls: 65,536 × 256) or
/// by calamine's own cap on repeated rows (ods). Cells beyond the cap are dropped here.
fn read_generic<RS, R, F>(file: &str, mut workbook: R, merges: F) -> Result<Vec<Grid>, ExcelError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
    F: Fn(&R, &str) -> Vec<Merge>,
{
    let mut grids = Vec::new();
    for name in workbook.sheet_names() {
        let mut grid = Grid {
            name: name.clone(),
            ..Grid::default()
        };
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| damaged(file, format!("工作表“{name}”无法读取：{e}")))?;
        // Formulas are optional: a reader that cannot give them still gives the values.
        let formulas = workbook.worksheet_formula(&name).ok();
        if let Some((r0, c0)) = range.start() {
            for (r, c, value) in range.used_cells() {
                let (r, c) = (r0 + r as u32, c0 + c as u32);
                grid.insert(r, c, raw_of_data(value), None);
            }
        }
        if let Some(formulas) = formulas
            && let Some((r0, c0)) = formulas.start()
        {
            for (r, c, text) in formulas.used_cells() {
                let (r, c) = (r0 + r as u32, c0 + c as u32);
                if text.trim().is_empty() {
                    continue;
                }
                let value = grid
                    .get(r, c)
                    .map(|cell| cell.value.clone())
                    .unwrap_or(Raw::Empty);
                grid.insert(r, c, value, Some(text.trim_start_matches('=').to_string()));
            }
        }
        grid.merges = merges(&workbook, &name);
        grids.push(grid);
    }
    Ok(grids)
}

fn read_xlsx(file: &str, mut workbook: Xlsx<Cursor<&[u8]>>) -> Result<Vec<Grid>, ExcelError> {
    let names = workbook.sheet_names();
    let mut grids = Vec::new();
    for name in names {
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
        DataRef::DateTime(d) => Raw::Other(format!("{d}")),
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
        Data::DateTime(d) => Raw::Other(format!("{d}")),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Raw::Other(s.clone()),
        Data::Error(e) => Raw::Other(format!("{e}")),
        Data::Empty => Raw::Empty,
    }
}
