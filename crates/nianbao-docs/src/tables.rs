//! Table values from documents, mapped with the format's labels (never with positions written
//! here): rows of tables 2 and 3 by their label text after normalisation, table 4 (which has no
//! row labels) by the position of its numbers in its one data row, in the format's value-cell
//! order.
//!
//! Two sources: grids (DOCX, HTML; merges resolved) and text lines (tab-separated cells, or a
//! pdftotext layout where labels wrap over several lines around the numbers). Nothing is
//! guessed: a row whose numbers cannot be found, or whose cells were joined without a separator
//! (`801000081`), is an error finding and gets no values.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, OnceLock};

use nianbao_model::format::{CellRole, TableSpec, ValueKind};
use nianbao_model::labels::{Found, How, LabelIndex, MIN_CONTAINED_CHARS};
use nianbao_model::report::parse_value_text;
use nianbao_model::text::{normalize_label, split_enumerator};
use nianbao_model::{Cell, CellValue, Finding, Format, Location, Report, ValueKey};
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

fn row_targets(spec: &Arc<TableSpec>) -> Vec<RowTarget> {
    row_runs(spec)
        .into_iter()
        .map(|(row, fields)| {
            let mut labels: Vec<String> = Vec::new();
            let own = spec.row_label(row).map(normalize_label);
            let aliases = spec
                .row(row)
                .map(|r| {
                    r.aliases
                        .iter()
                        .map(|a| normalize_label(a))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            for label in own.into_iter().chain(aliases) {
                if !label.is_empty() && !labels.contains(&label) {
                    labels.push(label);
                }
            }
            RowTarget {
                table: Arc::clone(spec),
                row: row.to_string(),
                fields,
                labels,
            }
        })
        .collect()
}

fn glued_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(.*[^0-9.．０-９])([0-9０-９]{2,})$").ok())
        .as_ref()
}

/// The kinds of value the fields of some tables hold, each once.
fn kinds_of<'s>(specs: impl IntoIterator<Item = &'s TableSpec>) -> Vec<ValueKind> {
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

/// A value as a cell or token of its own: what the model's reader takes for a number or a "no
/// value" marker (`3`, `5件`, `/`, `不适用`, `无`) in a field of one of these kinds. The same
/// reader then reads the value with its field's kind. A run of digits that reader refuses for
/// its size only (`300153006143119`, cells joined) is still a value, never label text.
fn is_value_token(text: &str, kinds: &[ValueKind]) -> bool {
    kinds
        .iter()
        .any(|k| !matches!(parse_value_text(text, *k), CellValue::Unreadable(_)))
        || is_digit_run(text)
}

fn is_digit_run(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

fn is_number(text: &str, kinds: &[ValueKind]) -> bool {
    kinds
        .iter()
        .any(|k| matches!(parse_value_text(text, *k), CellValue::Number(_)))
}

/// The model's label index over some row targets (their labels and aliases, normalised): the
/// one way every importer tells which row a label names. Column headers are never read as a
/// misspelt row label.
fn target_index(targets: &[RowTarget], headers: &HashSet<String>) -> LabelIndex<usize> {
    LabelIndex::new(
        targets
            .iter()
            .enumerate()
            .flat_map(|(i, t)| t.labels.iter().map(move |l| (l.clone(), i))),
    )
    .protecting(headers.iter().cloned())
}

/// The target a normalised label names: exact, contained, or (when `fuzzy`) a close spelling;
/// none when two rows are as close.
fn best_target<'t>(
    targets: &'t [RowTarget],
    index: &LabelIndex<usize>,
    wanted: &str,
    fuzzy: bool,
) -> Option<&'t RowTarget> {
    let reach = if fuzzy { How::Close } else { How::Contained };
    index
        .find(wanted, reach)
        .and_then(Found::one)
        .and_then(|i| targets.get(*i))
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

/// The indices of the cells of each row of a grid that start in that row, left to right.
fn grid_row_ids(grid: &Grid) -> Vec<Vec<usize>> {
    grid.slots
        .iter()
        .enumerate()
        .map(|(r, slots)| {
            let mut ids: Vec<usize> = Vec::new();
            for id in slots.iter().flatten() {
                if !ids.contains(id) && grid.cells.get(*id).is_some_and(|c| c.r == r) {
                    ids.push(*id);
                }
            }
            ids
        })
        .collect()
}

/// A labelled table of the format with its labels normalised.
struct LabelledSpec {
    spec: Arc<TableSpec>,
    targets: Vec<RowTarget>,
    /// The label index of `targets`.
    index: LabelIndex<usize>,
    /// Per field: its normalised label and aliases (blank ones included, as they never match).
    fields: Vec<Vec<String>>,
}

/// The format's table labels, normalised once per format ([`TableLabels::of`], kept with the
/// format by [`Format::derived`]): row labels and aliases, column headers, 2019 markers, and the
/// kinds of value each table holds.
pub(crate) struct TableLabels {
    kinds: Vec<ValueKind>,
    labelled: Vec<LabelledSpec>,
    /// Table 4 and the like: the spec, its number of values, its kinds.
    positional: Vec<(Arc<TableSpec>, usize, Vec<ValueKind>)>,
    legacy_markers: Vec<String>,
    /// Every column header label of the labelled tables, normalised.
    headers: HashSet<String>,
}

impl TableLabels {
    /// The format's labels, made once per format.
    pub(crate) fn shared(format: &Format) -> Arc<TableLabels> {
        format.derived(TableLabels::of)
    }

    fn of(format: &Format) -> Self {
        let all_headers: HashSet<String> = format
            .tables
            .iter()
            .flat_map(|t| t.fields.iter())
            .flat_map(|f| std::iter::once(&f.label).chain(f.aliases.iter()))
            .map(|l| normalize_label(l))
            .collect();
        let labelled: Vec<LabelledSpec> = format
            .tables
            .iter()
            .filter(|t| !is_positional(t))
            .map(|spec| Arc::new(spec.clone()))
            .map(|spec| {
                let targets = row_targets(&spec);
                (spec, targets)
            })
            .map(|(spec, targets)| LabelledSpec {
                index: target_index(&targets, &all_headers),
                targets,
                fields: spec
                    .fields
                    .iter()
                    .map(|field| {
                        std::iter::once(&field.label)
                            .chain(field.aliases.iter())
                            .map(|l| normalize_label(l))
                            .collect()
                    })
                    .collect(),
                spec,
            })
            .collect();
        let positional = format
            .tables
            .iter()
            .filter(|t| is_positional(t))
            .map(|spec| {
                (
                    Arc::new(spec.clone()),
                    spec.value_cells().len(),
                    kinds_of([spec]),
                )
            })
            .collect();
        let headers = labelled
            .iter()
            .flat_map(|l| l.fields.iter().flatten().cloned())
            .collect();
        TableLabels {
            kinds: kinds_of(format.tables.iter()),
            labelled,
            positional,
            legacy_markers: legacy_markers(format),
            headers,
        }
    }
}

impl TableLabels {
    /// Whether a grid is one of the format's statistics tables, by the rules [`map_grids`] reads
    /// them with: a labelled table shown by its headers or row labels, or a row of numbers that is
    /// a positional table. A 2019 table is none of them.
    pub(crate) fn recognises(&self, grid: &Grid) -> bool {
        let facts = CellFacts::of(grid, &self.kinds);
        if legacy_marker(
            &self.legacy_markers,
            facts.normalized.iter().map(String::as_str),
        )
        .is_some()
        {
            return false;
        }
        let rows = grid_row_ids(grid);
        let texts = shown_texts(&rows, &facts);
        let labelled = self
            .labelled
            .iter()
            .any(|l| grid_is_table(&rows, &facts, &texts, l, &self.headers));
        labelled
            || rows.iter().any(|row| {
                let cells: Vec<&str> = row
                    .iter()
                    .filter_map(|id| grid.cells.get(*id))
                    .map(|c| c.text.trim())
                    .collect();
                !row.iter().any(|id| facts.is_label(*id))
                    && positional_table(self, &cells).is_some()
            })
    }
}

/// The texts a grid shows (normalised, not blank), to look its column headers up in.
fn shown_texts<'f>(rows: &[Vec<usize>], facts: &'f CellFacts) -> HashSet<&'f str> {
    rows.iter()
        .flatten()
        .filter_map(|id| facts.normalized.get(*id))
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect()
}

/// What is known of each cell of a grid (by its index), worked out once per grid: its text
/// normalised, and whether it is label text (not blank, not a value). The latter is worked out
/// on first use: a table recognised by its column headers alone, and not read, never needs it.
struct CellFacts<'g> {
    grid: &'g Grid,
    kinds: &'g [ValueKind],
    normalized: Vec<String>,
    labels: std::cell::OnceCell<Vec<bool>>,
}

impl<'g> CellFacts<'g> {
    fn of(grid: &'g Grid, kinds: &'g [ValueKind]) -> CellFacts<'g> {
        CellFacts {
            grid,
            kinds,
            normalized: grid
                .cells
                .iter()
                .map(|c| normalize_label(&c.text))
                .collect(),
            labels: std::cell::OnceCell::new(),
        }
    }

    /// Whether the cell `id` holds label text.
    fn is_label(&self, id: usize) -> bool {
        let labels = self.labels.get_or_init(|| {
            self.grid
                .cells
                .iter()
                .map(|c| !c.text.trim().is_empty() && !is_value_token(&c.text, self.kinds))
                .collect()
        });
        labels.get(id).copied().unwrap_or(false)
    }
}

/// The label of a grid row (cell indices, left to right) among `targets`: the rightmost label
/// cell that names one of the rows, with its position in the row. The cells to its right are
/// the row's values, so that a cell that is not a number (`约5`) stays a value of its row
/// instead of hiding it.
///
/// A cell that reads exactly as a column header of the format is never taken for a misspelt
/// row label (only an exact or contained label names a row from it).
fn row_label<'t>(
    row: &[usize],
    facts: &CellFacts,
    targets: &'t [RowTarget],
    index: &LabelIndex<usize>,
    headers: &HashSet<String>,
) -> Option<(usize, &'t RowTarget)> {
    row.iter()
        .enumerate()
        .rev()
        .filter(|(_, id)| facts.is_label(**id))
        .find_map(|(i, id)| {
            let text = facts.normalized.get(*id)?;
            let is_header = headers.contains(text);
            // A column header (`其他`, `总计` above the values) is never a row, although a row
            // has the same words after its enumerator (`3.其他`, `（七）总计`).
            if is_header
                && facts
                    .grid
                    .cells
                    .get(*id)
                    .is_some_and(|c| split_enumerator(&c.text).0.is_none())
            {
                return None;
            }
            best_target(targets, index, text, !is_header).map(|t| (i, t))
        })
}

/// Whether a grid is the table `spec` (or a piece of it): it shows the table's column headers
/// (half of its field labels, or one distinctive label of at least [`MIN_CONTAINED_CHARS`]
/// characters such as `本年制发件数`), or at least half of its row labels. A small table of a
/// draft whose rows happen to be called `总计` or `其他` is not a statistics table.
fn grid_is_table(
    rows: &[Vec<usize>],
    facts: &CellFacts,
    texts: &HashSet<&str>,
    labelled: &LabelledSpec,
    header_labels: &HashSet<String>,
) -> bool {
    let spec = &labelled.spec;
    let mut headers = 0usize;
    let mut distinctive = false;
    for labels in &labelled.fields {
        let mut shown = labels
            .iter()
            .filter(|l| texts.contains(l.as_str()))
            .peekable();
        if shown.peek().is_some() {
            headers += 1;
            distinctive |= shown.any(|l| l.chars().count() >= MIN_CONTAINED_CHARS);
        }
    }
    if distinctive || (headers > 0 && headers * 2 >= spec.fields.len()) {
        return true;
    }
    let targets = &labelled.targets;
    // Each grid row names at most one row: a grid with fewer rows than half the table's
    // labelled rows cannot name enough of them, whatever its cells say.
    if targets.is_empty() || rows.len() * 2 < targets.len() {
        return false;
    }
    let named: BTreeSet<&str> = rows
        .iter()
        .filter_map(|row| row_label(row, facts, targets, &labelled.index, header_labels))
        .map(|(_, t)| t.row.as_str())
        .collect();
    !targets.is_empty() && named.len() * 2 >= targets.len()
}

/// Reads every grid: a grid that is one of the labelled tables (see [`grid_is_table`]) gives
/// the rows it names, with their values to the right of the label; a row of numbers only, as
/// many as table 4 has values, is table 4. With [`TableValues::Skip`] the tables are only
/// recognised, by the same rules: nothing is stored and nothing reported. A 2019 table is none
/// of the format's tables either way. Returns whether any grid is one of the format's statistics
/// tables.
pub(crate) fn map_grids(
    file: &str,
    grids: &[&Grid],
    format: &Format,
    labels: &TableLabels,
    table_values: TableValues,
    report: &mut Report,
    findings: &mut Vec<Finding>,
) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let kinds = &labels.kinds;
    let mut collector = Collector::new(format, report, findings);
    let mut first_grid: BTreeMap<String, Location> = BTreeMap::new();
    for grid in grids {
        if table_values == TableValues::Skip {
            // Only whether there is a statistics table matters: the first one found answers.
            if labels.recognises(grid) {
                seen.insert(String::new());
                return seen;
            }
            continue;
        }
        let table_place = grid_place(file, grid, None);
        // Every cell's text normalised and classified once, for the 2019 markers, the column
        // headers and the row labels.
        let facts = CellFacts::of(grid, kinds);
        if let Some(finding) = legacy_finding_normalized(
            &labels.legacy_markers,
            facts.normalized.iter().map(String::as_str),
            table_place.clone(),
        ) {
            // A 2019 table is no statistics table of this format.
            collector.findings.push(finding);
            continue;
        }
        let place = |cell: &GridCell| grid_place(file, grid, Some(cell));
        let rows = grid_row_ids(grid);
        let texts = shown_texts(&rows, &facts);
        let is_table = |l: &&LabelledSpec| grid_is_table(&rows, &facts, &texts, l, &labels.headers);
        let claimed: Vec<&LabelledSpec> = labels.labelled.iter().filter(is_table).collect();
        seen.extend(claimed.iter().map(|l| l.spec.id.clone()));
        for l in &claimed {
            // A table that was recognised reports every row it lacks, even if none was read.
            first_grid
                .entry(l.spec.id.clone())
                .or_insert_with(|| table_place.clone());
            collector.found.entry(l.spec.id.clone()).or_default();
        }
        let targets: Vec<RowTarget> = claimed
            .iter()
            .flat_map(|l| l.targets.iter().cloned())
            .collect();
        let index = target_index(&targets, &labels.headers);
        for row in &rows {
            let row_cells: Vec<&GridCell> =
                row.iter().filter_map(|id| grid.cells.get(*id)).collect();
            if row_cells.is_empty() {
                continue;
            }
            // Without a claimed table only a row of as many cells as a positional table has
            // values can give anything.
            if targets.is_empty()
                && !labels
                    .positional
                    .iter()
                    .any(|(_, n, _)| *n == row_cells.len())
            {
                continue;
            }
            let has_label = row.iter().any(|id| facts.is_label(*id));
            if !has_label {
                let texts: Vec<&str> = row_cells.iter().map(|c| c.text.trim()).collect();
                if let Some(spec) = positional_table(labels, &texts) {
                    let values: Vec<(String, Location)> = row_cells
                        .iter()
                        .map(|c| (c.text.trim().to_string(), place(c)))
                        .collect();
                    first_grid
                        .entry(spec.id.clone())
                        .or_insert_with(|| grid_place(file, grid, None));
                    seen.insert(spec.id.clone());
                    collector.positional(spec, &values);
                }
                continue;
            }
            let Some((at, target)) = row_label(row, &facts, &targets, &index, &labels.headers)
            else {
                continue;
            };
            let values: Vec<(String, Location)> = row_cells
                .iter()
                .skip(at + 1)
                .map(|c| (c.text.trim().to_string(), place(c)))
                .collect();
            if values.is_empty() {
                continue;
            }
            if let Some(label) = row_cells.get(at) {
                collector.row(target, &values, &place(label));
            }
        }
    }
    for spec in &format.tables {
        if let Some(place) = first_grid.get(&spec.id) {
            collector.report_missing(spec, place);
        }
    }
    seen
}

/// Where a grid (or one of its cells) is: its table and cell in a document, or the line of a
/// text file the cell was read from.
fn grid_place(file: &str, grid: &Grid, cell: Option<&GridCell>) -> Location {
    if !grid.lines.is_empty() {
        let row = cell.map_or(0, |c| c.r);
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
        table_cell: cell.map(|c| (c.r + 1, c.c + 1)),
        ..Location::default()
    }
}

/// The positional table (table 4) a row of cells without labels is: as many cells as it has
/// values, at least one of them a number.
fn positional_table<'l>(labels: &'l TableLabels, cells: &[&str]) -> Option<&'l TableSpec> {
    labels
        .positional
        .iter()
        .find(|(_, n, _)| *n == cells.len())
        .filter(|(_, _, kinds)| cells.iter().any(|t| is_number(t, kinds)))
        .map(|(spec, _, _)| &**spec)
}

/// A table of the 2019 format (recognised by labels only it has) is not read as the 2021 one:
/// its columns mean other things (`对外公开总数量` is not `现行有效件数`).
pub(crate) fn legacy_finding<'t>(
    format: &Format,
    texts: impl Iterator<Item = &'t str>,
    place: Location,
) -> Option<Finding> {
    let normalized: Vec<String> = texts.map(normalize_label).collect();
    legacy_finding_normalized(
        &legacy_markers(format),
        normalized.iter().map(String::as_str),
        place,
    )
}

/// The format's 2019 markers, normalised.
fn legacy_markers(format: &Format) -> Vec<String> {
    format
        .legacy_2019
        .markers
        .iter()
        .map(|m| normalize_label(m))
        .collect()
}

/// [`legacy_finding`] on texts already normalised, with the markers normalised.
fn legacy_finding_normalized<'t>(
    markers: &[String],
    texts: impl Iterator<Item = &'t str>,
    place: Location,
) -> Option<Finding> {
    let marker = legacy_marker(markers, texts)?;
    Some(
        Finding::error(
            "import.legacy_2019",
            format!("表格含有2019年版格式的栏目“{marker}”，其口径与2021年版不同，该表未导入"),
        )
        .at(place)
        .expected_found("2021年版表格（如“本年制发件数”“现行有效件数”）", marker.clone())
        .hint("请按2021年版格式（国办公开办函〔2021〕30号）重新填报该表，或由统计表（Excel）导入，由其按对照关系转换并提示。"),
    )
}

/// The first 2019 marker (normalised) that one of the texts (normalised) holds.
fn legacy_marker<'m, 't>(
    markers: &'m [String],
    mut texts: impl Iterator<Item = &'t str>,
) -> Option<&'m String> {
    texts.find_map(|t| markers.iter().find(|m| t.contains(m.as_str())))
}

/// A line of text read as a possible table row.
struct TextRow {
    no: usize,
    /// The label text, normalised.
    label: String,
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
        let label = cells
            .get(..label_end)
            .unwrap_or_default()
            .iter()
            .map(|c| normalize_label(c))
            .collect::<String>();
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
    let label = label_tokens
        .iter()
        .map(|t| normalize_label(t))
        .collect::<String>();
    TextRow { no, label, cells }
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
pub(crate) fn map_text(
    file: &str,
    lines: &[&SourceLine],
    spec: &TableSpec,
    format: &Format,
    expected: bool,
    report: &mut Report,
    findings: &mut Vec<Finding>,
) -> bool {
    if let Some(first) = lines.first()
        && let Some(finding) = legacy_finding(
            format,
            lines.iter().map(|l| l.text.as_str()),
            Location::line(file, first.no),
        )
    {
        // Reported once, by the first table read from these lines.
        if !findings.iter().any(|f| {
            f.rule == "import.legacy_2019" && f.locations.first() == finding.locations.first()
        }) {
            findings.push(finding);
        }
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
    let shared = TableLabels::shared(format);
    let targets = match shared.labelled.iter().find(|l| l.spec.id == spec.id) {
        Some(labelled) => labelled.targets.clone(),
        None => row_targets(&Arc::new(spec.clone())),
    };
    let mut cursor = 0usize;
    let mut first_place: Option<Location> = None;
    for target in &targets {
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
        let hit = (cursor..(cursor + 2).min(records.len()))
            .find(|&k| window_names(&window(k), &target.labels) && !names_other(k));
        let Some(k) = hit else {
            continue;
        };
        cursor = k + 1;
        let Some(row) = records.get(k).and_then(|i| rows.get(*i)) else {
            continue;
        };
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

/// The kind of value a field holds (count or amount), for reading its text.
fn field_kind(spec: &TableSpec, field: &str) -> ValueKind {
    spec.field(field).map(|f| f.kind).unwrap_or_default()
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

    /// The row a label names among `targets`, close spellings allowed.
    fn row_named(targets: &[RowTarget], label: &str) -> Option<String> {
        let index = target_index(targets, &HashSet::new());
        best_target(targets, &index, &normalize_label(label), true).map(|t| t.row.clone())
    }

    #[test]
    fn short_labels_name_a_row_only_when_whole() {
        let t3 = Format::national_2021().table("table3").unwrap();
        let targets = row_targets(&Arc::new(t3.clone()));
        let row = |label: &str| row_named(&targets, label);
        assert_eq!(row("总计").as_deref(), Some("processed_total"));
        assert_eq!(row("部门总计"), None);
        assert_eq!(row("其他事项"), None);
        let t2 = Format::national_2021().table("table2").unwrap();
        let targets = row_targets(&Arc::new(t2.clone()));
        let row = |label: &str| row_named(&targets, label);
        assert_eq!(row("规章").as_deref(), Some("regulations"));
        assert_eq!(row("规章制度建设"), None);
    }

    #[test]
    fn labels_find_their_rows() {
        let t3 = Format::national_2021().table("table3").unwrap();
        let targets = row_targets(&Arc::new(t3.clone()));
        let row = |label: &str| row_named(&targets, label);
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
    }
}
