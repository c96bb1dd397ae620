//! The one table recogniser: every source — a worksheet, a DOCX or HTML table, a text file's
//! table lines — is first turned into a [`CellGrid`] (cells by row and column with their text,
//! merged regions), and this module alone finds the format's tables in it and says where each
//! value stands. Reading the value that stands there is the source's business (a workbook has
//! formulas and saved results, a document only text), and so is where a cell is
//! ([`Locate`]); the findings of recognition are made here, with one set of `import.*` ids.
//!
//! How a table is found, driven only by the format:
//! - **Rows by columns.** A row label (looked up in the one [`LabelIndex`] of the format, built
//!   once per format) counts where column headers of its fields stand above and to its right;
//!   each value is the cell of the label's row under its field's header. That tells the row
//!   `（七）总计` from the column header `总计`, and a prose cell from a label.
//! - **Rows by count**, only in a document's table or a text's lines ([`Columns`]), where the
//!   columns cannot always be trusted (a text copy loses the empty cells of merged headers):
//!   a table shown by its headers or by half of its row labels gives each labelled row the
//!   cells to the label's right, when there are exactly as many as the row has fields (all, or
//!   the non-blank ones). Where a document's row is read both ways and the two disagree, the row
//!   is not used ([`Problem::Uncertain`]).
//! - **Table 4** (blocks side by side, no row labels) by its block headers and the field headers
//!   below them; in a document, failing that, by a row of exactly as many cells as it has
//!   values, in the format's value-cell order.
//!
//! A value is placed only where its row and its column are certain: a label as close to two
//! rows is reported with both ([`Placement::ambiguous`]), a row whose cells cannot be counted is
//! reported ([`Placement::problems`]), a header cell is never a row.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use crate::format::{LegacyMapping, TableSpec, ValueKind};
use crate::labels::{Found, How, LabelIndex, MIN_CONTAINED_CHARS};
use crate::report::parse_value_text;
use crate::text::{normalize_label, split_enumerator};
use crate::{CellValue, Finding, Format, Location, ValueKey};

/// How far above a row its column headers may stand.
const HEADER_REACH: u32 = 40;

/// A merged region, inclusive, zero-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub r0: u32,
    pub c0: u32,
    pub r1: u32,
    pub c1: u32,
}

/// The region among `merges` that contains (r, c): one rule for every grid that has merges (a
/// worksheet's, the recogniser's).
pub fn span_at(merges: &[Span], r: u32, c: u32) -> Option<Span> {
    merges
        .iter()
        .copied()
        .find(|m| m.r0 <= r && r <= m.r1 && m.c0 <= c && c <= m.c1)
}

/// Whether a grid's columns can be trusted to line up values under their headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// A worksheet: every cell is where it is shown; rows are placed by columns only, and a
    /// sheet may hold other things than tables (notes, prose in cells).
    Sheet,
    /// A document's table (DOCX, HTML; merges resolved): columns are known, and the grid is a
    /// table, so a row may also be read by counting its cells.
    Table,
    /// A text's table lines: cells are in order but their columns are not known (merged header
    /// cells lose their empty neighbours); rows are read by counting only.
    Lines,
}

/// One cell of a grid, at its anchor (the top-left of its merged region).
#[derive(Debug, Clone, Default)]
pub struct GridCell {
    /// The text shown.
    pub text: String,
    /// The text in normal form ([`normalize_label`]).
    pub norm: String,
    /// Whether the cell may be a label or header (text that is not a value).
    pub label: bool,
    /// Whether the cell holds a number.
    pub number: bool,
}

impl GridCell {
    /// A document's cell from its text: a value (a number, or a "no value" marker such as `/`)
    /// is no label; a long run of digits is a value too (cells joined), never label text.
    pub fn of_text(text: &str, kinds: &[ValueKind]) -> GridCell {
        let trimmed = text.trim();
        let value = is_value_token(trimmed, kinds);
        GridCell {
            text: trimmed.to_string(),
            norm: normalize_label(trimmed),
            label: !trimmed.is_empty() && !value,
            number: is_number(trimmed, kinds),
        }
    }
}

/// The cells of one sheet or table. Blank cells need not be present in a sheet; a document's
/// table holds all of its cells, blank ones included (a row is then read by counting them).
#[derive(Debug, Clone)]
pub struct CellGrid {
    pub cells: BTreeMap<(u32, u32), GridCell>,
    pub merges: Vec<Span>,
    pub columns: Columns,
}

impl CellGrid {
    pub fn new(columns: Columns) -> CellGrid {
        CellGrid {
            cells: BTreeMap::new(),
            merges: Vec::new(),
            columns,
        }
    }

    /// The cell anchored at (r, c).
    pub fn get(&self, r: u32, c: u32) -> Option<&GridCell> {
        self.cells.get(&(r, c))
    }

    /// The merged region containing (r, c).
    pub fn merge_at(&self, r: u32, c: u32) -> Option<Span> {
        span_at(&self.merges, r, c)
    }

    /// The cell that holds what is shown at (r, c): the top-left of its merged region.
    pub fn anchor(&self, r: u32, c: u32) -> (u32, u32) {
        match self.merge_at(r, c) {
            Some(m) => (m.r0, m.c0),
            None => (r, c),
        }
    }

    /// The cell whose content is shown at (r, c) (through a merged region).
    pub fn get_shown(&self, r: u32, c: u32) -> Option<&GridCell> {
        let (r, c) = self.anchor(r, c);
        self.get(r, c)
    }

    /// The text shown at (r, c).
    pub fn text(&self, r: u32, c: u32) -> &str {
        let (r, c) = self.anchor(r, c);
        self.get(r, c).map_or("", |cell| cell.text.as_str())
    }

    /// The cells anchored in row `r` right of column `c`, left to right.
    fn right_of(&self, r: u32, c: u32) -> impl Iterator<Item = (u32, &GridCell)> {
        self.cells
            .range((r, c.saturating_add(1))..=(r, u32::MAX))
            .map(|(&(_, c), cell)| (c, cell))
    }

    fn label_cells(&self) -> impl Iterator<Item = (u32, u32, &GridCell)> {
        self.cells
            .iter()
            .filter(|(_, cell)| cell.label && !cell.norm.is_empty())
            .map(|(&(r, c), cell)| (r, c, cell))
    }
}

/// What a value or "no value" marker reads as for the model: `3`, `5件`, `/`, `不适用`, `无`
/// in a field of one of these kinds. A run of digits the model refuses for its size only
/// (`300153006143119`, cells joined) is still a value.
pub fn is_value_token(text: &str, kinds: &[ValueKind]) -> bool {
    kinds
        .iter()
        .any(|k| !matches!(parse_value_text(text, *k), CellValue::Unreadable(_)))
        || is_digit_run(text)
}

/// Whether a text reads as a number in a field of one of these kinds.
pub fn is_number(text: &str, kinds: &[ValueKind]) -> bool {
    kinds
        .iter()
        .any(|k| matches!(parse_value_text(text, *k), CellValue::Number(_)))
}

fn is_digit_run(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

/// A label's key in a table's [`LabelIndex`], with the 2019 mapping it came through.
type LabelKey = (String, Option<usize>);

/// Normalised labels of a set of keys, with their 2019 spellings, in the one label index of the
/// model, and how far a cell may be from them: block names of 表四 match whole cells only,
/// everything else also contained or by a close spelling.
struct Labels {
    index: LabelIndex<LabelKey>,
    reach: How,
}

impl Labels {
    /// `entries`: (normal form, key, legacy mapping index). Where two entries share a normal
    /// form, a 2021 spelling wins over a 2019 one, then the first.
    fn new(mut entries: Vec<(String, String, Option<usize>)>, protected: Vec<String>) -> Self {
        entries.sort_by_key(|(_, _, legacy)| legacy.is_some());
        Labels {
            index: LabelIndex::new(
                entries
                    .into_iter()
                    .map(|(norm, key, legacy)| (norm, (key, legacy))),
            )
            .protecting(protected),
            reach: How::Close,
        }
    }

    fn whole_cells_only(mut self) -> Self {
        self.reach = How::Exact;
        self
    }

    fn lookup(&self, norm: &str) -> Option<Found<'_, LabelKey>> {
        self.index.find(norm, self.reach)
    }

    fn find(&self, norm: &str) -> Option<(&str, Option<usize>)> {
        match self.lookup(norm)? {
            Found::One((key, legacy), _) => Some((key.as_str(), *legacy)),
            Found::Ambiguous(..) => None,
        }
    }
}

/// What one table is recognised by.
struct TableLabels {
    rows: Labels,
    fields: Labels,
    /// The fields of each row, in column order.
    run_fields: BTreeMap<String, Vec<String>>,
    /// Each field's label and aliases, normalised (to tell whether a grid shows the table's
    /// headers).
    field_texts: Vec<Vec<String>>,
}

impl TableLabels {
    fn rows(table: &TableSpec, legacy: &[LegacyMapping]) -> Self {
        TableLabels {
            rows: row_labels(table, legacy),
            fields: field_labels(table, legacy),
            run_fields: table
                .rows
                .iter()
                .map(|r| {
                    let fields = table.row_fields(&r.key);
                    (
                        r.key.clone(),
                        fields.into_iter().map(str::to_string).collect(),
                    )
                })
                .collect(),
            field_texts: field_texts(table),
        }
    }

    /// Block names are short and also occur in the part heading above the table
    /// (`四、政府信息公开行政复议、行政诉讼情况`): only whole-cell matches count.
    fn blocks(table: &TableSpec) -> Self {
        TableLabels {
            rows: row_labels(table, &[]).whole_cells_only(),
            fields: field_labels(table, &[]),
            run_fields: BTreeMap::new(),
            field_texts: field_texts(table),
        }
    }
}

fn field_texts(table: &TableSpec) -> Vec<Vec<String>> {
    table
        .fields
        .iter()
        .map(|f| {
            std::iter::once(&f.label)
                .chain(&f.aliases)
                .map(|l| normalize_label(l))
                .filter(|l| !l.is_empty())
                .collect()
        })
        .collect()
}

/// The kinds of value the fields of some tables hold, each once.
pub fn kinds_of<'s>(specs: impl IntoIterator<Item = &'s TableSpec>) -> Vec<ValueKind> {
    let mut kinds = Vec::new();
    for field in specs.into_iter().flat_map(|s| s.fields.iter()) {
        if !kinds.contains(&field.kind) {
            kinds.push(field.kind);
        }
    }
    if kinds.is_empty() {
        kinds.push(ValueKind::default());
    }
    kinds
}

fn row_labels(table: &TableSpec, legacy: &[LegacyMapping]) -> Labels {
    let mut entries = Vec::new();
    for row in &table.rows {
        if let Some(label) = table.row_label(&row.key) {
            entries.push((normalize_label(label), row.key.clone(), None));
        }
        for alias in &row.aliases {
            entries.push((normalize_label(alias), row.key.clone(), None));
        }
    }
    for (i, m) in legacy.iter().enumerate() {
        if m.table == table.id
            && let Some(row) = &m.row
        {
            let norm = normalize_label(&m.label);
            // A 2021 spelling that is also a 2019 one is marked so the mapping note is given.
            entries.retain(|(l, k, _)| !(l == &norm && k == row));
            entries.push((norm, row.clone(), Some(i)));
        }
    }
    // A column header is never a misspelt row label.
    let headers = table
        .fields
        .iter()
        .flat_map(|f| std::iter::once(&f.label).chain(&f.aliases))
        .map(|l| normalize_label(l))
        .collect();
    Labels::new(entries, headers)
}

fn field_labels(table: &TableSpec, legacy: &[LegacyMapping]) -> Labels {
    let mut entries = Vec::new();
    for field in &table.fields {
        entries.push((normalize_label(&field.label), field.key.clone(), None));
        for alias in &field.aliases {
            entries.push((normalize_label(alias), field.key.clone(), None));
        }
    }
    for (i, m) in legacy.iter().enumerate() {
        if m.table == table.id
            && let Some(field) = &m.field
        {
            let norm = normalize_label(&m.label);
            entries.retain(|(l, k, _)| !(l == &norm && k == field));
            entries.push((norm, field.clone(), Some(i)));
        }
    }
    // A row label is never a misspelt column header.
    let rows = table
        .rows
        .iter()
        .flat_map(|r| {
            table
                .row_label(&r.key)
                .into_iter()
                .chain(r.aliases.iter().map(String::as_str))
        })
        .map(normalize_label)
        .collect();
    Labels::new(entries, rows)
}

/// The recogniser of one format: each table's labels, normalised once per format and kept with
/// it ([`Format::derived`]), shared by every import of every source.
pub struct Recogniser {
    tables: Vec<(Arc<TableSpec>, TableLabels)>,
    /// Every column header of the format, normalised: a cell reading as one (without an
    /// enumerator) is never a row read by count.
    headers: HashSet<String>,
    /// The kinds of value the format's tables hold.
    pub kinds: Vec<ValueKind>,
    /// The labels only the 2019 format has: a row read by count under a header row holding one
    /// would take the 2019 columns for the 2021 ones.
    markers: Arc<crate::legacy::Markers>,
}

impl Recogniser {
    /// The format's recogniser, made once per format.
    pub fn of(format: &Format) -> Arc<Recogniser> {
        format.derived(Recogniser::new)
    }

    fn new(format: &Format) -> Recogniser {
        let legacy = &format.legacy_2019.mappings;
        let tables = format
            .tables
            .iter()
            .map(|table| {
                let labels = if table.is_positional() {
                    TableLabels::blocks(table)
                } else {
                    TableLabels::rows(table, legacy)
                };
                (Arc::new(table.clone()), labels)
            })
            .collect();
        Recogniser {
            tables,
            headers: format
                .tables
                .iter()
                .flat_map(|t| t.fields.iter())
                .flat_map(|f| std::iter::once(&f.label).chain(&f.aliases))
                .map(|l| normalize_label(l))
                .collect(),
            kinds: kinds_of(format.tables.iter()),
            markers: crate::legacy::Markers::of(format),
        }
    }

    /// The 2019 marker (`本年新制作数量`) of the header row nearest above grid row `r`, when no
    /// header of the table's own stands between them: the row's cells are in the 2019 columns.
    fn legacy_header_above(&self, grid: &CellGrid, r: u32, headers: &[Hit]) -> Option<String> {
        let own_header = headers
            .iter()
            .filter(|h| h.legacy.is_none() && h.r < r && r - h.r <= HEADER_REACH)
            .map(|h| h.r)
            .max();
        grid.label_cells()
            .filter(|(hr, _, _)| *hr < r && r - *hr <= HEADER_REACH)
            .filter(|(hr, _, _)| own_header.is_none_or(|own| *hr > own))
            .filter_map(|(hr, _, cell)| Some((hr, self.markers.in_text(&cell.norm)?)))
            .max_by_key(|(hr, _)| *hr)
            .map(|(_, marker)| marker.to_string())
    }

    /// Where the values of the format's table number `table` (in format order) stand in a grid.
    /// An empty placement (score 0) when the grid does not hold it.
    pub fn place(&self, table: usize, grid: &CellGrid) -> Placement {
        let Some((spec, labels)) = self.tables.get(table) else {
            return Placement::default();
        };
        if spec.is_positional() {
            return place_blocks(grid, spec, labels);
        }
        let placement = self.place_rows(grid, spec, labels);
        // A document's table whose header rows lost their merged cells (a mobile page's
        // `<td>`s without `colspan`) puts its headers over the wrong columns: most rows read
        // under them disagree with the same rows' cells counted. The headers then say nothing
        // about the columns, and the rows are read by count alone, as a text's lines are.
        let uncertain = placement
            .problems
            .iter()
            .filter(|p| matches!(p.problem, Problem::Uncertain { .. }))
            .count();
        if grid.columns == Columns::Table && uncertain >= 2 && uncertain * 2 >= placement.score {
            let mut by_order = grid.clone();
            by_order.columns = Columns::Lines;
            let mut reread = self.place_rows(&by_order, spec, labels);
            if reread.values.len() > placement.values.len() {
                reread.by_order = true;
                return reread;
            }
        }
        placement
    }

    /// Whether the cell reads as one of the format's column headers, without an enumerator
    /// (`总计`, not `（七）总计`).
    fn is_bare_header(&self, grid: &CellGrid, r: u32, c: u32) -> bool {
        grid.get(r, c).is_some_and(|cell| {
            self.headers.contains(&cell.norm) && split_enumerator(&cell.text).0.is_none()
        })
    }

    /// The spellings of a row of the format's table number `table`, normalised, longest first:
    /// its label and aliases, and its 2019 spellings with their mapping — the list the
    /// recogniser looks cells up in, for the readers that search running text for labels
    /// (pdftotext columns, a crawler's glued lines).
    pub fn row_spellings(&self, table: usize, row: &str) -> Vec<(&str, Option<usize>)> {
        let Some((_, labels)) = self.tables.get(table) else {
            return Vec::new();
        };
        let mut spellings: Vec<(&str, Option<usize>)> = labels
            .rows
            .index
            .entries()
            .filter(|(_, (key, _))| key == row)
            .map(|(norm, (_, mapping))| (norm, *mapping))
            .collect();
        spellings.sort_by_key(|(norm, _)| std::cmp::Reverse(norm.chars().count()));
        spellings
    }

    /// The row of table number `table` that a whole label text (normalised) names, and how:
    /// the same lookup as for a cell (exact, contained, close spelling); none when it names
    /// none or two.
    pub fn row_named(&self, table: usize, norm: &str) -> Option<(&str, How)> {
        let (_, labels) = self.tables.get(table)?;
        match labels.rows.lookup(norm)? {
            Found::One((key, _), how) => Some((key.as_str(), how)),
            Found::Ambiguous(..) => None,
        }
    }

    /// Whether a grid holds one of the format's tables (or a piece of one).
    pub fn recognises(&self, grid: &CellGrid) -> bool {
        (0..self.tables.len()).any(|i| self.place(i, grid).found())
    }

    /// Whether a grid shows `labels`' column headers: one distinctive header of at least
    /// [`MIN_CONTAINED_CHARS`] characters (`本年制发件数`), or half of them.
    fn shows_headers(grid: &CellGrid, labels: &TableLabels) -> bool {
        let texts: HashSet<&str> = grid
            .label_cells()
            .map(|(_, _, c)| c.norm.as_str())
            .collect();
        let mut shown = 0usize;
        for field in &labels.field_texts {
            let mut hits = field
                .iter()
                .filter(|l| texts.contains(l.as_str()))
                .peekable();
            if hits.peek().is_some() {
                shown += 1;
                if hits.any(|l| l.chars().count() >= MIN_CONTAINED_CHARS) {
                    return true;
                }
            }
        }
        shown > 0 && shown * 2 >= labels.field_texts.len()
    }

    fn place_rows(&self, grid: &CellGrid, table: &TableSpec, labels: &TableLabels) -> Placement {
        let TableLabels {
            rows,
            fields,
            run_fields,
            ..
        } = labels;
        let mut ambiguous = Vec::new();
        let row_hits: Vec<Hit> = grid
            .label_cells()
            .filter_map(|(r, c, cell)| match lookup_row(rows, cell)? {
                Found::One((key, legacy), how) => Some(Hit {
                    r,
                    c,
                    key: key.as_str(),
                    legacy: *legacy,
                    close: how == How::Close,
                }),
                Found::Ambiguous(a, b) => {
                    ambiguous.push((r, c, a.0.clone(), b.0.clone()));
                    None
                }
            })
            .collect();
        if row_hits.is_empty() {
            return Placement::default();
        }
        let headers = header_hits(grid, fields);
        let has_header = |field: &str, r: u32, c: u32| {
            headers
                .iter()
                .any(|h| h.key == field && h.r < r && r - h.r <= HEADER_REACH && h.c > c)
        };
        // Per grid row, the label that names a table row: the rightmost (group labels stand to
        // its left), backed by column headers above and to its right, else (in a document) read
        // by count.
        let mut by_columns: BTreeMap<u32, &Hit> = BTreeMap::new();
        let mut by_count: BTreeMap<u32, &Hit> = BTreeMap::new();
        for hit in &row_hits {
            let Some(wanted) = run_fields.get(hit.key) else {
                continue;
            };
            let backed = wanted
                .iter()
                .filter(|f| has_header(f, hit.r, hit.c))
                .count();
            let needed = if wanted.len() <= 3 { 1 } else { 2 };
            let columns_known = grid.columns != Columns::Lines;
            // A column header (`总计`) among other headers (`总计 | 未经复议直接起诉`) stands in a
            // header row: it names no row, though its words are a row's after the enumerator.
            if self.is_bare_header(grid, hit.r, hit.c)
                && grid.right_of(hit.r, hit.c).any(|(_, cell)| cell.label)
            {
                continue;
            }
            // A 2019 spelling with nothing to its right (`（六）其他处理` on a row of its own
            // above its items) is the 2021 group's heading, not the 2019 single row.
            if hit.legacy.is_some()
                && grid
                    .right_of(hit.r, hit.c)
                    .all(|(_, cell)| cell.text.trim().is_empty())
            {
                continue;
            }
            let target = if backed >= needed && columns_known {
                &mut by_columns
            } else if grid.columns != Columns::Sheet {
                // A column header (`其他`, `总计` above the values) is never a row, although a
                // row has the same words after its enumerator (`3.其他`, `（七）总计`).
                // Nor is a label with nothing to its right: a group's heading line
                // (`（六）其他处理` above its items).
                if self.is_bare_header(grid, hit.r, hit.c)
                    || grid.right_of(hit.r, hit.c).next().is_none()
                {
                    continue;
                }
                &mut by_count
            } else {
                continue;
            };
            match target.get(&hit.r) {
                Some(prev) if prev.c > hit.c => {}
                _ => {
                    target.insert(hit.r, hit);
                }
            }
        }
        // A grid row read by columns is not also read by count.
        by_count.retain(|r, _| !by_columns.contains_key(r));
        // Rows read by count only when the grid is the table: its headers show, or it names
        // half of the table's rows.
        if !by_count.is_empty() {
            let named: BTreeSet<&str> = by_count
                .values()
                .chain(by_columns.values())
                .map(|h| h.key)
                .collect();
            let claimed = !by_columns.is_empty()
                || Self::shows_headers(grid, labels)
                || named.len() * 2 >= run_fields.len();
            if !claimed {
                by_count.clear();
            }
        }
        let mut placement = Placement {
            ambiguous,
            ..Placement::default()
        };
        if by_columns.is_empty() && by_count.is_empty() {
            // Labels as close to two rows count only in a grid that holds the table.
            return Placement::default();
        }
        // Each table row from its first grid row; later ones are duplicates.
        let mut all: Vec<(&Hit, bool)> = by_columns
            .values()
            .map(|h| (*h, true))
            .chain(by_count.values().map(|h| (*h, false)))
            .collect();
        all.sort_by_key(|(h, _)| (h.r, h.c));
        let mut found: BTreeMap<&str, (&Hit, bool)> = BTreeMap::new();
        for (hit, columns) in all {
            if found.contains_key(hit.key) {
                // A bare column header further down (`总计` over table 4) is no second row.
                if !self.is_bare_header(grid, hit.r, hit.c) {
                    placement
                        .duplicates
                        .push((hit.key.to_string(), hit.r, hit.c));
                }
            } else {
                found.insert(hit.key, (hit, columns));
            }
        }
        placement.score = found.len();
        for (hit, _) in found.values() {
            if hit.close {
                placement.close.push((hit.r, hit.c, hit.key.to_string()));
            }
            placement.rows.insert(hit.key.to_string(), (hit.r, hit.c));
        }
        placement.close.sort();
        // Headers standing in a row that holds a row label are labels, not headers.
        let label_rows: BTreeSet<u32> = by_columns.keys().chain(by_count.keys()).copied().collect();
        let headers: Vec<Hit> = headers
            .into_iter()
            .filter(|h| !label_rows.contains(&h.r))
            .collect();
        let mut value_cols: BTreeMap<u32, ValueKind> = BTreeMap::new();
        for row in &table.rows {
            let Some((hit, columns)) = found.get(row.key.as_str()) else {
                continue;
            };
            let wanted: &[String] = run_fields.get(row.key.as_str()).map_or(&[], Vec::as_slice);
            let counted = count_cells(grid, hit.r, hit.c, wanted.len());
            if !columns {
                if let Some(marker) = self.legacy_header_above(grid, hit.r, &headers) {
                    placement.problems.push(RowProblem {
                        row: row.key.clone(),
                        r: hit.r,
                        c: hit.c,
                        problem: Problem::Legacy { marker },
                    });
                    continue;
                }
                match counted {
                    Ok(cells) => {
                        for (field, c) in wanted.iter().zip(cells) {
                            let key = ValueKey::new(&row.key, field);
                            if let Some(i) = hit.legacy {
                                placement.legacy.insert(key.clone(), vec![i]);
                            }
                            placement.values.insert(key, (hit.r, c));
                        }
                    }
                    Err(problem) => placement.problems.push(RowProblem {
                        row: row.key.clone(),
                        r: hit.r,
                        c: hit.c,
                        problem,
                    }),
                }
                continue;
            }
            let mut placed: Vec<(ValueKey, u32, Vec<usize>)> = Vec::new();
            for field in wanted {
                let header = headers
                    .iter()
                    .filter(|h| {
                        h.key == *field && h.r < hit.r && hit.r - h.r <= HEADER_REACH && h.c > hit.c
                    })
                    .max_by_key(|h| (h.r, std::cmp::Reverse(h.c)));
                let Some(header) = header else {
                    placement.missing_fields.insert(field.clone());
                    continue;
                };
                value_cols.insert(header.c, field_kind(table, field));
                placement.header_cells.insert((header.r, header.c));
                // Through the row's 2019 label, its column's, or both.
                placed.push((
                    ValueKey::new(&row.key, field),
                    header.c,
                    hit.legacy.into_iter().chain(header.legacy).collect(),
                ));
            }
            // A document's table holds every cell of a row: a row with no cell under one of
            // its headers is short (or its cells are joined), and is not read by columns.
            if grid.columns == Columns::Table
                && let Err(problem) = &counted
                && placed
                    .iter()
                    .any(|(_, c, _)| grid.get_shown(hit.r, *c).is_none())
            {
                placement.problems.push(RowProblem {
                    row: row.key.clone(),
                    r: hit.r,
                    c: hit.c,
                    problem: problem.clone(),
                });
                continue;
            }
            // A document's row read both ways: the columns under the headers and the cells
            // counted must be the same cells, or neither reading is certain.
            let counted_cell = |key: &ValueKey| -> Option<u32> {
                let i = wanted.iter().position(|f| *f == key.field)?;
                counted.as_ref().ok()?.get(i).copied()
            };
            if grid.columns == Columns::Table
                && let Ok(cells) = &counted
                && placed.iter().any(|(key, c, _)| {
                    counted_cell(key).is_some_and(|n| grid.anchor(hit.r, *c) != (hit.r, n))
                })
            {
                placement.problems.push(RowProblem {
                    row: row.key.clone(),
                    r: hit.r,
                    c: hit.c,
                    problem: Problem::Uncertain {
                        by_columns: placed
                            .iter()
                            .map(|(_, c, _)| grid.text(hit.r, *c).to_string())
                            .collect(),
                        by_count: cells
                            .iter()
                            .map(|c| grid.text(hit.r, *c).to_string())
                            .collect(),
                    },
                });
                continue;
            }
            for (key, c, legacy) in placed {
                if !legacy.is_empty() {
                    placement.legacy.insert(key.clone(), legacy);
                }
                placement.values.insert(key, (hit.r, c));
            }
        }
        // Rows between the first and last found label that are not in the format.
        if grid.columns == Columns::Sheet {
            let first = found.values().map(|(h, _)| h.r).min().unwrap_or(0);
            let last = found.values().map(|(h, _)| h.r).max().unwrap_or(0);
            let min_value_col = value_cols.keys().next().copied().unwrap_or(0);
            for r in first..=last {
                if label_rows.contains(&r) {
                    continue;
                }
                let label = grid
                    .label_cells()
                    .filter(|(lr, c, _)| *lr == r && *c < min_value_col)
                    .max_by_key(|(_, c, _)| *c);
                let Some((_, c, label)) = label else { continue };
                let holds_number = value_cols
                    .keys()
                    .any(|&vc| grid.get(r, vc).is_some_and(|cell| cell.number));
                if holds_number || label.norm.contains("小计") || label.norm.contains("合计") {
                    placement.ignored.push((r, c, label.text.clone()));
                }
            }
        }
        placement
    }
}

/// The cells of a row right of its label, counted: all of them when there are as many as the
/// row has fields, else the non-blank ones when those are; otherwise what is wrong.
fn count_cells(grid: &CellGrid, r: u32, c: u32, n: usize) -> Result<Vec<u32>, Problem> {
    let cells: Vec<(u32, &GridCell)> = grid.right_of(r, c).collect();
    if cells.len() == n {
        return Ok(cells.iter().map(|(c, _)| *c).collect());
    }
    let nonblank: Vec<(u32, &GridCell)> = cells
        .into_iter()
        .filter(|(_, cell)| !cell.text.trim().is_empty())
        .collect();
    if nonblank.len() == n {
        return Ok(nonblank.iter().map(|(c, _)| *c).collect());
    }
    let found: Vec<String> = nonblank.iter().map(|(_, cell)| cell.text.clone()).collect();
    let joined = n > 1
        && found.len() == 1
        && found
            .first()
            .is_some_and(|t| t.chars().filter(char::is_ascii_digit).count() >= n);
    Err(if joined {
        Problem::Joined { expected: n, found }
    } else {
        Problem::Count { expected: n, found }
    })
}

/// A row label as a cell writes it, or, when that names no row, its words before a trailing
/// note in brackets: a province's fill-in instruction left in the label
/// (`规章（设区的市、自治州人民政府应提供相关数据）`).
fn lookup_row<'l>(rows: &'l Labels, cell: &GridCell) -> Option<Found<'l, LabelKey>> {
    if let Some(found) = rows.lookup(&cell.norm) {
        return Some(found);
    }
    let open = cell.text.find(['(', '（'])?;
    let head = normalize_label(cell.text.get(..open)?);
    let closed = cell.text.trim_end().ends_with([')', '）']);
    if closed && !head.is_empty() && head != cell.norm {
        rows.lookup(&head)
    } else {
        None
    }
}

/// A label matched to a row or field key.
#[derive(Debug, Clone)]
struct Hit<'l> {
    r: u32,
    c: u32,
    key: &'l str,
    legacy: Option<usize>,
    close: bool,
}

/// Header hits, including headers whose text is split over two stacked cells (`商业` / `企业`).
/// A cell with an enumerator (`3.其他`, `（七）总计`) is a row's label, never a column header.
fn header_hits<'l>(grid: &CellGrid, labels: &'l Labels) -> Vec<Hit<'l>> {
    let mut joined = String::new();
    let mut hits = Vec::new();
    for (r, c, cell) in grid.label_cells() {
        if split_enumerator(&cell.text).0.is_some() {
            continue;
        }
        if let Some((key, legacy)) = labels.find(&cell.norm) {
            hits.push(Hit {
                r,
                c,
                key,
                legacy,
                close: false,
            });
            continue;
        }
        let below = grid.merge_at(r, c).map(|m| m.r1 + 1).unwrap_or(r + 1);
        if let Some(next) = grid.get(below, c).filter(|n| n.label) {
            joined.clear();
            joined.push_str(&cell.norm);
            joined.push_str(&next.norm);
            if let Some((key, legacy)) = labels.find(&joined) {
                hits.push(Hit {
                    r,
                    c,
                    key,
                    legacy,
                    close: false,
                });
            }
        }
    }
    hits
}

fn place_blocks(grid: &CellGrid, table: &TableSpec, labels: &TableLabels) -> Placement {
    // A text's lines do not keep the columns of the block headers.
    let by_headers = if grid.columns == Columns::Lines {
        Placement::default()
    } else {
        place_blocks_by_headers(grid, table, labels)
    };
    if grid.columns == Columns::Sheet {
        return by_headers;
    }
    // In a document, the row of exactly as many cells as the table has values, none of them
    // label text, one at least a number: its values in the format's value-cell order.
    let n = table.value_cells().len();
    let mut rows: BTreeMap<u32, Vec<(u32, &GridCell)>> = BTreeMap::new();
    for (&(r, c), cell) in &grid.cells {
        rows.entry(r).or_default().push((c, cell));
    }
    let row = rows.iter().find(|(_, cells)| {
        cells.len() == n
            && cells.iter().all(|(_, cell)| !cell.label)
            && cells.iter().any(|(_, cell)| cell.number)
    });
    let Some((&r, cells)) = row else {
        return by_headers;
    };
    let mut by_count = Placement::default();
    for (vc, (c, _)) in table.value_cells().iter().zip(cells) {
        by_count.values.insert(vc.key.clone(), (r, *c));
    }
    for row in &table.rows {
        if let Some((c, _)) = cells.first() {
            by_count.rows.insert(row.key.clone(), (r, *c));
        }
    }
    by_count.score = table.rows.len();
    if !by_headers.found() {
        // The headers are not read: the row of values alone says where they are.
        return by_count;
    }
    // Headers read over that very row must put each value in the same cell; where they do
    // not, they lost their merged cells' spans and say nothing about the columns.
    let agrees = by_headers
        .values
        .iter()
        .filter(|(_, (vr, _))| *vr == r)
        .all(|(key, &(vr, vc))| by_count.values.get(key) == Some(&grid.anchor(vr, vc)));
    if agrees {
        by_headers
    } else {
        by_count.by_order = true;
        by_count
    }
}

fn place_blocks_by_headers(grid: &CellGrid, table: &TableSpec, labels: &TableLabels) -> Placement {
    let (blocks, fields) = (&labels.rows, &labels.fields);
    let block_hits: Vec<Hit> = grid
        .label_cells()
        .filter_map(|(r, c, cell)| {
            blocks.find(&cell.norm).map(|(key, _)| Hit {
                r,
                c,
                key,
                legacy: None,
                close: false,
            })
        })
        .collect();
    if block_hits.is_empty() {
        return Placement::default();
    }
    let field_hits = header_hits(grid, fields);
    let mut placement = Placement::default();
    // Block key → its field columns (field, header row, column) and its own header cell.
    type Block<'k> = (Vec<(&'k str, u32, u32)>, (u32, u32));
    let mut found: BTreeMap<&str, Block> = BTreeMap::new();
    let mut header_bottom = 0u32;
    for block in &block_hits {
        if found.contains_key(block.key) {
            placement
                .duplicates
                .push((block.key.to_string(), block.r, block.c));
            continue;
        }
        let next_block = block_hits
            .iter()
            .filter(|b| b.c > block.c && b.r.abs_diff(block.r) <= 2)
            .map(|b| b.c)
            .min();
        let merge_end = grid
            .merge_at(block.r, block.c)
            .filter(|m| m.c1 > block.c)
            .map(|m| m.c1 + 1);
        let end = merge_end
            .or(next_block)
            .unwrap_or(block.c + table.fields.len() as u32 + 1);
        let mut columns = Vec::new();
        for field in &table.fields {
            let hit = field_hits
                .iter()
                .filter(|h| {
                    h.key == field.key
                        && h.r > block.r
                        && h.r <= block.r + 3
                        && h.c >= block.c
                        && h.c < end
                })
                .min_by_key(|h| (h.c, h.r));
            if let Some(h) = hit {
                columns.push((field.key.as_str(), h.r, h.c));
            }
        }
        if columns.len() * 2 <= table.fields.len() {
            continue;
        }
        for (_, r, c) in &columns {
            let bottom = grid.merge_at(*r, *c).map(|m| m.r1).unwrap_or(*r);
            header_bottom = header_bottom.max(bottom);
            placement.header_cells.insert((*r, *c));
        }
        found.insert(block.key, (columns, (block.r, block.c)));
    }
    placement.score = found.len();
    if found.is_empty() {
        return placement;
    }
    let value_row = header_bottom + 1;
    for row in &table.rows {
        let Some((columns, at)) = found.get(row.key.as_str()) else {
            continue;
        };
        placement.rows.insert(row.key.clone(), *at);
        for field in &table.fields {
            match columns.iter().find(|(f, _, _)| *f == field.key) {
                Some((_, _, c)) => {
                    placement
                        .values
                        .insert(ValueKey::new(&row.key, &field.key), (value_row, *c));
                }
                None => {
                    placement.missing_fields.insert(field.key.clone());
                }
            }
        }
    }
    placement
}

/// The kind of a table's field (a count when the format does not name the field).
pub fn field_kind(table: &TableSpec, field: &str) -> ValueKind {
    table.field(field).map(|f| f.kind).unwrap_or_default()
}

/// Why a row's values were not placed.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The row has another number of cells than fields.
    Count { expected: usize, found: Vec<String> },
    /// The row's digits stand in one cell (`801000081`): its cells were joined.
    Joined { expected: usize, found: Vec<String> },
    /// Read under the headers and read by count, the row gives different cells.
    Uncertain {
        by_columns: Vec<String>,
        by_count: Vec<String>,
    },
    /// The row stands under a 2019 header row (its marker named) and its cells could only be
    /// counted: they are in the 2019 columns, which the 2021 ones are not.
    Legacy { marker: String },
}

/// A row whose label was found but whose values were not placed.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    pub row: String,
    /// The label cell.
    pub r: u32,
    pub c: u32,
    pub problem: Problem,
}

/// Where a table's values stand in one grid.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// Value key → (row, column) of its cell.
    pub values: BTreeMap<ValueKey, (u32, u32)>,
    /// Keys reached through a 2019 label (the row's, the column's, or both), with the mappings
    /// used.
    pub legacy: BTreeMap<ValueKey, Vec<usize>>,
    /// Row key → its label cell (a block's header for table 4).
    pub rows: BTreeMap<String, (u32, u32)>,
    /// Fields whose header was not found for some row.
    pub missing_fields: BTreeSet<String>,
    /// Label cells of rows that are not in the format but hold numbers (or are 小计 rows).
    pub ignored: Vec<(u32, u32, String)>,
    /// The header cells the values were placed under (to locate a missing column).
    pub header_cells: BTreeSet<(u32, u32)>,
    /// Rows found again after their first occurrence: (row key, label cell).
    pub duplicates: Vec<(String, u32, u32)>,
    /// Row labels read by a close spelling: (row, column, row key).
    pub close: Vec<(u32, u32, String)>,
    /// Cells whose text is as close to two rows' labels: (row, column, the two row keys).
    pub ambiguous: Vec<(u32, u32, String, String)>,
    /// Rows found whose values could not be placed.
    pub problems: Vec<RowProblem>,
    /// How many of the table's rows were found.
    pub score: usize,
    /// The grid's column headers do not stand over its values (merged header cells written
    /// without their spans): every row was read by counting its cells, in the format's order.
    pub by_order: bool,
}

impl Placement {
    /// Whether the grid holds the table (or a piece of it).
    pub fn found(&self) -> bool {
        self.score > 0
    }
}

/// Where things are, for the findings: each source says it its own way (a sheet's A1 cell, a
/// document table's row and column, a text's line).
pub trait Locate {
    /// A cell of grid `grid`.
    fn cell(&self, grid: usize, r: u32, c: u32) -> Location;
    /// A cell as named in a message (`C3`, `第3行第2列`, `第12行`).
    fn address(&self, grid: usize, r: u32, c: u32) -> String;
    /// A whole grid (a sheet, a document's table, the first line of a text table).
    fn grid(&self, grid: usize) -> Location;
    /// A grid as named in a message (`工作表“表三”`, `第2个表格`).
    fn grid_name(&self, grid: usize) -> String;
}

/// One table read from all the grids that hold it: the placement of each, in grid order, with
/// every row taken from the first grid that gives it (a table split over two grids, a page
/// break in a document, reads as one).
#[derive(Debug, Clone, Default)]
pub struct TableRead {
    /// (grid, placement) — the placement holds only the values taken from that grid.
    pub parts: Vec<(usize, Placement)>,
    /// Grids holding a second copy of the whole table (or most of it): not used.
    pub copies: Vec<usize>,
    /// Rows found again in a later grid: (grid, row key, label cell).
    pub duplicates: Vec<(usize, String, u32, u32)>,
}

impl TableRead {
    /// Whether the table was found at all.
    pub fn found(&self) -> bool {
        !self.parts.is_empty()
    }

    /// Every value placed, with its grid and cell, in key order per grid.
    pub fn values(&self) -> impl Iterator<Item = (usize, &ValueKey, (u32, u32))> {
        self.parts
            .iter()
            .flat_map(|(g, p)| p.values.iter().map(move |(k, at)| (*g, k, *at)))
    }
}

/// Puts together one table's placements over a source's grids (in order): the grid holding most
/// of its rows first (the earliest of equals); another grid holding at least half of them again
/// is a copy and is not used; from the rest each row not yet read is taken.
pub fn assemble(table: &TableSpec, placements: Vec<Placement>) -> TableRead {
    let mut read = TableRead::default();
    let best = placements
        .iter()
        .enumerate()
        .filter(|(_, p)| p.found())
        .max_by_key(|(i, p)| (p.score, std::cmp::Reverse(*i)))
        .map(|(i, _)| i);
    let Some(best) = best else {
        return read;
    };
    let threshold = (table.rows.len() / 2).max(1);
    let mut order: Vec<usize> = vec![best];
    order.extend((0..placements.len()).filter(|&i| i != best));
    let mut placements: Vec<Option<Placement>> = placements.into_iter().map(Some).collect();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for g in order {
        let Some(mut placement) = placements.get_mut(g).and_then(Option::take) else {
            continue;
        };
        if !placement.found() {
            continue;
        }
        let again: Vec<String> = placement
            .rows
            .keys()
            .filter(|k| taken.contains(*k))
            .cloned()
            .collect();
        if again.len() >= threshold {
            read.copies.push(g);
            continue;
        }
        for key in &again {
            if let Some(&(r, c)) = placement.rows.get(key) {
                read.duplicates.push((g, key.clone(), r, c));
            }
            placement.rows.remove(key);
            placement.values.retain(|k, _| &k.row != key);
            placement.legacy.retain(|k, _| &k.row != key);
            placement.problems.retain(|p| &p.row != key);
        }
        for (key, r, c) in std::mem::take(&mut placement.duplicates) {
            read.duplicates.push((g, key, r, c));
        }
        taken.extend(placement.rows.keys().cloned());
        read.parts.push((g, placement));
    }
    read.parts.sort_by_key(|(g, _)| *g);
    read.copies.sort_unstable();
    read
}

/// The findings of reading one table: rows not found, columns not found, rows whose values
/// could not be placed, labels read by a close spelling or as close to two rows, rows that are
/// not the format's, rows and tables found twice. One set of ids for every source.
/// `grids`: the source's grids, as numbered in `read` (for the texts the findings quote).
pub fn table_findings(
    table: &TableSpec,
    read: &TableRead,
    grids: &[&CellGrid],
    at: &dyn Locate,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(&(first, _)) = read.parts.first() else {
        return findings;
    };
    if !read.copies.is_empty() || read.duplicates.len() >= (table.rows.len() / 2).max(1) {
        let mut grids = vec![first];
        grids.extend(read.copies.iter().copied());
        grids.extend(read.duplicates.iter().map(|(g, ..)| *g));
        grids.dedup();
        let names: Vec<String> = grids.iter().map(|g| at.grid_name(*g)).collect();
        findings.push(
            Finding::warning(
                "import.duplicate_table",
                format!(
                    "{}出现不止一次（{}），已采用{}中的第一份",
                    table.name,
                    names.join("、"),
                    at.grid_name(first)
                ),
            )
            .at_all(grids.iter().map(|g| at.grid(*g)))
            .hint("请删除多余的表格，只保留本年度的一份。"),
        );
    } else {
        for (g, key, r, c) in &read.duplicates {
            findings.push(
                Finding::warning(
                    "import.row_duplicate",
                    format!(
                        "{}“{}”一行出现不止一次，已采用第一次出现的数值",
                        table.name,
                        table.row_display(key)
                    ),
                )
                .at(at.cell(*g, *r, *c))
                .hint("请删除重复的行。"),
            );
        }
    }
    // Headers that do not stand over their values: the table was read by cell order.
    let by_order: Vec<usize> = read
        .parts
        .iter()
        .filter(|(_, p)| p.by_order)
        .map(|(g, _)| *g)
        .collect();
    if !by_order.is_empty() {
        let names: Vec<String> = by_order.iter().map(|g| at.grid_name(*g)).collect();
        findings.push(
            Finding::warning(
                "import.columns_by_order",
                format!(
                    "{}中{}的列标题与数值列对不齐（合并单元格未标明跨列、跨行），已按单元格顺序读取：每行的数值个数与官方格式的列数一致，按官方列序（{}）取值",
                    names.join("、"),
                    table.name,
                    table
                        .fields
                        .iter()
                        .map(|f| f.label.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )
            .at_all(by_order.iter().map(|g| at.grid(*g)))
            .expected_found("列标题位于各自数值的正上方", "列标题与数值列错位")
            .hint("请与原表逐列核对；最好改用原网页的电脑版、DOCX 或 Excel 版本。"),
        );
    }
    // Rows under 2019 headers: one finding for the table.
    let mut legacy_rows: Vec<(String, Location)> = Vec::new();
    let mut legacy_marker = None;
    for (g, placement) in &read.parts {
        for p in &placement.problems {
            match &p.problem {
                Problem::Legacy { marker } => {
                    legacy_marker.get_or_insert(marker.clone());
                    legacy_rows.push((
                        format!("“{}”", table.row_display(&p.row)),
                        at.cell(*g, p.r, p.c),
                    ));
                }
                _ => findings.push(row_problem_finding(table, *g, p, at)),
            }
        }
    }
    if let Some(marker) = legacy_marker {
        let (rows, places): (Vec<String>, Vec<Location>) = legacy_rows.into_iter().unzip();
        findings.push(crate::legacy::columns_unknown(
            table, &marker, &rows, places,
        ));
    }
    // Rows not found in any grid.
    let found: BTreeSet<&str> = read
        .parts
        .iter()
        .flat_map(|(_, p)| p.rows.keys().map(String::as_str))
        .collect();
    let missing: Vec<&str> = table
        .rows
        .iter()
        .map(|r| r.key.as_str())
        .filter(|k| !found.contains(k))
        .collect();
    if !missing.is_empty() {
        let values: usize = missing.iter().map(|k| table.row_fields(k).len()).sum();
        const NAMED: usize = 6;
        let mut listed: String = missing
            .iter()
            .take(NAMED)
            .map(|k| format!("“{}”", table.row_display(k)))
            .collect::<Vec<_>>()
            .join("、");
        if missing.len() > NAMED {
            listed.push_str(&format!("等 {} 行", missing.len()));
        }
        let total = table.rows.len();
        findings.push(
            Finding::warning(
                "import.row_missing",
                format!(
                    "{}中的{}共 {total} 行，读到 {} 行；未找到以下 {} 行的数值（{values} 个），按未填写处理：{listed}",
                    at.grid_name(first),
                    table.name,
                    total - missing.len(),
                    missing.len(),
                ),
            )
            .at(at.grid(first))
            .expected_found(
                format!("{}的全部 {total} 行", table.name),
                format!("缺少 {} 行", missing.len()),
            )
            .hint("请核对该表是否完整（是否漏行、原文是否被截断）；缺少的数值不会被推测补齐，没有发生的事项请填 0。"),
        );
    }
    for (g, placement) in &read.parts {
        let g = *g;
        if !placement.missing_fields.is_empty() {
            let labels: Vec<String> = table
                .fields
                .iter()
                .filter(|f| placement.missing_fields.contains(&f.key))
                .map(|f| format!("“{}”", f.label))
                .collect();
            findings.push(
                Finding::warning(
                    "import.column_missing",
                    format!(
                        "{}中的{}找不到列标题：{}；对应数值按未填写处理",
                        at.grid_name(g),
                        table.name,
                        labels.join("、")
                    ),
                )
                .at(header_area(g, &placement.header_cells, at))
                .expected_found(format!("列标题{}", labels.join("、")), "未找到")
                .hint("请按官方格式填写列标题。"),
            );
        }
        if !placement.close.is_empty() {
            let list: Vec<String> = placement
                .close
                .iter()
                .map(|(r, c, key)| {
                    format!(
                        "{}“{}”按“{}”读取",
                        at.address(g, *r, *c),
                        cell_text(grids, g, *r, *c),
                        table.row_display(key)
                    )
                })
                .collect();
            findings.push(
                Finding::info(
                    "import.label_close",
                    format!(
                        "{}中 {} 处行标签与官方写法略有出入，已按最接近的行读取：{}",
                        table.name,
                        list.len(),
                        list.join("、")
                    ),
                )
                .at_all(placement.close.iter().map(|(r, c, _)| at.cell(g, *r, *c)))
                .hint("请核对这些标签，并改为官方写法。"),
            );
        }
        for (r, c, a, b) in &placement.ambiguous {
            let text = cell_text(grids, g, *r, *c);
            findings.push(
                Finding::warning(
                    "import.label_ambiguous",
                    format!(
                        "{}：{}“{text}”与“{}”“{}”两行的标签同样接近，无法确定是哪一行，未导入",
                        table.name,
                        at.address(g, *r, *c),
                        table.row_display(a),
                        table.row_display(b)
                    ),
                )
                .at(at.cell(g, *r, *c))
                .expected_found("一行的官方标签", text)
                .hint("请把该行标签改为官方写法。"),
            );
        }
        if !placement.ignored.is_empty() {
            let list: Vec<String> = placement
                .ignored
                .iter()
                .map(|(r, c, text)| {
                    format!("{}“{}”", at.address(g, *r, *c), text.replace('\n', ""))
                })
                .collect();
            findings.push(
                Finding::info(
                    "import.row_ignored",
                    format!(
                        "{}中以下行不属于官方格式，未导入：{}",
                        table.name,
                        list.join("、")
                    ),
                )
                .at_all(placement.ignored.iter().map(|(r, c, _)| at.cell(g, *r, *c))),
            );
        }
    }
    findings
}

/// A cell's text as quoted in a finding, on one line.
fn cell_text(grids: &[&CellGrid], g: usize, r: u32, c: u32) -> String {
    grids
        .get(g)
        .map_or(String::new(), |grid| grid.text(r, c).replace('\n', ""))
}

fn header_area(g: usize, cells: &BTreeSet<(u32, u32)>, at: &dyn Locate) -> Location {
    let bounds = cells
        .iter()
        .fold(None, |acc: Option<(u32, u32, u32, u32)>, &(r, c)| {
            Some(match acc {
                None => (r, c, r, c),
                Some((r0, c0, r1, c1)) => (r0.min(r), c0.min(c), r1.max(r), c1.max(c)),
            })
        });
    match bounds {
        None => at.grid(g),
        Some((r0, c0, r1, c1)) if (r0, c0) == (r1, c1) => at.cell(g, r0, c0),
        Some((r0, c0, r1, c1)) => {
            let mut from = at.cell(g, r0, c0);
            let to = at.cell(g, r1, c1);
            if let (Some(a), Some(b)) = (from.cell.as_deref(), to.cell.as_deref()) {
                from.cell = Some(format!("{a}:{b}"));
            }
            from
        }
    }
}

fn row_problem_finding(table: &TableSpec, g: usize, p: &RowProblem, at: &dyn Locate) -> Finding {
    let display = table.row_display(&p.row);
    let place = at.cell(g, p.r, p.c);
    match &p.problem {
        Problem::Joined { expected, found } => Finding::error(
            "import.cells_joined",
            format!(
                "{}“{display}”一行的数字连在一起（“{}”），无法分辨各单元格的数值，未导入",
                table.name,
                found.join(" ")
            ),
        )
        .at(place)
        .expected_found(format!("{expected} 个分开的数值"), found.join(" "))
        .hint("复制时单元格之间的分隔丢失了：请从原文件重新复制（保留制表符或空格），或改用 DOCX、HTML 或 Excel 版本。"),
        Problem::Count { expected, found } => Finding::error(
            "import.row_values",
            format!(
                "{}“{display}”一行应有 {expected} 个数值，实际读到 {} 个，未导入",
                table.name,
                found.len()
            ),
        )
        .at(place)
        .expected_found(
            format!("{expected} 个数值"),
            format!("{} 个：{}", found.len(), found.join(" ")),
        )
        .hint("请核对该行是否缺少单元格或多出内容。"),
        Problem::Uncertain {
            by_columns,
            by_count,
        } => Finding::error(
            "import.columns_uncertain",
            format!(
                "{}“{display}”一行的单元格与列标题对不齐：按列标题读为“{}”，按单元格顺序读为“{}”，无法确定各数值所属的列，未导入",
                table.name,
                by_columns.join(" "),
                by_count.join(" ")
            ),
        )
        .at(place)
        .expected_found("每个数值位于其列标题之下", by_count.join(" "))
        .hint("请核对原表该行是否多出或缺少单元格（合并单元格是否错位），改正后重新导入，或改用 Excel 统计表。"),
        Problem::Legacy { marker } => {
            crate::legacy::columns_unknown(table, marker, &[format!("“{display}”")], vec![place])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The row a label names in a table, close spellings allowed.
    fn row_named(table: &str, label: &str) -> Option<String> {
        let format = Format::national_2021();
        let spec = format.table(table)?;
        let labels = TableLabels::rows(spec, &format.legacy_2019.mappings);
        labels
            .rows
            .find(&normalize_label(label))
            .map(|(k, _)| k.to_string())
    }

    #[test]
    fn short_labels_name_a_row_only_when_whole() {
        let row = |label: &str| row_named("table3", label);
        assert_eq!(row("总计").as_deref(), Some("processed_total"));
        assert_eq!(row("部门总计"), None);
        assert_eq!(row("其他事项"), None);
        let row = |label: &str| row_named("table2", label);
        assert_eq!(row("规章").as_deref(), Some("regulations"));
        assert_eq!(row("规章制度建设"), None);
    }

    #[test]
    fn labels_find_their_rows() {
        let row = |label: &str| row_named("table3", label);
        assert_eq!(row("3.其他").as_deref(), Some("other_other"));
        assert_eq!(
            row("3、危及\"三安全一稳定\"").as_deref(),
            Some("deny_three_safety")
        );
        assert_eq!(
            row("（三）不予公开 2.其他法律行政法规禁止公开").as_deref(),
            Some("deny_law_forbidden")
        );
        assert_eq!(row("(七) 总计").as_deref(), Some("processed_total"));
        assert_eq!(row("申请人情况"), None);
        assert_eq!(
            row("一、本年新收政府信息公开申清数量").as_deref(),
            Some("new_received")
        );
    }

    fn text_grid(columns: Columns, rows: &[&[&str]]) -> CellGrid {
        let kinds = kinds_of(Format::national_2021().tables.iter());
        let mut grid = CellGrid::new(columns);
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                grid.cells
                    .insert((r as u32, c as u32), GridCell::of_text(text, &kinds));
            }
        }
        grid
    }

    fn table2_index() -> usize {
        Format::national_2021()
            .tables
            .iter()
            .position(|t| t.id == "table2")
            .unwrap_or(0)
    }

    #[test]
    fn a_bare_header_cell_is_never_a_row_read_by_count() {
        // Table 3's header row `其他` / `总计` and a row `3.其他` in a text's lines.
        let format = Format::national_2021();
        let index = format
            .tables
            .iter()
            .position(|t| t.id == "table3")
            .unwrap_or(0);
        let grid = text_grid(
            Columns::Lines,
            &[
                &["申请人情况"],
                &["自然人", "法人或其他组织", "总计"],
                &[
                    "商业企业",
                    "科研机构",
                    "社会公益组织",
                    "法律服务机构",
                    "其他",
                ],
                &[
                    "一、本年新收政府信息公开申请数量",
                    "1",
                    "0",
                    "0",
                    "0",
                    "0",
                    "0",
                    "1",
                ],
                &["3.其他", "0", "0", "0", "0", "0", "0", "0"],
            ],
        );
        let placement = Recogniser::of(format).place(index, &grid);
        assert!(placement.rows.contains_key("new_received"));
        assert!(placement.rows.contains_key("other_other"));
        assert!(!placement.rows.contains_key("processed_total"));
        assert!(placement.problems.is_empty(), "{:?}", placement.problems);
    }

    #[test]
    fn a_document_row_whose_cells_and_columns_disagree_is_not_placed() {
        // Under the headers 本年制发件数 / 本年废止件数 / 现行有效件数 the row 规章 has four
        // cells: read by columns it gives the first three, counted it gives none for sure.
        let grid = text_grid(
            Columns::Table,
            &[
                &["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                &["规章", "", "1", "2", "3"],
                &["行政规范性文件", "4", "5", "6"],
            ],
        );
        let placement = Recogniser::of(Format::national_2021()).place(table2_index(), &grid);
        assert_eq!(
            placement
                .values
                .get(&ValueKey::new("normative_documents", "made")),
            Some(&(2, 1))
        );
        // Four cells, three non-blank: counted, 1 2 3; under the headers, blank 1 2.
        assert_eq!(placement.problems.len(), 1, "{:?}", placement.problems);
        assert!(matches!(
            placement.problems[0].problem,
            Problem::Uncertain { .. }
        ));
        assert!(
            !placement
                .values
                .contains_key(&ValueKey::new("regulations", "made"))
        );
    }

    #[test]
    fn a_sheet_reads_by_columns_only() {
        let grid = text_grid(
            Columns::Sheet,
            &[&["规章", "1", "2", "3"], &["行政规范性文件", "4", "5", "6"]],
        );
        let placement = Recogniser::of(Format::national_2021()).place(table2_index(), &grid);
        assert!(!placement.found());
    }
}
