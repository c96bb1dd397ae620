//! A look at an `.xls` or `.ods` file's sheet sizes *before* calamine opens it.
//!
//! calamine parses these formats whole while the workbook is opened and builds every sheet as a
//! dense range from its first to its last non-empty cell (values and formulas separately), after
//! collecting the cells in a list; an `.xls` sheet with cells at A1 and IV65536 is 16.7 million
//! cells (about 1 GiB at peak), an `.ods` row repeated a million times is as much. This module
//! walks the same records calamine 0.38 walks, with the same rules for which cells it keeps, and
//! adds up what calamine would allocate: each sheet's dense value range, its dense formula range
//! and its list of cells. A workbook whose load exceeds [`MAX_LOAD_CELLS`] (or a sheet declaring
//! a size beyond what an `.xls` sheet can have) is refused with
//! [`ExcelError::SheetsTooLarge`] before calamine allocates anything.
//!
//! Every read is bounds-checked and all work is bounded by the input's size. A file whose
//! structure cannot be followed here is refused as damaged: calamine reads the same structures,
//! so a file that cannot be measured is not handed to it.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use crate::ExcelError;
use crate::sheet::{MAX_COLS, MAX_ROWS};
use crate::value::a1;

/// The most cells calamine may be made to allocate for one workbook (dense value ranges, dense
/// formula ranges and cell lists of all sheets together): four times the part of a sheet that
/// is read ([`MAX_ROWS`] × [`MAX_COLS`]), some 130–220 MB at 32–56 bytes a cell.
pub const MAX_LOAD_CELLS: u64 = MAX_ROWS as u64 * MAX_COLS as u64 * 4;

/// The largest size an `.xls` sheet may declare in its DIMENSIONS record (the whole BIFF8 grid).
/// calamine reserves (but does not touch) a cell list of that size, so only the address space is
/// spent; a larger declaration is hostile (and can abort the process).
const MAX_XLS_DECLARED_CELLS: u64 = 65_536 * 256;

/// Most bytes of `content.xml` (inflated) read from an `.ods` file.
pub const MAX_ODS_CONTENT_BYTES: u64 = 256 * 1024 * 1024;

/// Most bytes of BIFF records walked for all the sheets of one `.xls` file (sheets may share
/// records; this bounds the time spent on a file with very many sheets).
const MAX_XLS_WALK_BYTES: usize = 256 * 1024 * 1024;

/// The row and column range of a sheet's non-empty cells, zero-based, inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Extent {
    bounds: Option<(u64, u64, u64, u64)>,
}

impl Extent {
    fn add(&mut self, r: u64, c: u64) {
        self.add_span(r, r, c, c);
    }

    fn add_span(&mut self, r0: u64, r1: u64, c0: u64, c1: u64) {
        self.bounds = Some(match self.bounds {
            None => (r0, r1, c0, c1),
            Some((a0, a1, b0, b1)) => (a0.min(r0), a1.max(r1), b0.min(c0), b1.max(c1)),
        });
    }

    fn rows(&self) -> u64 {
        self.bounds
            .map_or(0, |(r0, r1, _, _)| r1.saturating_sub(r0).saturating_add(1))
    }

    fn cols(&self) -> u64 {
        self.bounds
            .map_or(0, |(_, _, c0, c1)| c1.saturating_sub(c0).saturating_add(1))
    }

    /// Cells of the dense range calamine builds for this extent.
    fn cells(&self) -> u64 {
        self.rows().saturating_mul(self.cols())
    }

    /// `A1:IV65536（65,536 行 × 256 列）`.
    fn describe(&self) -> String {
        let Some((r0, r1, c0, c1)) = self.bounds else {
            return "空".into();
        };
        let cell = |r: u64, c: u64| a1(clamp_u32(r), clamp_u32(c));
        format!(
            "{}:{}（{} 行 × {} 列）",
            cell(r0, c0),
            cell(r1, c1),
            thousands(self.rows()),
            thousands(self.cols())
        )
    }
}

fn clamp_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `16777216` → `16,777,216`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// What calamine would allocate for one sheet.
#[derive(Debug, Clone, Default)]
struct SheetLoad {
    /// `工作表“表三”` or `第 2 个工作表`.
    label: String,
    values: Extent,
    formulas: Extent,
    /// Cells calamine collects before building the dense ranges.
    listed: u64,
}

impl SheetLoad {
    fn load(&self) -> u64 {
        self.values
            .cells()
            .saturating_add(self.formulas.cells())
            .saturating_add(self.listed)
    }

    /// The sheet's extent for a message: its values, or its formulas if they reach further.
    fn describe(&self) -> String {
        let extent = if self.formulas.cells() > self.values.cells() {
            &self.formulas
        } else {
            &self.values
        };
        if extent.cells() >= self.listed {
            format!(
                "的数据范围为 {}，共 {} 个单元格",
                extent.describe(),
                thousands(extent.cells())
            )
        } else {
            format!("含有 {} 个单元格记录", thousands(self.listed))
        }
    }
}

fn sheet_label(index: usize, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => format!("工作表“{n}”"),
        _ => format!("第 {} 个工作表", index + 1),
    }
}

fn too_large(file: &str, detail: String) -> ExcelError {
    ExcelError::SheetsTooLarge {
        file: file.to_string(),
        detail,
    }
}

fn damaged(file: &str, detail: impl Into<String>) -> ExcelError {
    ExcelError::Damaged {
        file: file.to_string(),
        detail: detail.into(),
    }
}

/// Refuses the workbook when a sheet, or all sheets together, would make calamine allocate more
/// than [`MAX_LOAD_CELLS`] cells.
fn judge(file: &str, sheets: &[SheetLoad]) -> Result<(), ExcelError> {
    if let Some(sheet) = sheets.iter().max_by_key(|s| s.load())
        && sheet.load() > MAX_LOAD_CELLS
    {
        return Err(too_large(
            file,
            format!(
                "中{}{}（上限 {} 个）",
                sheet.label,
                sheet.describe(),
                thousands(MAX_LOAD_CELLS)
            ),
        ));
    }
    let total = sheets
        .iter()
        .fold(0u64, |acc, s| acc.saturating_add(s.load()));
    if total > MAX_LOAD_CELLS {
        return Err(too_large(
            file,
            format!(
                "的 {} 个工作表合计约 {} 个单元格（上限 {} 个）",
                sheets.len(),
                thousands(total),
                thousands(MAX_LOAD_CELLS)
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// .xls: the compound file, read as calamine reads it
// ---------------------------------------------------------------------------------------------

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([
        *b.first()?,
        *b.get(1)?,
        *b.get(2)?,
        *b.get(3)?,
    ]))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let lo = u32_at(data, at)?;
    let hi = u32_at(data, at.checked_add(4)?)?;
    Some(u64::from(lo) | (u64::from(hi) << 32))
}

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;

/// The sectors of a compound file, as calamine's own reader addresses them: sector `id` starts
/// `header + id × size` bytes into the file; a sector cut short by the end of the file is short.
struct Sectors<'a> {
    data: &'a [u8],
    size: usize,
    maxid: u32,
}

impl<'a> Sectors<'a> {
    fn get(&self, id: u32) -> Option<&'a [u8]> {
        if id > self.maxid {
            return None;
        }
        let start = (id as usize).checked_mul(self.size)?;
        let end = start.checked_add(self.size)?.min(self.data.len());
        Some(self.data.get(start..end).unwrap_or(&[]))
    }

    /// A chain of sectors, at most `len` bytes. A chain longer than there are sectors loops
    /// (calamine would follow it without end) and is refused.
    fn chain(&self, mut id: u32, fat: &[u32], len: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut steps = 0u64;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > u64::from(self.maxid) + 2 {
                return None;
            }
            let sector = self.get(id)?;
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(sector.get(..take)?);
            if out.len() >= len {
                break;
            }
            id = *fat.get(id as usize)?;
        }
        Some(out)
    }
}

fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .filter_map(|b| b.try_into().ok().map(u32::from_le_bytes))
}

fn u16s(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .filter_map(|b| b.try_into().ok().map(u16::from_le_bytes))
}

/// The streams calamine may read as the workbook: the first directory entry named `Workbook`,
/// else the first named `Book` (any case), found by scanning the directory as calamine does.
/// `None` when the container cannot be followed.
fn workbook_stream(bytes: &[u8]) -> Option<Option<Vec<u8>>> {
    let header = bytes.get(..512)?;
    let (size, header_len) = match u16_at(header, 30)? {
        0x0009 => (512usize, 512usize),
        0x000C => (4096, 4096),
        _ => return None,
    };
    if u16_at(header, 32)? != 0x0006 {
        return None;
    }
    let version = u16_at(header, 26)?;
    let dir_start = u32_at(header, 48)?;
    let mini_fat_start = u32_at(header, 60)?;
    let mini_fat_len = u32_at(header, 64)? as usize;
    let mut difat_start = u32_at(header, 68)?;
    let sectors = Sectors {
        data: bytes.get(header_len..)?,
        size,
        maxid: u32::try_from(bytes.len() / size).ok()?,
    };

    let mut difat: Vec<u32> = u32s(header.get(76..512)?).collect();
    let mut difat_sectors = 0u64;
    while difat_start < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > u64::from(sectors.maxid) + 1 {
            return None;
        }
        let sector = sectors.get(difat_start)?;
        if !sector.len().is_multiple_of(4) {
            return None;
        }
        difat.extend(u32s(sector));
        difat_start = difat.pop()?;
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        let sector = sectors.get(id)?;
        if !sector.len().is_multiple_of(4) {
            return None;
        }
        fat.extend(u32s(sector));
    }

    let dirs = sectors.chain(dir_start, &fat, usize::MAX)?;
    let entries: Vec<(String, u32, u64)> = dirs
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = u16s(e.get(..64).unwrap_or(&[])).collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(l) = name.find('\0') {
                name.truncate(l);
            }
            let start = u32_at(e, 116).unwrap_or(ENDOFCHAIN);
            let len = if size == 512 {
                u64::from(u32_at(e, 120).unwrap_or(0))
            } else {
                u64_at(e, 120).unwrap_or(0)
            };
            (name, start, len)
        })
        .collect();
    let root = entries.first()?;
    if version != 3 && root.1 == ENDOFCHAIN {
        return None;
    }
    let entry = entries
        .iter()
        .find(|e| e.0.eq_ignore_ascii_case("Workbook"))
        .or_else(|| entries.iter().find(|e| e.0.eq_ignore_ascii_case("Book")));
    let Some(&(_, start, len)) = entry else {
        return Some(None);
    };
    // A stream cannot hold more than the file: a larger length only bounds the chain.
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if len < 4096 {
        let ministream = sectors.chain(root.1, &fat, usize::try_from(root.2).ok()?)?;
        let minifat_bytes = sectors.chain(mini_fat_start, &fat, mini_fat_len.checked_mul(size)?)?;
        if mini_fat_len == 0 || !minifat_bytes.len().is_multiple_of(4) {
            return None;
        }
        let minifat: Vec<u32> = u32s(&minifat_bytes).collect();
        let minis = Sectors {
            data: &ministream,
            size: 64,
            maxid: u32::try_from(ministream.len() / 64).ok()?,
        };
        Some(Some(minis.chain(start, &minifat, len)?))
    } else {
        Some(Some(sectors.chain(start, &fat, len)?))
    }
}

// ---------------------------------------------------------------------------------------------
// .xls: the BIFF records
// ---------------------------------------------------------------------------------------------

/// BIFF records as calamine iterates them: `[type u16][length u16][data]`, CONTINUE records
/// (0x003C) after a record belonging to it. `None` at the end or at a truncated record.
struct Records<'a> {
    stream: &'a [u8],
    walked: usize,
}

impl<'a> Records<'a> {
    fn new(stream: &'a [u8]) -> Self {
        Records { stream, walked: 0 }
    }

    fn next_record(&mut self) -> Option<(u16, &'a [u8])> {
        let typ = u16_at(self.stream, 0)?;
        let len = usize::from(u16_at(self.stream, 2)?);
        let data = self.stream.get(4..4 + len)?;
        self.stream = self.stream.get(4 + len..)?;
        self.walked += 4 + len;
        while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
            let len = usize::from(u16_at(self.stream, 2)?);
            self.stream = self.stream.get(4 + len..)?;
            self.walked += 4 + len;
        }
        Some((typ, data))
    }
}

/// A sheet's name from its BoundSheet8 record data (after the 6 leading bytes), best effort.
fn bound_sheet_name(data: &[u8], biff8: bool) -> Option<String> {
    let cch = usize::from(*data.first()?);
    if biff8 {
        let high = data.get(1)? & 1 == 1;
        let chars = data.get(2..)?;
        if high {
            let units: Vec<u16> = u16s(chars.get(..cch.checked_mul(2)?)?).collect();
            Some(String::from_utf16_lossy(&units))
        } else {
            Some(chars.get(..cch)?.iter().map(|&b| char::from(b)).collect())
        }
    } else {
        // BIFF5 names are in the workbook's code page; only ASCII is shown as is.
        let name = data.get(1..1 + cch)?;
        name.is_ascii()
            .then(|| String::from_utf8_lossy(name).into_owned())
    }
    .map(|n| n.replace('\0', ""))
}

/// The cell list and ranges calamine 0.38 builds for the sheet substream at `pos`
/// (`Xls::parse_workbook`): values from NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, MULRK,
/// FORMULA and STRING records; formulas from FORMULA records. BLANK and MULBLANK records are not
/// kept by calamine and cost nothing. Records of nested substreams (charts) are skipped, as
/// calamine skips them.
fn xls_sheet(
    file: &str,
    stream: &[u8],
    pos: usize,
    load: &mut SheetLoad,
) -> Result<usize, ExcelError> {
    let Some(sheet) = stream.get(pos..) else {
        return Err(damaged(file, "工作表位置超出文件范围"));
    };
    let mut records = Records::new(sheet);
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut formula_at = (0u64, 0u64);
    while let Some((typ, data)) = records.next_record() {
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => (),
            }
            continue;
        }
        let row_col = || Some((u64::from(u16_at(data, 0)?), u64::from(u16_at(data, 2)?)));
        match typ {
            0x0809 => {
                if seen_bof {
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            0x000A => break,
            // DIMENSIONS: calamine reserves a cell list of the declared size.
            0x0200 => {
                let (r0, r1, c0, c1) = match data.len() {
                    10 => (
                        u32::from(u16_at(data, 0).unwrap_or(0)),
                        u32::from(u16_at(data, 2).unwrap_or(0)),
                        u32::from(u16_at(data, 4).unwrap_or(0)),
                        u32::from(u16_at(data, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u32_at(data, 0).unwrap_or(0),
                        u32_at(data, 4).unwrap_or(0),
                        u32::from(u16_at(data, 8).unwrap_or(0)),
                        u32::from(u16_at(data, 10).unwrap_or(0)),
                    ),
                    _ => continue,
                };
                let c0 = if c0 > 0xFF || c1 < c0 { 0 } else { c0 };
                let declared = if r1 >= 1 && c1 >= 1 {
                    let rows = u64::from(r1).checked_sub(u64::from(r0));
                    let cols = u64::from(c1).checked_sub(u64::from(c0));
                    match (rows, cols) {
                        (Some(rows), Some(cols)) => rows.saturating_mul(cols),
                        _ => u64::MAX,
                    }
                } else {
                    1
                };
                if declared > MAX_XLS_DECLARED_CELLS {
                    let extent = Extent {
                        bounds: Some((
                            u64::from(r0),
                            u64::from(r1.max(r0.saturating_add(1)).saturating_sub(1)),
                            u64::from(c0),
                            u64::from(c1.max(c0.saturating_add(1)).saturating_sub(1)),
                        )),
                    };
                    return Err(too_large(
                        file,
                        format!(
                            "中{}声明的数据范围为 {}，超出 .xls 格式的最大范围（65,536 行 × 256 列）",
                            load.label,
                            extent.describe()
                        ),
                    ));
                }
            }
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                if let Some((r, c)) = row_col() {
                    load.values.add(r, c);
                    load.listed += 1;
                }
            }
            // STRING: the text result of the formula before it.
            0x0207 => {
                load.values.add(formula_at.0, formula_at.1);
                load.listed += 1;
            }
            // MULRK: row, first column, 6 bytes a cell, last column.
            0x00BD => {
                if let Some((r, c)) = row_col() {
                    let count = data.len().saturating_sub(6).div_ceil(6) as u64;
                    if count > 0 {
                        load.values.add_span(r, r, c, c + count - 1);
                        load.listed += count;
                    }
                }
            }
            0x0006 => {
                if let Some((r, c)) = row_col() {
                    formula_at = (r, c);
                    load.values.add(r, c);
                    load.formulas.add(r, c);
                    load.listed += 2;
                }
            }
            _ => (),
        }
    }
    Ok(records.walked)
}

/// Refuses an `.xls` (BIFF in a compound file) whose sheets calamine would build too large.
/// A compound file without a workbook stream is left to calamine (it reports it).
pub fn check_xls(file: &str, bytes: &[u8]) -> Result<(), ExcelError> {
    let Some(stream) = workbook_stream(bytes) else {
        return Err(damaged(file, "复合文档结构不完整或有循环引用"));
    };
    let Some(stream) = stream else {
        return Ok(());
    };

    // The workbook globals, up to their EOF: BOF (the BIFF version) and BoundSheet8 records.
    let mut biff8 = true;
    let mut sheets = Vec::new();
    let mut globals = Records::new(&stream);
    while let Some((typ, data)) = globals.next_record() {
        match typ {
            0x0809 => biff8 = u16_at(data, 0) == Some(0x0600),
            0x0085 => {
                if let Some(pos) = u32_at(data, 0) {
                    let name = data.get(6..).and_then(|d| bound_sheet_name(d, biff8));
                    sheets.push((pos as usize, name));
                }
            }
            0x000A => break,
            _ => (),
        }
    }

    let mut loads = Vec::with_capacity(sheets.len().min(1024));
    let mut walked = 0usize;
    for (index, (pos, name)) in sheets.into_iter().enumerate() {
        let mut load = SheetLoad {
            label: sheet_label(index, name.as_deref()),
            ..SheetLoad::default()
        };
        walked = walked.saturating_add(xls_sheet(file, &stream, pos, &mut load)?);
        if walked > MAX_XLS_WALK_BYTES {
            return Err(damaged(file, "工作表数量或结构异常"));
        }
        loads.push(load);
    }
    judge(file, &loads)
}

// ---------------------------------------------------------------------------------------------
// .ods: content.xml
// ---------------------------------------------------------------------------------------------

/// calamine's caps for an `.ods` table.
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;

/// Reads at most `left` bytes, then fails (and says so in `exceeded`).
struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.exceeded = true;
            return Err(std::io::Error::other("content.xml too large"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(buf.get_mut(..want).unwrap_or(&mut []))?;
        self.left -= n as u64;
        Ok(n)
    }
}

type OdsReader<'a> = quick_xml::Reader<BufReader<Capped<Box<dyn Read + 'a>>>>;

/// The value of an attribute given by its qualified name, as raw text.
fn attr<'b>(
    e: &'b BytesStart<'_>,
    name: &[u8],
) -> Result<Option<std::borrow::Cow<'b, [u8]>>, String> {
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| err.to_string())?;
        if a.key.as_ref() == name {
            return Ok(Some(a.value));
        }
    }
    Ok(None)
}

fn repeat_count(e: &BytesStart<'_>, name: &[u8]) -> Result<u64, String> {
    match attr(e, name)? {
        None => Ok(1),
        Some(v) => std::str::from_utf8(&v)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| format!("重复次数“{}”无效", String::from_utf8_lossy(&v))),
    }
}

/// What calamine makes of a cell element: does it hold a value, a formula, and does calamine read
/// its text content (which it ends at the first closing cell tag)?
fn ods_cell(e: &BytesStart<'_>) -> Result<(bool, bool, bool), String> {
    let mut value_set = false;
    let mut is_string = false;
    let mut is_error = false;
    let mut empty_string = false;
    let mut formula = false;
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| err.to_string())?;
        match a.key.as_ref() {
            b"office:value" | b"office:boolean-value" if !value_set => value_set = true,
            b"office:string-value" | b"office:date-value" | b"office:time-value" if !value_set => {
                value_set = true;
                empty_string = a.key.as_ref() == b"office:string-value" && a.value.is_empty();
            }
            b"office:value-type" if !value_set => is_string = a.value.as_ref() == b"string",
            b"calcext:value-type" => is_error = a.value.as_ref() == b"error",
            b"table:formula" => formula = !a.value.is_empty(),
            _ => (),
        }
    }
    let reads_text = (!value_set && is_string) || (is_error && empty_string);
    Ok((value_set || is_string, formula, reads_text))
}

/// One table's load, following calamine's `read_table` / `read_row` / `get_range`.
#[derive(Default)]
struct OdsTable {
    load: SheetLoad,
    /// Rows so far (after calamine's cap on repeats).
    rows: u64,
}

impl OdsTable {
    /// Adds a row: `repeats` (before the cap), and the first and last stored column holding a
    /// value and a formula.
    fn add_row(
        &mut self,
        repeats: u64,
        values: Option<(u64, u64)>,
        formulas: Option<(u64, u64)>,
        stored: u64,
    ) {
        let repeats = repeats.min(ODS_MAX_ROWS.saturating_sub(self.rows));
        self.load.listed = self.load.listed.saturating_add(stored);
        if repeats > 0 {
            let (r0, r1) = (self.rows, self.rows + repeats - 1);
            if let Some((c0, c1)) = values {
                self.load.values.add_span(r0, r1, c0, c1);
            }
            if let Some((c0, c1)) = formulas {
                self.load.formulas.add_span(r0, r1, c0, c1);
            }
        } else {
            // A row kept with no repeats still widens the range calamine builds.
            let r = self.rows.saturating_sub(1);
            if let Some((c0, c1)) = values {
                self.load.values.add_span(r, r, c0, c1);
            }
            if let Some((c0, c1)) = formulas {
                self.load.formulas.add_span(r, r, c0, c1);
            }
        }
        self.rows += repeats;
    }
}

fn widen(span: &mut Option<(u64, u64)>, c0: u64, c1: u64) {
    *span = Some(match *span {
        None => (c0, c1),
        Some((a, b)) => (a.min(c0), b.max(c1)),
    });
}

/// Reads one row's cells (after its start tag), as calamine's `read_row`.
fn ods_row(reader: &mut OdsReader<'_>, table: &mut OdsTable, repeats: u64) -> Result<(), String> {
    let mut buf = Vec::new();
    let mut skip = Vec::new();
    let mut stored = 0u64;
    let mut pending_empty = 0u64;
    let mut values = None;
    let mut formulas = None;
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?
        {
            Event::Start(e)
                if matches!(
                    e.name().as_ref(),
                    b"table:table-cell" | b"table:covered-table-cell"
                ) =>
            {
                let count = repeat_count(&e, b"table:number-columns-repeated")?;
                let (has_value, has_formula, reads_text) = ods_cell(&e)?;
                stored += pending_empty.min(ODS_MAX_COLUMNS.saturating_sub(stored));
                pending_empty = 0;
                let count = count.min(ODS_MAX_COLUMNS.saturating_sub(stored));
                if !has_value && !has_formula {
                    pending_empty = count;
                } else if count > 0 {
                    if has_value {
                        widen(&mut values, stored, stored + count - 1);
                    }
                    if has_formula {
                        widen(&mut formulas, stored, stored + count - 1);
                    }
                    stored += count;
                }
                if reads_text {
                    skip_text_cell(reader, &mut skip)?;
                } else {
                    let name = e.name().as_ref().to_vec();
                    skip_element(reader, &name, &mut skip)?;
                }
            }
            Event::End(e) if e.name().as_ref() == b"table:table-row" => break,
            other => return Err(format!("表格行中出现意外内容（{other:?}）")),
        }
    }
    table.add_row(repeats, values, formulas, stored);
    Ok(())
}

/// Skips to the end of an element whose start tag was read, counting nested elements of the
/// same name (quick-xml's `read_to_end_into`, as calamine uses it).
fn skip_element(reader: &mut OdsReader<'_>, name: &[u8], buf: &mut Vec<u8>) -> Result<(), String> {
    let mut depth = 0u64;
    loop {
        buf.clear();
        match reader.read_event_into(buf).map_err(|e| e.to_string())? {
            Event::Start(e) if e.name().as_ref() == name => depth += 1,
            Event::End(e) if e.name().as_ref() == name => {
                if depth == 0 {
                    return Ok(());
                }
                depth -= 1;
            }
            Event::Eof => return Err("文件在单元格中途结束".into()),
            _ => (),
        }
    }
}

/// Skips a cell whose text calamine reads: up to the first closing cell tag, annotations
/// skipped whole.
fn skip_text_cell(reader: &mut OdsReader<'_>, buf: &mut Vec<u8>) -> Result<(), String> {
    loop {
        buf.clear();
        match reader.read_event_into(buf).map_err(|e| e.to_string())? {
            Event::End(e)
                if matches!(
                    e.name().as_ref(),
                    b"table:table-cell" | b"table:covered-table-cell"
                ) =>
            {
                return Ok(());
            }
            Event::Start(e) if e.name().as_ref() == b"office:annotation" => loop {
                buf.clear();
                match reader.read_event_into(buf).map_err(|e| e.to_string())? {
                    Event::End(e) if e.name().as_ref() == b"office:annotation" => break,
                    Event::Eof => return Err("文件在批注中途结束".into()),
                    _ => (),
                }
            },
            Event::Eof => return Err("文件在单元格中途结束".into()),
            _ => (),
        }
    }
}

/// The loads of the named tables of one `content.xml`, as calamine's `parse_content` reads them.
fn ods_tables(reader: &mut OdsReader<'_>, loads: &mut Vec<SheetLoad>) -> Result<(), String> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?
        {
            Event::Start(e) if e.name().as_ref() == b"table:table" => {
                let Some(name) = attr(&e, b"table:name")? else {
                    continue;
                };
                let name = String::from_utf8_lossy(&name).into_owned();
                let mut table = OdsTable {
                    load: SheetLoad {
                        label: sheet_label(loads.len(), Some(&name)),
                        ..SheetLoad::default()
                    },
                    rows: 0,
                };
                ods_table(reader, &mut table)?;
                loads.push(table.load);
                // Checked table by table, so that a hostile file is refused early.
                if loads
                    .iter()
                    .map(SheetLoad::load)
                    .fold(0u64, u64::saturating_add)
                    > MAX_LOAD_CELLS
                {
                    return Ok(());
                }
            }
            Event::Eof => return Ok(()),
            _ => (),
        }
    }
}

fn ods_table(reader: &mut OdsReader<'_>, table: &mut OdsTable) -> Result<(), String> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?
        {
            Event::Start(e) if e.name().as_ref() == b"table:table-row" => {
                let repeats = repeat_count(&e, b"table:number-rows-repeated")?;
                ods_row(reader, table, repeats)?;
                if table.load.load() > MAX_LOAD_CELLS {
                    return Ok(());
                }
            }
            Event::End(e) if e.name().as_ref() == b"table:table" => return Ok(()),
            // calamine would wait here for ever.
            Event::Eof => return Err("文件在工作表中途结束".into()),
            _ => (),
        }
    }
}

/// Refuses an `.ods` whose tables calamine would build too large. Every zip entry named
/// `content.xml` is measured (a zip may hold several; calamine reads one), at most
/// [`MAX_ODS_CONTENT_BYTES`] inflated in all.
pub fn check_ods(file: &str, bytes: &[u8]) -> Result<(), ExcelError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| damaged(file, format!("压缩包结构不完整（{e}）")))?;
    let mut budget = MAX_ODS_CONTENT_BYTES;
    let mut loads = Vec::new();
    let mut found = false;
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| damaged(file, format!("压缩包中的文件无法读取（{e}）")))?;
        if entry.name() != "content.xml" {
            continue;
        }
        found = true;
        let capped = Capped {
            inner: Box::new(entry) as Box<dyn Read>,
            left: budget,
            exceeded: false,
        };
        let mut reader = quick_xml::Reader::from_reader(BufReader::new(capped));
        let config = reader.config_mut();
        config.check_end_names = false;
        config.trim_text(false);
        config.check_comments = false;
        config.expand_empty_elements = true;
        let result = ods_tables(&mut reader, &mut loads);
        let capped = reader.get_ref().get_ref();
        if capped.exceeded {
            return Err(too_large(
                file,
                format!(
                    "的表格内容（content.xml）解压后超过 {} MiB",
                    MAX_ODS_CONTENT_BYTES / 1024 / 1024
                ),
            ));
        }
        budget = capped.left;
        if let Err(detail) = result {
            // The measure so far may already say why.
            judge(file, &loads)?;
            return Err(damaged(
                file,
                format!("表格内容（content.xml）无法解析：{detail}"),
            ));
        }
    }
    if !found {
        return Err(damaged(file, "缺少表格内容（content.xml）"));
    }
    judge(file, &loads)
}

/// Largest inflated size of one part of an `.xlsx` (a worksheet, the shared strings). A real
/// statistics workbook's parts are kilobytes; calamine reads some of them (the white space
/// between rows, the shared strings) into one buffer, so a small file that inflates to gigabytes
/// would take that much memory.
pub const MAX_XLSX_PART_BYTES: u64 = 128 * 1024 * 1024;

/// How many times its size Deflate can inflate data at most (258-byte matches for under two
/// bits each).
const DEFLATE_MAX_RATIO: u64 = 1032;

/// Refuses an `.xlsx` whose parts inflate beyond [`MAX_XLSX_PART_BYTES`] (a decompression bomb),
/// by inflating each XML part into nothing, never more than the limit plus one byte. A part
/// whose compressed size cannot inflate that far (readers take no more than the compressed size
/// from the archive) is not inflated: an ordinary workbook costs no inflating here at all.
pub fn check_xlsx(file: &str, bytes: &[u8]) -> Result<(), ExcelError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a readable zip: calamine reports it in its own words.
        return Ok(());
    };
    for i in 0..zip.len() {
        // The sizes and method come from the archive's directory: only a part that could pass
        // the limit is opened for inflating.
        let (name, most) = {
            let Ok(entry) = zip.by_index_raw(i) else {
                continue;
            };
            let most = match entry.compression() {
                zip::CompressionMethod::Stored => entry.compressed_size(),
                zip::CompressionMethod::Deflated => {
                    entry.compressed_size().saturating_mul(DEFLATE_MAX_RATIO)
                }
                _ => u64::MAX,
            };
            (entry.name().to_string(), most)
        };
        if !name.ends_with(".xml") || most <= MAX_XLSX_PART_BYTES {
            continue;
        }
        let Ok(entry) = zip.by_index(i) else {
            continue;
        };
        let mut capped = entry.take(MAX_XLSX_PART_BYTES + 1);
        let inflated = std::io::copy(&mut capped, &mut std::io::sink()).unwrap_or(0);
        if inflated > MAX_XLSX_PART_BYTES {
            return Err(ExcelError::InflatesTooLarge {
                file: file.to_string(),
                part: name,
                limit_mb: MAX_XLSX_PART_BYTES / (1024 * 1024),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extents_and_numbers_read_as_in_the_messages() {
        let mut e = Extent::default();
        e.add(0, 0);
        e.add(65_535, 255);
        assert_eq!(e.cells(), 16_777_216);
        assert_eq!(e.describe(), "A1:IV65536（65,536 行 × 256 列）");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
    }

    #[test]
    fn garbage_is_damaged_not_a_panic() {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.resize(600, 0xFF);
        assert!(matches!(
            check_xls("x.xls", &bytes),
            Err(ExcelError::Damaged { .. })
        ));
        for n in 0..bytes.len() {
            let _ = check_xls("x.xls", &bytes[..n]);
        }
        assert!(matches!(
            check_ods("x.ods", b"PK\x03\x04garbage"),
            Err(ExcelError::Damaged { .. })
        ));
    }

    #[test]
    fn truncated_records_end_the_walk() {
        let mut records = Records::new(&[0x03, 0x02, 0x0E, 0x00, 1, 2]);
        assert_eq!(records.next_record(), None);
        let mut records = Records::new(&[0x0A, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x09]);
        assert_eq!(records.next_record(), Some((0x000A, &[][..])));
    }
}
