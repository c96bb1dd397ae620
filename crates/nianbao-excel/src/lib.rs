//! Excel side of nianbao (年报): reads the statistics tables 2–4 of a 政府信息公开工作年度报告
//! from an office's own workbook, and writes the official-layout workbook.
//!
//! # Import
//!
//! [`import_workbook`] / [`import_workbook_bytes`] accept `.xlsx`, `.xls` (old GBK files too),
//! `.ods` and WPS `.et` files that are xls/xlsx inside; the container is recognised from the
//! bytes, not the name. Tables are found by their labels, never by fixed positions
//! (`import` module): row labels and column headers are matched after
//! [`nianbao_model::text::normalize_label`] with the aliases of the [`Format`], in any sheet,
//! in any order, starting anywhere. A positional table
//! ([`TableSpec::is_positional`](nianbao_model::format::TableSpec::is_positional): table 4, which
//! has no row labels) is found by its block headers (行政复议 / 未经复议直接起诉 / 复议后起诉) and
//! their field headers.
//!
//! Every value keeps its provenance (`统计表.xlsx › 表三 › F12`). Blank and `/`-like cells are
//! [`CellValue::Empty`](nianbao_model::CellValue::Empty), other text that is not a number is
//! [`CellValue::Unreadable`](nianbao_model::CellValue::Unreadable); the validator reports both.
//! Text is read for the kind of its field ([`parse_value_text`](nianbao_model::report::parse_value_text)):
//! `1.2万元` is 1.2 in the 万元 amount cell, `12元` there and `3万元` in a count cell are
//! unreadable. Numbers beyond [`MAX_ABS_VALUE`](nianbao_model::report::MAX_ABS_VALUE), typed or
//! recomputed, are unreadable too, and every sum is checked, so no value overflows. A date cell
//! is a date: 成文日期 in `基本信息` becomes `2025-01-16`, and a date in a table cell is unreadable,
//! shown as the date (`2025-01-16`), not as Excel's serial number.
//! The importer's own findings have rule ids `import.*`:
//! `import.table_missing`, `import.row_missing`, `import.column_missing`, `import.row_ignored`,
//! `import.duplicate_table`, `import.formula_recomputed`, `import.formula_no_value`,
//! `import.legacy_2019`, `import.legacy_mapped`, `import.legacy_unmapped` (the 2019 layout,
//! reported by `nianbao_model::legacy` as for documents), `import.sheet_too_large`,
//! `import.two_years` (sheets of two report years: the one asked for is read, or an error).
//!
//! Importing never panics: only a regular file is read ([`nianbao_fs::read_regular`]: a FIFO or
//! device named as the workbook is refused for what it is, without blocking), sizes are capped
//! (5,000 rows × 200 columns a sheet, 64 MiB a file),
//! the xlsx cells are streamed rather than loaded as a dense range, and calamine runs under
//! `catch_unwind`. Files that cannot be read give one [`ExcelError`] naming the file.
//!
//! **`.xls` and `.ods`:** calamine parses these formats whole while the workbook is opened and
//! keeps each sheet as a *dense* range from its first to its last non-empty cell, before this
//! crate can see the sheet's size (an `.xls` sheet with cells at A1 and IV65536, a 2.5 KB file,
//! is 65,536 × 256 ≈ 16.7 million cells: about 1 GiB at peak; an `.ods` row of values repeated
//! a million times, under 1 KB, as much). So the file is measured first (`prescan` module): the
//! `.xls` workbook stream is located in the compound file as calamine locates it and its BIFF
//! records walked sheet by sheet, the `.ods` `content.xml` is streamed (at most
//! [`MAX_ODS_CONTENT_BYTES`] inflated) taking row and column repeats into account, with
//! calamine's rules for which cells it keeps. A workbook that would make calamine allocate more
//! than [`MAX_LOAD_CELLS`] cells (dense value and formula ranges and cell lists of all sheets
//! together), or an `.xls` sheet declaring more than the format's 65,536 × 256, is refused with
//! [`ExcelError::SheetsTooLarge`] naming the sheet and its range, before calamine allocates
//! (refusing the two files above peaks at about 12 MB; what is let through costs calamine at
//! most about 250 MB: 4 million cells of 32–56 bytes, and one sheet's copy). Within that bound the cap applies as for xlsx: a
//! range larger than 5,000 × 200 gives `import.sheet_too_large` and only its part within the cap
//! is visited.
//!
//! # Export
//!
//! [`write_template`] and [`write_report_workbook`] draw each table from
//! [`TableSpec::layout`](nianbao_model::format::TableSpec::layout)'s data (cells, merges, value
//! runs) on a sheet of its own (`表二`, `表三`, `表四`), after a `基本信息` sheet.
//! [`write_findings_workbook`] writes a report's findings as a printable 问题清单 (the
//! `findings` module: one row layout for every place findings are written). Totals are
//! formulas with cached results, derived from the format's equality rules. Output bytes are
//! deterministic.

mod findings;
mod import;
mod prescan;
mod sheet;
mod value;
mod write;

use std::path::Path;

use nianbao_model::{Finding, Format, Report};

pub use findings::{
    FINDING_HEADERS, FINDING_WIDTHS, finding_row, severity_color, wrapped_row_height,
    write_findings_workbook,
};
pub use import::{FINDINGS_SHEET, META_LABELS, META_SHEET};
pub use prescan::{MAX_LOAD_CELLS, MAX_ODS_CONTENT_BYTES};
pub use sheet::{MAX_COLS, MAX_FILE_BYTES, MAX_ROWS};
pub use write::{MAX_CELL_CHARS, cell_text, write_report_workbook, write_template};

/// What a workbook gave: the report's values (and metadata, if the workbook has a `基本信息`
/// sheet) and the findings of the import itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub report: Report,
    pub findings: Vec<Finding>,
}

/// Why a workbook could not be read or written. Every message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ExcelError {
    #[error("无法读取文件“{file}”：{reason}")]
    Io { file: String, reason: String },
    #[error(
        "“{file}”不是电子表格文件（{what}），请用 Excel 或 WPS 打开原表格后另存为 .xlsx 格式再导入"
    )]
    NotSpreadsheet { file: String, what: String },
    #[error(
        "“{file}”设置了打开密码（已加密），无法读取；请在 Excel 或 WPS 中取消密码后另存为 .xlsx 格式再导入"
    )]
    Encrypted { file: String },
    #[error(
        "“{file}”已损坏或不完整（{detail}），请重新导出，或用 Excel、WPS 打开后另存为 .xlsx 格式再导入"
    )]
    Damaged { file: String, detail: String },
    #[error("“{file}”是 WPS 表格专有格式（.et），无法直接读取；请在 WPS 中另存为 .xlsx 格式再导入")]
    UnsupportedEt { file: String },
    #[error(
        "“{file}”过大（{size} 字节，上限 {limit} 字节），不像是统计表；请只保留统计表所在的工作表后另存"
    )]
    TooLarge {
        file: String,
        size: usize,
        limit: usize,
    },
    /// An `.xls` or `.ods` file whose sheets the reader would have to build too large (see the
    /// crate documentation); refused before the reader allocates.
    #[error(
        "“{file}”{detail}，读取时将占用过多内存，未予导入；请删除统计表以外远处的零散单元格（或多余的行、列、工作表）后重新保存，或另存为 .xlsx 格式后再导入"
    )]
    SheetsTooLarge { file: String, detail: String },
    /// An `.xlsx` whose XML part inflates far beyond any real workbook (a decompression bomb).
    #[error(
        "“{file}”中的“{part}”解压后超过 {limit_mb} MB，远大于正常统计表，可能已损坏或被恶意构造，未予导入；请用 Excel 或 WPS 打开原表格后另存为新的 .xlsx 文件再导入"
    )]
    InflatesTooLarge {
        file: String,
        part: String,
        limit_mb: u64,
    },
    /// A text longer than one Excel cell holds ([`MAX_CELL_CHARS`]).
    #[error(
        "{what}过长（{chars} 个字符），超过 Excel 单元格的上限（32,767 个字符），无法生成统计表；请核对{what}是否填写正确"
    )]
    CellTooLong { what: String, chars: usize },
    #[error("生成 Excel 工作簿失败（内部错误：{0}）")]
    Write(String),
}

/// Reads tables 2–4 (and the metadata sheet, if present) from a workbook file. Findings name
/// the file by its file name.
pub fn import_workbook(path: &Path, format: &Format) -> Result<Imported, ExcelError> {
    let (display_name, bytes) = read_workbook_file(path)?;
    import_workbook_bytes(&display_name, &bytes, format)
}

/// One sheet's cells as text (numbers as written), row by row; blank cells are empty strings.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetTexts {
    pub name: String,
    /// (0-based row, the row's cells from column A to its last non-blank cell).
    pub rows: Vec<(u32, Vec<String>)>,
}

/// Every sheet of a workbook as text, with the importer's guards (a regular file, size and
/// sheet caps, calamine contained): for lists kept in a workbook, such as a 政务公开办's roster
/// of units.
pub fn read_sheet_texts(path: &Path) -> Result<Vec<SheetTexts>, ExcelError> {
    let (display_name, bytes) = read_workbook_file(path)?;
    let grids = sheet::read_grids(&display_name, &bytes)?;
    Ok(grids
        .iter()
        .map(|grid| {
            let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
            for &(r, c) in grid.cells.keys() {
                let text = grid.text(r, c);
                if text.trim().is_empty() {
                    continue;
                }
                if rows.last().is_none_or(|(last, _)| *last != r) {
                    rows.push((r, Vec::new()));
                }
                if let Some((_, cells)) = rows.last_mut() {
                    let c = c as usize;
                    if cells.len() <= c {
                        cells.resize(c + 1, String::new());
                    }
                    cells[c] = text;
                }
            }
            SheetTexts {
                name: grid.name.clone(),
                rows,
            }
        })
        .collect())
}

/// A workbook file's name as findings show it and its bytes, read the one way every input is
/// read: a regular file only, with the [`MAX_FILE_BYTES`] bound, so a FIFO or `/dev/zero` named
/// as the workbook is refused for what it is instead of blocking or filling memory.
pub fn read_workbook_file(path: &Path) -> Result<(String, Vec<u8>), ExcelError> {
    let display_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = nianbao_fs::read_regular(path, MAX_FILE_BYTES as u64).map_err(|e| match e {
        nianbao_fs::InputError::TooLarge { size, .. } => ExcelError::TooLarge {
            file: display_name.clone(),
            size: size
                .and_then(|s| usize::try_from(s).ok())
                .unwrap_or(MAX_FILE_BYTES + 1),
            limit: MAX_FILE_BYTES,
        },
        other => ExcelError::Io {
            file: display_name.clone(),
            reason: other.reason(),
        },
    })?;
    Ok((display_name, bytes))
}

/// Reads tables 2–4 (and the metadata sheet, if present) from a workbook given as bytes.
/// `display_name` is how the file is named in findings (e.g. `统计表.xlsx`).
pub fn import_workbook_bytes(
    display_name: &str,
    bytes: &[u8],
    format: &Format,
) -> Result<Imported, ExcelError> {
    import_workbook_bytes_for_year(display_name, bytes, format, None)
}

/// [`import_workbook_bytes`] for the report of `year` when the caller knows it (`--year`,
/// report.toml): a workbook holding two years' tables (sheets `2023年` and `2024年`) is read
/// from that year's sheets, the others said and left out. Without a year, such a workbook is an
/// error (`import.two_years`) naming both.
pub fn import_workbook_bytes_for_year(
    display_name: &str,
    bytes: &[u8],
    format: &Format,
    year: Option<i32>,
) -> Result<Imported, ExcelError> {
    let grids = sheet::read_grids(display_name, bytes)?;
    let (grids, mut year_findings) = import::grids_of_year(display_name, grids, format, year);
    let (report, mut findings) = import::import_grids(display_name, &grids, format);
    if year_findings
        .iter()
        .any(|f| f.severity == nianbao_model::Severity::Error)
    {
        // The two years are the one fact: each table found twice and the years that differ
        // are that fact again.
        findings.retain(|f| {
            f.rule != "import.duplicate_table"
                && !(f.rule == "import.meta_conflict" && f.message.contains("年度"))
        });
    }
    findings.append(&mut year_findings);
    Ok(Imported { report, findings })
}
