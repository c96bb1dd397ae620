//! Finding tables 2–4 in worksheets by their labels and reading their values.
//!
//! Nothing here depends on cell positions: row labels, column headers and table 4's block
//! headers are matched after [`normalize_label`], with the aliases the format declares. A row
//! label counts only where column headers of its fields stand above and to the right of it,
//! which tells the row `（七）总计` from the column header `总计`.

use std::collections::{BTreeMap, BTreeSet};

use nianbao_model::format::{LegacyMapping, TableSpec, ValueKind};
use nianbao_model::labels::{Found, How, LabelIndex};
use nianbao_model::text::normalize_label;
use nianbao_model::{
    AdminLevel, Cell, CellValue, Finding, Format, Location, Metadata, Report, ValueKey,
};
use rust_decimal::Decimal;

use crate::sheet::{Grid, MAX_COLS, MAX_ROWS, Raw};
use crate::value::{
    SumResult, a1, cell_value, date_from_serial, date_text, evaluate_sum, sums_only_blanks,
    text_number_terms,
};

/// Name of the metadata sheet written by the template.
pub const META_SHEET: &str = "基本信息";
/// Name of the findings sheet of the report workbook (never read back as data).
pub const FINDINGS_SHEET: &str = "检查结果";

/// Labels of the metadata sheet, in order.
pub const META_LABELS: [&str; 6] = [
    "机关名称",
    "年度",
    "行政级别",
    "地区",
    "成文日期",
    "联系方式",
];

/// How far above a row its column headers may stand.
const HEADER_REACH: u32 = 40;

/// A text cell with its normal form.
#[derive(Debug, Clone)]
struct TextCell {
    r: u32,
    c: u32,
    norm: String,
}

/// A label matched to a row or field key; `legacy` names the 2019 mapping it came through.
#[derive(Debug, Clone)]
struct Hit<'l> {
    r: u32,
    c: u32,
    key: &'l str,
    legacy: Option<usize>,
}

/// A label's key in a table's [`LabelIndex`], with the 2019 mapping it came through.
type LabelKey = (String, Option<usize>);

/// Normalised labels of a set of keys, with their 2019 spellings, in the one label index of the
/// model ([`LabelIndex`]), and how far a cell may be from them: block names of 表四 match whole
/// cells only, everything else also contained or by a close spelling.
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

    /// The same labels, matching whole cells only.
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

/// What a table is recognised by, normalised once per format ([`FormatLabels`]).
struct TableLabels {
    rows: Labels,
    fields: Labels,
    /// The fields of each row, in column order.
    run_fields: BTreeMap<String, Vec<String>>,
}

/// The [`TableLabels`] of each of a format's tables, in order: they depend on the format alone,
/// so they are made once per format ([`Format::derived`]) and shared by every import.
struct FormatLabels(Vec<TableLabels>);

impl FormatLabels {
    fn of(format: &Format) -> FormatLabels {
        let legacy = &format.legacy_2019.mappings;
        FormatLabels(
            format
                .tables
                .iter()
                .map(|table| {
                    if table.is_positional() {
                        TableLabels::blocks(table)
                    } else {
                        TableLabels::rows(table, legacy)
                    }
                })
                .collect(),
        )
    }
}

impl TableLabels {
    /// A table of labelled rows (表二, 表三), with the 2019 spellings.
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
        }
    }

    /// A table of blocks side by side (表四). Block names are short and also occur in the part
    /// heading above the table (`四、政府信息公开行政复议、行政诉讼情况`): only whole-cell matches
    /// count.
    fn blocks(table: &TableSpec) -> Self {
        TableLabels {
            rows: row_labels(table, &[]).whole_cells_only(),
            fields: field_labels(table, &[]),
            run_fields: BTreeMap::new(),
        }
    }
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

/// The non-blank text cells of a grid, normalised, in reading order (the grid's cells are kept
/// sorted by row, then column).
fn text_cells(grid: &Grid) -> Vec<TextCell> {
    grid.cells
        .iter()
        .filter_map(|(&(r, c), cell)| match &cell.value {
            Raw::Text(s) => {
                let norm = normalize_label(s);
                (!norm.is_empty()).then_some(TextCell { r, c, norm })
            }
            _ => None,
        })
        .collect()
}

/// Header hits, including headers whose text is split over two stacked cells (`商业` / `企业`).
/// `cells` are in reading order (row, then column), as [`text_cells`] gives them.
fn header_hits<'l>(grid: &Grid, cells: &[TextCell], labels: &'l Labels) -> Vec<Hit<'l>> {
    let text_at = |r: u32, c: u32| {
        cells
            .binary_search_by_key(&(r, c), |t| (t.r, t.c))
            .ok()
            .and_then(|i| cells.get(i))
            .map(|t| t.norm.as_str())
    };
    let mut joined = String::new();
    let mut hits = Vec::new();
    for t in cells {
        if let Some((key, legacy)) = labels.find(&t.norm) {
            hits.push(Hit {
                r: t.r,
                c: t.c,
                key,
                legacy,
            });
            continue;
        }
        let below = grid.merge_at(t.r, t.c).map(|m| m.r1 + 1).unwrap_or(t.r + 1);
        if let Some(next) = text_at(below, t.c) {
            joined.clear();
            joined.push_str(&t.norm);
            joined.push_str(next);
            if let Some((key, legacy)) = labels.find(&joined) {
                hits.push(Hit {
                    r: t.r,
                    c: t.c,
                    key,
                    legacy,
                });
            }
        }
    }
    hits
}

/// A table found on a sheet: where each value is.
#[derive(Debug, Clone, Default)]
struct Placement {
    /// Value key → (row, column) of the cell under its header.
    values: BTreeMap<ValueKey, (u32, u32)>,
    /// Keys reached through a 2019 label, with the mapping used.
    legacy: BTreeMap<ValueKey, usize>,
    /// Rows of the format not found.
    missing_rows: Vec<String>,
    /// Fields whose header was not found for some row.
    missing_fields: BTreeSet<String>,
    /// Label cells of rows that are not in the format but hold numbers (or are 小计 rows).
    ignored: Vec<(u32, u32, String)>,
    /// The header cells the values were placed under (for locating a missing column).
    header_cells: BTreeSet<(u32, u32)>,
    /// Rows found twice on the sheet.
    duplicates: usize,
    /// Row labels read by a close spelling: (row, column, row key).
    close: Vec<(u32, u32, String)>,
    /// Cells whose text is as close to two rows' labels: (row, column, the two row keys).
    ambiguous: Vec<(u32, u32, String, String)>,
    score: usize,
}

fn place_row_table(
    grid: &Grid,
    cells: &[TextCell],
    table: &TableSpec,
    labels: &TableLabels,
) -> Placement {
    let TableLabels {
        rows,
        fields,
        run_fields,
    } = labels;
    // Most sheets hold another table: without one of this table's row labels there is nothing
    // to place, and its column headers are not looked for.
    let mut ambiguous = Vec::new();
    let row_hits: Vec<(&TextCell, &str, Option<usize>, bool)> = cells
        .iter()
        .filter_map(|t| match rows.lookup(&t.norm)? {
            Found::One((key, legacy), how) => Some((t, key.as_str(), *legacy, how == How::Close)),
            Found::Ambiguous(a, b) => {
                ambiguous.push((t.r, t.c, a.0.clone(), b.0.clone()));
                None
            }
        })
        .collect();
    if row_hits.is_empty() {
        return Placement::default();
    }
    let headers = header_hits(grid, cells, fields);

    let has_header = |hits: &[Hit], field: &str, r: u32, c: u32| {
        hits.iter()
            .any(|h| h.key == field && h.r < r && r - h.r <= HEADER_REACH && h.c > c)
    };
    // Row candidates backed by column headers above and to the right.
    let mut accepted: BTreeMap<u32, Hit> = BTreeMap::new();
    let mut close: BTreeMap<u32, (u32, String)> = BTreeMap::new();
    for (t, key, legacy_idx, is_close) in row_hits {
        let Some(wanted) = run_fields.get(key) else {
            continue;
        };
        let backed = wanted
            .iter()
            .filter(|f| has_header(&headers, f, t.r, t.c))
            .count();
        let needed = if wanted.len() <= 3 { 1 } else { 2 };
        if backed < needed {
            continue;
        }
        let hit = Hit {
            r: t.r,
            c: t.c,
            key,
            legacy: legacy_idx,
        };
        // The row's own label is the rightmost one; group labels stand to its left.
        match accepted.get(&t.r) {
            Some(prev) if prev.c > t.c => {}
            _ => {
                accepted.insert(t.r, hit);
                if is_close {
                    close.insert(t.r, (t.c, key.to_string()));
                } else {
                    close.remove(&t.r);
                }
            }
        }
    }
    let mut placement = Placement {
        close: close.into_iter().map(|(r, (c, key))| (r, c, key)).collect(),
        ambiguous,
        ..Placement::default()
    };
    let mut found: BTreeMap<&str, &Hit> = BTreeMap::new();
    for hit in accepted.values() {
        if found.contains_key(hit.key) {
            placement.duplicates += 1;
        } else {
            found.insert(hit.key, hit);
        }
    }
    placement.score = found.len();
    if found.is_empty() {
        return placement;
    }
    // Headers standing in a row that holds a row label are labels, not headers.
    let label_rows: BTreeSet<u32> = accepted.keys().copied().collect();
    let headers: Vec<Hit> = headers
        .into_iter()
        .filter(|h| !label_rows.contains(&h.r))
        .collect();

    // Value column → the kind of the field read there.
    let mut value_cols: BTreeMap<u32, ValueKind> = BTreeMap::new();
    for row in &table.rows {
        let Some(hit) = found.get(row.key.as_str()) else {
            placement.missing_rows.push(row.key.clone());
            continue;
        };
        for field in run_fields.get(row.key.as_str()).into_iter().flatten() {
            let header = headers
                .iter()
                .filter(|h| {
                    h.key == *field && h.r < hit.r && hit.r - h.r <= HEADER_REACH && h.c > hit.c
                })
                .max_by_key(|h| (h.r, std::cmp::Reverse(h.c)));
            let Some(header) = header else {
                placement.missing_fields.insert((*field).to_string());
                continue;
            };
            let key = ValueKey::new(&row.key, field);
            value_cols.insert(header.c, field_kind(table, field));
            placement.header_cells.insert((header.r, header.c));
            if let Some(i) = hit.legacy.or(header.legacy) {
                placement.legacy.insert(key.clone(), i);
            }
            placement.values.insert(key, (hit.r, header.c));
        }
    }
    // Rows between the first and last found label that are not in the format.
    let first = found.values().map(|h| h.r).min().unwrap_or(0);
    let last = found.values().map(|h| h.r).max().unwrap_or(0);
    let min_value_col = value_cols.keys().next().copied().unwrap_or(0);
    for r in first..=last {
        if label_rows.contains(&r) {
            continue;
        }
        let label = cells
            .iter()
            .filter(|t| t.r == r && t.c < min_value_col)
            .max_by_key(|t| t.c);
        let Some(label) = label else { continue };
        let holds_number = value_cols.iter().any(|(&c, &kind)| {
            grid.get(r, c)
                .is_some_and(|cell| matches!(cell_value(&cell.value, kind), CellValue::Number(_)))
        });
        if holds_number || label.norm.contains("小计") || label.norm.contains("合计") {
            placement.ignored.push((r, label.c, grid.text(r, label.c)));
        }
    }
    placement
}

fn place_table4(
    grid: &Grid,
    cells: &[TextCell],
    table: &TableSpec,
    labels: &TableLabels,
) -> Placement {
    let (blocks, fields) = (&labels.rows, &labels.fields);
    let block_hits: Vec<Hit> = cells
        .iter()
        .filter_map(|t| {
            blocks.find(&t.norm).map(|(key, _)| Hit {
                r: t.r,
                c: t.c,
                key,
                legacy: None,
            })
        })
        .collect();
    // As for a row table: a sheet without a block label holds another table.
    if block_hits.is_empty() {
        return Placement::default();
    }
    let field_hits = header_hits(grid, cells, fields);
    let mut placement = Placement::default();
    let mut found: BTreeMap<&str, Vec<(&str, u32, u32)>> = BTreeMap::new();
    let mut header_bottom = 0u32;
    for block in &block_hits {
        if found.contains_key(block.key) {
            placement.duplicates += 1;
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
        found.insert(block.key, columns);
    }
    placement.score = found.len();
    if found.is_empty() {
        return placement;
    }
    let value_row = header_bottom + 1;
    for row in &table.rows {
        let Some(columns) = found.get(row.key.as_str()) else {
            placement.missing_rows.push(row.key.clone());
            continue;
        };
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

/// Reads the metadata sheet's label/value rows.
fn read_meta(grid: &Grid) -> Metadata {
    let mut meta = Metadata::default();
    let cells = text_cells(grid);
    for t in &cells {
        let Some(label) = META_LABELS.iter().find(|l| normalize_label(l) == t.norm) else {
            continue;
        };
        // The value is the next non-empty cell to the right.
        let value = (t.c + 1..(t.c + 4).min(MAX_COLS))
            .find_map(|c| grid.get(t.r, c).filter(|cell| cell.value != Raw::Empty));
        let Some(value) = value else { continue };
        let text = match &value.value {
            Raw::Int(i) => i.to_string(),
            Raw::Number(f) => crate::value::decimal_from_float(*f)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            Raw::Text(s) | Raw::Other(s) => s.trim().to_string(),
            Raw::Date(serial) => date_text(*serial),
            Raw::Empty => String::new(),
        };
        if text.is_empty() {
            continue;
        }
        match *label {
            "机关名称" => meta.org = text,
            "年度" => {
                let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
                meta.year = digits.parse().unwrap_or(0);
            }
            "行政级别" => {
                meta.level = AdminLevel::parse(&text).or_else(|| {
                    AdminLevel::parse(&normalize_label(&text))
                        .or_else(|| AdminLevel::parse(&text.replace(['（', '）', '(', ')'], "")))
                });
            }
            "地区" => meta.region = Some(text),
            "成文日期" => meta.date = Some(iso_date(&value.value, &text)),
            "联系方式" => {
                meta.contact = text
                    .split(['；', ';', '\n'])
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            _ => {}
        }
    }
    meta
}

/// Labels of a cell naming the office, before its name (`填报单位：某局`) or left of it.
const ORG_LABELS: [&str; 6] = [
    "填报单位",
    "单位名称",
    "报送单位",
    "填报机关",
    "机关名称",
    "编制单位",
];

/// 机关名称 and 年度 from the sheets, where the 基本信息 sheet did not give them: a title cell
/// (`淮安市人民政府2024年政府信息公开工作年度报告统计表`), a `填报单位：…` cell or a label with the
/// name to its right, a sheet named as a title. The first source found gives each; a later one
/// that says otherwise is a warning naming both.
fn meta_from_sheets(
    file: &str,
    grids: &[&Grid],
    format: &Format,
    meta: &mut Metadata,
    findings: &mut Vec<Finding>,
) {
    let mut orgs: Vec<(String, Location)> = Vec::new();
    let mut years: Vec<(i32, Location)> = Vec::new();
    for grid in grids {
        if grid.name.trim() == META_SHEET || grid.name.trim() == FINDINGS_SHEET {
            continue;
        }
        if let Some((org, year)) = format.read_title(&grid.name) {
            let place = sheet_location(file, &grid.name);
            if !org.is_empty() {
                orgs.push((org, place.clone()));
            }
            years.push((year, place));
        }
        for (&(r, c), cell) in &grid.cells {
            let Raw::Text(text) = &cell.value else {
                continue;
            };
            let place = || Location::sheet_cell(file, &grid.name, a1(r, c));
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if let Some((org, year)) = format.read_title(&compact) {
                if !org.is_empty() {
                    orgs.push((org, place()));
                }
                years.push((year, place()));
                continue;
            }
            for label in ORG_LABELS {
                let Some(rest) = compact.strip_prefix(label) else {
                    continue;
                };
                let rest = rest.trim_start_matches([':', '：']);
                // `填报单位：某局  填报日期：…` in one cell: the name ends where the next label starts.
                let name = rest
                    .split(['：', ':'])
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches(|ch: char| !ch.is_alphanumeric());
                let name = ["填报日期", "填报人", "联系电话", "日期", "单位负责人"]
                    .iter()
                    .fold(name, |n, next| n.split(next).next().unwrap_or(n));
                if !name.is_empty() {
                    orgs.push((name.to_string(), place()));
                } else if let Some(value) = (c + 1..(c + 6).min(MAX_COLS))
                    .find_map(|cc| grid.get(r, cc).map(|v| (cc, v)))
                    .and_then(|(cc, v)| match &v.value {
                        Raw::Text(t) if !t.trim().is_empty() => Some((cc, t.trim().to_string())),
                        _ => None,
                    })
                {
                    orgs.push((
                        value.1,
                        Location::sheet_cell(file, &grid.name, a1(r, value.0)),
                    ));
                }
                break;
            }
        }
    }
    if meta.org.is_empty()
        && let Some((org, _)) = orgs.first()
    {
        meta.org = org.clone();
    }
    if meta.year == 0
        && let Some((year, _)) = years.first()
    {
        meta.year = *year;
    }
    if let Some((other, place)) = orgs.iter().find(|(o, _)| *o != meta.org) {
        findings.push(
            Finding::warning(
                "import.meta_conflict",
                format!(
                    "工作簿中的机关名称不一致：采用“{}”，另有“{other}”",
                    meta.org
                ),
            )
            .at(place.clone())
            .expected_found(meta.org.clone(), other.clone())
            .hint("请统一工作簿中的机关名称（标题、填报单位、基本信息），或用 --org 指定。"),
        );
    }
    if let Some((other, place)) = years.iter().find(|(y, _)| *y != meta.year) {
        findings.push(
            Finding::warning(
                "import.meta_conflict",
                format!(
                    "工作簿中的年度不一致：采用 {} 年，另有 {other} 年",
                    meta.year
                ),
            )
            .at(place.clone())
            .expected_found(meta.year.to_string(), other.to_string())
            .hint("请统一工作簿中的年度，或用 --year 指定。"),
        );
    }
}

/// 成文日期 as ISO: a date typed as text stays as written (`2025年1月16日` → `2025-01-16`); a
/// date cell or an Excel date serial typed as a number is converted.
fn iso_date(raw: &Raw, text: &str) -> String {
    if let Raw::Number(serial) | Raw::Date(serial) = raw
        && let Some(date) = date_from_serial(*serial)
    {
        return date;
    }
    let parts: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    match parts.as_slice() {
        [y, m, d] if *y > 1900 => format!("{y:04}-{m:02}-{d:02}"),
        _ => text.to_string(),
    }
}

/// Everything the importer found in a workbook.
pub fn import_grids(file: &str, grids: &[Grid], format: &Format) -> (Report, Vec<Finding>) {
    let mut report = Report::default();
    let mut findings = Vec::new();
    let data_grids: Vec<&Grid> = grids.iter().collect();
    let texts: Vec<Vec<TextCell>> = data_grids.iter().map(|g| text_cells(g)).collect();

    for grid in &data_grids {
        if let Some((rows, cols)) = grid.capped {
            findings.push(
                Finding::warning(
                    "import.sheet_too_large",
                    format!(
                        "工作表“{}”声明或包含的范围过大（约 {rows} 行 × {cols} 列），只读取了前 {MAX_ROWS} 行、前 {MAX_COLS} 列",
                        grid.name
                    ),
                )
                .at(sheet_location(file, &grid.name))
                .expected_found(
                    format!("不超过 {MAX_ROWS} 行 × {MAX_COLS} 列"),
                    format!("{rows} 行 × {cols} 列"),
                )
                .hint("请删除表格以外的空行空列或整列格式后重新保存。"),
            );
        }
    }
    if let Some(meta_grid) = data_grids.iter().find(|g| g.name.trim() == META_SHEET) {
        report.meta = read_meta(meta_grid);
    }
    // An office's own workbook has no 基本信息 sheet: its title row, a 填报单位 cell or a
    // sheet's name says whose report it is.
    meta_from_sheets(file, &data_grids, format, &mut report.meta, &mut findings);

    let legacy = &format.legacy_2019.mappings;
    let mut legacy_used = false;
    let mut legacy_notes: Vec<(ValueKey, Location, usize)> = Vec::new();
    let format_labels = format.derived(FormatLabels::of);
    for (table, labels) in format.tables.iter().zip(&format_labels.0) {
        let is_block_table = table.is_positional();
        let mut placements: Vec<Placement> = data_grids
            .iter()
            .zip(&texts)
            .map(|(g, t)| {
                if is_block_table {
                    place_table4(g, t, table, labels)
                } else {
                    place_row_table(g, t, table, labels)
                }
            })
            .collect();
        let best = placements
            .iter()
            .enumerate()
            .filter(|(_, p)| p.score > 0)
            .max_by_key(|(i, p)| (p.score, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        let Some(best_index) = best else {
            findings.push(
                Finding::error(
                    "import.table_missing",
                    format!("工作簿中未找到{}（{}）", table.name, table.title),
                )
                .at(Location::file(file))
                .expected_found(
                    format!("含有{}各行标签和列标题的表格", table.name),
                    "未找到",
                )
                .hint("请检查表格标签是否与官方格式一致，或使用 nianbao init 生成的模板填写。"),
            );
            continue;
        };
        let grid = data_grids[best_index];
        let threshold = (table.rows.len() / 2).max(1);
        let others: Vec<&str> = placements
            .iter()
            .enumerate()
            .filter(|(i, p)| *i != best_index && p.score >= threshold)
            .map(|(i, _)| data_grids[i].name.as_str())
            .collect();
        let placement = placements.swap_remove(best_index);
        if !others.is_empty() || placement.duplicates >= threshold {
            let mut places: Vec<String> = vec![grid.name.clone()];
            places.extend(others.iter().map(|s| s.to_string()));
            findings.push(
                Finding::warning(
                    "import.duplicate_table",
                    format!(
                        "{}在工作簿中出现不止一次（工作表：{}），已采用工作表“{}”中的第一份",
                        table.name,
                        places.join("、"),
                        grid.name
                    ),
                )
                .at_all(places.iter().map(|s| sheet_location(file, s)))
                .hint("请删除多余的表格，只保留本年度的一份。"),
            );
        }
        if placement
            .legacy
            .values()
            .any(|&i| legacy.get(i).is_some_and(|m| !also_2021_label(table, m)))
        {
            legacy_used = true;
        }
        read_placement(
            file,
            grid,
            table,
            placement,
            &mut report,
            &mut findings,
            &mut legacy_notes,
        );
    }

    // The 2019 layout: markers anywhere, or values read through a 2019 label.
    let markers: Vec<String> = format
        .legacy_2019
        .markers
        .iter()
        .map(|m| normalize_label(m))
        .collect();
    let mut marker_cells = Vec::new();
    for (grid, cells) in data_grids.iter().zip(&texts) {
        for t in cells {
            if markers.contains(&t.norm) {
                marker_cells.push(Location::sheet_cell(file, &grid.name, a1(t.r, t.c)));
            }
        }
    }
    if !marker_cells.is_empty() || legacy_used {
        // Without a marker cell (a 2019 label was matched by its mapping), the file is the place.
        let places: Vec<Location> = if marker_cells.is_empty() {
            vec![Location::file(file)]
        } else {
            marker_cells.into_iter().take(5).collect()
        };
        findings.push(
            Finding::warning(
                "import.legacy_2019",
                "工作簿采用2019年版年度报告格式，已按2021年版格式（国办公开办函〔2021〕30号）对应导入，对应关系不完全一致的数值另行提示",
            )
            .at_all(places)
            .expected_found("2021年版格式", "2019年版格式")
            .hint("请改用2021年版格式填报（可用 nianbao init 生成模板）。"),
        );
        legacy_notes.sort_by_key(|(_, location, _)| {
            (
                location.sheet.clone(),
                location.cell.as_deref().map(a1_sort_key),
            )
        });
        for (key, location, index) in legacy_notes {
            if let Some(note) = legacy.get(index).and_then(|m| m.note.clone()) {
                findings.push(
                    Finding::warning(
                        "import.legacy_mapped",
                        format!("{}：{note}", format.value_label(&key)),
                    )
                    .at(location.with_value(key.to_string(), format.value_label(&key))),
                );
            }
        }
        for (grid, cells) in data_grids.iter().zip(&texts) {
            unmapped_findings(file, grid, cells, format, &mut findings);
        }
    }
    (report, findings)
}

/// Whether a 2019 label is also accepted as a 2021 spelling (then it says nothing about the
/// layout's age).
fn also_2021_label(table: &TableSpec, mapping: &LegacyMapping) -> bool {
    let norm = normalize_label(&mapping.label);
    let row_spellings = mapping
        .row
        .as_deref()
        .and_then(|k| table.row(k))
        .map(|row| {
            let mut all: Vec<String> = row.aliases.iter().map(|a| normalize_label(a)).collect();
            all.extend(table.row_label(&row.key).map(normalize_label));
            all
        });
    let field_spellings = mapping
        .field
        .as_deref()
        .and_then(|k| table.field(k))
        .map(|f| {
            let mut all: Vec<String> = f.aliases.iter().map(|a| normalize_label(a)).collect();
            all.push(normalize_label(&f.label));
            all
        });
    row_spellings
        .into_iter()
        .chain(field_spellings)
        .flatten()
        .any(|s| s == norm)
}

/// The kind of a table's field (a count when the format does not name the field).
fn field_kind(table: &TableSpec, field: &str) -> ValueKind {
    table.field(field).map(|f| f.kind).unwrap_or_default()
}

/// Where a table's column headers stand: the area from the first to the last header cell the
/// values were placed under (`D19:J21`); the sheet when none was found.
fn header_location(file: &str, grid: &Grid, cells: &BTreeSet<(u32, u32)>) -> Location {
    let bounds = cells
        .iter()
        .fold(None, |acc: Option<(u32, u32, u32, u32)>, &(r, c)| {
            Some(match acc {
                None => (r, c, r, c),
                Some((r0, c0, r1, c1)) => (r0.min(r), c0.min(c), r1.max(r), c1.max(c)),
            })
        });
    match bounds {
        None => sheet_location(file, &grid.name),
        Some((r0, c0, r1, c1)) if (r0, c0) == (r1, c1) => {
            Location::sheet_cell(file, &grid.name, a1(r0, c0))
        }
        Some((r0, c0, r1, c1)) => {
            Location::sheet_cell(file, &grid.name, format!("{}:{}", a1(r0, c0), a1(r1, c1)))
        }
    }
}

fn sheet_location(file: &str, sheet: &str) -> Location {
    Location {
        file: Some(file.to_string()),
        sheet: Some(sheet.to_string()),
        ..Location::default()
    }
}

/// A saved formula result that disagrees with the sum of its terms because some of them hold
/// numbers typed as text: the spreadsheet's SUM skipped them, nianbao reads them. The saved
/// result stays the total (it is what the file says, and the office sees it in Excel); the
/// finding names the text cells so the total's own error is understood and fixed at its cause.
fn text_left_out(
    file: &str,
    grid: &Grid,
    table: &TableSpec,
    total: &Location,
    formula: &str,
    saved: &CellValue,
    kind: ValueKind,
) -> Option<Finding> {
    let CellValue::Number(saved) = saved else {
        return None;
    };
    let SumResult::Number(sum) = evaluate_sum(grid, formula, kind) else {
        return None;
    };
    if sum == *saved {
        return None;
    }
    let texts = text_number_terms(grid, formula, kind);
    if texts.is_empty() {
        return None;
    }
    Some(number_as_text(
        file,
        grid,
        table,
        total,
        formula,
        &texts,
        TextTotal::Saved { saved: *saved, sum },
    ))
}

/// How a total over numbers typed as text came to be read.
enum TextTotal {
    /// Excel/WPS saved a result that left the text cells out (`saved`); they add up to `sum`.
    Saved { saved: Decimal, sum: Decimal },
    /// No result was saved: nianbao's recomputation counted the text cells (`sum`), while the
    /// office's own Excel/WPS will not, so its sheet will show another total than the report.
    Recomputed { sum: Decimal },
}

/// `import.number_as_text`: the text cells of a total, the total's cell and formula, and what
/// the spreadsheet makes of them.
fn number_as_text(
    file: &str,
    grid: &Grid,
    table: &TableSpec,
    total: &Location,
    formula: &str,
    texts: &[((u32, u32), String)],
    how: TextTotal,
) -> Finding {
    let total_cell = total.cell.as_deref().unwrap_or_default();
    let named: Vec<String> = texts
        .iter()
        .map(|((r, c), text)| format!("{}（“{}”）", a1(*r, *c), text))
        .collect();
    let addresses: Vec<String> = texts.iter().map(|((r, c), _)| a1(*r, *c)).collect();
    let mut locations = vec![total.clone()];
    locations.extend(
        addresses
            .iter()
            .map(|address| Location::sheet_cell(file, &grid.name, address)),
    );
    let (message, expected, found) = match how {
        TextTotal::Saved { saved, sum } => (
            format!(
                "{}：{}中的数字是文本格式，Excel/WPS 求和时不计入，因此 {total_cell} 的公式“={formula}”保存的结果为 {saved}；按所填数字相加应为 {sum}",
                table.name,
                named.join("、"),
            ),
            format!("{total_cell} = {sum}"),
            format!("{total_cell} = {saved}"),
        ),
        TextTotal::Recomputed { sum } => (
            format!(
                "{}：{}中的数字是文本格式。{total_cell} 的公式“={formula}”没有保存结果，重新计算时已计入，得 {sum}；但 Excel/WPS 求和时不计入文本，统计表中显示的总计将与报告不同",
                table.name,
                named.join("、"),
            ),
            "数值格式的数字".to_string(),
            named.join("、"),
        ),
    };
    Finding::warning("import.number_as_text", message)
        .at_all(locations)
        .expected_found(expected, found)
        .hint(format!(
            "请把 {} 改为数字（删去空格、全角数字或“件”等字样，设置为数值格式），在 Excel 或 WPS 中重新计算后保存。",
            addresses.join("、")
        ))
}

fn read_placement(
    file: &str,
    grid: &Grid,
    table: &TableSpec,
    mut placement: Placement,
    report: &mut Report,
    findings: &mut Vec<Finding>,
    legacy_notes: &mut Vec<(ValueKey, Location, usize)>,
) {
    let mut recomputed = Vec::new();
    for (key, (r, c)) in std::mem::take(&mut placement.values) {
        let (ar, ac) = grid.anchor(r, c);
        let location = Location::sheet_cell(file, &grid.name, a1(ar, ac));
        let address = location.cell.as_deref().unwrap_or_default();
        let kind = field_kind(table, &key.field);
        let value = match grid.get(ar, ac) {
            None => CellValue::Empty(String::new()),
            Some(cell) => match &cell.formula {
                None => cell_value(&cell.value, kind),
                // A saved result counts unless the formula adds only blank cells.
                Some(formula) if cell.value != Raw::Empty => {
                    if sums_only_blanks(grid, formula, kind) {
                        CellValue::Empty(String::new())
                    } else {
                        let saved = cell_value(&cell.value, kind);
                        if let Some(finding) =
                            text_left_out(file, grid, table, &location, formula, &saved, kind)
                        {
                            findings.push(finding);
                        }
                        saved
                    }
                }
                Some(formula) => match evaluate_sum(grid, formula, kind) {
                    SumResult::AllBlank => CellValue::Empty(String::new()),
                    SumResult::Number(n) => {
                        recomputed.push((address.to_string(), formula.clone(), n));
                        let texts = text_number_terms(grid, formula, kind);
                        if !texts.is_empty() {
                            findings.push(number_as_text(
                                file,
                                grid,
                                table,
                                &location,
                                formula,
                                &texts,
                                TextTotal::Recomputed { sum: n },
                            ));
                        }
                        CellValue::Number(n)
                    }
                    SumResult::TooLarge => {
                        findings.push(
                            Finding::warning(
                                "import.formula_no_value",
                                format!(
                                    "{}：单元格 {address} 的公式“={formula}”没有保存计算结果，重新计算的结果超出统计数值的合理范围（绝对值不超过 {}），无法作为数值读取",
                                    table.name,
                                    nianbao_model::report::MAX_ABS_VALUE
                                ),
                            )
                            .at(location.clone())
                            .expected_found("合理范围内的数字", format!("={formula}"))
                            .hint("请检查所加的单元格是否误填了过大的数字，改正后重新计算并保存。"),
                        );
                        CellValue::Unreadable(format!("={formula}"))
                    }
                    SumResult::Unknown => {
                        findings.push(
                            Finding::warning(
                                "import.formula_no_value",
                                format!(
                                    "{}：单元格 {address} 的公式“={formula}”没有保存计算结果，且无法重新计算（不是简单求和公式，或所加的单元格本身无法读取）",
                                    table.name
                                ),
                            )
                            .at(location.clone())
                            .expected_found("数字或已保存计算结果的公式", format!("={formula}"))
                            .hint("请在 Excel 或 WPS 中打开该文件、重新计算后保存，或直接填写数字。"),
                        );
                        CellValue::Empty(format!("={formula}"))
                    }
                },
            },
        };
        if let Some(&index) = placement.legacy.get(&key) {
            legacy_notes.push((key.clone(), location.clone(), index));
        }
        report.values.insert(
            key,
            Cell {
                value,
                source: Some(location),
            },
        );
    }
    if !recomputed.is_empty() {
        // In sheet order (row, then column), as a reader scans the table.
        recomputed.sort_by_key(|(address, _, _)| a1_sort_key(address));
        // The message names the first few; every cell is among the locations.
        const NAMED: usize = 3;
        let list: Vec<String> = recomputed
            .iter()
            .take(NAMED)
            .map(|(a, f, n)| format!("{a}（={f}，得 {n}）"))
            .collect();
        let more = if recomputed.len() > NAMED {
            format!("等 {} 处", recomputed.len())
        } else {
            String::new()
        };
        findings.push(
            Finding::info(
                "import.formula_recomputed",
                format!(
                    "{}：{} 个公式单元格没有保存计算结果，已按求和公式重新计算：{}{more}",
                    table.name,
                    recomputed.len(),
                    list.join("、")
                ),
            )
            .at_all(
                recomputed
                    .iter()
                    .map(|(a, _, _)| Location::sheet_cell(file, &grid.name, a)),
            ),
        );
    }
    if !placement.missing_rows.is_empty() {
        let labels: Vec<String> = placement
            .missing_rows
            .iter()
            .map(|k| format!("“{}”", table.row_display(k)))
            .collect();
        findings.push(
            Finding::warning(
                "import.row_missing",
                format!(
                    "工作表“{}”中的{}缺少 {} 行：{}；这些数值按未填写处理",
                    grid.name,
                    table.name,
                    labels.len(),
                    labels.join("、")
                ),
            )
            .at(sheet_location(file, &grid.name))
            .expected_found(
                format!("{}的全部 {} 行", table.name, table.rows.len()),
                format!("缺少 {} 行", labels.len()),
            )
            .hint("请按官方格式补齐缺少的行，没有发生的事项填 0。"),
        );
    }
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
                    "工作表“{}”中的{}找不到列标题：{}；对应数值按未填写处理",
                    grid.name,
                    table.name,
                    labels.join("、")
                ),
            )
            .at(header_location(file, grid, &placement.header_cells))
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
                    a1(*r, *c),
                    grid.text(*r, *c).replace('\n', ""),
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
            .at_all(
                placement
                    .close
                    .iter()
                    .map(|(r, c, _)| Location::sheet_cell(file, &grid.name, a1(*r, *c))),
            )
            .hint("请核对这些标签，并改为官方写法。"),
        );
    }
    for (r, c, a, b) in &placement.ambiguous {
        findings.push(
            Finding::warning(
                "import.label_ambiguous",
                format!(
                    "{}：单元格 {}“{}”与“{}”“{}”两行的标签同样接近，无法确定是哪一行，未导入",
                    table.name,
                    a1(*r, *c),
                    grid.text(*r, *c).replace('\n', ""),
                    table.row_display(a),
                    table.row_display(b)
                ),
            )
            .at(Location::sheet_cell(file, &grid.name, a1(*r, *c)))
            .expected_found("一行的官方标签", grid.text(*r, *c))
            .hint("请把该行标签改为官方写法。"),
        );
    }
    if !placement.ignored.is_empty() {
        let list: Vec<String> = placement
            .ignored
            .iter()
            .map(|(r, c, text)| format!("{}“{}”", a1(*r, *c), text.replace('\n', "")))
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
            .at_all(
                placement
                    .ignored
                    .iter()
                    .map(|(r, c, _)| Location::sheet_cell(file, &grid.name, a1(*r, *c))),
            ),
        );
    }
}

/// (row, column) of an A1 address, for sorting addresses in sheet order.
fn a1_sort_key(address: &str) -> (u32, usize, String) {
    let split = address
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(address.len());
    let (letters, digits) = address.split_at(split);
    (
        digits.parse().unwrap_or(0),
        letters.len(),
        letters.to_string(),
    )
}

/// 2019 items with no 2021 place that hold numbers below their header.
fn unmapped_findings(
    file: &str,
    grid: &Grid,
    cells: &[TextCell],
    format: &Format,
    findings: &mut Vec<Finding>,
) {
    for item in &format.legacy_2019.unmapped {
        let norm = normalize_label(&item.label);
        for t in cells.iter().filter(|t| t.norm == norm) {
            let below = grid.merge_at(t.r, t.c).map(|m| m.r1).unwrap_or(t.r);
            let numbers: Vec<String> = (below + 1..(below + 16).min(MAX_ROWS))
                .filter_map(|r| {
                    let cell = grid.get(r, t.c)?;
                    // The 2019 items without a 2021 place are all counts (数量).
                    match cell_value(&cell.value, ValueKind::Count) {
                        CellValue::Number(n) if !n.is_zero() => Some(format!("{}={n}", a1(r, t.c))),
                        _ => None,
                    }
                })
                .collect();
            if numbers.is_empty() {
                continue;
            }
            findings.push(
                Finding::warning("import.legacy_unmapped", item.note.clone())
                    .at(Location::sheet_cell(file, &grid.name, a1(t.r, t.c)))
                    .expected_found("2021年版格式中的对应项", numbers.join("、")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::{RawCell, read_grids};

    fn grid(name: &str, cells: &[(u32, u32, &str)]) -> Grid {
        let mut g = Grid {
            name: name.into(),
            ..Grid::default()
        };
        for &(r, c, text) in cells {
            let value = match text.parse::<i64>() {
                Ok(n) => Raw::Int(n),
                Err(_) => Raw::Text(text.into()),
            };
            g.cells.insert(
                (r, c),
                RawCell {
                    value,
                    formula: None,
                },
            );
        }
        g
    }

    #[test]
    fn header_split_over_two_cells_is_joined() {
        // 本年制发 / 件数 on two rows, a 序号 column first, table 2 alone on the sheet.
        let g = grid(
            "主动公开",
            &[
                (0, 0, "序号"),
                (0, 1, "信息内容"),
                (0, 2, "本年制发"),
                (1, 2, "件数"),
                (0, 3, "本年废止件数"),
                (0, 4, "现行有效件数"),
                (2, 0, "1"),
                (2, 1, "规章"),
                (2, 2, "3"),
                (2, 3, "1"),
                (2, 4, "9"),
            ],
        );
        let format = Format::national_2021();
        let (report, findings) = import_grids("表.xlsx", &[g], format);
        let made = report.values.get(&ValueKey::new("regulations", "made"));
        assert_eq!(made.map(|c| &c.value), Some(&CellValue::Number(3.into())));
        assert_eq!(
            made.and_then(|c| c.source.as_ref()).map(|l| l.to_string()),
            Some("表.xlsx › 主动公开 › C3".to_string())
        );
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            vec![
                "import.row_missing",
                "import.table_missing",
                "import.table_missing"
            ]
        );
    }

    #[test]
    fn a_table_found_twice_is_reported_and_the_first_used() {
        let format = Format::national_2021();
        let bytes = crate::write_template(format, &Metadata::default()).unwrap();
        let mut grids = read_grids("统计表.xlsx", &bytes).unwrap();
        let mut copy = grids.iter().find(|g| g.name == "表三").unwrap().clone();
        copy.name = "表三（旧）".into();
        grids.push(copy);
        let (report, findings) = import_grids("统计表.xlsx", &grids, format);
        let dup: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule == "import.duplicate_table")
            .collect();
        assert_eq!(dup.len(), 1, "{findings:#?}");
        assert!(
            dup[0].message.contains("表三、表三（旧）"),
            "{}",
            dup[0].message
        );
        let source = report
            .values
            .get(&ValueKey::new("granted", "total"))
            .and_then(|c| c.source.clone());
        assert_eq!(source.and_then(|l| l.sheet).as_deref(), Some("表三"));
    }

    #[test]
    fn a_workbook_without_tables_says_which_are_missing() {
        let g = grid(
            "Sheet1",
            &[(0, 0, "本单位2024年度工作总结"), (1, 0, "规章")],
        );
        let (report, findings) = import_grids("总结.xlsx", &[g], Format::national_2021());
        assert!(report.values.is_empty());
        let messages: Vec<String> = findings.iter().map(|f| f.message.clone()).collect();
        assert_eq!(
            messages,
            vec![
                "工作簿中未找到表二（主动公开政府信息情况）",
                "工作簿中未找到表三（收到和处理政府信息公开申请情况）",
                "工作簿中未找到表四（政府信息公开行政复议、行政诉讼情况）",
            ]
        );
        assert!(
            findings
                .iter()
                .all(|f| f.severity == nianbao_model::Severity::Error)
        );
    }

    #[test]
    fn excel_serials_become_iso_dates() {
        assert_eq!(date_from_serial(45673.0).as_deref(), Some("2025-01-16"));
        assert_eq!(
            iso_date(&Raw::Text("2025年1月6日".into()), "2025年1月6日"),
            "2025-01-06"
        );
        assert_eq!(iso_date(&Raw::Date(45673.0), "2025-01-16"), "2025-01-16");
    }

    /// Table 4's 行政复议 block: headers in rows 1–2, values in row 3, 总计 a formula.
    fn review_block(values: [Raw; 4], formula: &str) -> Grid {
        let mut g = grid(
            "复议诉讼",
            &[
                (0, 0, "行政复议"),
                (1, 0, "结果维持"),
                (1, 1, "结果纠正"),
                (1, 2, "其他结果"),
                (1, 3, "尚未审结"),
                (1, 4, "总计"),
            ],
        );
        g.merges.push(crate::sheet::Merge {
            r0: 0,
            c0: 0,
            r1: 0,
            c1: 4,
        });
        for (c, value) in values.into_iter().enumerate() {
            g.cells.insert(
                (2, c as u32),
                RawCell {
                    value,
                    formula: None,
                },
            );
        }
        g.cells.insert(
            (2, 4),
            RawCell {
                value: Raw::Empty,
                formula: Some(formula.into()),
            },
        );
        g
    }

    fn review(report: &Report, field: &str) -> CellValue {
        report
            .values
            .get(&ValueKey::new("review", field))
            .map(|c| c.value.clone())
            .unwrap_or_else(|| CellValue::Empty("no value".into()))
    }

    #[test]
    fn a_number_typed_as_text_that_the_saved_total_skipped_is_named() {
        // As Excel saves it: B3 holds the text "12 ", SUM skipped it, the saved total is 3.
        let mut g = review_block(
            [
                Raw::Int(1),
                Raw::Text("１２ ".into()),
                Raw::Int(2),
                Raw::Int(0),
            ],
            "SUM(A3:D3)",
        );
        if let Some(total) = g.cells.get_mut(&(2, 4)) {
            total.value = Raw::Int(3);
        }
        let (report, findings) = import_grids("t.xlsx", &[g], Format::national_2021());
        assert_eq!(review(&report, "corrected"), CellValue::Number(12.into()));
        assert_eq!(review(&report, "total"), CellValue::Number(3.into()));
        let finding = findings
            .iter()
            .find(|f| f.rule == "import.number_as_text")
            .unwrap_or_else(|| panic!("no import.number_as_text in {findings:?}"));
        assert!(
            finding.message.contains("B3（“１２ ”）"),
            "{}",
            finding.message
        );
        assert!(finding.message.contains("应为 15"), "{}", finding.message);
        let cells: Vec<_> = finding
            .locations
            .iter()
            .filter_map(|l| l.cell.clone())
            .collect();
        assert_eq!(cells, ["E3", "B3"]);
    }

    #[test]
    fn a_recomputed_total_over_text_numbers_warns_that_excel_will_differ() {
        // No saved result (as openpyxl or another system writes it): nianbao counts "12", the
        // office's Excel will not.
        let g = review_block(
            [
                Raw::Int(1),
                Raw::Text("12".into()),
                Raw::Int(2),
                Raw::Int(0),
            ],
            "SUM(A3:D3)",
        );
        let (report, findings) = import_grids("t.xlsx", &[g], Format::national_2021());
        assert_eq!(review(&report, "total"), CellValue::Number(15.into()));
        let finding = findings
            .iter()
            .find(|f| f.rule == "import.number_as_text")
            .unwrap_or_else(|| panic!("no import.number_as_text in {findings:?}"));
        assert!(
            finding.message.contains("B3（“12”）"),
            "{}",
            finding.message
        );
        assert!(
            finding.message.contains("重新计算时已计入，得 15"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn a_saved_total_that_counts_its_terms_says_nothing_of_text() {
        let mut g = review_block(
            [
                Raw::Int(1),
                Raw::Text("12".into()),
                Raw::Int(2),
                Raw::Int(0),
            ],
            "SUM(A3:D3)",
        );
        if let Some(total) = g.cells.get_mut(&(2, 4)) {
            total.value = Raw::Int(15);
        }
        let (_, findings) = import_grids("t.xlsx", &[g], Format::national_2021());
        assert!(!findings.iter().any(|f| f.rule == "import.number_as_text"));
    }

    #[test]
    fn huge_terms_of_a_formula_without_cached_value_give_no_number() {
        let huge = "50000000000000000000000000000";
        for values in [
            [
                Raw::Number(5e28),
                Raw::Number(5e28),
                Raw::Int(0),
                Raw::Int(0),
            ],
            [
                Raw::Text(huge.into()),
                Raw::Text(huge.into()),
                Raw::Int(0),
                Raw::Int(0),
            ],
        ] {
            let g = review_block(values, "SUM(A3:D3)");
            let (report, findings) = import_grids("表.xlsx", &[g], Format::national_2021());
            assert!(matches!(
                review(&report, "upheld"),
                CellValue::Unreadable(_)
            ));
            let total = review(&report, "total");
            assert!(!matches!(total, CellValue::Number(_)), "{total:?}");
            assert!(
                findings.iter().any(|f| f.rule == "import.formula_no_value"),
                "{findings:#?}"
            );
        }
    }

    #[test]
    fn a_recomputed_total_beyond_the_bound_is_unreadable() {
        // Each term is within the bound of a value, their sum is not.
        let big = Raw::Int(900_000_000_000);
        let g = review_block([big.clone(), big, Raw::Int(0), Raw::Int(0)], "SUM(A3:D3)");
        let (report, findings) = import_grids("表.xlsx", &[g], Format::national_2021());
        assert_eq!(
            review(&report, "upheld"),
            CellValue::Number(900_000_000_000i64.into())
        );
        assert_eq!(
            review(&report, "total"),
            CellValue::Unreadable("=SUM(A3:D3)".into())
        );
        let no_value = findings
            .iter()
            .find(|f| f.rule == "import.formula_no_value")
            .unwrap();
        assert!(no_value.message.contains("超出"), "{}", no_value.message);
        assert_eq!(no_value.locations[0].cell.as_deref(), Some("E3"));
    }

    #[test]
    fn positional_tables_are_known_by_their_spec_not_their_id() {
        // A format whose block table has another id and marks its block names as groups.
        let mut format = Format::national_2021().clone();
        let table = format.tables.iter_mut().find(|t| t.id == "table4").unwrap();
        table.id = "review_litigation".into();
        for cell in table.cells.iter_mut().filter(|c| c.row.is_some()) {
            cell.role = nianbao_model::format::CellRole::Group;
        }
        assert!(table.is_positional());
        let bytes = crate::write_template(Format::national_2021(), &Metadata::default()).unwrap();
        let grids = read_grids("统计表.xlsx", &bytes).unwrap();
        let (report, findings) = import_grids("统计表.xlsx", &grids, &format);
        assert_eq!(findings, vec![]);
        assert!(
            report
                .values
                .contains_key(&ValueKey::new("litigation_after_review", "total"))
        );
    }

    #[test]
    fn a_missing_column_names_the_header_row_and_the_label() {
        let g = grid(
            "主动公开",
            &[
                (2, 0, "信息内容"),
                (2, 1, "本年制发件数"),
                (2, 2, "本年废止件数"),
                (3, 0, "规章"),
                (3, 1, "3"),
                (3, 2, "1"),
            ],
        );
        let (_, findings) = import_grids("表.xlsx", &[g], Format::national_2021());
        let missing = findings
            .iter()
            .find(|f| f.rule == "import.column_missing")
            .unwrap();
        assert_eq!(missing.locations.len(), 1);
        assert_eq!(
            missing.locations[0].to_string(),
            "表.xlsx › 主动公开 › B3:C3"
        );
        assert_eq!(missing.expected.as_deref(), Some("列标题“现行有效件数”"));
        assert_eq!(missing.found.as_deref(), Some("未找到"));
    }
}
