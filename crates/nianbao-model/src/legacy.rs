//! The 2019 layout of the tables (the format before 国办公开办函〔2021〕30号), one mechanism for
//! every source. The recogniser reads a 2019 table through the format's mappings
//! (`[legacy_2019]`: `本年新制作数量` → `本年制发件数`, `（六）其他处理` → `（六）3.其他`) and
//! marks each value placed that way ([`Placement::legacy`](crate::recognise::Placement::legacy)); this module says what that means,
//! in one set of findings:
//!
//! - `import.legacy_2019` (warning, once): the source is in the 2019 layout (a marker column
//!   such as `对外公开总数量`, or a value read through a 2019 label), read by the mappings;
//! - `import.legacy_mapped` (warning, per value): a value whose 2019 item is not quite the
//!   2021 one (the mapping's note);
//! - `import.legacy_unmapped` (warning, per column): a 2019 column with numbers and no 2021
//!   place, not imported.
//!
//! A source whose cells lost their columns (a crawler's glued digits) cannot tell a 2019 table's
//! columns apart; its reader refuses such a table with `import.legacy_columns` (error).

use crate::format::{LegacyMapping, TableSpec, ValueKind};
use crate::recognise::{CellGrid, Locate, TableRead};
use crate::report::parse_value_text;
use crate::text::normalize_label;
use crate::{CellValue, Finding, Format, Location, ValueKey};

/// How far below a 2019 column's header its numbers are looked for.
const UNMAPPED_REACH: u32 = 16;
/// Most marker cells named in the `import.legacy_2019` finding.
const MARKERS_NAMED: usize = 5;

/// The labels only the 2019 format has (`对外公开总数量`), normalised once per format
/// ([`Format::derived`]): the recogniser, the grid readers and the text readers look for the
/// same ones the same way.
#[derive(Debug, Default)]
pub struct Markers(Vec<String>);

impl Markers {
    /// The format's markers.
    pub fn of(format: &Format) -> std::sync::Arc<Markers> {
        format.derived(|f| {
            Markers(
                f.legacy_2019
                    .markers
                    .iter()
                    .map(|m| normalize_label(m))
                    .filter(|m| !m.is_empty())
                    .collect(),
            )
        })
    }

    /// The marker a normalised text holds.
    pub fn in_text(&self, norm: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|m| norm.contains(m.as_str()))
            .map(String::as_str)
    }
}

/// What a source showed of the 2019 layout.
#[derive(Debug, Clone, Default)]
pub struct LegacyUse {
    /// Cells (or lines) holding a label only the 2019 format has.
    pub markers: Vec<Location>,
    /// Whether a value was read through a 2019 label that is not also a 2021 one.
    pub used: bool,
    /// Values read through a mapping: key, where, the mapping's index.
    pub mapped: Vec<(ValueKey, Location, usize)>,
    /// 2019 columns without a 2021 place that hold numbers: the item's index in
    /// `legacy_2019.unmapped`, the header's place, the numbers as `where=value`.
    pub unmapped: Vec<(usize, Location, Vec<String>)>,
}

impl LegacyUse {
    /// Adds what another part of the same source showed.
    pub fn add(&mut self, other: LegacyUse) {
        for place in other.markers {
            if !self.markers.contains(&place) {
                self.markers.push(place);
            }
        }
        self.used |= other.used;
        self.mapped.extend(other.mapped);
        self.unmapped.extend(other.unmapped);
    }

    /// A value of `table` read through 2019 mapping number `index`, at `place`.
    pub fn map(
        &mut self,
        format: &Format,
        table: &TableSpec,
        key: &ValueKey,
        place: Location,
        index: usize,
    ) {
        let Some(mapping) = format.legacy_2019.mappings.get(index) else {
            return;
        };
        if !also_2021_label(table, mapping) {
            self.used = true;
        }
        self.mapped.push((key.clone(), place, index));
    }

    /// What the grids of a source and the tables read from them show of the 2019 layout.
    /// `reads`: each table's read, in format order, with grids numbered as in `grids`.
    pub fn in_grids(
        format: &Format,
        grids: &[&CellGrid],
        reads: &[TableRead],
        at: &dyn Locate,
    ) -> LegacyUse {
        let mut found = LegacyUse::default();
        let markers = Markers::of(format);
        for (table, read) in format.tables.iter().zip(reads) {
            for (g, placement) in &read.parts {
                for (key, indices) in &placement.legacy {
                    let Some(&(r, c)) = placement.values.get(key) else {
                        continue;
                    };
                    let (r, c) = grids.get(*g).map_or((r, c), |grid| grid.anchor(r, c));
                    let place = at
                        .cell(*g, r, c)
                        .with_value(key.to_string(), format.value_label(key));
                    for &index in indices {
                        found.map(format, table, key, place.clone(), index);
                    }
                }
            }
        }
        let unmapped: Vec<String> = format
            .legacy_2019
            .unmapped
            .iter()
            .map(|u| normalize_label(&u.label))
            .collect();
        for (g, grid) in grids.iter().enumerate() {
            for (&(r, c), cell) in &grid.cells {
                if !cell.label || cell.norm.is_empty() {
                    continue;
                }
                if markers.in_text(&cell.norm).is_some() {
                    found.markers.push(at.cell(g, r, c));
                }
                for (index, label) in unmapped.iter().enumerate() {
                    if label.is_empty() || !cell.norm.contains(label.as_str()) {
                        continue;
                    }
                    let below = grid.merge_at(r, c).map_or(r, |m| m.r1);
                    let numbers: Vec<String> = (below + 1..=below + UNMAPPED_REACH)
                        .filter_map(|row| {
                            let value = grid.get(row, c)?;
                            if !value.number {
                                return None;
                            }
                            // The 2019 items without a 2021 place are all counts (数量).
                            match parse_value_text(&value.text, ValueKind::Count) {
                                CellValue::Number(n) if !n.is_zero() => {
                                    Some(format!("{}={n}", at.address(g, row, c)))
                                }
                                _ => None,
                            }
                        })
                        .collect();
                    if !numbers.is_empty() {
                        found.unmapped.push((index, at.cell(g, r, c), numbers));
                    }
                }
            }
        }
        found
    }

    /// The findings of the 2019 layout; none when the source shows none of it. `whole`: the
    /// source, named when no marker cell is.
    pub fn findings(mut self, format: &Format, whole: Location) -> Vec<Finding> {
        if self.markers.is_empty() && !self.used {
            return Vec::new();
        }
        let mut findings = Vec::new();
        let places = if self.markers.is_empty() {
            vec![whole]
        } else {
            self.markers.into_iter().take(MARKERS_NAMED).collect()
        };
        findings.push(
            Finding::warning(
                "import.legacy_2019",
                "统计表采用2019年版年度报告格式：与2021年版格式（国办公开办函〔2021〕30号）有对应关系的栏目已按对应关系导入，对应不完全一致、没有对应项或无法导入的另行提示",
            )
            .at_all(places)
            .expected_found("2021年版格式", "2019年版格式")
            .hint("请改用2021年版格式填报（可用 nianbao init 生成模板）。"),
        );
        // One finding per row and mapping (the seven values of `（六）其他处理` are one).
        let mappings = &format.legacy_2019.mappings;
        let mut groups: Vec<(usize, Vec<(ValueKey, Location)>)> = Vec::new();
        for (key, place, index) in std::mem::take(&mut self.mapped) {
            match groups.iter_mut().find(|(i, values)| {
                *i == index && values.first().is_some_and(|(k, _)| k.row == key.row)
            }) {
                Some((_, values)) => values.push((key, place)),
                None => groups.push((index, vec![(key, place)])),
            }
        }
        for (index, values) in groups {
            let Some(note) = mappings.get(index).and_then(|m| m.note.as_deref()) else {
                continue;
            };
            let what = match values.as_slice() {
                [(key, _)] => format.value_label(key),
                [(first, _), ..] => match format.locate(first) {
                    Some((table, _)) => {
                        let fields: Vec<&str> = values
                            .iter()
                            .filter_map(|(k, _)| table.field(&k.field).map(|f| f.label.as_str()))
                            .collect();
                        format!(
                            "{}{}（{}）",
                            table.name,
                            table.row_display(&first.row),
                            fields.join("、")
                        )
                    }
                    None => format.value_label(first),
                },
                [] => continue,
            };
            let mut places: Vec<Location> = Vec::new();
            for (_, place) in values {
                if !places.contains(&place) {
                    places.push(place);
                }
            }
            findings.push(
                Finding::warning("import.legacy_mapped", format!("{what}：{note}")).at_all(places),
            );
        }
        for (index, place, numbers) in self.unmapped {
            if let Some(item) = format.legacy_2019.unmapped.get(index) {
                findings.push(
                    Finding::warning("import.legacy_unmapped", item.note.clone())
                        .at(place)
                        .expected_found("2021年版格式中的对应项", numbers.join("、")),
                );
            }
        }
        findings
    }
}

/// The first 2019 marker (normalised) among some texts, for a reader that cannot place a
/// 2019 table's columns and refuses it (`import.legacy_columns`).
pub fn marker_in<'t>(format: &Format, mut texts: impl Iterator<Item = &'t str>) -> Option<String> {
    let markers = Markers::of(format);
    texts.find_map(|t| markers.in_text(&normalize_label(t)).map(str::to_string))
}

/// The finding of a 2019 table whose columns a reader cannot tell apart (a text's lines, where
/// cells are only counted; a crawler's glued digits): the rows named (none: the whole table)
/// are not imported.
pub fn columns_unknown(
    table: &TableSpec,
    marker: &str,
    rows: &[String],
    places: Vec<Location>,
) -> Finding {
    let which = if rows.is_empty() {
        "该表未导入".to_string()
    } else {
        format!("以下 {} 行未导入：{}", rows.len(), rows.join("、"))
    };
    Finding::error(
        "import.legacy_columns",
        format!(
            "{}为2019年版格式（含栏目“{marker}”），各栏口径与2021年版不同；原文只能按单元格顺序读取，无法确定各数值所在的栏目，{which}",
            table.name
        ),
    )
    .at_all(places)
    .expected_found(
        format!("2021年版{}，或各栏有列标题的表格", table.name),
        marker.to_string(),
    )
    .hint("请按2021年版格式（国办公开办函〔2021〕30号）重新填报该表，或提供原件（网页、DOCX 或统计表）再读取。")
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
