//! From paragraphs to the report's structure: title → metadata, opening, the six parts with
//! their sub-headings, closing (signature and date). Shared by every document kind; text files
//! first have their lines joined into paragraphs here.

use std::sync::OnceLock;

use nianbao_model::legacy::LegacyUse;
use nianbao_model::text::{normalize_label, parse_date_line as parse_date, split_enumerator};
use nianbao_model::{Finding, Format, Location, Paragraph, ParagraphLevel, PartText, Report};
use regex::Regex;

use crate::tables;
use crate::text::{Lines, SourceLine};
use crate::{Imported, TableValues};

/// A paragraph of the source with its place.
#[derive(Debug, Clone)]
pub(crate) struct Para {
    pub text: String,
    pub loc: Location,
}

/// A cell of a table grid at its top-left position.
#[derive(Debug, Clone)]
pub(crate) struct GridCell {
    pub r: usize,
    pub c: usize,
    pub rowspan: usize,
    pub text: String,
}

/// A table with merges resolved: `slots[r][c]` is the index of the cell covering it.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    /// 1-based number of the table in the document.
    pub index: usize,
    pub slots: Vec<Vec<Option<usize>>>,
    pub cells: Vec<GridCell>,
    /// For a table made of a text file's lines: the line number of each grid row (values are
    /// then located by line). Empty for DOCX and HTML tables.
    pub lines: Vec<usize>,
}

/// What a DOCX or HTML document is made of.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    Para(Para),
    Table(Grid),
    /// A statement of the document's title outside its body (a web page's `<title>`,
    /// `ArticleTitle` metadata, a heading above the article), in order of precedence: read for
    /// 机关名称 and 年度 when the body has no title line, never taken for prose.
    TitleHint(Para),
}

/// Longest paragraph that can be a heading line (part heading, title line, signature).
const HEADING_MAX_CHARS: usize = 40;
/// Longest run-in sub-heading (`（一）主动公开情况。`).
const RUN_IN_MAX_CHARS: usize = 30;

/// Builds the report from DOCX or HTML blocks. `None` when the document holds nothing.
/// `recognised`: whether the blocks hold a statistics table, when the reader already found out
/// (a DOCX read with [`TableValues::Skip`] recognises tables as it reads); not asked again.
pub(crate) fn build_from_blocks(
    file: &str,
    blocks: &[Block],
    format: &Format,
    table_values: TableValues,
    recognised: Option<bool>,
) -> Option<Imported> {
    let mut paras = Vec::new();
    let mut grids = Vec::new();
    let mut hints = Vec::new();
    let (blocks, second) = first_report_blocks(blocks, format);
    for block in blocks {
        match block {
            Block::TitleHint(p) => hints.push(p.clone()),
            Block::Para(p) => {
                // A line break inside a paragraph separates lines that are read as paragraphs
                // (a two-line title, a signature above its date).
                for line in p.text.split('\n') {
                    let text = clean(line);
                    if !text.is_empty() {
                        paras.push(Para {
                            text,
                            loc: p.loc.clone(),
                        });
                    }
                }
            }
            Block::Table(g) => grids.push(g),
        }
    }
    if paras.is_empty()
        && grids
            .iter()
            .all(|g| g.cells.iter().all(|c| c.text.trim().is_empty()))
    {
        return None;
    }
    let mut report = Report::default();
    report.meta.format = format.id.clone();
    let mut findings: Vec<Finding> = second.into_iter().collect();
    let mut legacy = LegacyUse::default();
    let has_tables = match recognised {
        Some(recognised) if table_values == TableValues::Skip => recognised,
        _ => !tables::map_grids(
            file,
            &grids,
            format,
            &tables::TableLabels::shared(format),
            table_values,
            &mut report,
            &mut findings,
            &mut legacy,
        )
        .is_empty(),
    };
    findings.extend(legacy.findings(format, Location::file(file)));
    assemble(
        paras,
        &hints,
        format,
        &PartHeadings::new(format),
        &mut report,
        &mut findings,
    );
    Some(Imported {
        report,
        findings,
        has_tables,
    })
}

/// Builds the report from the lines of a text or Markdown file.
pub(crate) fn build_from_lines(
    file: &str,
    lines: &Lines,
    format: &Format,
    table_values: TableValues,
) -> Option<Imported> {
    if lines.lines.iter().all(SourceLine::is_blank) {
        return None;
    }
    let part_headings = PartHeadings::new(format);
    let split = part_headings.split_inline(lines);
    let (split, second) = first_report_lines(file, split, format);
    let lines = &split;
    let headings: Vec<Option<u8>> = lines
        .lines
        .iter()
        .map(|l| {
            if l.footer || l.is_tab_row() {
                None
            } else {
                part_headings.find(&l.text).map(|(n, _)| n)
            }
        })
        .collect();
    let paragraphs = form_paragraphs(file, lines, &headings);

    let mut report = Report::default();
    report.meta.format = format.id.clone();
    let mut findings: Vec<Finding> = second.into_iter().collect();
    // Each table is looked for in its own part (between its heading and the next), or in the
    // whole text when the part heading is missing.
    let heading_lines: Vec<(usize, u8)> = lines
        .lines
        .iter()
        .zip(&headings)
        .filter_map(|(l, h)| h.map(|n| (l.no, n)))
        .collect();
    // The same by index (a crawled line cut at its headings gives pieces of one line number).
    let heading_at: Vec<(usize, u8)> = headings
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.map(|n| (i, n)))
        .collect();
    let region_of = |number: u8| -> Option<(usize, usize)> {
        let pos = heading_at.iter().position(|(_, n)| *n == number)?;
        let start = heading_at.get(pos).map(|(i, _)| *i)?;
        let end = heading_at
            .get(pos + 1)
            .map(|(i, _)| *i)
            .unwrap_or(lines.lines.len());
        Some((start + 1, end))
    };
    // Lines inside the part of a table whose heading was found: a table whose heading is
    // missing is looked for only outside those.
    let headed: Vec<(usize, usize)> = format
        .parts
        .iter()
        .filter(|p| p.table.is_some())
        .filter_map(|p| region_of(p.number))
        .collect();
    // Tables with their part's heading first, so that the others search what is left.
    let mut specs: Vec<(
        &nianbao_model::format::TableSpec,
        Option<&nianbao_model::format::PartSpec>,
    )> = format
        .tables
        .iter()
        .map(|spec| {
            let part = format
                .parts
                .iter()
                .find(|p| p.table.as_deref() == Some(spec.id.as_str()));
            (spec, part)
        })
        .collect();
    specs.sort_by_key(|(_, part)| part.and_then(|p| region_of(p.number)).is_none());
    let mut table_parts: Vec<u8> = Vec::new();
    let mut has_tables = false;
    // Text tables are found by reading their rows, so with `TableValues::Skip` they are read
    // into a report and findings that are then dropped.
    let mut skipped_report = Report::default();
    let mut skipped_findings = Vec::new();
    let (table_report, table_findings) = match table_values {
        TableValues::Read => (&mut report, &mut findings),
        TableValues::Skip => (&mut skipped_report, &mut skipped_findings),
    };
    let mut legacy = LegacyUse::default();
    let mut read_regions: Vec<(usize, usize)> = Vec::new();
    let mut grid_tables: std::collections::BTreeSet<String> = Default::default();
    let mut grid_count = 0usize;
    for (spec, part) in specs {
        let region = part.and_then(|p| region_of(p.number));
        let (start, end) = region.unwrap_or((0, lines.lines.len()));
        let region_lines: Vec<&SourceLine> = lines
            .lines
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                *i >= start
                    && *i < end
                    && !l.footer
                    && !l.is_blank()
                    && (region.is_some() || !headed.iter().any(|(s, e)| i >= s && i < e))
            })
            .map(|(_, l)| l)
            .collect();
        let found = match tables::text_layout(&region_lines, format) {
            layout @ (tables::TextLayout::Cells | tables::TextLayout::OnePerLine) => {
                // A region holding several tables (no part headings) is read once, as one grid.
                let region_key = (start, end);
                if !read_regions.contains(&region_key) {
                    read_regions.push(region_key);
                    grid_count += 1;
                    let grid = tables::text_grid(grid_count, &region_lines, layout, format);
                    grid_tables.extend(tables::map_grids(
                        file,
                        &[&grid],
                        format,
                        &tables::TableLabels::shared(format),
                        TableValues::Read,
                        table_report,
                        table_findings,
                        &mut legacy,
                    ));
                }
                grid_tables.contains(&spec.id)
            }
            tables::TextLayout::Flattened => crate::flat::map_flat(
                file,
                &region_lines,
                spec,
                format,
                table_report,
                table_findings,
                &mut legacy,
            ),
            tables::TextLayout::Columns => tables::map_text(
                file,
                &region_lines,
                spec,
                format,
                region.is_some(),
                table_report,
                table_findings,
                &mut legacy,
            ),
        };
        has_tables |= found;
        if found && let (Some(p), Some(_)) = (part, region) {
            table_parts.push(p.number);
        }
    }
    table_findings.extend(legacy.findings(format, Location::file(file)));
    // The lines of a table that was read are not prose.
    let mut paras = Vec::new();
    let mut current_part: Option<u8> = None;
    for (para, first_line) in paragraphs {
        if let Some(n) = part_headings.find(&para.text).map(|(n, _)| n)
            && heading_lines.iter().any(|(no, _)| *no == first_line)
        {
            current_part = Some(n);
            paras.push(para);
            continue;
        }
        if current_part.is_some_and(|n| table_parts.contains(&n)) {
            continue;
        }
        paras.push(para);
    }
    assemble(
        paras,
        &[],
        format,
        &part_headings,
        &mut report,
        &mut findings,
    );
    Some(Imported {
        report,
        findings,
        has_tables,
    })
}

/// Where a second report starts: the first title line (a short line that reads as a title)
/// whose year differs from the first title's. A file holding two years' reports is read as the
/// first; the warning says what was left out.
fn second_title<'t>(
    texts: impl Iterator<Item = (usize, &'t str)>,
    format: &Format,
) -> Option<(usize, i32, i32, String)> {
    let mut first: Option<i32> = None;
    for (i, text) in texts {
        // A link to another year's report (`上一篇：…2022年…`) is no second report.
        if text.chars().nth(HEADING_MAX_CHARS + 20).is_some() || is_furniture(text) {
            continue;
        }
        let key = compact(text);
        let key = key
            .strip_prefix("标题:")
            .or_else(|| key.strip_prefix("标题："))
            .unwrap_or(&key);
        let Some((_, year)) = format.read_title(key) else {
            continue;
        };
        match first {
            None => first = Some(year),
            Some(y) if y != year => return Some((i, y, year, text.trim().to_string())),
            Some(_) => {}
        }
    }
    None
}

fn second_report_finding(kept: i32, other: i32, title: &str, place: Location) -> Finding {
    Finding::warning(
        "import.second_report",
        format!("文件中还有一份 {other} 年度的报告（“{title}”起），已只读取前面的 {kept} 年度报告"),
    )
    .at(place)
    .expected_found(
        format!("一份 {kept} 年度报告"),
        format!("另有 {other} 年度报告"),
    )
    .hint("一个文件只放一份报告：请把另一年度的报告删除或另存为单独的文件。")
}

/// The blocks of the first report, and a warning when a report of another year follows it.
fn first_report_blocks<'b>(blocks: &'b [Block], format: &Format) -> (&'b [Block], Option<Finding>) {
    let texts = blocks.iter().enumerate().filter_map(|(i, b)| match b {
        Block::Para(p) => Some((i, p.text.as_str())),
        _ => None,
    });
    match second_title(texts, format) {
        Some((at, kept, other, title)) => {
            let place = match blocks.get(at) {
                Some(Block::Para(p)) => p.loc.clone(),
                _ => Location::default(),
            };
            (
                blocks.get(..at).unwrap_or(blocks),
                Some(second_report_finding(kept, other, &title, place)),
            )
        }
        None => (blocks, None),
    }
}

/// The lines of the first report, and a warning when a report of another year follows it.
fn first_report_lines(file: &str, mut lines: Lines, format: &Format) -> (Lines, Option<Finding>) {
    let texts = lines
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i, l.text.as_str()));
    let Some((at, kept, other, title)) = second_title(texts, format) else {
        return (lines, None);
    };
    let place = lines
        .lines
        .get(at)
        .map(|l| Location::line(file, l.no))
        .unwrap_or_default();
    lines.lines.truncate(at);
    (
        lines,
        Some(second_report_finding(kept, other, &title, place)),
    )
}

/// Joins the lines of a text file into paragraphs (with the number of their first line).
///
/// Three layouts are told apart: Markdown (blank lines separate paragraphs), text where each
/// line is a paragraph (typed or copied from a web page), and PDF text (pdftotext) where an
/// indented line starts a paragraph and the following unindented lines continue it, across
/// blank lines and page footers. Part headings and tab-separated table rows always stand alone.
fn form_paragraphs(file: &str, lines: &Lines, headings: &[Option<u8>]) -> Vec<(Para, usize)> {
    let is_text = |i: usize| {
        lines.lines.get(i).is_some_and(|l| {
            !l.footer
                && !l.is_blank()
                && !l.is_tab_row()
                && headings.get(i).copied().flatten().is_none()
        })
    };
    let indented = (0..lines.lines.len())
        .filter(|&i| is_text(i) && lines.lines.get(i).is_some_and(SourceLine::is_indented))
        .count();
    let continuations = (1..lines.lines.len())
        .filter(|&i| {
            is_text(i) && is_text(i - 1) && lines.lines.get(i).is_some_and(|l| !l.is_indented())
        })
        .count();
    // In PDF text most lines continue a paragraph; text whose lines stand apart (blank lines
    // between them, a few header lines together) is not wrapped, even with indented headings.
    let text_lines = (0..lines.lines.len()).filter(|&i| is_text(i)).count();
    let indent_mode =
        !lines.markdown && indented >= 2 && continuations >= 2 && continuations * 4 >= text_lines;

    let mut out: Vec<(Para, usize)> = Vec::new();
    let mut current: Option<(String, usize)> = None;
    let flush = |current: &mut Option<(String, usize)>, out: &mut Vec<(Para, usize)>| {
        if let Some((text, first)) = current.take() {
            let text = clean(&text);
            if !text.is_empty() {
                out.push((
                    Para {
                        text,
                        loc: Location::line(file, first),
                    },
                    first,
                ));
            }
        }
    };
    for (i, line) in lines.lines.iter().enumerate() {
        if line.footer {
            continue;
        }
        if line.is_blank() {
            if !indent_mode {
                flush(&mut current, &mut out);
            }
            continue;
        }
        let standalone = line.is_tab_row() || headings.get(i).copied().flatten().is_some();
        if standalone {
            flush(&mut current, &mut out);
            current = Some((line.text.clone(), line.no));
            flush(&mut current, &mut out);
            continue;
        }
        let starts_new = if indent_mode {
            line.is_indented()
        } else {
            !lines.markdown
        };
        match (&mut current, starts_new) {
            (Some((text, _)), false) => join_wrapped(text, &line.text),
            _ => {
                flush(&mut current, &mut out);
                current = Some((clean(&line.text), line.no));
            }
        }
    }
    flush(&mut current, &mut out);
    out
}

/// Appends a wrapped line: Chinese text joins without a space; two Latin words or numbers
/// keep one.
fn join_wrapped(text: &mut String, line: &str) {
    let line = clean(line);
    let ends_latin = text
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let starts_latin = line
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if ends_latin && starts_latin {
        text.push(' ');
    }
    text.push_str(&line);
}

/// Trims spaces of every width (including the ideographic space of indentation) and zero-width
/// characters at both ends.
fn clean(text: &str) -> String {
    trim_clean(text).to_string()
}

fn trim_clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}'))
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// [`PartHeadings::find`] with the headings normalised for this one call.
#[cfg(test)]
pub(crate) fn match_part_heading(text: &str, format: &Format) -> Option<(u8, String)> {
    PartHeadings::new(format).find(text)
}

/// The format's part headings and their variants, normalised once per read, with the numerals
/// a part heading may start with.
pub(crate) struct PartHeadings {
    /// Per part: its number and its normalised heading and variants, in the format's order.
    parts: Vec<(u8, Vec<String>)>,
    /// Per part: the heading and variants as written after their numeral (`二、主动公开政府信息情况`),
    /// without white space, to find headings run into a line.
    written: Vec<(u8, Vec<String>)>,
    /// `一` … : the numerals of parts, with their numbers.
    numerals: Vec<(usize, String)>,
}

impl PartHeadings {
    pub(crate) fn new(format: &Format) -> Self {
        PartHeadings {
            parts: format
                .parts
                .iter()
                .map(|part| {
                    let candidates = std::iter::once(&part.heading)
                        .chain(&part.variants)
                        .map(|c| normalize_label(c))
                        .collect();
                    (part.number, candidates)
                })
                .collect(),
            numerals: (1..=format.parts.len().max(6))
                .map(|n| (n, nianbao_model::format::chinese_numeral(n)))
                .collect(),
            written: format
                .parts
                .iter()
                .map(|part| {
                    let numeral = nianbao_model::format::chinese_numeral(part.number as usize);
                    let candidates = std::iter::once(&part.heading)
                        .chain(&part.variants)
                        .map(|c| format!("{numeral}、{}", compact(c)))
                        .collect();
                    (part.number, candidates)
                })
                .collect(),
        }
    }

    /// Text copied by a site crawler runs the whole report into one line: a line in which at
    /// least three part headings stand in order (`一、总体情况2021年，…二、主动公开政府信息情况…`)
    /// is cut before and after each heading, the pieces keeping the line's number. Other lines
    /// stay as they are.
    pub(crate) fn split_inline(&self, lines: &Lines) -> Lines {
        let mut out = Vec::with_capacity(lines.lines.len());
        for line in &lines.lines {
            let cuts = self.inline_headings(&line.text);
            if cuts.len() < 3 {
                out.push(line.clone());
                continue;
            }
            let mut at = 0usize;
            for (start, end) in cuts {
                for (from, to) in [(at, start), (start, end)] {
                    if let Some(piece) = line.text.get(from..to)
                        && !piece.trim().is_empty()
                    {
                        out.push(SourceLine {
                            no: line.no,
                            text: piece.trim().to_string(),
                            footer: false,
                        });
                    }
                }
                at = end;
            }
            if let Some(rest) = line.text.get(at..)
                && !rest.trim().is_empty()
            {
                out.push(SourceLine {
                    no: line.no,
                    text: rest.trim().to_string(),
                    footer: false,
                });
            }
        }
        Lines {
            lines: out,
            markdown: lines.markdown,
        }
    }

    /// The byte ranges of part headings written into a line, in the parts' order, each after the
    /// one before. Only lines long enough to hold several parts are searched.
    fn inline_headings(&self, text: &str) -> Vec<(usize, usize)> {
        if text.chars().nth(200).is_none() {
            return Vec::new();
        }
        let mut found = Vec::new();
        let mut from = 0usize;
        for (_, candidates) in &self.written {
            let hit = candidates
                .iter()
                .filter_map(|c| {
                    text.get(from..)
                        .and_then(|rest| rest.find(c.as_str()))
                        .map(|i| (from + i, from + i + c.len()))
                })
                .min_by_key(|(start, end)| (*start, std::cmp::Reverse(*end)));
            if let Some((start, end)) = hit {
                found.push((start, end));
                from = end;
            }
        }
        found
    }

    /// Whether a paragraph is a part heading: the part's number and the heading as written.
    ///
    /// The heading is compared with the format's official heading and accepted variants after
    /// normalisation; a close wording (a typo such as `行政法复议`, a missing `的`) is accepted
    /// too when the heading starts with a part's numeral.
    pub(crate) fn find(&self, text: &str) -> Option<(u8, String)> {
        // Cheap checks first: a paragraph longer than a heading line is neither copied nor
        // counted to its end.
        let trimmed = trim_clean(text);
        if trimmed.is_empty() || trimmed.chars().nth(HEADING_MAX_CHARS).is_some() {
            return None;
        }
        let written = trimmed.to_string();
        let (enumerator, rest) = split_enumerator(&written);
        let numeral = enumerator.and_then(|e| {
            let e = e.trim_end_matches('、').trim();
            self.numerals
                .iter()
                .find(|(_, numeral)| numeral == e)
                .map(|(n, _)| *n)
        });
        if enumerator.is_some() && numeral.is_none() {
            // `（一）…` or `1.` are sub-headings, never parts.
            return None;
        }
        let wanted = normalize_label(rest.trim_end_matches(['。', '.', '：', ':']));
        if wanted.is_empty() {
            return None;
        }
        best_part(&self.parts, &wanted, numeral).map(|n| (n, written))
    }
}

/// The part a normalised heading names: the same wording, or with a numeral of a part, a close
/// one.
fn best_part(parts: &[(u8, Vec<String>)], wanted: &str, numeral: Option<usize>) -> Option<u8> {
    if let Some((number, _)) = parts
        .iter()
        .find(|(_, candidates)| candidates.iter().any(|c| c == wanted))
    {
        return Some(*number);
    }
    // A close wording counts only under a part's numeral.
    numeral?;
    let mut best: Option<(f64, u8)> = None;
    for (number, candidates) in parts {
        for official in candidates {
            let score = strsim::normalized_levenshtein(official, wanted);
            // A heading with its own number may drift further than one that only matches the
            // next part's number.
            let threshold = if numeral == Some(*number as usize) {
                0.75
            } else {
                0.85
            };
            if score >= threshold && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, *number));
            }
        }
    }
    best.map(|(_, n)| n)
}

/// A short line without sentence punctuation: a signature, a title line.
fn is_name_line(text: &str) -> bool {
    text.chars().count() <= HEADING_MAX_CHARS
        && !text.contains(['。', '，', '；', '：', ',', ';', ':', '！', '？'])
        && split_enumerator(text).0.is_none()
}

/// Reads the title from the first paragraphs: `<机关名称><年度>年政府信息公开工作年度报告` on one
/// line or on two (机关名称 / `2024年政府信息公开工作年度报告`). Returns how many paragraphs the
/// title and anything above it (navigation text of a web page) take.
fn read_title(paras: &[Para], format: &Format, report: &mut Report) -> Option<usize> {
    // The title as a key to match: no spaces, no book-title marks around it.
    let key = |text: &str| {
        let text = compact(text);
        let text = text.trim_start_matches('#');
        let text = text
            .strip_prefix("标题:")
            .or_else(|| text.strip_prefix("标题："))
            .unwrap_or(text);
        text.trim_matches(['《', '》']).to_string()
    };
    let parse = |text: &str| format.read_title(text);
    for (i, para) in paras.iter().enumerate().take(20) {
        let Some((org, year)) = parse(&key(&para.text)) else {
            // A title broken over two lines elsewhere than after the organisation's name.
            let prev = i.checked_sub(1).and_then(|j| paras.get(j));
            if let Some(prev) = prev.filter(|p| is_name_line(&p.text))
                && let Some((org, year)) = parse(&format!("{}{}", key(&prev.text), key(&para.text)))
                && !org.is_empty()
                && is_name_line(&para.text)
            {
                report.meta.org = org;
                report.meta.year = year;
                return Some(i + 1);
            }
            continue;
        };
        let mut org = org;
        if org.is_empty()
            && let Some(prev) = i.checked_sub(1).and_then(|j| paras.get(j))
            && is_name_line(&prev.text)
        {
            org = key(&prev.text);
        }
        report.meta.org = org;
        report.meta.year = year;
        return Some(i + 1);
    }
    None
}

/// Splits a paragraph into its level and run-in heading by the official numbering:
/// `（一）` Sub1, `1.` / `1、` Sub2, `（1）` Sub3. A short numbered line alone is a heading; a
/// numbered sentence followed by more text is a run-in heading of a body paragraph.
pub(crate) fn classify(text: &str) -> Paragraph {
    let (enumerator, rest) = split_enumerator(text);
    let Some(enumerator) = enumerator else {
        return Paragraph::body(text);
    };
    let inner_is_chinese = enumerator
        .chars()
        .any(|c| "一二三四五六七八九十".contains(c));
    let level = match (enumerator.starts_with(['（', '(']), inner_is_chinese) {
        (true, true) => ParagraphLevel::Sub1,
        (true, false) => ParagraphLevel::Sub3,
        (false, false) => ParagraphLevel::Sub2,
        // `一、` inside a part is not one of the part headings: plain text.
        (false, true) => return Paragraph::body(text),
    };
    if let Some(stop) = rest.find('。') {
        let heading_chars = rest[..stop].chars().count();
        let after = rest[stop + '。'.len_utf8()..].trim();
        if !after.is_empty() && heading_chars <= RUN_IN_MAX_CHARS {
            let split = text.len() - rest.len() + stop + '。'.len_utf8();
            let (run_in, body) = text.split_at(split);
            return Paragraph {
                level: ParagraphLevel::Body,
                run_in: Some(run_in.trim_start().to_string()),
                text: body.trim_start().to_string(),
                source: None,
            };
        }
    }
    let sentence_inside = rest.trim_end_matches('。').contains('。');
    if text.chars().count() <= HEADING_MAX_CHARS && !sentence_inside {
        return Paragraph::heading(level, text);
    }
    Paragraph::body(text)
}

fn paragraph_of(para: &Para) -> Paragraph {
    let mut p = classify(&para.text);
    p.source = Some(para.loc.clone());
    p
}

/// Places the paragraphs: title, opening, parts, closing.
fn assemble(
    paras: Vec<Para>,
    hints: &[Para],
    format: &Format,
    part_headings: &PartHeadings,
    report: &mut Report,
    findings: &mut Vec<Finding>,
) {
    // Page furniture copied with the text (`发布时间：…`, `附件下载`) is not the report, and a
    // prompt of the draft template left in is never filed.
    let paras: Vec<Para> = paras
        .into_iter()
        .filter_map(|mut p| {
            if is_furniture(&p.text) {
                return None;
            }
            if format.is_template_note(&p.text) {
                findings.push(
                    Finding::warning(
                        "draft.template_text",
                        format!(
                            "草稿中留有模板的提示文字“{}”，生成报告时已略去",
                            p.text.trim()
                        ),
                    )
                    .at(p.loc.clone())
                    .expected_found("报告正文", p.text.trim().to_string())
                    .hint("请删除草稿中的提示文字，或改写为本单位的实际情况。"),
                );
                return None;
            }
            p.text = without_breadcrumb(&p.text).to_string();
            Some(p)
        })
        .collect();
    let paras = with_closing_apart(paras);
    let file_loc = paras
        .first()
        .and_then(|p| p.loc.file.clone())
        .map(Location::file)
        .unwrap_or_default();
    let headings: Vec<Option<(u8, String)>> =
        paras.iter().map(|p| part_headings.find(&p.text)).collect();
    let first_heading = headings
        .iter()
        .position(Option::is_some)
        .unwrap_or(paras.len());
    let front = paras.get(..first_heading).unwrap_or_default();
    let mut title_end = read_title(front, format, report);
    // The page's own statements of its title (metadata, headings, `<title>`), each alone.
    let stated: Vec<(String, i32, &str)> = hints
        .iter()
        .filter_map(|hint| {
            let mut probe = Report::default();
            read_title(std::slice::from_ref(hint), format, &mut probe)?;
            Some((probe.meta.org, probe.meta.year, hint.text.as_str()))
        })
        .collect();
    // The article's own title first; without one, the page's first statement.
    let taken: Option<(String, i32, String)> = match title_end {
        Some(end) => Some((
            report.meta.org.clone(),
            report.meta.year,
            front
                .get(..end)
                .unwrap_or_default()
                .iter()
                .map(|p| p.text.trim())
                .collect(),
        )),
        None => stated.first().map(|(org, year, text)| {
            report.meta.org = org.clone();
            report.meta.year = *year;
            title_end = Some(0);
            (org.clone(), *year, text.to_string())
        }),
    };
    // A statement naming another body or year is said, once.
    if let Some((org, year, taken)) = &taken
        && let Some((_, _, other)) = stated.iter().find(|(o, y, _)| o != org || y != year)
    {
        findings.push(
            Finding::warning(
                "import.meta_conflict",
                format!(
                    "网页对报告标题的写法不一致：“{taken}”与“{other}”，已按前者读取机关名称和年度（正文标题优先，其次网页的标题元数据、页面上的标题、浏览器标签页的标题）"
                ),
            )
            .at(file_loc.clone())
            .expected_found(taken.clone(), other.to_string())
            .hint("请核对报告的机关名称和年度；如前者有误，请用 --org、--year 或 report.toml 指定。"),
        );
    }
    if title_end.is_none()
        && let Some((end, org, year, written)) = garbled_title(front)
    {
        report.meta.org = org;
        report.meta.year = year;
        title_end = Some(end);
        findings.push(
            Finding::warning(
                "import.title_wording",
                format!("标题“{written}”的文字有误，已按“{}{}年政府信息公开工作年度报告”读取机关名称和年度", report.meta.org, year),
            )
            .at(front.get(end.saturating_sub(1)).map(|p| p.loc.clone()).unwrap_or(file_loc.clone()))
            .expected_found(format!("{}{}年政府信息公开工作年度报告", report.meta.org, year), written)
            .hint("请改正标题的文字。"),
        );
    }
    if title_end.is_none() && !paras.is_empty() {
        findings.push(
            Finding::warning(
                "import.title_missing",
                "未能从标题识别机关名称和年度（应为“<机关名称><年度>年政府信息公开工作年度报告”）",
            )
            .at(paras
                .first()
                .map(|p| p.loc.clone())
                .unwrap_or(file_loc.clone()))
            .expected_found(
                format
                    .title
                    .pattern
                    .replace("{org}", "<机关名称>")
                    .replace("{year}", "<年度>"),
                paras.first().map(|p| p.text.clone()).unwrap_or_default(),
            )
            .hint("请用 --org 和 --year 指定机关名称和年度，或在文档开头写出完整标题。"),
        );
    }
    if report.meta.year == 0
        && let Some(((year, stated), para)) = paras
            .iter()
            .find_map(|p| Some((nianbao_model::text::stated_year(&p.text)?, p)))
    {
        report.meta.year = year;
        findings.push(
            Finding::info(
                "import.year_from_period",
                format!("标题中没有年度，已按正文所述“{stated}”取为 {year} 年"),
            )
            .at(para.loc.clone())
            .hint("请在文档开头写出完整标题，或用 --year 指定年度。"),
        );
    }
    report.opening = front
        .get(title_end.unwrap_or(0)..)
        .unwrap_or_default()
        .iter()
        .map(paragraph_of)
        .collect();
    report.meta.contact = report
        .opening
        .iter()
        .flat_map(|p| contact_items(&p.text))
        .collect();
    let mut part: Option<PartText> = None;
    for (para, heading) in paras.iter().zip(&headings).skip(first_heading) {
        if let Some((number, written)) = heading {
            if let Some(done) = part.take() {
                report.parts.push(done);
            }
            part = Some(PartText {
                number: *number,
                heading_as_written: Some(written.clone()),
                source: Some(para.loc.clone()),
                paragraphs: Vec::new(),
            });
        } else if let Some(p) = part.as_mut() {
            p.paragraphs.push(paragraph_of(para));
        }
    }
    if let Some(done) = part.take() {
        report.parts.push(done);
    }
    if report.parts.is_empty() && !paras.is_empty() {
        findings.push(
            Finding::warning(
                "import.parts_missing",
                "未识别到任何部分标题（如“一、总体情况”），全部正文已作为开头段读取",
            )
            .at(file_loc)
            .expected_found("一、总体情况 … 六、其他需要报告的事项", "（无）")
            .hint("请按官方格式用“一、”“二、”等编号书写六个部分的标题。"),
        );
    }
    let tail = match report.parts.last_mut() {
        Some(last) => &mut last.paragraphs,
        None => &mut report.opening,
    };
    report.closing = take_closing(tail, &report.meta.org);
    if let Some(date) = report.closing.last().and_then(|p| parse_date(&p.text)) {
        report.meta.date = Some(date);
    }
}

/// Keys of the lines a web page or its crawler puts around an article (`发布时间：2022-01-14 17:29`,
/// `来源：…`, `点击数：`): never the report's text, never its values.
const FURNITURE_KEYS: [&str; 23] = [
    "发布时间",
    "发布日期",
    "成文日期",
    "文号",
    "发文字号",
    "发布机构",
    "发文机关",
    "栏目",
    "原文链接",
    "本地目录",
    "来源",
    "信息来源",
    "时间",
    "索引号",
    "主题分类",
    "浏览次数",
    "点击数",
    "访问量",
    "字号",
    "分享到",
    "生效日期",
    "所属机构",
    "发布单位",
];

/// Whole lines of page furniture.
const FURNITURE_LINES: [&str; 8] = [
    "附件下载",
    "打印本页",
    "关闭窗口",
    "打印",
    "关闭",
    "【打印】",
    "【关闭】",
    "返回顶部",
];

/// The words of a site's link bar and footer (`网站地图 | 联系我们 | 使用帮助`): a line made of
/// nothing else is page furniture.
const SITE_LINKS: [&str; 18] = [
    "网站地图",
    "联系我们",
    "关于我们",
    "使用帮助",
    "网站声明",
    "隐私声明",
    "免责声明",
    "无障碍",
    "无障碍浏览",
    "长者模式",
    "适老化",
    "繁体",
    "简体",
    "English",
    "手机版",
    "移动版",
    "首页",
    "返回首页",
];

/// Keys of a site's footer lines (`主办：…　承办：…`) and its links to the next report
/// (`上一篇：…2022年…年度报告`).
const FOOTER_KEYS: [&str; 9] = [
    "主办",
    "主办单位",
    "承办",
    "承办单位",
    "技术支持",
    "网站标识码",
    "上一篇",
    "下一篇",
    "相关链接",
];

/// Whether a paragraph is page furniture: a `键：值` line of the page's header or footer, a
/// crawler's note (`页面链接与图片详见…`, `==== 正文 ====`), a button's text (`【打印本页】
/// 【关闭窗口】`), a link bar, or the site's registration (`ICP备`, `公网安备`, `版权所有`).
fn is_furniture(text: &str) -> bool {
    let t = compact(text);
    if FURNITURE_LINES.contains(&t.as_str()) || t.starts_with("页面链接与图片详见") {
        return true;
    }
    if t.len() >= 6 && t.chars().all(|c| c == '=' || c == '-' || c == '*') {
        return true;
    }
    if let Some(inner) = t.strip_prefix("====")
        && inner.trim_matches('=').chars().count() <= 10
    {
        return true;
    }
    let short = t.chars().count() <= 120;
    let keyed = |keys: &[&str]| {
        keys.iter().any(|key| {
            t.strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('：'))
        })
    };
    if short && (keyed(&FURNITURE_KEYS) || keyed(&FOOTER_KEYS)) {
        return true;
    }
    // Buttons: `【打印本页】【关闭窗口】`, `[打印] [关闭]`.
    let buttons = t.split(['】', ']']).filter(|b| !b.is_empty()).all(|b| {
        b.strip_prefix('【')
            .or_else(|| b.strip_prefix('['))
            .is_some_and(|inner| (1..=8).contains(&inner.chars().count()))
    });
    if !t.is_empty() && buttons {
        return true;
    }
    if short
        && [
            "ICP备",
            "公网安备",
            "版权所有",
            "Copyright",
            "copyright",
            "©",
        ]
        .iter()
        .any(|mark| t.contains(mark))
    {
        return true;
    }
    let links: Vec<&str> = text
        .split(['|', '｜', '丨', '·', ' ', '\u{3000}', '\t'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    !links.is_empty() && links.iter().all(|w| SITE_LINKS.contains(w))
}

/// A breadcrumb and share bar run into the first paragraph of a crawled page
/// (`当前位置： 首页政务公开… 来源：… 微信 微博 … 相关链接： --> 根据《条例》…`): the text after the
/// bar's last piece.
fn without_breadcrumb(text: &str) -> &str {
    let t = text.trim_start();
    if !["当前位置", "您的位置", "您当前的位置", "您现在的位置"]
        .iter()
        .any(|p| t.starts_with(p))
    {
        return text;
    }
    let head_end = t.char_indices().nth(400).map(|(i, _)| i).unwrap_or(t.len());
    let head = t.get(..head_end).unwrap_or(t);
    let cut = [
        "-->",
        "相关链接：",
        "相关链接:",
        "文件下载",
        "文字版",
        "【打印】",
        "【关闭】",
    ]
    .iter()
    .filter_map(|m| head.rfind(m).map(|i| i + m.len()))
    .max();
    match cut {
        Some(i) => t.get(i..).map(str::trim_start).unwrap_or(text),
        None => text,
    }
}

/// A crawled page runs the last paragraph, the signature and the date into one line
/// (`…无收取信息处理费情况。 平潭综合实验区公安局2022年1月7日 附件下载`): the button's text goes, and
/// the signature and date become lines of their own, as the closing is written.
fn with_closing_apart(mut paras: Vec<Para>) -> Vec<Para> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(last) = paras.last_mut() else {
        return paras;
    };
    let mut text = last.text.trim_end().to_string();
    while let Some(word) = FURNITURE_LINES
        .iter()
        .find(|w| text.ends_with(&format!(" {w}")))
    {
        text.truncate(text.len() - word.len());
        text = text.trim_end().to_string();
    }
    last.text = text;
    let Some(re) = RE
        .get_or_init(|| {
            Regex::new(r"^(?P<body>.*[。；！？])\s*(?P<sign>[^。；！？，,\s]{2,40}?)?\s*(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)$").ok()
        })
        .as_ref()
    else {
        return paras;
    };
    let Some(caps) = re.captures(&last.text) else {
        return paras;
    };
    let (Some(body), Some(date)) = (caps.name("body"), caps.name("date")) else {
        return paras;
    };
    let pieces: Vec<String> = [Some(body), caps.name("sign"), Some(date)]
        .into_iter()
        .flatten()
        .map(|m| m.as_str().trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let loc = last.loc.clone();
    paras.pop();
    paras.extend(pieces.into_iter().map(|text| Para {
        text,
        loc: loc.clone(),
    }));
    paras
}

/// The official wording after the year in a title, for telling a garbled title
/// (`昌图县七家子镇2023年政府信息公开 工作告年度报`: characters swapped) from another line.
const TITLE_WORDS: &str = "政府信息公开工作年度报告";

/// A title line whose words after `<year>年` hold nearly the official characters in another
/// order: (paragraphs taken, 机关名称, 年度, the line as written).
fn garbled_title(front: &[Para]) -> Option<(usize, String, i32, String)> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| {
            Regex::new(
                r"^(?P<org>[^，。：:；]{2,40}?)(?P<year>(?:19|20)\d{2})年度?(?P<rest>.{8,16})$",
            )
            .ok()
        })
        .as_ref()?;
    for (i, para) in front.iter().enumerate().take(20) {
        let text = compact(&para.text);
        let Some(caps) = re.captures(&text) else {
            continue;
        };
        let rest = caps.name("rest").map_or("", |m| m.as_str());
        let mut wanted: Vec<char> = TITLE_WORDS.chars().collect();
        let mut shared = 0usize;
        for c in rest.chars() {
            if let Some(at) = wanted.iter().position(|w| *w == c) {
                wanted.swap_remove(at);
                shared += 1;
            }
        }
        let total = TITLE_WORDS.chars().count();
        if shared * 10 >= total * 8 && rest.chars().count() <= total + 2 {
            let org = caps.name("org").map_or("", |m| m.as_str()).to_string();
            let year = caps.name("year")?.as_str().parse().ok()?;
            return Some((i + 1, org, year, para.text.clone()));
        }
    }
    None
}

fn contact_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(地址|通讯地址|邮编|邮政编码|联系电话|电话|传真|电子邮箱|邮箱)\s*[:：]\s*([^，,。；;（）()\s][^，,。；;（）()]*)").ok()
    })
    .as_ref()
}

/// Contact items of the opening paragraph (`地址：淮安市翔宇南道1号`, `电话：0517-83605210`).
fn contact_items(text: &str) -> Vec<String> {
    contact_re()
        .into_iter()
        .flat_map(|re| re.captures_iter(text))
        .filter_map(|c| {
            Some(format!(
                "{}：{}",
                c.get(1)?.as_str(),
                c.get(2)?.as_str().trim()
            ))
        })
        .collect()
}

/// Removes the closing block from the end of the last part: a date line and the signature
/// lines above it, or a last line that is the organisation's name.
fn take_closing(paragraphs: &mut Vec<Paragraph>, org: &str) -> Vec<Paragraph> {
    let mut start = paragraphs.len();
    let last_is_date = paragraphs
        .last()
        .is_some_and(|p| p.run_in.is_none() && parse_date(&p.text).is_some());
    if last_is_date {
        start -= 1;
        let mut signature_lines = 0;
        while start > 0 && signature_lines < 2 {
            let Some(p) = paragraphs.get(start - 1) else {
                break;
            };
            if p.run_in.is_some() || p.level != ParagraphLevel::Body || !is_name_line(&p.text) {
                break;
            }
            start -= 1;
            signature_lines += 1;
        }
    } else if !org.is_empty()
        && paragraphs
            .last()
            .is_some_and(|p| compact(&p.text) == compact(org))
    {
        start -= 1;
    }
    paragraphs.split_off(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statistics_period_or_the_announcement_states_the_year() {
        for (text, year) in [
            (
                "根据有关要求，现将我局2020年度政府信息公开情况报告如下。",
                Some(2020),
            ),
            (
                "现将本机关2023年政府信息公开工作年度报告公布如下",
                Some(2023),
            ),
            ("现将有关情况报告如下", None),
            (
                "本报告所列数据的统计期限为2024年1月1日至2024年12月31日。",
                Some(2024),
            ),
            ("统计期限自2023年1月1日起至2023年12月31日止", Some(2023)),
            ("2023年1月1日—2024年12月31日", None),
            ("截止2023年12月31日", None),
        ] {
            assert_eq!(
                nianbao_model::text::stated_year(text).map(|(y, _)| y),
                year,
                "{text}"
            );
        }
    }

    #[test]
    fn part_headings_drift_and_typos() {
        let f = Format::national_2021();
        assert_eq!(match_part_heading("一、总体情况", f).map(|h| h.0), Some(1));
        assert_eq!(
            match_part_heading("四、政府信息公开行政复议和行政诉讼情况", f).map(|h| h.0),
            Some(4)
        );
        assert_eq!(
            match_part_heading("四、政府信息公开行政法复议、行政诉讼的情况", f).map(|h| h.0),
            Some(4)
        );
        assert_eq!(
            match_part_heading("五、政府信息公开工作存在的主要问题及改进情况", f).map(|h| h.0),
            Some(5)
        );
        assert_eq!(
            match_part_heading("六、其他需要说明的事项", f).map(|h| h.0),
            Some(6)
        );
        // Table rows and sub-headings are not parts.
        assert_eq!(
            match_part_heading("一、本年新收政府信息公开申请数量", f),
            None
        );
        assert_eq!(match_part_heading("四、结转下年度继续办理", f), None);
        assert_eq!(match_part_heading("（一）主动公开", f), None);
        assert_eq!(match_part_heading("三、本年度办理结果", f), None);
    }

    #[test]
    fn run_in_and_standalone_sub_headings() {
        let p = classify("（一）主动公开情况。2024年，市政府网站主动公开");
        assert_eq!(p.level, ParagraphLevel::Body);
        assert_eq!(p.run_in.as_deref(), Some("（一）主动公开情况。"));
        assert_eq!(p.text, "2024年，市政府网站主动公开");
        let p = classify("（一）主动公开");
        assert_eq!(
            (p.level, p.run_in, p.text.as_str()),
            (ParagraphLevel::Sub1, None, "（一）主动公开")
        );
        assert_eq!(classify("1.加强培训").level, ParagraphLevel::Sub2);
        assert_eq!(classify("（2）专项检查").level, ParagraphLevel::Sub3);
        assert_eq!(classify("2024年，本机关").level, ParagraphLevel::Body);
    }

    #[test]
    fn titles_in_their_forms() {
        let read = |lines: &[&str]| {
            let paras: Vec<Para> = lines
                .iter()
                .map(|t| Para {
                    text: t.to_string(),
                    loc: Location::default(),
                })
                .collect();
            let mut report = Report::default();
            let end = read_title(&paras, Format::national_2021(), &mut report);
            (report.meta.org, report.meta.year, end)
        };
        let want = |end: usize| ("淮安市人民政府".to_string(), 2024, Some(end));
        assert_eq!(
            read(&["淮安市人民政府2024年政府信息公开工作年度报告"]),
            want(1)
        );
        assert_eq!(
            read(&["淮安市人民政府", "2024 年政府信息公开工作年度报告"]),
            want(2)
        );
        assert_eq!(
            read(&["淮安市人民政府2024年度政府信息公开", "工作年度报告"]),
            want(2)
        );
        assert_eq!(
            read(&["《淮安市人民政府2024年政府信息公开工作年度报告》"]),
            want(1)
        );
        assert_eq!(
            read(&["首页", "淮安市人民政府关于2024年政府信息公开工作年度报告"]),
            want(2)
        );
        assert_eq!(read(&["一、总体情况"]), (String::new(), 0, None));
    }

    #[test]
    fn closing_dates() {
        assert_eq!(parse_date("2025年1月16日").as_deref(), Some("2025-01-16"));
        assert_eq!(
            parse_date("2025 年 1 月 16 日").as_deref(),
            Some("2025-01-16")
        );
        assert_eq!(
            parse_date("二〇二五年一月十六日").as_deref(),
            Some("2025-01-16")
        );
        assert_eq!(
            parse_date("二〇二五年十二月三十一日").as_deref(),
            Some("2025-12-31")
        );
        assert_eq!(parse_date("2025年13月1日"), None);
        assert_eq!(parse_date("截至2025年1月16日"), None);
    }
}
