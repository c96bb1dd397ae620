//! DOCX to blocks, reading `word/document.xml` directly with zip + quick-xml (more forgiving of
//! foreign files than a full document model, and it cannot panic on them).
//!
//! Paragraphs are numbered 1, 2, … over the body's own paragraphs (not those inside tables), as
//! a reader counts them; tables are numbered 1, 2, … in document order. Horizontal merges
//! (`w:gridSpan`, `w:gridBefore`) and vertical merges (`w:vMerge`) are resolved into a grid.
//!
//! Text boxes (`w:txbxContent`) hold paragraphs inside a paragraph. Their text is appended to
//! the paragraph that anchors them, each inner paragraph on a line of its own after the
//! anchor's text (lines are read as paragraphs later, with the anchor's place), so the
//! numbering of the body's paragraphs stays the one a reader sees. The VML copy of a text box
//! (`mc:Fallback`) is skipped, so its text is read once.
//!
//! A draft whose tables are only to be recognised ([`TableReading::UntilFound`]) has the body's tables
//! after the first recognised one passed over unread: found by their closing tag, they are most
//! of a draft's XML. They still count in the table numbering; a table holding other tables (page
//! layout) is read as always, as its cells are content.

use std::io::{Cursor, Read};

use nianbao_model::Location;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::DocError;
use crate::numbering::{NumRef, Numbering};
use crate::structure::{Block, Grid, GridCell, Para};

/// The most `document.xml` may expand to: larger is a damaged or hostile file (a zip bomb).
const MAX_DOCUMENT_XML: u64 = 256 * 1024 * 1024;
/// Grid limits: official tables have at most 15 columns and 28 rows.
const MAX_COLS: usize = 200;
const MAX_ROWS: usize = 5000;
/// Tables inside tables deeper than this are not a report (and would exhaust the stack).
const MAX_NESTING: usize = 32;

/// Which of the body's tables are read into grids.
#[derive(Clone, Copy)]
pub(crate) enum TableReading<'t> {
    /// Every table.
    All,
    /// Tables until one passes the test (a statistics table); the body's later tables are
    /// passed over unread.
    UntilFound(&'t dyn Fn(&Grid) -> bool),
}

pub(crate) fn read_blocks(
    file: &str,
    bytes: &[u8],
    reading: TableReading,
) -> Result<Vec<Block>, DocError> {
    read_blocks_limited(file, bytes, reading, MAX_DOCUMENT_XML)
}

/// [`read_blocks`] with the most `word/document.xml` may inflate to.
fn read_blocks_limited(
    file: &str,
    bytes: &[u8],
    reading: TableReading,
    limit: u64,
) -> Result<Vec<Block>, DocError> {
    let damaged = |reason: String| DocError::Damaged {
        file: file.to_string(),
        reason,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        damaged(format!(
            "不是完整的 zip 压缩包（{e}），文件可能被截断或并非 Word 文档"
        ))
    })?;
    let mut xml = Vec::new();
    {
        let mut entry = archive
            .by_name("word/document.xml")
            .map_err(|_| damaged("压缩包中没有正文部件 word/document.xml".to_string()))?;
        entry
            .by_ref()
            .take(limit.saturating_add(1))
            .read_to_end(&mut xml)
            .map_err(|e| damaged(format!("正文部件无法解压（{e}）")))?;
    }
    if xml.len() as u64 > limit {
        return Err(DocError::too_large(
            file,
            "解压后的正文（word/document.xml）",
            limit,
        ));
    }
    // The lists and styles only help to show automatic numbering: a part that is missing,
    // damaged or too large is read as absent.
    let numbering_xml = optional_part(&mut archive, "word/numbering.xml");
    let styles_xml = numbering_xml
        .as_ref()
        .and_then(|_| optional_part(&mut archive, "word/styles.xml"));
    let mut numbering = Numbering::read(numbering_xml.as_deref(), styles_xml.as_deref());
    parse_document(file, &xml, reading, &mut numbering).map_err(damaged)
}

/// The most `numbering.xml` or `styles.xml` may inflate to (real ones are well under 1 MB).
const MAX_AUXILIARY_XML: u64 = 16 * 1024 * 1024;

/// A part of the package read whole, or `None` when it is missing, damaged or too large.
fn optional_part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let mut entry = archive.by_name(name).ok()?;
    let mut bytes = Vec::new();
    entry
        .by_ref()
        .take(MAX_AUXILIARY_XML + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() as u64 <= MAX_AUXILIARY_XML).then_some(bytes)
}

/// A paragraph being read, and how many table cells were open when it started (a text box may
/// hold a table whose cells' paragraphs belong to those cells, not to the anchor).
struct ParaFrame {
    text: String,
    cells: usize,
    /// `w:pStyle` and `w:numPr` of the paragraph: its automatic number, if any.
    style: Option<String>,
    num: NumRef,
    /// Text-box paragraphs anchored in this one, in order.
    boxed: Vec<String>,
}

impl ParaFrame {
    /// The paragraph's own text, then its text boxes' paragraphs on lines of their own.
    fn into_lines(self) -> Vec<String> {
        let own = (!self.text.is_empty() || self.boxed.is_empty()).then_some(self.text);
        own.into_iter().chain(self.boxed).collect()
    }
}

/// One table being read: its rows of cells (grid column, span, vertical-merge state, text).
#[derive(Default)]
struct TableBuilder {
    rows: Vec<Vec<RawCell>>,
    /// Grid columns skipped before the first cell of the current row (`w:gridBefore`).
    grid_before: usize,
    /// Passed over unread ([`TableReading::UntilFound`]).
    passed_over: bool,
}

struct RawCell {
    span: usize,
    vmerge: VMerge,
    items: Vec<CellItem>,
}

/// What a cell holds, in order: paragraphs, and tables nested in it.
enum CellItem {
    Para(String),
    Table(Vec<Vec<RawCell>>),
}

impl RawCell {
    /// The cell's text: its paragraphs (and those of nested tables) on separate lines.
    fn text(&self) -> String {
        let mut lines = Vec::new();
        collect_text(&self.items, &mut lines);
        lines.join("\n")
    }
}

fn collect_text(items: &[CellItem], lines: &mut Vec<String>) {
    for item in items {
        match item {
            CellItem::Para(t) => lines.push(t.clone()),
            CellItem::Table(rows) => {
                for cell in rows.iter().flatten() {
                    collect_text(&cell.items, lines);
                }
            }
        }
    }
}

fn has_nested_table(rows: &[Vec<RawCell>]) -> bool {
    rows.iter()
        .flatten()
        .any(|c| c.items.iter().any(|i| matches!(i, CellItem::Table(_))))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum VMerge {
    None,
    Restart,
    Continue,
}

fn attr_val(e: &BytesStart) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == b"val")
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// The reader's output: blocks with their running paragraph and table numbers.
struct Emitter<'f> {
    file: &'f str,
    blocks: Vec<Block>,
    paragraphs: usize,
    tables: usize,
    wanted: TableReading<'f>,
    /// A table passed the [`TableReading::UntilFound`] test: later ones need not be read.
    found: bool,
}

impl Emitter<'_> {
    fn paragraph(&mut self, text: String) {
        self.paragraphs += 1;
        self.blocks.push(Block::Para(Para {
            text,
            loc: Location::paragraph(self.file, self.paragraphs),
        }));
    }

    /// A table, or — when it holds other tables — page layout whose cells are read as ordinary
    /// content (documents saved from web pages wrap the whole article in such a table).
    fn table(&mut self, rows: Vec<Vec<RawCell>>) {
        if has_nested_table(&rows) {
            for cell in rows.into_iter().flatten() {
                for item in cell.items {
                    match item {
                        CellItem::Para(text) => self.paragraph(text),
                        CellItem::Table(inner) => self.table(inner),
                    }
                }
            }
        } else {
            self.tables += 1;
            let grid = build_grid(self.tables, rows);
            if let TableReading::UntilFound(test) = self.wanted
                && !self.found
            {
                self.found = test(&grid);
            }
            self.blocks.push(Block::Table(grid));
        }
    }
}

/// Where the table whose start tag `name` was just read ends — the offset of its closing tag in
/// `rest`, the XML after the start tag — when nothing in between can hide or fake a tag. `None`
/// when the table holds another table (with any prefix), a comment, CDATA or a processing
/// instruction, or does not end: then it is read as usual.
fn end_of_plain_table(rest: &[u8], name: &[u8]) -> Option<usize> {
    let close = [b"</", name, b">"].concat();
    let end = memchr::memmem::find(rest, &close)?;
    let inner = rest.get(..end)?;
    let hides_markup = [&b"<!--"[..], b"<![CDATA[", b"<?"]
        .iter()
        .any(|m| memchr::memmem::find(inner, m).is_some());
    (!hides_markup && !opens_table(inner)).then_some(end)
}

/// Whether the XML opens a table element: `<tbl` or `<prefix:tbl`, then `>`, `/` or a space
/// (not `<w:tblPr>`).
fn opens_table(xml: &[u8]) -> bool {
    let name_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    memchr::memmem::find_iter(xml, b"tbl").any(|at| {
        let delimited = matches!(
            xml.get(at + 3),
            Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r')
        );
        let before = xml.get(..at).unwrap_or_default();
        // An optional `prefix:` before the local name.
        let before = match before.strip_suffix(b":") {
            Some(head) => {
                let prefix = head.iter().rev().take_while(|b| name_char(b)).count();
                if prefix == 0 {
                    return false;
                }
                head.get(..head.len() - prefix).unwrap_or_default()
            }
            None => before,
        };
        delimited && before.ends_with(b"<")
    })
}

fn parse_document(
    file: &str,
    xml: &[u8],
    wanted: TableReading,
    numbering: &mut Numbering,
) -> Result<Vec<Block>, String> {
    let numbered = !numbering.is_empty();
    // Events borrow from the inflated part: nothing is copied into a buffer.
    let mut reader = Reader::from_reader(xml);
    let mut out = Emitter {
        file,
        blocks: Vec::new(),
        paragraphs: 0,
        tables: 0,
        wanted,
        found: false,
    };
    // Tables being read, innermost last (a table may sit in a cell of another).
    let mut tables: Vec<TableBuilder> = Vec::new();
    // Contents of the cells being read, innermost last.
    let mut cell_items: Vec<Vec<CellItem>> = Vec::new();
    let mut cell_props: Vec<(usize, VMerge)> = Vec::new();
    // Paragraphs being read, innermost last: a text box puts paragraphs inside a paragraph.
    let mut paras: Vec<ParaFrame> = Vec::new();
    let mut in_text = false;
    // Depth inside elements whose text must not be read (deleted text, field codes, fallbacks).
    let mut skip_depth = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("正文 XML 格式有误（{e}）"))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                if skip_depth > 0 {
                    skip_depth += 1;
                } else {
                    match e.local_name().as_ref() {
                        // A revision's old paragraph properties would give the old numbering.
                        b"delText" | b"instrText" | b"Fallback" | b"del" | b"pPrChange" => {
                            skip_depth = 1
                        }
                        b"p" => paras.push(ParaFrame {
                            text: String::new(),
                            cells: cell_items.len(),
                            style: None,
                            num: NumRef::default(),
                            boxed: Vec::new(),
                        }),
                        b"t" => in_text = true,
                        b"tbl" => {
                            if tables.len() >= MAX_NESTING {
                                return Err(format!("表格嵌套超过 {MAX_NESTING} 层"));
                            }
                            // A body table after the one that was looked for: jump to its
                            // closing tag, which is read next.
                            let rest: &[u8] = reader.get_ref();
                            let at_body_level =
                                tables.is_empty() && cell_items.is_empty() && paras.is_empty();
                            let end = (out.found && at_body_level)
                                .then(|| end_of_plain_table(rest, e.name().as_ref()))
                                .flatten();
                            if let Some(end) = end {
                                *reader.get_mut() = rest.get(end..).unwrap_or_default();
                            }
                            tables.push(TableBuilder {
                                passed_over: end.is_some(),
                                ..TableBuilder::default()
                            });
                        }
                        b"tr" => {
                            if let Some(t) = tables.last_mut() {
                                t.rows.push(Vec::new());
                                t.grid_before = 0;
                            }
                        }
                        b"tc" => {
                            cell_items.push(Vec::new());
                            cell_props.push((1, VMerge::None));
                        }
                        _ => {}
                    }
                }
            }
            Event::Empty(e) if skip_depth == 0 => match e.local_name().as_ref() {
                b"tab" => {
                    if let Some(p) = paras.last_mut() {
                        p.text.push('\t');
                    }
                }
                b"br" | b"cr" => {
                    if let Some(p) = paras.last_mut() {
                        p.text.push('\n');
                    }
                }
                b"pStyle" if numbered => {
                    if let Some(p) = paras.last_mut() {
                        p.style = attr_val(&e);
                    }
                }
                b"numId" if numbered => {
                    if let Some(p) = paras.last_mut() {
                        p.num.num = attr_val(&e).and_then(|v| v.trim().parse().ok());
                    }
                }
                b"ilvl" if numbered => {
                    if let Some(p) = paras.last_mut() {
                        p.num.level = attr_val(&e).and_then(|v| v.trim().parse().ok());
                    }
                }
                b"gridSpan" => {
                    if let Some(p) = cell_props.last_mut() {
                        p.0 = attr_val(&e)
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1usize)
                            .clamp(1, MAX_COLS);
                    }
                }
                b"vMerge" => {
                    if let Some(p) = cell_props.last_mut() {
                        p.1 = match attr_val(&e).as_deref() {
                            Some("restart") => VMerge::Restart,
                            _ => VMerge::Continue,
                        };
                    }
                }
                b"gridBefore" => {
                    if let Some(t) = tables.last_mut() {
                        t.grid_before = attr_val(&e)
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0usize)
                            .min(MAX_COLS);
                    }
                }
                // An empty paragraph of the body still counts in the numbering a reader sees
                // (one in a text box is part of its anchor paragraph).
                b"p" if tables.is_empty() && paras.is_empty() => out.paragraph(String::new()),
                _ => {}
            },
            Event::Text(t) if skip_depth == 0 && in_text => {
                let text = t.decode().map_err(|e| format!("正文文字编码有误（{e}）"))?;
                if let Some(p) = paras.last_mut() {
                    p.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) if skip_depth == 0 && in_text => {
                let Some(p) = paras.last_mut() else {
                    continue;
                };
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    p.text.push(c);
                } else if let Ok(name) = r.decode() {
                    p.text.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::End(e) => {
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                match e.local_name().as_ref() {
                    b"t" => in_text = false,
                    b"p" => {
                        let Some(mut done) = paras.pop() else {
                            continue;
                        };
                        // Word shows the list number before the text; an empty numbered
                        // paragraph still counts but is not given a number of its own.
                        if numbered
                            && let Some(label) = numbering.label(done.num, done.style.as_deref())
                            && !done.text.trim().is_empty()
                        {
                            done.text.insert_str(0, &label);
                        }
                        match paras.last_mut() {
                            // A text box's paragraph in the same cell (or body) as its anchor:
                            // lines of their own after the anchor's text.
                            Some(anchor) if anchor.cells == cell_items.len() => {
                                anchor.boxed.extend(
                                    done.into_lines()
                                        .into_iter()
                                        .filter(|l| !l.trim().is_empty()),
                                );
                            }
                            _ => {
                                let text = done.into_lines().join("\n");
                                if let Some(cell) = cell_items.last_mut() {
                                    cell.push(CellItem::Para(text));
                                } else if tables.is_empty() {
                                    out.paragraph(text);
                                }
                            }
                        }
                    }
                    b"tc" => {
                        let items = cell_items.pop().unwrap_or_default();
                        let (span, vmerge) = cell_props.pop().unwrap_or((1, VMerge::None));
                        if let Some(row) = tables.last_mut().and_then(|t| t.rows.last_mut()) {
                            row.push(RawCell {
                                span,
                                vmerge,
                                items,
                            });
                        }
                    }
                    b"tr" => {
                        if let Some(t) = tables.last_mut()
                            && t.grid_before > 0
                            && let Some(row) = t.rows.last_mut()
                        {
                            row.insert(
                                0,
                                RawCell {
                                    span: t.grid_before,
                                    vmerge: VMerge::None,
                                    items: Vec::new(),
                                },
                            );
                        }
                    }
                    b"tbl" => match tables.pop() {
                        Some(done) if done.passed_over => out.tables += 1,
                        Some(done) => match cell_items.last_mut() {
                            Some(cell) => cell.push(CellItem::Table(done.rows)),
                            None => out.table(done.rows),
                        },
                        None => {}
                    },
                    _ => {}
                }
            }
            _ => {}
        }
    }
    Ok(out.blocks)
}

/// Places the cells on a grid: each cell at the next free column of its row, `span` columns
/// wide; a `Continue` cell extends the cell above it downwards.
fn build_grid(index: usize, rows: Vec<Vec<RawCell>>) -> Grid {
    let mut grid = Grid {
        index,
        slots: Vec::new(),
        cells: Vec::new(),
        lines: Vec::new(),
    };
    for (r, row) in rows.into_iter().take(MAX_ROWS).enumerate() {
        let mut slots: Vec<Option<usize>> = Vec::new();
        for cell in row {
            let c = slots.len();
            if c >= MAX_COLS {
                break;
            }
            let span = cell.span.min(MAX_COLS - c);
            let text = cell.text();
            let above = (cell.vmerge == VMerge::Continue)
                .then(|| {
                    grid.slots
                        .last()
                        .and_then(|prev| prev.get(c).copied().flatten())
                })
                .flatten();
            let id = match above {
                Some(id) => {
                    if let Some(origin) = grid.cells.get_mut(id) {
                        origin.rowspan = r + 1 - origin.r;
                        if !text.trim().is_empty() {
                            origin.text.push('\n');
                            origin.text.push_str(&text);
                        }
                    }
                    id
                }
                None => {
                    grid.cells.push(GridCell {
                        r,
                        c,
                        rowspan: 1,

                        text,
                    });
                    grid.cells.len() - 1
                }
            };
            slots.extend(std::iter::repeat_n(Some(id), span));
        }
        grid.slots.push(slots);
    }
    grid
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A hand-made `word/document.xml` around a body.
    fn xml(body: &str) -> String {
        format!(
            "<w:document xmlns:w=\"w\" xmlns:mc=\"mc\" xmlns:wps=\"wps\" xmlns:v=\"v\"><w:body>{body}</w:body></w:document>"
        )
    }

    /// The blocks of a body without lists or styles (no automatic numbering).
    fn parse_body(body: &str, reading: TableReading) -> Vec<Block> {
        parse_document(
            "草稿.docx",
            xml(body).as_bytes(),
            reading,
            &mut Numbering::default(),
        )
        .unwrap()
    }

    fn docx(body: &str) -> Vec<u8> {
        let xml = xml(body);
        let mut bytes = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut bytes);
        writer
            .start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
        writer.write_all(xml.as_bytes()).unwrap();
        writer.finish().unwrap();
        bytes.into_inner()
    }

    fn paragraphs(blocks: &[Block]) -> Vec<(String, Option<usize>)> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Para(p) => Some((p.text.clone(), p.loc.paragraph)),
                Block::Table(_) | Block::TitleHint(_) => None,
            })
            .collect()
    }

    /// A text box as Word writes it: the DrawingML box, and its VML copy as the fallback.
    fn text_box(lines: &[&str]) -> String {
        let paras: String = lines
            .iter()
            .map(|l| format!("<w:p><w:r><w:t>{l}</w:t></w:r></w:p>"))
            .collect();
        format!(
            "<w:r><mc:AlternateContent><mc:Choice><w:drawing><wps:txbx><w:txbxContent>{paras}</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox><w:txbxContent>{paras}</w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        )
    }

    #[test]
    fn text_boxes_keep_the_anchor_paragraph_and_their_own_text() {
        let body = format!(
            "<w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p>\
             <w:p><w:r><w:t>本年度主动公开</w:t></w:r>{}<w:r><w:t>政府信息1200条。</w:t></w:r></w:p>\
             <w:p/>\
             <w:p><w:r><w:t>二、主动公开政府信息情况</w:t></w:r></w:p>",
            text_box(&["框内第一段", "", "框内第二段"])
        );
        let blocks = parse_body(&body, TableReading::All);
        assert_eq!(
            paragraphs(&blocks),
            vec![
                ("一、总体情况".to_string(), Some(1)),
                (
                    "本年度主动公开政府信息1200条。\n框内第一段\n框内第二段".to_string(),
                    Some(2)
                ),
                (String::new(), Some(3)),
                ("二、主动公开政府信息情况".to_string(), Some(4)),
            ]
        );
    }

    #[test]
    fn a_text_box_in_a_table_cell_stays_in_that_cell() {
        let body = format!(
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>规章</w:t></w:r>{}</w:p></w:tc><w:tc><w:p><w:r><w:t>3</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
            text_box(&["注"])
        );
        let blocks = parse_body(&body, TableReading::All);
        let Some(Block::Table(grid)) = blocks.first() else {
            panic!("{blocks:?}");
        };
        let texts: Vec<&str> = grid.cells.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, vec!["规章\n注", "3"]);
    }

    fn table(cells: &[&str]) -> String {
        let row: String = cells
            .iter()
            .map(|c| format!("<w:tc><w:tcPr><w:tcW w:w=\"900\"/></w:tcPr><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>"))
            .collect();
        format!("<w:tbl><w:tblPr><w:tblW w:w=\"0\"/></w:tblPr><w:tr>{row}</w:tr></w:tbl>")
    }

    fn grid_texts(blocks: &[Block]) -> Vec<(usize, Vec<String>)> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(g) => {
                    Some((g.index, g.cells.iter().map(|c| c.text.clone()).collect()))
                }
                Block::Para(_) | Block::TitleHint(_) => None,
            })
            .collect()
    }

    /// The body read with every table, and read until the table holding `表一`.
    fn read_all_and_until_table_one(body: &str) -> (Vec<Block>, Vec<Block>) {
        let is_table_one = |g: &Grid| g.cells.iter().any(|c| c.text == "表一");
        let read = |reading| parse_body(body, reading);
        (
            read(TableReading::All),
            read(TableReading::UntilFound(&is_table_one)),
        )
    }

    #[test]
    fn tables_after_the_one_looked_for_are_passed_over_and_layout_tables_still_read() {
        let layout = format!(
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>版式表格中的段落</w:t></w:r></w:p>{}</w:tc></w:tr></w:tbl>",
            table(&["嵌套", "9"])
        );
        let body = format!(
            "<w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p>{}<w:p><w:r><w:t>第二段</w:t></w:r></w:p>{}{}<w:p/>{}<w:p><w:r><w:t>末段</w:t></w:r></w:p>{}",
            table(&["说明", "1"]),
            table(&["表一", "2"]),
            table(&["表二", "3"]),
            layout,
            table(&["表三", "4"]),
        );
        let (all, until) = read_all_and_until_table_one(&body);
        assert_eq!(paragraphs(&until), paragraphs(&all));
        assert_eq!(
            paragraphs(&until).last(),
            Some(&("末段".to_string(), Some(5)))
        );
        let texts = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            grid_texts(&all),
            vec![
                (1, texts(&["说明", "1"])),
                (2, texts(&["表一", "2"])),
                (3, texts(&["表二", "3"])),
                (4, texts(&["嵌套", "9"])),
                (5, texts(&["表三", "4"])),
            ]
        );
        // 表二 and 表三 are passed over but keep their numbers; the layout table's cells are read.
        assert_eq!(
            grid_texts(&until),
            vec![
                (1, texts(&["说明", "1"])),
                (2, texts(&["表一", "2"])),
                (4, texts(&["嵌套", "9"])),
            ]
        );
    }

    #[test]
    fn a_table_is_passed_over_only_when_nothing_in_it_can_fake_a_tag() {
        assert!(opens_table(b"<w:tr><w:tc><w:tbl><w:tr/></w:tbl>"));
        assert!(opens_table(b"<ns0:tbl w:x=\"1\">"));
        assert!(opens_table(b"<tbl>"));
        assert!(!opens_table(
            b"<w:tblPr><w:tblW w:w=\"0\"/></w:tblPr><w:t>tbl </w:t>"
        ));
        assert!(!opens_table(b"</w:tbl>"));
        // After the table looked for: a comment holding a closing tag, CDATA, and a layout table
        // whose inner table has another prefix. Each is read, and the prose comes out as in a full
        // read.
        let found = table(&["表一", "2"]);
        let commented = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>注</w:t></w:r></w:p><!-- </w:tbl> --></w:tc></w:tr></w:tbl>";
        let cdata = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t><![CDATA[</w:tbl>]]></w:t></w:r></w:p></w:tc></w:tr></w:tbl>";
        let layout = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>版式中的段落</w:t></w:r></w:p><x:tbl><x:tr><x:tc><x:p/></x:tc></x:tr></x:tbl></w:tc></w:tr></w:tbl>";
        let body = format!(
            "{found}<w:p><w:r><w:t>一</w:t></w:r></w:p>{commented}<w:p><w:r><w:t>二</w:t></w:r></w:p>{cdata}{layout}<w:p><w:r><w:t>三</w:t></w:r></w:p>"
        );
        let (all, until) = read_all_and_until_table_one(&body);
        assert_eq!(paragraphs(&until), paragraphs(&all));
        let texts: Vec<String> = paragraphs(&until).into_iter().map(|(t, _)| t).collect();
        assert_eq!(texts, ["一", "二", "版式中的段落", "三"]);
    }

    #[test]
    fn document_xml_inflating_past_the_limit_is_refused() {
        let body = "<w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p>".repeat(100);
        let bytes = docx(&body);
        assert!(read_blocks_limited("大.docx", &bytes, TableReading::All, 1 << 20).is_ok());
        let err = read_blocks_limited("大.docx", &bytes, TableReading::All, 1000).unwrap_err();
        assert!(matches!(err, DocError::TooLarge { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("大.docx") && message.contains("word/document.xml"),
            "{message}"
        );
    }
}
