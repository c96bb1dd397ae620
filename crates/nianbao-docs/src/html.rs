//! HTML to blocks with scraper: block-level elements become paragraphs (numbered 1, 2, … over the
//! non-empty ones), `<br>` breaks a paragraph, `<table>` becomes a grid with `rowspan`/`colspan`
//! resolved. Scripts, styles and the head are ignored.

use nianbao_model::Location;
use scraper::{ElementRef, Html, Node};

use crate::structure::{Block, Grid, GridCell, Para};

const MAX_SPAN: usize = 200;
const MAX_COLS: usize = 200;
const MAX_ROWS: usize = 5000;
/// Elements nested deeper than this are not read (a hostile page would exhaust the stack).
const MAX_DEPTH: usize = 200;

pub(crate) fn read_blocks(file: &str, source: &str) -> Vec<Block> {
    let document = Html::parse_document(source);
    let mut reader = BlockReader {
        file,
        blocks: Vec::new(),
        buffer: String::new(),
        paragraphs: 0,
        tables: 0,
    };
    reader.visit(document.root_element(), 0);
    reader.flush();
    reader.blocks
}

struct BlockReader<'a> {
    file: &'a str,
    blocks: Vec<Block>,
    buffer: String,
    paragraphs: usize,
    tables: usize,
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "blockquote"
            | "pre"
            | "center"
            | "body"
            | "main"
            | "dd"
            | "dt"
            | "hr"
            | "caption"
            | "tr"
            | "td"
            | "th"
    )
}

fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "head" | "noscript" | "template" | "iframe" | "svg" | "object"
    )
}

impl BlockReader<'_> {
    fn flush(&mut self) {
        let text = collapse_spaces(&self.buffer);
        self.buffer.clear();
        if text.is_empty() {
            return;
        }
        self.paragraphs += 1;
        self.blocks.push(Block::Para(Para {
            text,
            loc: Location::paragraph(self.file, self.paragraphs),
        }));
    }

    fn visit(&mut self, element: ElementRef, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for child in element.children() {
            match child.value() {
                Node::Text(t) => self.buffer.push_str(t),
                Node::Element(e) => {
                    let name = e.name();
                    if is_skipped(name) {
                        continue;
                    }
                    let Some(child_el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if name == "table" && !is_layout_table(child_el) {
                        self.flush();
                        self.tables += 1;
                        let grid = read_table(self.tables, child_el);
                        self.blocks.push(Block::Table(grid));
                    } else if name == "br" {
                        self.flush();
                    } else if is_block(name) {
                        self.flush();
                        self.visit(child_el, depth + 1);
                        self.flush();
                    } else {
                        self.visit(child_el, depth + 1);
                    }
                }
                _ => {}
            }
        }
    }
}

/// A table that holds other tables is page layout (many government sites wrap the whole article
/// in one): its cells are read as ordinary content, the tables inside as tables.
fn is_layout_table(table: ElementRef) -> bool {
    table
        .descendants()
        .skip(1)
        .any(|n| n.value().as_element().is_some_and(|e| e.name() == "table"))
}

/// HTML white space rules: runs of spaces (including `&nbsp;` and the ideographic space used
/// for indentation) become one space; leading and trailing ones go.
fn collapse_spaces(text: &str) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}

/// The text of a cell: its paragraphs and line breaks as new lines, spaces collapsed.
fn cell_text(element: ElementRef) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    collect_cell_text(element, &mut lines, &mut current, 0);
    lines.push(current);
    lines
        .iter()
        .map(|l| collapse_spaces(l))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn collect_cell_text(
    element: ElementRef,
    lines: &mut Vec<String>,
    current: &mut String,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in element.children() {
        match child.value() {
            Node::Text(t) => current.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if is_skipped(name) {
                    continue;
                }
                let Some(el) = ElementRef::wrap(child) else {
                    continue;
                };
                let breaks = name == "br" || is_block(name) || name == "tr";
                if breaks {
                    lines.push(std::mem::take(current));
                }
                if name != "br" {
                    collect_cell_text(el, lines, current, depth + 1);
                }
                if breaks {
                    lines.push(std::mem::take(current));
                }
            }
            _ => {}
        }
    }
}

/// The rows of a table (through thead/tbody/tfoot, not into nested tables).
fn table_rows(table: ElementRef) -> Vec<ElementRef> {
    let mut rows = Vec::new();
    for child in table.children().filter_map(ElementRef::wrap) {
        match child.value().name() {
            "tr" => rows.push(child),
            "thead" | "tbody" | "tfoot" => rows.extend(
                child
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|e| e.value().name() == "tr"),
            ),
            _ => {}
        }
    }
    rows
}

fn span_attr(cell: ElementRef, name: &str) -> usize {
    cell.value()
        .attr(name)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_SPAN)
}

fn read_table(index: usize, table: ElementRef) -> Grid {
    let mut grid = Grid {
        index,
        slots: Vec::new(),
        cells: Vec::new(),
    };
    let rows = table_rows(table);
    let row_count = rows.len().min(MAX_ROWS);
    for (r, row) in rows.into_iter().take(MAX_ROWS).enumerate() {
        if grid.slots.len() <= r {
            grid.slots.resize(r + 1, Vec::new());
        }
        let mut c = 0usize;
        for cell in row
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|e| matches!(e.value().name(), "td" | "th"))
        {
            // Skip the columns taken by cells from rows above (rowspan).
            while grid
                .slots
                .get(r)
                .and_then(|s| s.get(c))
                .is_some_and(Option::is_some)
            {
                c += 1;
            }
            if c >= MAX_COLS {
                break;
            }
            let colspan = span_attr(cell, "colspan").min(MAX_COLS - c);
            let rowspan = span_attr(cell, "rowspan").min(MAX_ROWS - r);
            grid.cells.push(GridCell {
                r,
                c,
                rowspan,
                text: cell_text(cell),
            });
            let id = grid.cells.len() - 1;
            for rr in r..r + rowspan {
                if grid.slots.len() <= rr {
                    grid.slots.resize(rr + 1, Vec::new());
                }
                if let Some(slots) = grid.slots.get_mut(rr) {
                    if slots.len() < c + colspan {
                        slots.resize(c + colspan, None);
                    }
                    for slot in slots.iter_mut().skip(c).take(colspan) {
                        *slot = Some(id);
                    }
                }
            }
            c += colspan;
        }
    }
    // A rowspan reaching past the last row would leave rows that the table does not have.
    grid.slots.truncate(row_count);
    grid
}
