//! HTML to blocks with scraper: block-level elements become paragraphs (numbered 1, 2, … over the
//! non-empty ones), `<br>` breaks a paragraph, `<table>` becomes a grid with `rowspan`/`colspan`
//! resolved. Scripts, styles and the head are ignored.
//!
//! A published page is mostly not the report: navigation, breadcrumbs, share buttons, footers.
//! The report is **the article**: the innermost element that holds the part headings
//! (`一、总体情况` …), found by content, so it works on any site's markup (`#zoom`,
//! `.TRS_Editor`, `.article-content` and the like are simply what it usually finds). Only the
//! article is read; a page without part headings is read whole.
//!
//! The title of a page often stands outside the article (`<title>` with the site's name after
//! `_`, `<meta name="ArticleTitle">`, an `<h1>` above the article): those texts are returned as
//! [`Block::TitleHint`]s, in order of precedence, for the structure phase to read 机关名称 and
//! 年度 from when the article itself has no title line.
//!
//! The tree is walked iteratively (open and close edges), so nesting depth costs no stack.

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use nianbao_model::{Format, Location};
use scraper::{ElementRef, Html, Node};

use crate::structure::{Block, Grid, GridCell, Para, PartHeadings};

const MAX_SPAN: usize = 200;
const MAX_COLS: usize = 200;
const MAX_ROWS: usize = 5000;

pub(crate) fn read_blocks(file: &str, source: &str, format: &Format) -> Vec<Block> {
    let document = Html::parse_document(source);
    let root = document.root_element();
    let mut blocks = title_hints(file, &document);
    // First the whole page, to find the article by its part headings; then the article alone.
    let page = BlockReader::read(file, root);
    let article = article_root(&document, &page, format);
    match article
        .and_then(|id| document.tree.get(id))
        .and_then(ElementRef::wrap)
    {
        Some(article) if article.id() != root.id() => {
            blocks.extend(BlockReader::read(file, article).blocks)
        }
        _ => blocks.extend(page.blocks),
    }
    blocks
}

/// The page's own statements of its title, in order of precedence: the `ArticleTitle` and
/// `og:title` metadata, then the first heading elements (`h1`–`h3`, or an element whose class
/// names a title) and the `<title>` element with the site's name cut off.
fn title_hints(file: &str, document: &Html) -> Vec<Block> {
    let mut hints: Vec<String> = Vec::new();
    let mut push = |text: String| {
        let text = collapse_spaces(&text);
        if !text.is_empty() && !hints.contains(&text) {
            hints.push(text);
        }
    };
    for node in document.tree.nodes() {
        let Some(element) = node.value().as_element() else {
            continue;
        };
        if element.name() == "meta" {
            let name = element
                .attr("name")
                .or_else(|| element.attr("property"))
                .unwrap_or_default()
                .to_ascii_lowercase();
            if matches!(name.as_str(), "articletitle" | "og:title" | "title")
                && let Some(content) = element.attr("content")
            {
                push(content.to_string());
            }
        }
    }
    for node in document.tree.nodes() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let name = element.value().name();
        let titled_class = element
            .value()
            .attr("class")
            .is_some_and(|c| c.to_ascii_lowercase().contains("title"));
        if matches!(name, "h1" | "h2" | "h3") || (titled_class && is_block(name)) {
            let text: String = element.text().collect();
            // A heading is a line, not a section of the page.
            if text.chars().count() <= 120 {
                push(text);
            }
        }
    }
    for node in document.tree.nodes() {
        if let Some(element) = ElementRef::wrap(node)
            && element.value().name() == "title"
        {
            let text: String = element.text().collect();
            push(without_site_name(&text));
        }
    }
    hints
        .into_iter()
        .map(|text| {
            Block::TitleHint(Para {
                text,
                loc: Location::file(file),
            })
        })
        .collect()
}

/// A page title without the site's and column's names after it
/// (`…年度报告_政府信息公开年报_平潭综合实验区党工委管委会`, `… - 某市人民政府`, `… | 某局`): the
/// first piece that names a report, else the first piece.
fn without_site_name(title: &str) -> String {
    let pieces: Vec<&str> = title
        .split(['_', '|', '｜'])
        .flat_map(|p| p.split(" - "))
        .flat_map(|p| p.split("——"))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    pieces
        .iter()
        .find(|p| p.contains("报告"))
        .or(pieces.first())
        .map(|p| p.to_string())
        .unwrap_or_default()
}

/// The innermost element holding (nearly) all the part headings the page shows: the article.
/// `None` when the page shows fewer than two part headings.
fn article_root(document: &Html, page: &BlockReader, format: &Format) -> Option<NodeId> {
    let headings = PartHeadings::new(format);
    let mut marks: std::collections::HashMap<NodeId, u64> = std::collections::HashMap::new();
    let mut depths: std::collections::HashMap<NodeId, usize> = std::collections::HashMap::new();
    let mut all = 0u64;
    for (para, owner) in &page.paragraphs {
        let Some((number, _)) = headings.find(para) else {
            continue;
        };
        let bit = 1u64 << (number.min(63));
        all |= bit;
        let mut chain = Vec::new();
        let mut node = document.tree.get(*owner);
        while let Some(n) = node {
            chain.push(n.id());
            node = n.parent();
        }
        // Depths come with the walk up: no second walk per element (deep pages stay linear).
        let len = chain.len();
        for (i, id) in chain.into_iter().enumerate() {
            *marks.entry(id).or_default() |= bit;
            depths.insert(id, len - 1 - i);
        }
    }
    let wanted = all.count_ones();
    if wanted < 2 {
        return None;
    }
    // Nearly all: a heading-like line in a side bar must not pull the article up to the body.
    let enough = wanted - wanted / 5;
    marks
        .iter()
        .filter(|(_, mask)| mask.count_ones() >= enough)
        .map(|(id, _)| (depths.get(id).copied().unwrap_or(0), *id))
        .max_by_key(|(d, id)| (*d, std::cmp::Reverse(*id)))
        .map(|(_, id)| id)
}

/// Reads blocks under one element.
struct BlockReader<'a> {
    file: &'a str,
    blocks: Vec<Block>,
    /// Each paragraph's text with the element it was read in (to find the article).
    paragraphs: Vec<(String, NodeId)>,
    buffer: String,
    paragraph_count: usize,
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
        "script"
            | "style"
            | "head"
            | "noscript"
            | "template"
            | "iframe"
            | "svg"
            | "object"
            | "select"
            | "button"
            | "input"
            | "textarea"
    )
}

impl<'a> BlockReader<'a> {
    fn read(file: &'a str, top: ElementRef) -> BlockReader<'a> {
        let mut reader = BlockReader {
            file,
            blocks: Vec::new(),
            paragraphs: Vec::new(),
            buffer: String::new(),
            paragraph_count: 0,
            tables: 0,
        };
        // The block element whose text is being collected, innermost last.
        let mut owners: Vec<NodeId> = vec![top.id()];
        // A subtree being passed over (skipped element or a table read as a grid).
        let mut passing: Option<NodeId> = None;
        for edge in top.traverse() {
            match edge {
                Edge::Open(node) => {
                    if passing.is_some() || node.id() == top.id() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(t) => reader.buffer.push_str(t),
                        Node::Element(e) => {
                            let name = e.name();
                            if is_skipped(name) {
                                passing = Some(node.id());
                            } else if name == "table"
                                && let Some(table) = ElementRef::wrap(node)
                                && !is_layout_table(table)
                            {
                                reader.flush(owners.last().copied());
                                reader.tables += 1;
                                reader
                                    .blocks
                                    .push(Block::Table(read_table(reader.tables, table)));
                                passing = Some(node.id());
                            } else if name == "br" {
                                reader.flush(owners.last().copied());
                            } else if is_block(name) {
                                reader.flush(owners.last().copied());
                                owners.push(node.id());
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if passing == Some(node.id()) {
                        passing = None;
                        continue;
                    }
                    if passing.is_some() || node.id() == top.id() {
                        continue;
                    }
                    if let Node::Element(e) = node.value()
                        && is_block(e.name())
                        && e.name() != "table"
                    {
                        reader.flush(owners.last().copied());
                        if owners.len() > 1 {
                            owners.pop();
                        }
                    }
                }
            }
        }
        reader.flush(owners.last().copied());
        reader
    }

    fn flush(&mut self, owner: Option<NodeId>) {
        let text = collapse_spaces(&self.buffer);
        self.buffer.clear();
        if text.is_empty() {
            return;
        }
        self.paragraph_count += 1;
        if let Some(owner) = owner {
            self.paragraphs.push((text.clone(), owner));
        }
        self.blocks.push(Block::Para(Para {
            text,
            loc: Location::paragraph(self.file, self.paragraph_count),
        }));
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
    let mut passing: Option<NodeId> = None;
    for edge in element.traverse() {
        match edge {
            Edge::Open(node) => {
                if passing.is_some() || node.id() == element.id() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => current.push_str(t),
                    Node::Element(e) => {
                        if is_skipped(e.name()) {
                            passing = Some(node.id());
                        } else if e.name() == "br" || is_block(e.name()) {
                            lines.push(std::mem::take(&mut current));
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if passing == Some(node.id()) {
                    passing = None;
                } else if passing.is_none()
                    && node.id() != element.id()
                    && node
                        .value()
                        .as_element()
                        .is_some_and(|e| is_block(e.name()))
                {
                    lines.push(std::mem::take(&mut current));
                }
            }
        }
    }
    lines.push(current);
    lines
        .iter()
        .map(|l| collapse_spaces(l))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
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
        lines: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names_are_cut_from_page_titles() {
        assert_eq!(
            without_site_name(
                "平潭综合实验区2023年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会"
            ),
            "平潭综合实验区2023年度政府信息公开工作年度报告"
        );
        assert_eq!(
            without_site_name("某市人民政府 - 某局2024年政府信息公开工作年度报告"),
            "某局2024年政府信息公开工作年度报告"
        );
        assert_eq!(without_site_name("首页"), "首页");
    }
}
