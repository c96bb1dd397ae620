//! Statistics tables drawn from the format data: the grid, merges, labels and widths all come
//! from [`TableSpec`]; nothing about a table's shape is written here. Each table is built once per
//! format as finished XML with its value cells left open ([`TableTemplates`]), and filled with a
//! report's values when a document is written.

use docx_rs::{
    AlignmentType, BorderType, BreakType, BuildXML, Paragraph, Table, TableAlignmentType,
    TableBorder, TableBorderPosition, TableBorders, TableCell, TableCellMargins, TableLayoutType,
    TableRow, VAlignType, VMergeType, WidthType,
};
use std::sync::Arc;

use nianbao_model::format::{CellRole, Slot, TableSpec};
use nianbao_model::{Cell, CellValue, Format, KeyLookup, Report, ValueKey};
use quick_xml::escape::escape;

use crate::DocxError;
use crate::package::{finish_in_body, text_marker};

use crate::typeset::{STYLE_TABLE, STYLE_TABLE_SMALL, TEXT_WIDTH, run};

/// Tables with at most this many grid columns are set in 小四; wider ones in 五号.
const NARROW_TABLE_MAX_COLS: usize = 4;
/// Left and right cell padding (1 mm): narrow columns keep room for two 五号 characters.
const CELL_PADDING: usize = 57;

/// Column widths in twips: `col_widths` scaled to the text block, summing to exactly
/// [`TEXT_WIDTH`] (the rounding remainder goes to the widest column).
pub(crate) fn column_widths(spec: &TableSpec) -> Vec<usize> {
    let cols = spec.grid_cols.max(1);
    let relative: Vec<u64> =
        if spec.col_widths.len() == cols && spec.col_widths.iter().any(|w| *w > 0) {
            spec.col_widths.iter().map(|w| u64::from(*w)).collect()
        } else {
            vec![1; cols]
        };
    let total: u64 = relative.iter().sum();
    let block = TEXT_WIDTH as u64;
    let mut widths: Vec<usize> = relative
        .iter()
        .map(|w| usize::try_from(w * block / total).unwrap_or(0))
        .collect();
    let used: usize = widths.iter().sum();
    let widest = relative
        .iter()
        .enumerate()
        .max_by_key(|(i, w)| (**w, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
        .unwrap_or(0);
    if let Some(w) = widths.get_mut(widest) {
        *w += TEXT_WIDTH.saturating_sub(used);
    }
    widths
}

/// [`cell_text`] of the report's value under `key`; nothing for a missing one.
#[cfg(test)]
fn value_text(report: &Report, key: &nianbao_model::ValueKey) -> String {
    report.values.get(key).map(cell_text).unwrap_or_default()
}

/// How a value prints: the exact number when there is one; nothing for an unreadable or blank
/// value (the validator reports those; printing 0 would state a figure the office never gave).
fn cell_text(cell: &Cell) -> String {
    match &cell.value {
        CellValue::Number(n) => n.normalize().to_string(),
        _ => String::new(),
    }
}

/// One cell of the drawn grid.
struct DrawnCell {
    text: String,
    colspan: usize,
    merge: Option<VMergeType>,
    /// Row labels are set left; everything else is centred (the table styles' default).
    left_aligned: bool,
}

/// The rows of cells for a table: each row walks the format's layout; a text cell spanning
/// several rows starts a vertical merge and continues it below; horizontally covered slots are
/// omitted (their width is in the gridSpan).
fn drawn_rows(spec: &TableSpec, value_text: &dyn Fn(&ValueKey) -> String) -> Vec<Vec<DrawnCell>> {
    let layout = spec.layout();
    let value_spans: std::collections::BTreeMap<(usize, usize), usize> = spec
        .value_cells()
        .iter()
        .map(|v| ((v.r, v.c), v.colspan.max(1)))
        .collect();
    let mut rows = Vec::with_capacity(layout.len());
    for (r, slots) in layout.iter().enumerate() {
        let mut cells = Vec::new();
        let mut c = 0;
        while let Some(slot) = slots.get(c) {
            let cell = match slot {
                Slot::Text(i) => spec.cells.get(*i).map(|cell| DrawnCell {
                    text: cell.text.clone(),
                    colspan: cell.colspan.max(1),
                    merge: (cell.rowspan > 1).then_some(VMergeType::Restart),
                    left_aligned: cell.role == CellRole::Label && cell.row.is_some(),
                }),
                Slot::Value(key) => Some(DrawnCell {
                    text: value_text(key),
                    colspan: value_spans.get(&(r, c)).copied().unwrap_or(1),
                    merge: None,
                    left_aligned: false,
                }),
                Slot::Covered => spec
                    .cells
                    .iter()
                    .find(|cell| cell.c == c && cell.r < r && r < cell.r + cell.rowspan)
                    .map(|cell| DrawnCell {
                        text: String::new(),
                        colspan: cell.colspan.max(1),
                        merge: Some(VMergeType::Continue),
                        left_aligned: false,
                    }),
                Slot::Empty => Some(DrawnCell {
                    text: String::new(),
                    colspan: 1,
                    merge: None,
                    left_aligned: false,
                }),
            };
            match cell {
                Some(cell) => {
                    c += cell.colspan;
                    cells.push(cell);
                }
                // Covered from the left by a horizontal span already drawn.
                None => c += 1,
            }
        }
        rows.push(cells);
    }
    rows
}

/// Which rows must stay on the page of the row below: every row but the last. An official table
/// fits on one page, so it is never split — not after its first data row, not inside a merged
/// label block (三、本年度办理结果, （三）不予公开 …), not after a band title (`第二十条第（五）项`);
/// it moves whole to the next page with its heading (headings keep with what follows). A
/// longer table (a regional format's extra rows) breaks where the page ends, as Word and
/// LibreOffice both do when a keep chain is longer than a page, and its header rows repeat.
/// Together with `w:cantSplit` on every row this is what both programs honour.
fn rows_kept_with_next(spec: &TableSpec) -> Vec<bool> {
    let rows = spec.layout().len();
    (0..rows).map(|r| r + 1 < rows).collect()
}

/// A vertically merged label that starts with an enumerator (`（五）不予处理`), split after it.
fn block_label_parts(text: &str, merged: bool) -> Option<(&str, &str)> {
    if !merged || !text.starts_with('（') {
        return None;
    }
    let end = text.find('）')? + '）'.len_utf8();
    let (enumerator, label) = text.split_at(end);
    (!label.is_empty() && enumerator.chars().count() <= 4).then_some((enumerator, label))
}

/// The table for a spec, with `value_text` in each value cell.
fn build_table(spec: &TableSpec, value_text: &dyn Fn(&ValueKey) -> String) -> Table {
    let widths = column_widths(spec);
    let style = if spec.grid_cols <= NARROW_TABLE_MAX_COLS {
        STYLE_TABLE
    } else {
        STYLE_TABLE_SMALL
    };
    let keep = rows_kept_with_next(spec);
    let mut rows = Vec::new();
    for (r, cells) in drawn_rows(spec, value_text).into_iter().enumerate() {
        let keep_next = keep.get(r).copied().unwrap_or(false);
        let mut col = 0;
        let mut tcs = Vec::new();
        for cell in cells {
            let width: usize = widths.iter().skip(col).take(cell.colspan).sum();
            col += cell.colspan;
            // The table styles centre their text; labels of rows are set left.
            let mut paragraph = Paragraph::new().style(style);
            if keep_next {
                paragraph = paragraph.keep_next(true);
            }
            if cell.left_aligned {
                paragraph = paragraph.align(AlignmentType::Left);
            }
            if !cell.text.is_empty() {
                paragraph = match block_label_parts(&cell.text, cell.merge.is_some()) {
                    // The enumerator on a line of its own: a narrow merged label reads
                    // （五） / 不予处理, never 不 / 予处理 cut wherever the column ends.
                    Some((enumerator, label)) => paragraph.add_run(
                        run(enumerator)
                            .add_break(BreakType::TextWrapping)
                            .add_text(label),
                    ),
                    None => paragraph.add_run(run(&cell.text)),
                };
            }
            let mut tc = TableCell::new()
                .add_paragraph(paragraph)
                .width(width, WidthType::Dxa)
                .vertical_align(VAlignType::Center);
            if cell.colspan > 1 {
                tc = tc.grid_span(cell.colspan);
            }
            if let Some(merge) = cell.merge {
                tc = tc.vertical_merge(merge);
            }
            tcs.push(tc);
        }
        rows.push(TableRow::new(tcs).cant_split());
    }
    let border = |position| {
        TableBorder::new(position)
            .border_type(BorderType::Single)
            .size(4)
            .color("000000")
    };
    let borders = TableBorders::new()
        .set(border(TableBorderPosition::Top))
        .set(border(TableBorderPosition::Left))
        .set(border(TableBorderPosition::Bottom))
        .set(border(TableBorderPosition::Right))
        .set(border(TableBorderPosition::InsideH))
        .set(border(TableBorderPosition::InsideV));
    Table::new(rows)
        .set_grid(widths)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .align(TableAlignmentType::Center)
        .layout(TableLayoutType::Fixed)
        .set_borders(borders)
        .margins(TableCellMargins::new().margin(0, CELL_PADDING, 0, CELL_PADDING))
}

/// The tables of a format as finished document XML, made once per format
/// ([`Format::derived`]): a table's grid, labels, merges and widths come from the format alone,
/// and only the values differ between reports. Filling a table for a report joins the pieces
/// with its values, instead of building and post-processing several hundred cells again.
pub(crate) struct TableTemplates {
    /// In the order of the format's tables: the table's id, and its template or why it could
    /// not be made.
    tables: Vec<(String, Result<TableTemplate, String>)>,
}

/// One table: `pieces[i]` comes before the run of the `i`-th value of `keys`; the last piece
/// ends the table.
pub(crate) struct TableTemplate {
    pieces: Vec<Vec<u8>>,
    keys: KeyLookup,
    /// The run a value is written in, around its escaped text (as docx-rs wrote the markers).
    run_open: Vec<u8>,
    run_close: Vec<u8>,
}

impl TableTemplates {
    pub(crate) fn of(format: &Format) -> Arc<TableTemplates> {
        format.derived(|format| TableTemplates {
            tables: format
                .tables
                .iter()
                .map(|spec| (spec.id.clone(), TableTemplate::build(spec)))
                .collect(),
        })
    }

    /// The XML of table `spec` holding the report's values (or empty value cells for a draft).
    pub(crate) fn fill(
        &self,
        spec: &TableSpec,
        report: Option<&Report>,
    ) -> Result<Vec<u8>, DocxError> {
        let template = match self.tables.iter().find(|(id, _)| *id == spec.id) {
            Some((_, Ok(template))) => template,
            Some((_, Err(why))) => {
                return Err(DocxError::Internal(format!(
                    "表格 {} 的版式无法生成：{why}",
                    spec.id
                )));
            }
            None => {
                return Err(DocxError::Internal(format!("格式中没有表格 {}", spec.id)));
            }
        };
        Ok(template.fill(report))
    }
}

impl TableTemplate {
    /// The XML of a table raw from docx-rs, a marker ([`text_marker`]) in each value cell, with
    /// the keys in the markers' order.
    pub(crate) fn drawn(spec: &TableSpec) -> (Vec<u8>, Vec<ValueKey>) {
        // Markers are numbered in the order the cells are drawn, which is their order in the
        // XML; the keys are recorded in the same order (a key may sit in more than one cell).
        let keys: std::cell::RefCell<Vec<ValueKey>> = std::cell::RefCell::default();
        let table = build_table(spec, &|key| {
            let mut keys = keys.borrow_mut();
            keys.push(key.clone());
            text_marker(keys.len() - 1)
        });
        (table.build(), keys.into_inner())
    }

    /// Building checks that each value's marker is found and that no private-use marker
    /// character is left over, so a label that happened to contain one fails loudly.
    fn build(spec: &TableSpec) -> Result<TableTemplate, String> {
        let (drawn, keys) = Self::drawn(spec);
        let finished = finish_in_body(&drawn, &[spec.header_rows]).map_err(|e| e.to_string())?;
        let xml = finished.as_slice();
        let mut pieces = Vec::with_capacity(keys.len() + 1);
        let (mut run_open, mut run_close) = (Vec::new(), Vec::new());
        let mut at = 0;
        for n in 0..keys.len() {
            let marker = text_marker(n);
            let text =
                find(xml, marker.as_bytes(), at).ok_or_else(|| format!("数值 {n} 的位置未找到"))?;
            let run_start = rfind(&xml[..text], b"<w:r>")
                .filter(|&r| r >= at)
                .ok_or("数值不在 w:r 中")?;
            let run_end = find(xml, b"</w:r>", text).ok_or("w:r 未结束")? + b"</w:r>".len();
            run_open = xml[run_start..text].to_vec();
            run_close = xml[text + marker.len()..run_end].to_vec();
            pieces.push(xml[at..run_start].to_vec());
            at = run_end;
        }
        pieces.push(xml[at..].to_vec());
        if pieces
            .iter()
            .any(|p| find(p, "\u{E000}".as_bytes(), 0).is_some())
        {
            return Err("表格文字中含有数值标记所用的私用区字符".into());
        }
        Ok(TableTemplate {
            pieces,
            keys: KeyLookup::new(&keys),
            run_open,
            run_close,
        })
    }

    fn fill(&self, report: Option<&Report>) -> Vec<u8> {
        let cells = match report {
            Some(report) => self.keys.find(&report.values),
            None => vec![None; self.keys.len()],
        };
        let mut out =
            Vec::with_capacity(self.pieces.iter().map(Vec::len).sum::<usize>() + 64 * cells.len());
        for (piece, cell) in self.pieces.iter().zip(&cells) {
            out.extend_from_slice(piece);
            let text = cell.map(cell_text).unwrap_or_default();
            // A missing value is an empty cell: no run at all, as for a draft.
            if !text.is_empty() {
                out.extend_from_slice(&self.run_open);
                out.extend_from_slice(escape(text.as_str()).as_bytes());
                out.extend_from_slice(&self.run_close);
            }
        }
        if let Some(last) = self.pieces.last() {
            out.extend_from_slice(last);
        }
        out
    }
}

/// The first `needle` in `haystack` at or after `from`.
pub(crate) fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|p| p + from)
}

/// The last `needle` in `haystack`.
pub(crate) fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_model::Format;

    #[test]
    fn widths_fill_the_text_block_exactly() {
        for spec in &Format::national_2021().tables {
            let w = column_widths(spec);
            assert_eq!(w.len(), spec.grid_cols, "{}", spec.id);
            assert_eq!(w.iter().sum::<usize>(), TEXT_WIDTH, "{}", spec.id);
        }
        let t3 = Format::national_2021().table("table3").unwrap();
        let w = column_widths(t3);
        // 40 of 122 parts go to the sub-item labels.
        assert!(w[2] > 2 * w[1], "{w:?}");
    }

    #[test]
    fn templates_fill_values_and_fail_loudly_on_marker_characters() {
        let format = Format::national_2021();
        let mut report = Report::new("某局", 2024);
        for (i, key) in format.value_keys().into_iter().enumerate() {
            report.set(key, (i as i64 + 1).into(), None);
        }
        let templates = TableTemplates::of(format);
        for spec in &format.tables {
            let filled = String::from_utf8(templates.fill(spec, Some(&report)).unwrap()).unwrap();
            let blank = String::from_utf8(templates.fill(spec, None).unwrap()).unwrap();
            // Every value is in its own run; a draft's table has no value runs at all.
            for cell in spec.value_cells() {
                let text = value_text(&report, &cell.key);
                assert!(
                    filled.contains(&format!("<w:t xml:space=\"preserve\">{text}</w:t>")),
                    "{} {}",
                    spec.id,
                    cell.key
                );
            }
            assert_eq!(
                filled.matches("<w:r>").count() - blank.matches("<w:r>").count(),
                spec.value_cells().len(),
                "{}",
                spec.id
            );
            assert!(!filled.contains('\u{E000}') && !blank.contains('\u{E000}'));
            // Each value in its own cell: the same table docx-rs draws with the values in it.
            let direct = build_table(spec, &|key| value_text(&report, key)).build();
            let direct = finish_in_body(&direct, &[spec.header_rows]).unwrap();
            assert_eq!(filled, String::from_utf8(direct).unwrap(), "{}", spec.id);
        }
        // A label holding a marker character: that table fails, naming itself; the others fill.
        let mut odd = format.clone();
        odd.tables[1].cells[0].text.push_str("\u{E000}0\u{E001}");
        let templates = TableTemplates::of(&odd);
        let err = templates
            .fill(&odd.tables[1], None)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&odd.tables[1].id), "{err}");
        assert!(templates.fill(&odd.tables[0], None).is_ok());
    }

    #[test]
    fn tables_keep_together_up_to_their_last_row() {
        for spec in &Format::national_2021().tables {
            let keep = rows_kept_with_next(spec);
            assert_eq!(keep.len(), spec.layout().len(), "{}", spec.id);
            let (last, rest) = keep.split_last().unwrap();
            assert!(!last && rest.iter().all(|k| *k), "{}: {keep:?}", spec.id);
        }
    }

    #[test]
    fn every_grid_row_covers_every_column() {
        for spec in &Format::national_2021().tables {
            for (r, row) in drawn_rows(spec, &|_| String::new()).iter().enumerate() {
                let cols: usize = row.iter().map(|c| c.colspan).sum();
                assert_eq!(cols, spec.grid_cols, "{} row {r}", spec.id);
            }
        }
    }
}
