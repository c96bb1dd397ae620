//! Reads drafts and published 政府信息公开工作年度报告 from documents into the nianbao report
//! model: DOCX (Word, WPS, LibreOffice and this project's own exporter), HTML pages with real
//! `<table>` markup, Markdown, and plain text copied out of a web page or a PDF (tab-separated
//! cells, or pdftotext layouts with wrapped labels and page footers).
//!
//! The pipeline has three phases:
//!
//! 1. **Decode** the file into blocks: paragraphs with their place (`第12段`, `第40行`) and tables
//!    as grids with merges resolved (modules `docx`, `html`, `text`, `decode`). A web page is read
//!    for its article only (the element that holds the part headings), with the page's own title
//!    statements (`<title>` without the site's name, `ArticleTitle`, headings) kept aside as
//!    title hints. A crawled text that runs the whole report into one line is cut at its part
//!    headings; page furniture (`发布时间：`, `来源：`, `附件下载`, breadcrumbs) is dropped. A text
//!    file, page or DOCX in traditional characters is converted to simplified, character for character.
//! 2. **Structure** the paragraphs (module `structure`): the title gives 机关名称 and
//!    年度 ([`Format::read_title`], the one title reader, `2024年度` included; a garbled title with
//!    the official characters swapped is read with a warning), the part headings (`一、总体情况` …,
//!    recognised against the format with tolerance for drift and typos) split the prose into the
//!    six parts, numbered sub-headings become heading levels or run-in headings, and the
//!    signature and date close the document.
//! 3. **Map tables** to values with the model's one table recogniser
//!    ([`nianbao_model::recognise`], the same as for workbooks). Every table becomes a
//!    [`CellGrid`](nianbao_model::recognise::CellGrid) (module `tables`): DOCX and HTML tables,
//!    and text tables whose cells are separated by `|` or tabs, written one cell a line, or a
//!    row's values under its label. Two text layouts need their
//!    own readers: pdftotext columns, where labels wrap around the numbers (`tables::map_text`),
//!    and crawler text with each row's digits glued (`flat`: split only where the format's
//!    equations leave exactly one way, every such value marked inferred). Nothing is guessed: a
//!    row whose numbers cannot be placed with certainty is a finding naming the candidates.
//!
//! Invariants: reading never panics on any input; every paragraph and value carries the place
//! it came from; output is deterministic; only regular files are read (`nianbao_fs`: a FIFO,
//! device or folder is refused for what it is, without blocking); memory is bounded (files over 64 MiB, and DOCX files
//! whose `word/document.xml` inflates beyond 256 MiB, are refused with [`DocError::TooLarge`]). A document without tables is a narrative draft, not an
//! error: [`read_document`] accepts it, [`read_published`] requires the three tables.
//!
//! A draft whose numbers come from a workbook is read with [`TableValues::Skip`]: its tables
//! are recognised (so their cells are never taken for prose) but not read, and nothing is
//! reported about them; [`Imported::has_tables`] tells that they were there.
//!
//! Placeholders in prose (`{{ new_received.total }}`) are rendered separately by
//! [`render_placeholders`] once the values are known.
//!
//! Places: DOCX paragraphs are numbered over the body's paragraphs (empty ones included, those
//! in table cells not), HTML paragraphs over the non-empty blocks, text by line; a table value
//! names its table (1-based, in document order) and grid cell (row, column, 1-based), or its
//! line in a text file.
//!
//! Tables: a grid is taken as one of the format's labelled tables only when it shows that
//! table's column headers or at least half of its row labels, so a small table of a draft is
//! not read as a statistics table. A value cell holds what
//! [`nianbao_model::report::parse_value_text`] reads with the field's kind; a cell it cannot
//! read (`约5`) stays in its row as [`nianbao_model::CellValue::Unreadable`] with its table and
//! cell as source, and the validator reports it (`values.unreadable`), as for workbooks.
//!
//! Finding rule ids (stable; the same `import.*` set as workbooks, listed in ARCHITECTURE.md):
//! `input.control_chars` (info: control characters dropped from a text or HTML file, with the
//! line of the first); `import.title_missing`, `import.title_wording`, `import.parts_missing`,
//! `import.row_missing`, `import.row_duplicate`, `import.digits_split`, `import.second_report`,
//! `import.traditional_chars` (a copy in traditional characters, read converted to simplified),
//! `import.legacy_2019`, `import.legacy_mapped`, `import.legacy_unmapped` (the 2019 layout, read
//! through the format's mappings as in a workbook: [`nianbao_model::legacy`]) (warnings);
//! `import.row_values`, `import.row_ambiguous`, `import.cells_joined`, `import.legacy_columns`
//! (errors: the row or table got no values); `draft.placeholder_unknown`,
//! `draft.placeholder_syntax`, `draft.placeholder_empty`, `draft.placeholder_filter` (errors, from
//! [`render_placeholders`]).

mod decode;
mod docx;
mod flat;
mod html;
mod numbering;
mod placeholders;
mod structure;
mod tables;
mod text;

use std::path::Path;

use nianbao_model::{Finding, Format, Report};

pub use placeholders::{placeholder_names, render_placeholders};

/// A report read from a document, with what was noticed while reading it.
#[derive(Debug, Clone)]
pub struct Imported {
    pub report: Report,
    pub findings: Vec<Finding>,
    /// Whether the document holds any of the format's statistics tables (recognised by their
    /// column headers or row labels), whether or not their values were read.
    pub has_tables: bool,
}

/// Whether the values of a document's statistics tables are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TableValues {
    /// Read them, and report every row that cannot be read: a published report, or a draft
    /// that is the only source of the numbers.
    #[default]
    Read,
    /// Only recognise the tables (their cells are never taken for prose, and
    /// [`Imported::has_tables`] tells they were there): no values, no findings about them. For
    /// a draft whose numbers come from a workbook, where the draft's tables are not used.
    Skip,
}

/// Why a document could not be read at all. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// The file could not be opened or read, or is not a regular file: the reason in Chinese.
    #[error("无法读取文件“{file}”：{reason}")]
    Io { file: String, reason: String },
    #[error("文件“{file}”的类型“{kind}”不受支持；可读取 .docx、.html/.htm、.md、.txt 文件")]
    Unsupported { file: String, kind: String },
    #[error(
        "文件“{file}”是旧版 Word 文档（.doc/.wps 二进制格式），不是 .docx；请在 Word 或 WPS 中“另存为” .docx 格式后再导入"
    )]
    LegacyWord { file: String },
    #[error("文件“{file}”已损坏或不是有效的 DOCX 文档：{reason}")]
    Damaged { file: String, reason: String },
    #[error(
        "文件“{file}”既不是 UTF-8 编码也不是 GBK 编码的文本，无法识别其中的文字；请用记事本或 WPS 将其另存为 UTF-8 编码后再导入"
    )]
    Encoding { file: String },
    #[error("文件“{file}”中没有可读取的文字内容")]
    Empty { file: String },
    #[error(
        "文件“{file}”中未找到统计表（缺少{missing}）；读取已公开的年度报告需要其中的表格。如果这是正文草稿，请按草稿读取"
    )]
    TablesMissing { file: String, missing: String },
    #[error(
        "文件“{file}”过大（{what}超过 {limit}），不像是年度报告文件，未予读取；请核对所选文件是否正确"
    )]
    TooLarge {
        file: String,
        /// What exceeded the limit: `文件大小`, `解压后的正文（word/document.xml）`.
        what: String,
        /// The limit, for reading (`64 MB`).
        limit: String,
    },
}

/// The largest document read: a report with its tables is well under 1 MiB as text and a few
/// MiB as DOCX with pictures.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl DocError {
    pub(crate) fn too_large(file: &str, what: &str, limit: u64) -> DocError {
        DocError::TooLarge {
            file: file.to_string(),
            what: what.to_string(),
            limit: nianbao_fs::size_text(limit),
        }
    }
}

/// The kinds of document this crate reads, chosen by file name and confirmed by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Docx,
    Html,
    Markdown,
    Text,
}

/// Reads any supported document (.docx, .html/.htm, .md, .txt) into a report: metadata from the
/// title (机关名称, 年度) when present, opening paragraphs, the six parts' prose, closing
/// (signature/date), and table values when the document has the tables (a published report). A
/// narrative draft simply has no values.
pub fn read_document(path: &Path, format: &Format) -> Result<Imported, DocError> {
    read_document_with(path, format, TableValues::Read)
}

/// [`read_document`], reading the tables' values or only recognising the tables.
pub fn read_document_with(
    path: &Path,
    format: &Format,
    table_values: TableValues,
) -> Result<Imported, DocError> {
    let (display, bytes) = read_document_file(path)?;
    read_document_bytes_with(&display, &bytes, format, table_values)
}

/// A document file's name as findings show it and its bytes, with the documents' bound
/// ([`MAX_FILE_BYTES`]); the first half of [`read_document_with`].
pub fn read_document_file(path: &Path) -> Result<(String, Vec<u8>), DocError> {
    let display = file_display_name(path);
    let bytes = read_file_limited(path, &display, MAX_FILE_BYTES)?;
    Ok((display, bytes))
}

/// A plain text file (`.txt`, `.csv`) as text, decoded like a draft (UTF-8, UTF-16 with a
/// mark, GBK; stray control characters dropped): for lists kept as text, such as a
/// 政务公开办's roster of units.
pub fn read_text_file(path: &Path) -> Result<String, DocError> {
    let display = file_display_name(path);
    let bytes = read_file_limited(path, &display, MAX_FILE_BYTES)?;
    decode::decode_text(&display, &bytes).map(|d| d.text)
}

/// Reads a file of at most `limit` bytes, a regular file only ([`nianbao_fs::read_regular`]):
/// a FIFO, device or folder is refused for what it is, without blocking.
fn read_file_limited(path: &Path, display: &str, limit: u64) -> Result<Vec<u8>, DocError> {
    nianbao_fs::read_regular(path, limit).map_err(|e| match e {
        nianbao_fs::InputError::TooLarge { .. } => DocError::too_large(display, "文件大小", limit),
        other => DocError::Io {
            file: display.to_string(),
            reason: other.reason(),
        },
    })
}

/// [`read_document`] on bytes already in memory; `display_name` names the file in messages and
/// locations and its extension chooses the reader.
pub fn read_document_bytes(
    display_name: &str,
    bytes: &[u8],
    format: &Format,
) -> Result<Imported, DocError> {
    read_document_bytes_with(display_name, bytes, format, TableValues::Read)
}

/// [`read_document_bytes`], reading the tables' values or only recognising the tables.
pub fn read_document_bytes_with(
    display_name: &str,
    bytes: &[u8],
    format: &Format,
    table_values: TableValues,
) -> Result<Imported, DocError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(DocError::too_large(
            display_name,
            "文件大小",
            MAX_FILE_BYTES,
        ));
    }
    let kind = detect_kind(display_name, bytes)?;
    // Whether the grids hold a statistics table, when the reader found out while reading.
    let found_table = std::cell::Cell::new(false);
    let mut dropped = None;
    let traditional;
    let (blocks, recognised) = match kind {
        Kind::Docx => {
            let labels = tables::TableLabels::shared(format);
            let recognise = |grid: &structure::Grid| {
                let is_table = labels.recognises(grid);
                if is_table {
                    found_table.set(true);
                }
                is_table
            };
            let reading = match table_values {
                TableValues::Read => docx::TableReading::All,
                TableValues::Skip => docx::TableReading::UntilFound(&recognise),
            };
            let mut blocks = docx::read_blocks(display_name, bytes, reading)?;
            traditional = decode::simplify_blocks(&mut blocks);
            let recognised = (table_values == TableValues::Skip).then(|| found_table.get());
            (blocks, recognised)
        }
        Kind::Html => {
            let decoded = decode::decode_html(display_name, bytes)?;
            dropped = decoded.dropped;
            traditional = decoded.traditional;
            (html::read_blocks(display_name, &decoded.text, format), None)
        }
        Kind::Markdown | Kind::Text => {
            let decoded = decode::decode_text(display_name, bytes)?;
            let lines = text::read_lines(&decoded.text, kind == Kind::Markdown);
            return finish(
                display_name,
                structure::build_from_lines(display_name, &lines, format, table_values),
                decoded.dropped,
                decoded.traditional,
            );
        }
    };
    finish(
        display_name,
        structure::build_from_blocks(display_name, &blocks, format, table_values, recognised),
        dropped,
        traditional,
    )
}

/// Reads a published report: like [`read_document`], but the document must hold the statistics
/// tables. A page or file without any of them is refused with [`DocError::TablesMissing`].
pub fn read_published(path: &Path, format: &Format) -> Result<Imported, DocError> {
    let imported = read_document(path, format)?;
    require_tables(&file_display_name(path), imported, format)
}

/// How a file is named in messages and locations: its file name, as the office knows it.
fn file_display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// [`read_published`] on bytes already in memory.
pub fn read_published_bytes(
    display_name: &str,
    bytes: &[u8],
    format: &Format,
) -> Result<Imported, DocError> {
    let imported = read_document_bytes(display_name, bytes, format)?;
    require_tables(display_name, imported, format)
}

fn require_tables(file: &str, imported: Imported, format: &Format) -> Result<Imported, DocError> {
    let missing: Vec<&str> = format
        .tables
        .iter()
        .filter(|t| {
            !t.value_cells()
                .iter()
                .any(|v| imported.report.values.contains_key(&v.key))
        })
        .map(|t| t.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(imported)
    } else {
        Err(DocError::TablesMissing {
            file: file.to_string(),
            missing: missing.join("、"),
        })
    }
}

/// The document read, with one note (`input.control_chars`) when control characters were
/// dropped from its text, and one (`import.traditional_chars`) when it was read from
/// traditional characters.
fn finish(
    file: &str,
    imported: Option<Imported>,
    dropped: Option<decode::Dropped>,
    traditional: Option<decode::Traditional>,
) -> Result<Imported, DocError> {
    let mut imported = imported.ok_or_else(|| DocError::Empty {
        file: file.to_string(),
    })?;
    if let Some(d) = dropped {
        imported.findings.push(
            Finding::info(
                "input.control_chars",
                format!(
                    "{file} 中有 {} 个控制字符（第 {} 行起，如{}），已删除后读取",
                    d.count,
                    d.first_line,
                    d.first_name()
                ),
            )
            .at(nianbao_model::Location::line(file, d.first_line))
            .hint("这类字符多由复制粘贴带入（如 Word 中的 Shift+Enter），不可见、也不应出现在报告中；生成的报告中已不含这些字符。"),
        );
    }
    if let Some(t) = traditional {
        let examples: Vec<String> = t
            .examples
            .iter()
            .map(|(written, read)| format!("“{written}”读作“{read}”"))
            .collect();
        imported.findings.push(
            Finding::warning(
                "import.traditional_chars",
                format!(
                    "{file} 使用繁体字，已逐字转换为简体字后读取（共 {} 字，如{}）",
                    t.count,
                    examples.join("、")
                ),
            )
            .at(t.place.clone().unwrap_or_else(|| nianbao_model::Location::line(file, t.first_line)))
            .expected_found("简体字", "繁体字")
            .hint("报告应使用规范简体字。逐字转换可能有个别用字不当（如“文件”被转成“档案”），请对照原件核对机关名称、标题和表格栏目。"),
        );
    }
    Ok(imported)
}

/// The reader for a file: by extension, with the content checked so that a renamed `.doc` or
/// a zip that is not a document gets a clear message instead of garbage.
fn detect_kind(name: &str, bytes: &[u8]) -> Result<Kind, DocError> {
    const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(&CFB_MAGIC) {
        return Err(DocError::LegacyWord {
            file: name.to_string(),
        });
    }
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "docx" | "docm" | "dotx" => Ok(Kind::Docx),
        "html" | "htm" | "xhtml" | "shtml" => Ok(Kind::Html),
        "md" | "markdown" => Ok(Kind::Markdown),
        "txt" | "text" | "" => {
            if bytes.starts_with(b"PK\x03\x04") {
                Ok(Kind::Docx)
            } else {
                Ok(Kind::Text)
            }
        }
        "doc" | "wps" => Err(DocError::LegacyWord {
            file: name.to_string(),
        }),
        other => Err(DocError::Unsupported {
            file: name.to_string(),
            kind: format!(".{other}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_over_the_limit_are_refused_with_their_name() {
        let dir = std::env::temp_dir().join(format!("nianbao-docs-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("过大.txt");
        std::fs::write(&path, "一、总体情况\n".repeat(20)).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        assert_eq!(
            read_file_limited(&path, "过大.txt", size).unwrap().len() as u64,
            size
        );
        let err = read_file_limited(&path, "过大.txt", size - 1).unwrap_err();
        assert!(matches!(err, DocError::TooLarge { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("过大.txt") && message.contains(&format!("{} 字节", size - 1)),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn limits_read_in_megabytes() {
        let err = DocError::too_large("报告.docx", "文件大小", MAX_FILE_BYTES).to_string();
        assert!(err.contains("文件大小超过 64 MB"), "{err}");
    }
}
