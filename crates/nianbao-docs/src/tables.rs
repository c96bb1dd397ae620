//! Table values from documents. Grids (DOCX and HTML tables, merges resolved; a text's
//! table lines) are turned into the model's [`CellGrid`] and read by its one recogniser
//! ([`nianbao_model::recognise`]), the same as a workbook's sheets; the values are the placed
//! cells' text read with their fields' kinds. pdftotext columns, where labels wrap over several
//! lines around the numbers, have a reader of their own here ([`map_text`]), and so do a
//! crawler's flattened lines (`crate::flat`). Nothing is guessed: a row whose numbers cannot be
//! found, or whose cells were joined without a separator (`801000081`), is an error finding and
//! gets no values.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, OnceLock};

use nianbao_model::format::{CellRole, TableSpec, ValueKind};
use nianbao_model::labels::{How, MIN_CONTAINED_CHARS};
use nianbao_model::legacy::LegacyUse;
use nianbao_model::recognise::{
    self, CellGrid, Columns, Locate, Recogniser, Span, assemble, field_kind, is_value_token,
    kinds_of, table_findings,
};
use nianbao_model::report::parse_value_text;
use nianbao_model::text::{normalize_label, split_enumerator};
use nianbao_model::{Cell, Finding, Format, Location, Report, ValueKey};
use regex::Regex;

use crate::TableValues;
use crate::structure::{Grid, GridCell};
use crate::text::SourceLine;

/// A labelled row of a table: where its values go and the labels it may be written with.
#[derive(Clone)]
struct RowTarget {
    table: Arc<TableSpec>,
    row: String,
    fields: Vec<String>,
    /// Normalised label and aliases.
    labels: Vec<String>,
}

/// A table without row labels (table 4): its values are read by position.
fn is_positional(spec: &TableSpec) -> bool {
    spec.rows.iter().all(|row| {
        spec.cells
            .iter()
            .filter(|c| c.row.as_deref() == Some(row.key.as_str()))
            .all(|c| c.role != CellRole::Label)
    })
}

/// The labelled runs of value cells of a table, in reading order: each row key with its fields.
fn row_runs(spec: &TableSpec) -> Vec<(&str, Vec<String>)> {
    let mut runs: Vec<_> = spec.values.iter().collect();
    runs.sort_by_key(|r| (r.r, r.c));
    runs.into_iter()
        .map(|run| {
            let fields = spec
                .run_fields(run)
                .into_iter()
                .map(str::to_string)
                .collect();
            (run.row.as_str(), fields)
        })
        .collect()
}

/// The rows of a labelled table as the text readers look for them, with the recogniser's own
/// spellings of each (2021 ones only: these readers cannot tell a 2019 column from a 2021 one).
fn row_targets(recogniser: &Recogniser, table: usize, spec: &Arc<TableSpec>) -> Vec<RowTarget> {
    row_runs(spec)
        .into_iter()
        .map(|(row, fields)| RowTarget {
            table: Arc::clone(spec),
            row: row.to_string(),
            fields,
            labels: recogniser
                .row_spellings(table, row)
                .into_iter()
                .filter(|(_, mapping)| mapping.is_none())
                .map(|(norm, _)| norm.to_string())
                .collect(),
        })
        .collect()
}

fn glued_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(.*[^0-9.．０-９])([0-9０-９]{2,})$").ok())
        .as_ref()
}

/// Collects values into the report and reports what went wrong, per table.
struct Collector<'r> {
    format: &'r Format,
    report: &'r mut Report,
    findings: &'r mut Vec<Finding>,
    /// Rows read, per table id.
    found: BTreeMap<String, BTreeSet<String>>,
}

impl<'r> Collector<'r> {
    fn new(format: &'r Format, report: &'r mut Report, findings: &'r mut Vec<Finding>) -> Self {
        Collector {
            format,
            report,
            findings,
            found: BTreeMap::new(),
        }
    }

    fn value_location(&self, place: &Location, key: &ValueKey) -> Location {
        place
            .clone()
            .with_value(key.to_string(), self.format.value_label(key))
    }

    /// Stores one row's values: all cells when their number matches the fields, else the
    /// non-blank ones when those match; otherwise an error finding.
    fn row(&mut self, target: &RowTarget, cells: &[(String, Location)], row_place: &Location) {
        let n = target.fields.len();
        let nonblank: Vec<&(String, Location)> =
            cells.iter().filter(|(t, _)| !t.trim().is_empty()).collect();
        let chosen: Option<Vec<&(String, Location)>> = if cells.len() == n {
            Some(cells.iter().collect())
        } else if nonblank.len() == n {
            Some(nonblank.clone())
        } else {
            None
        };
        let display = target.table.row_display(&target.row);
        let table_name = target.table.name.clone();
        let already_read = target.fields.iter().all(|f| {
            self.report
                .values
                .contains_key(&ValueKey::new(&target.row, f))
        });
        if already_read {
            // The row stood earlier and was read there: a second occurrence (a copy of the
            // table, or text quoting it) is not used, whatever its cells hold.
            self.findings.push(
                Finding::warning(
                    "import.row_duplicate",
                    format!("{table_name}“{display}”一行出现不止一次，已采用第一次出现的数值"),
                )
                .at(row_place.clone()),
            );
            return;
        }
        let Some(chosen) = chosen else {
            let joined = n > 1
                && nonblank.len() == 1
                && nonblank.first().is_some_and(|(t, _)| {
                    t.trim().chars().filter(char::is_ascii_digit).count() >= n
                });
            let found: Vec<&str> = nonblank.iter().map(|(t, _)| t.trim()).collect();
            let finding = if joined {
                Finding::error(
                    "import.cells_joined",
                    format!(
                        "{table_name}“{display}”一行的数字连在一起（“{}”），无法分辨各单元格的数值，未导入",
                        found.join(" ")
                    ),
                )
                .expected_found(format!("{n} 个分开的数值"), found.join(" "))
                .hint("复制时单元格之间的分隔丢失了：请从原文件重新复制（保留制表符或空格），或改用 DOCX、HTML 或 Excel 版本。")
            } else {
                Finding::error(
                    "import.row_values",
                    format!(
                        "{table_name}“{display}”一行应有 {n} 个数值，实际读到 {} 个，未导入",
                        found.len()
                    ),
                )
                .expected_found(
                    format!("{n} 个数值"),
                    format!("{} 个：{}", found.len(), found.join(" ")),
                )
                .hint("请核对该行是否缺少单元格或多出内容。")
            };
            self.findings.push(finding.at(row_place.clone()));
            self.mark(target);
            return;
        };
        let mut duplicate = false;
        for (field, (text, place)) in target.fields.iter().zip(chosen) {
            let key = ValueKey::new(&target.row, field);
            if self.report.values.contains_key(&key) {
                duplicate = true;
                continue;
            }
            let source = self.value_location(place, &key);
            self.report.values.insert(
                key,
                Cell {
                    value: parse_value_text(text, field_kind(&target.table, field)),
                    source: Some(source),
                },
            );
        }
        if duplicate {
            self.findings.push(
                Finding::warning(
                    "import.row_duplicate",
                    format!("{table_name}“{display}”一行出现不止一次，已采用第一次出现的数值"),
                )
                .at(row_place.clone()),
            );
        }
        self.mark(target);
    }

    fn mark(&mut self, target: &RowTarget) {
        self.found
            .entry(target.table.id.clone())
            .or_default()
            .insert(target.row.clone());
    }

    /// Table 4: the values by position in the format's value-cell order.
    fn positional(&mut self, spec: &TableSpec, cells: &[(String, Location)]) {
        for (vc, (text, place)) in spec.value_cells().iter().zip(cells) {
            if self.report.values.contains_key(&vc.key) {
                continue;
            }
            let source = self.value_location(place, &vc.key);
            self.report.values.insert(
                vc.key.clone(),
                Cell {
                    value: parse_value_text(text, field_kind(spec, &vc.key.field)),
                    source: Some(source),
                },
            );
        }
        let rows = self.found.entry(spec.id.clone()).or_default();
        rows.extend(spec.rows.iter().map(|r| r.key.clone()));
    }

    /// The rows of a table that was found but not read: one finding for the table, naming them
    /// all (a report cut short, or a table copied in part, says so once).
    fn report_missing(&mut self, spec: &TableSpec, place: &Location) {
        let Some(found) = self.found.get(&spec.id) else {
            return;
        };
        let runs = row_runs(spec);
        let missing: Vec<(&str, usize)> = runs
            .iter()
            .filter(|(row, _)| !found.contains(*row))
            .map(|(row, fields)| (*row, fields.len()))
            .collect();
        if missing.is_empty() {
            return;
        }
        let values: usize = missing.iter().map(|(_, n)| n).sum();
        let names: Vec<String> = missing
            .iter()
            .map(|(row, _)| format!("“{}”", spec.row_display(row)))
            .collect();
        const NAMED: usize = 6;
        let mut listed: Vec<String> = names.iter().take(NAMED).cloned().collect();
        if names.len() > NAMED {
            listed.push(format!("等 {} 行", names.len()));
        }
        let read = runs.len() - missing.len();
        self.findings.push(
            Finding::warning(
                "import.row_missing",
                format!(
                    "{}共 {} 行，读到 {read} 行；未找到以下 {} 行的数值（{values} 个），按未填写处理：{}",
                    spec.name,
                    runs.len(),
                    missing.len(),
                    listed.join("、")
                ),
            )
            .at(place.clone())
            .expected_found(
                format!("{}的全部 {} 行", spec.name, runs.len()),
                format!("缺少 {} 行", missing.len()),
            )
            .hint("请核对该表是否完整（原文是否被截断、复制时是否漏行）；缺少的数值不会被推测补齐。"),
        );
    }
}

/// A labelled table of the format with its row targets (for the text readers).
struct LabelledSpec {
    /// The table's number in the format (as the recogniser numbers it).
    index: usize,
    spec: Arc<TableSpec>,
    targets: Vec<RowTarget>,
}

/// The format's table labels, normalised once per format ([`TableLabels::of`], kept with the
/// format by [`Format::derived`]): the model's recogniser, the row targets of the text readers,
/// column headers, and the kinds of value the tables hold.
pub(crate) struct TableLabels {
    kinds: Vec<ValueKind>,
    recogniser: Arc<Recogniser>,
    labelled: Vec<LabelledSpec>,
    /// Every column header label of the format, normalised.
    headers: HashSet<String>,
}

impl TableLabels {
    /// The format's labels, made once per format.
    pub(crate) fn shared(format: &Format) -> Arc<TableLabels> {
        format.derived(TableLabels::of)
    }

    fn of(format: &Format) -> Self {
        let headers: HashSet<String> = format
            .tables
            .iter()
            .flat_map(|t| t.fields.iter())
            .flat_map(|f| std::iter::once(&f.label).chain(f.aliases.iter()))
            .map(|l| normalize_label(l))
            .filter(|l| !l.is_empty())
            .collect();
        let recogniser = Recogniser::of(format);
        let labelled = format
            .tables
            .iter()
            .enumerate()
            .filter(|(_, t)| !is_positional(t))
            .map(|(index, spec)| {
                let spec = Arc::new(spec.clone());
                LabelledSpec {
                    index,
                    targets: row_targets(&recogniser, index, &spec),
                    spec,
                }
            })
            .collect();
        TableLabels {
            kinds: kinds_of(format.tables.iter()),
            recogniser,
            labelled,
            headers,
        }
    }
}

impl TableLabels {
    /// Whether a grid is one of the format's statistics tables (or a piece of one, or its 2019
    /// layout), by the model's one recogniser.
    pub(crate) fn recognises(&self, grid: &Grid) -> bool {
        self.recogniser.recognises(&cell_grid(grid, &self.kinds))
    }
}

/// A document's table as the recogniser sees it: each cell at its top-left slot with its text,
/// its merged region from the slots it covers; a text's table lines as cells in order, their
/// columns unknown.
fn cell_grid(grid: &Grid, kinds: &[ValueKind]) -> CellGrid {
    let columns = if grid.lines.is_empty() {
        Columns::Table
    } else {
        Columns::Lines
    };
    let mut cells = CellGrid::new(columns);
    let mut extent: BTreeMap<usize, (usize, usize, usize, usize)> = BTreeMap::new();
    for (r, slots) in grid.slots.iter().enumerate() {
        for (c, id) in slots.iter().enumerate() {
            if let Some(id) = id {
                extent
                    .entry(*id)
                    .and_modify(|e| {
                        e.0 = e.0.min(r);
                        e.1 = e.1.min(c);
                        e.2 = e.2.max(r);
                        e.3 = e.3.max(c);
                    })
                    .or_insert((r, c, r, c));
            }
        }
    }
    let coord = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    for (id, cell) in grid.cells.iter().enumerate() {
        cells.cells.insert(
            (coord(cell.r), coord(cell.c)),
            recognise::GridCell::of_text(&cell.text, kinds),
        );
        if let Some(&(r0, c0, r1, c1)) = extent.get(&id)
            && (r0, c0) != (r1, c1)
        {
            cells.merges.push(Span {
                r0: coord(r0),
                c0: coord(c0),
                r1: coord(r1),
                c1: coord(c1),
            });
        }
    }
    cells
}

/// Where things are in a document's grids: a table's cell, or a text's line.
struct GridPlaces<'g> {
    file: &'g str,
    grids: &'g [&'g Grid],
}

impl GridPlaces<'_> {
    /// The grid and the cell's zero-based row and column.
    fn cell_of(&self, grid: usize, r: u32, c: u32) -> Option<(&Grid, usize, usize)> {
        let g = self.grids.get(grid)?;
        Some((g, r as usize, c as usize))
    }
}

impl Locate for GridPlaces<'_> {
    fn cell(&self, grid: usize, r: u32, c: u32) -> Location {
        match self.cell_of(grid, r, c) {
            Some((g, r, c)) => grid_place(self.file, g, Some((r, c))),
            None => Location::file(self.file),
        }
    }
    fn address(&self, grid: usize, r: u32, c: u32) -> String {
        match self.cell_of(grid, r, c) {
            Some((g, r, _)) if !g.lines.is_empty() => {
                let line = g.lines.get(r).or(g.lines.first()).copied().unwrap_or(1);
                format!("第{line}行")
            }
            Some((_, r, c)) => format!("第{}行第{}列", r + 1, c + 1),
            None => String::new(),
        }
    }
    fn grid(&self, grid: usize) -> Location {
        match self.grids.get(grid) {
            Some(g) => grid_place(self.file, g, None),
            None => Location::file(self.file),
        }
    }
    fn grid_name(&self, grid: usize) -> String {
        match self.grids.get(grid) {
            Some(g) if !g.lines.is_empty() => {
                let line = g.lines.first().copied().unwrap_or(1);
                format!("第{line}行起的表格")
            }
            Some(g) => format!("第{}个表格", g.index),
            None => String::new(),
        }
    }
}

/// Reads every grid with the model's one recogniser: each table of the format from the grids
/// that hold it (a table split over two grids reads as one), values as the cells' text read
/// with their fields' kinds. With [`TableValues::Skip`] the tables are only recognised, by the
/// same rules: nothing is stored and nothing reported. A 2019 table is read through the
/// format's mappings, and what it showed of the 2019 layout is added to `legacy` (reported once
/// for the document). Returns the ids of the tables found.
#[allow(clippy::too_many_arguments)]
pub(crate) fn map_grids(
    file: &str,
    grids: &[&Grid],
    format: &Format,
    labels: &TableLabels,
    table_values: TableValues,
    report: &mut Report,
    findings: &mut Vec<Finding>,
    legacy: &mut LegacyUse,
) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    if table_values == TableValues::Skip {
        // Only whether there is a statistics table matters: the first one found answers.
        if grids.iter().any(|g| labels.recognises(g)) {
            seen.insert(String::new());
        }
        return seen;
    }
    let cell_grids: Vec<CellGrid> = grids
        .iter()
        .map(|grid| cell_grid(grid, &labels.kinds))
        .collect();
    let cell_refs: Vec<&CellGrid> = cell_grids.iter().collect();
    let places = GridPlaces { file, grids };
    let mut reads = Vec::with_capacity(format.tables.len());
    for (index, spec) in format.tables.iter().enumerate() {
        let placements = cell_grids
            .iter()
            .map(|g| labels.recogniser.place(index, g))
            .collect();
        let read = assemble(spec, placements);
        if !read.found() {
            reads.push(read);
            continue;
        }
        seen.insert(spec.id.clone());
        for (g, key, (r, c)) in read.values() {
            if report.values.contains_key(key) {
                continue;
            }
            let text = cell_refs.get(g).map_or("", |grid| grid.text(r, c));
            let source = places
                .cell(g, r, c)
                .with_value(key.to_string(), format.value_label(key));
            report.values.insert(
                key.clone(),
                Cell {
                    value: parse_value_text(text, field_kind(spec, &key.field)),
                    source: Some(source),
                },
            );
        }
        findings.extend(table_findings(spec, &read, &cell_refs, &places));
        reads.push(read);
    }
    legacy.add(LegacyUse::in_grids(format, &cell_refs, &reads, &places));
    seen
}

/// Where a grid (or one of its cells, by zero-based row and column) is: its table and cell in
/// a document, or the line of a text file the cell was read from.
fn grid_place(file: &str, grid: &Grid, cell: Option<(usize, usize)>) -> Location {
    if !grid.lines.is_empty() {
        let row = cell.map_or(0, |(r, _)| r);
        let line = grid
            .lines
            .get(row)
            .or(grid.lines.first())
            .copied()
            .unwrap_or(1);
        return Location::line(file, line);
    }
    Location {
        file: Some(file.to_string()),
        table: Some(grid.index),
        table_cell: cell.map(|(r, c)| (r + 1, c + 1)),
        ..Location::default()
    }
}

/// A 2019 table in lines whose columns cannot be told apart (pdftotext columns, a crawler's
/// glued digits): refused once per table, and its marker added to what the document showed of
/// the 2019 layout. Whether the lines held one.
pub(crate) fn refuse_legacy_columns(
    lines: &[&SourceLine],
    spec: &TableSpec,
    format: &Format,
    place: Location,
    findings: &mut Vec<Finding>,
    legacy: &mut LegacyUse,
) -> bool {
    let Some(marker) =
        nianbao_model::legacy::marker_in(format, lines.iter().map(|l| l.text.as_str()))
    else {
        return false;
    };
    let finding = nianbao_model::legacy::columns_unknown(spec, &marker, &[], vec![place.clone()]);
    if !findings
        .iter()
        .any(|f| f.rule == finding.rule && f.message == finding.message)
    {
        findings.push(finding);
    }
    if !legacy.markers.contains(&place) {
        legacy.markers.push(place);
    }
    true
}

/// A line of text read as a possible table row.
struct TextRow {
    no: usize,
    /// The label text, normalised.
    label: String,
    /// The label's pieces as the line separates them (a group's words, then the item's:
    /// `（四）无法`, `1.本机关不掌握相`), each normalised.
    pieces: Vec<String>,
    /// Cells after the label (tab rows keep blank cells between values).
    cells: Vec<String>,
}

fn text_row(line: &SourceLine, kinds: &[ValueKind]) -> TextRow {
    let no = line.no;
    if line.is_tab_row() {
        let cells: Vec<&str> = line.text.split('\t').map(str::trim).collect();
        let label_end = cells
            .iter()
            .rposition(|c| !c.is_empty() && !is_value_token(c, kinds))
            .map_or(0, |i| i + 1);
        let pieces: Vec<String> = cells
            .get(..label_end)
            .unwrap_or_default()
            .iter()
            .map(|c| normalize_label(c))
            .filter(|p| !p.is_empty())
            .collect();
        let label = pieces.concat();
        let mut after: Vec<String> = cells
            .get(label_end..)
            .unwrap_or_default()
            .iter()
            .map(|c| c.to_string())
            .collect();
        while after.last().is_some_and(String::is_empty) {
            after.pop();
        }
        if after.iter().all(String::is_empty) {
            after.clear();
        }
        return TextRow {
            no,
            label,
            pieces,
            cells: after,
        };
    }
    let tokens: Vec<&str> = line.text.split_whitespace().collect();
    let run = tokens
        .iter()
        .rev()
        .take_while(|t| is_value_token(t, kinds))
        .count();
    let split = tokens.len() - run;
    let mut label_tokens: Vec<String> = tokens
        .get(..split)
        .unwrap_or_default()
        .iter()
        .map(|t| t.to_string())
        .collect();
    let mut cells: Vec<String> = tokens
        .get(split..)
        .unwrap_or_default()
        .iter()
        .map(|t| t.to_string())
        .collect();
    if cells.is_empty()
        && let Some(last) = label_tokens.last().cloned()
        && let Some(caps) = glued_re().and_then(|re| re.captures(&last))
        && let (Some(prefix), Some(digits)) = (caps.get(1), caps.get(2))
    {
        // Digits glued to the label (`数量801000081`): the row's cells lost their separators.
        cells.push(digits.as_str().to_string());
        if let Some(l) = label_tokens.last_mut() {
            *l = prefix.as_str().to_string();
        }
    }
    // Normalise each piece: a group fragment or a vertical letter in front of an item keeps
    // the item's enumerator in the middle of the line (`本  2.其他法律…`).
    let pieces: Vec<String> = label_tokens
        .iter()
        .map(|t| normalize_label(t))
        .filter(|p| !p.is_empty())
        .collect();
    let label = pieces.concat();
    TextRow {
        no,
        label,
        pieces,
        cells,
    }
}

/// Whether a window of label text names a row: the whole label, or for a long label that wraps
/// around group fragments, its beginning and its end in order.
fn window_names(window: &str, labels: &[String]) -> bool {
    labels.iter().any(|label| {
        if window.contains(label.as_str()) {
            return true;
        }
        let chars: Vec<char> = label.chars().collect();
        if chars.len() <= 12 {
            return false;
        }
        let head: String = chars.iter().take(6).collect();
        let tail: String = chars.iter().skip(chars.len() - 6).collect();
        match window.find(&head) {
            Some(at) => window
                .get(at + head.len()..)
                .is_some_and(|rest| rest.contains(&tail)),
            None => false,
        }
    })
}

/// Reads one table from lines of text. `expected` tells that the lines are the table's own part
/// (its heading was found), so that a broken table there is reported. Returns whether any row
/// of the table was found.
#[allow(clippy::too_many_arguments)]
pub(crate) fn map_text(
    file: &str,
    lines: &[&SourceLine],
    spec: &TableSpec,
    format: &Format,
    expected: bool,
    report: &mut Report,
    findings: &mut Vec<Finding>,
    legacy: &mut LegacyUse,
) -> bool {
    if let Some(first) = lines.first()
        && refuse_legacy_columns(
            lines,
            spec,
            format,
            Location::line(file, first.no),
            findings,
            legacy,
        )
    {
        return false;
    }
    let kinds = kinds_of([spec]);
    let mut rows: Vec<TextRow> = lines.iter().map(|l| text_row(l, &kinds)).collect();
    // PDF text extracted without layout puts every cell on a line of its own: consecutive
    // lines holding one number each are the cells of one row.
    let mut k = 0;
    while k < rows.len() {
        let single = |r: &TextRow| r.label.is_empty() && r.cells.len() == 1;
        if rows.get(k).is_some_and(single) {
            let mut end = k + 1;
            while rows.get(end).is_some_and(single) {
                end += 1;
            }
            if end - k > 1 {
                let merged: Vec<String> = rows
                    .get_mut(k + 1..end)
                    .into_iter()
                    .flatten()
                    .flat_map(|r| std::mem::take(&mut r.cells))
                    .collect();
                if let Some(first) = rows.get_mut(k) {
                    first.cells.extend(merged);
                }
            }
            k = end;
        } else {
            k += 1;
        }
    }
    if !expected {
        // Without the part's heading the whole text is searched: only short lines can be rows,
        // so that a sentence ending in a number is never read as one.
        for row in &mut rows {
            if row.label.chars().count() > 40 && !row.cells.is_empty() {
                row.cells.clear();
            }
        }
    }
    let records: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.cells.is_empty())
        .map(|(i, _)| i)
        .collect();
    let mut collector = Collector::new(format, report, findings);
    let place = |row: &TextRow| Location::line(file, row.no);
    let cells_of = |row: &TextRow| -> Vec<(String, Location)> {
        row.cells.iter().map(|c| (c.clone(), place(row))).collect()
    };
    if is_positional(spec) {
        let n = spec.value_cells().len();
        let full = records
            .iter()
            .filter_map(|i| rows.get(*i))
            .find(|r| r.cells.iter().filter(|c| !c.is_empty()).count() == n);
        if let Some(row) = full {
            let cells: Vec<(String, Location)> = cells_of(row)
                .into_iter()
                .filter(|(c, _)| !c.is_empty())
                .collect();
            collector.positional(spec, &cells);
            return true;
        }
        let joined = records.iter().filter_map(|i| rows.get(*i)).find(|r| {
            r.cells.len() == 1
                && r.cells
                    .first()
                    .is_some_and(|c| c.chars().filter(char::is_ascii_digit).count() >= n)
        });
        let partial = records
            .iter()
            .filter_map(|i| rows.get(*i))
            .find(|r| r.cells.len() >= 5);
        if let Some(row) = joined.filter(|_| expected) {
            let digits = row.cells.join(" ");
            collector.findings.push(
                Finding::error(
                    "import.cells_joined",
                    format!("{}的数字连在一起（“{digits}”），无法分辨各单元格的数值，未导入", spec.name),
                )
                .at(place(row))
                .expected_found(format!("{n} 个分开的数值"), digits)
                .hint("复制时单元格之间的分隔丢失了：请从原文件重新复制（保留制表符或空格），或改用 DOCX、HTML 或 Excel 版本。"),
            );
        } else if let Some(row) = partial.filter(|_| expected) {
            collector.findings.push(
                Finding::error(
                    "import.row_values",
                    format!(
                        "{}应有一行 {n} 个数值，实际读到 {} 个，未导入",
                        spec.name,
                        row.cells.len()
                    ),
                )
                .at(place(row))
                .expected_found(format!("{n} 个数值"), row.cells.join(" ")),
            );
        }
        return false;
    }
    // The label text around each record: from the line after the previous record to the line
    // before the next one (wrapped labels sit above, on and below the numbers).
    let window = |k: usize| -> String {
        if records.get(k).is_none() {
            return String::new();
        }
        let from = k
            .checked_sub(1)
            .and_then(|p| records.get(p))
            .map_or(0, |p| p + 1);
        let to = records.get(k + 1).copied().unwrap_or(rows.len());
        rows.get(from..to)
            .unwrap_or_default()
            .iter()
            .map(|r| r.label.as_str())
            .collect()
    };
    // The same label text read column by column: a pdftotext row whose group and item labels
    // both wrap (`（四）无法  1.本机关不掌握相` over `提供  关政府信息`) continues each piece on
    // the lines below it, the last piece with the last (the item's words stand rightmost).
    let column_window = |k: usize| -> String {
        let Some(&at) = records.get(k) else {
            return String::new();
        };
        let Some(own) = rows.get(at) else {
            return String::new();
        };
        let to = records.get(k + 1).copied().unwrap_or(rows.len());
        let mut pieces = own.pieces.clone();
        for below in rows.get(at + 1..to).unwrap_or_default() {
            let offset = pieces.len().saturating_sub(below.pieces.len());
            for (i, piece) in below.pieces.iter().enumerate() {
                if let Some(into) = pieces.get_mut(offset + i) {
                    into.push_str(piece);
                }
            }
        }
        pieces.concat()
    };
    let shared = TableLabels::shared(format);
    let Some(labelled) = shared.labelled.iter().find(|l| l.spec.id == spec.id) else {
        return false;
    };
    let targets = &labelled.targets;
    // A record's own line naming a row by a close spelling (`申清`), by the recogniser's lookup.
    let own_label = |k: usize| {
        records
            .get(k)
            .and_then(|i| rows.get(*i))
            .map_or("", |r| r.label.as_str())
    };
    let close_to = |k: usize, target: &RowTarget| {
        let own = own_label(k);
        !own.is_empty()
            && shared
                .recogniser
                .row_named(labelled.index, own)
                .is_some_and(|(row, how)| row == target.row && how == How::Close)
    };
    let mut close: Vec<(String, Location)> = Vec::new();
    let mut cursor = 0usize;
    let mut first_place: Option<Location> = None;
    for target in targets {
        // The rows come in the format's order; one unrecognised record may be skipped.
        // A record whose own line names another row belongs to that row, even when the label
        // of this row sits in its window (this row's numbers are then missing).
        let names_other = |k: usize| {
            let own = records
                .get(k)
                .and_then(|i| rows.get(*i))
                .map_or("", |r| r.label.as_str());
            !own.is_empty()
                && !window_names(own, &target.labels)
                && targets.iter().any(|other| {
                    other.row != target.row
                        && other.labels.iter().any(|l| l.chars().count() >= 3)
                        && window_names(own, &other.labels)
                })
        };
        let named = |k: usize| {
            (window_names(&window(k), &target.labels)
                || window_names(&column_window(k), &target.labels))
                && !names_other(k)
        };
        let hit = (cursor..(cursor + 2).min(records.len()))
            .find(|&k| named(k))
            .or_else(|| (cursor..(cursor + 2).min(records.len())).find(|&k| close_to(k, target)));
        let Some(k) = hit else {
            continue;
        };
        cursor = k + 1;
        let Some(row) = records.get(k).and_then(|i| rows.get(*i)) else {
            continue;
        };
        if !named(k) {
            close.push((
                format!(
                    "第{}行“{}”按“{}”读取",
                    row.no,
                    row.label,
                    spec.row_display(&target.row)
                ),
                place(row),
            ));
        }
        first_place.get_or_insert_with(|| place(row));
        // The numbers stand between the whole labels of two rows, neither on their own line:
        // they may belong to either, so they belong to neither.
        let own_line_names_this = window_names(&row.label, &target.labels);
        let rival = targets.iter().find(|other| {
            other.row != target.row
                && other
                    .labels
                    .iter()
                    .any(|l| l.chars().count() >= MIN_CONTAINED_CHARS)
                && window_names(&window(k), &other.labels)
                && !other
                    .labels
                    .iter()
                    .any(|l| target.labels.iter().any(|t| t.contains(l.as_str())))
        });
        if let Some(rival) = rival.filter(|_| !own_line_names_this) {
            let numbers = row.cells.join(" ");
            collector.findings.push(
                Finding::error(
                    "import.row_ambiguous",
                    format!(
                        "{}第{}行的数字（{numbers}）位于“{}”与“{}”两行的标签之间，无法确定属于哪一行，未导入",
                        spec.name,
                        row.no,
                        spec.row_display(&target.row),
                        spec.row_display(&rival.row)
                    ),
                )
                .at(place(row))
                .expected_found("数字与其所在行的标签相邻", format!("两行标签之间的数字：{numbers}"))
                .hint("请核对原表，把数字放在所属行的标签同一行，或改用 DOCX、HTML 或 Excel 版本。"),
            );
            collector.mark(target);
            continue;
        }
        collector.row(target, &cells_of(row), &place(row));
    }
    let Some(first) = first_place else {
        return false;
    };
    if !close.is_empty() {
        let (list, places): (Vec<String>, Vec<Location>) = close.into_iter().unzip();
        collector.findings.push(
            Finding::info(
                "import.label_close",
                format!(
                    "{}中 {} 处行标签与官方写法略有出入，已按最接近的行读取：{}",
                    spec.name,
                    list.len(),
                    list.join("、")
                ),
            )
            .at_all(places)
            .hint("请核对这些标签，并改为官方写法。"),
        );
    }
    collector.report_missing(spec, &first);
    true
}

/// How the lines of a text table are laid out, which decides how they are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextLayout {
    /// Cells separated by `|` (a Markdown or site rendering) or tabs: each line a grid row.
    Cells,
    /// Every cell on a line of its own (text copied from some pages), or a row's values on the
    /// line under its label: a label line and the value lines below it make a grid row.
    OnePerLine,
    /// A crawler ran the table into one line, digits of a row glued together ([`crate::flat`]).
    Flattened,
    /// Columns aligned with spaces, labels wrapping around the numbers (pdftotext layout).
    Columns,
}

/// Splits a line into cells at `|` (either width) or tabs; `None` when it has neither. The
/// leading and trailing empty cells of `| a | b |` are not cells.
fn line_cells(text: &str) -> Option<Vec<String>> {
    let trimmed = text.trim_matches([' ', '\u{3000}']);
    let pipe = trimmed.contains(['|', '｜']);
    if !pipe && !trimmed.contains('\t') {
        return None;
    }
    let mut cells: Vec<String> = if pipe {
        trimmed
            .split(['|', '｜'])
            .map(|c| c.trim().to_string())
            .collect()
    } else {
        trimmed.split('\t').map(|c| c.trim().to_string()).collect()
    };
    if pipe && cells.first().is_some_and(String::is_empty) {
        cells.remove(0);
    }
    while cells.last().is_some_and(String::is_empty) {
        cells.pop();
    }
    Some(cells)
}

/// The layout of a table's lines.
pub(crate) fn text_layout(lines: &[&SourceLine], format: &Format) -> TextLayout {
    let labels = TableLabels::shared(format);
    let cells = lines
        .iter()
        .filter(|l| line_cells(&l.text).is_some_and(|c| c.len() >= 2))
        .count();
    if cells >= 3 {
        return TextLayout::Cells;
    }
    if crate::flat::is_flattened(lines, format) {
        return TextLayout::Flattened;
    }
    // Lines of values alone (`0`, or `40 1 0 0 2 0 43`) under a label line, against lines
    // holding a label and its values together (pdftotext's columns).
    let values_only = |l: &SourceLine| {
        let mut tokens = l.text.split_whitespace().peekable();
        tokens.peek().is_some() && tokens.all(|t| is_value_token(t, &labels.kinds))
    };
    let alone = lines.iter().filter(|l| values_only(l)).count();
    let together = lines
        .iter()
        .filter(|l| {
            let tokens: Vec<&str> = l.text.split_whitespace().collect();
            tokens.len() >= 2
                && tokens
                    .first()
                    .is_some_and(|t| !is_value_token(t, &labels.kinds))
                && tokens
                    .last()
                    .is_some_and(|t| is_value_token(t, &labels.kinds))
        })
        .count();
    if alone >= 4 && alone > together * 2 {
        return TextLayout::OnePerLine;
    }
    TextLayout::Columns
}

/// The lines of a text table as a grid, so that it is read by the same rules as a DOCX or HTML
/// table ([`map_grids`]). `index` numbers the grid among the document's tables.
pub(crate) fn text_grid(
    index: usize,
    lines: &[&SourceLine],
    layout: TextLayout,
    format: &Format,
) -> Grid {
    let labels = TableLabels::shared(format);
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut after_header = false;
    for line in lines {
        let text = line.text.trim();
        if text.is_empty() {
            continue;
        }
        if layout == TextLayout::Cells {
            match line_cells(text) {
                Some(cells) => rows.push((line.no, cells)),
                None => rows.push((line.no, vec![text.to_string()])),
            }
            continue;
        }
        // One cell a line: values join the row of the label above them. After a column header
        // (`总计` without an enumerator) they start a row of their own, without a label: the
        // numbers after the last header of 表四 are its value row.
        let tokens: Vec<&str> = text.split_whitespace().collect();
        if tokens.iter().all(|t| is_value_token(t, &labels.kinds)) {
            let values = tokens.iter().map(|t| t.to_string());
            match rows.last_mut() {
                Some((_, cells)) if !after_header => cells.extend(values),
                _ => rows.push((line.no, values.collect())),
            }
            after_header = false;
            continue;
        }
        after_header =
            labels.headers.contains(&normalize_label(text)) && split_enumerator(text).0.is_none();
        rows.push((line.no, vec![text.to_string()]));
    }
    let mut grid = Grid {
        index,
        slots: Vec::new(),
        cells: Vec::new(),
        lines: Vec::new(),
    };
    for (r, (no, cells)) in rows.into_iter().enumerate() {
        let mut slots = Vec::new();
        for (c, text) in cells.into_iter().enumerate() {
            grid.cells.push(GridCell {
                r,
                c,
                rowspan: 1,
                text,
            });
            slots.push(Some(grid.cells.len() - 1));
        }
        grid.slots.push(slots);
        grid.lines.push(no);
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_tokens() {
        let kinds = kinds_of(Format::national_2021().tables.iter());
        let is_value = |t: &str| is_value_token(t, &kinds);
        assert!(is_value("3119"));
        assert!(is_value("96171.6"));
        assert!(is_value("1,234"));
        assert!(is_value("/"));
        assert!(!is_value("1.属于国家秘密"));
        // The model reads `4.` as the number 4; an enumerator on its own is rare enough in a
        // row and, read as a value, it makes the row's count wrong, which is reported.
        assert!(is_value("4."));
        assert!(!is_value("-4-"));
        // What the model's reader takes for a value is a value here too.
        for marker in ["不适用", "无", "\\", "5件", "１２", "1.2万元"] {
            assert!(is_value(marker), "{marker}");
        }
        assert!(!is_value("约5"));
        assert!(!is_value("其他"));
        assert!(is_value("300153006143119"));
        // Units follow the field's kind: `5件` is no amount, `3万元` no count.
        assert!(!is_value_token("5件", &[ValueKind::Amount]));
        assert!(!is_value_token("3万元", &[ValueKind::Count]));
    }
}
