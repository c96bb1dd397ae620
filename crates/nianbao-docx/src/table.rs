//! Statistics tables drawn from the format data: the grid, merges, labels and widths all come
//! from [`TableSpec`]; nothing about a table's shape is written here.

use docx_rs::{
    AlignmentType, BorderType, Paragraph, Table, TableAlignmentType, TableBorder,
    TableBorderPosition, TableBorders, TableCell, TableCellMargins, TableLayoutType, TableRow,
    VAlignType, VMergeType, WidthType,
};
use nianbao_model::format::{CellRole, Slot, TableSpec};
use nianbao_model::{CellValue, Report};

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

/// How a value prints: the exact number when there is one; nothing for a missing or unreadable
/// value (the validator reports those; printing 0 would state a figure the office never gave).
pub(crate) fn value_text(report: &Report, key: &nianbao_model::ValueKey) -> String {
    match report.values.get(key).map(|c| &c.value) {
        Some(CellValue::Number(n)) => n.normalize().to_string(),
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
fn drawn_rows(spec: &TableSpec, report: Option<&Report>) -> Vec<Vec<DrawnCell>> {
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
                    text: report.map(|rep| value_text(rep, key)).unwrap_or_default(),
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

/// The table for a spec, with the report's values (or empty value cells for a draft).
pub(crate) fn build_table(spec: &TableSpec, report: Option<&Report>) -> Table {
    let widths = column_widths(spec);
    let style = if spec.grid_cols <= NARROW_TABLE_MAX_COLS {
        STYLE_TABLE
    } else {
        STYLE_TABLE_SMALL
    };
    let mut rows = Vec::new();
    for cells in drawn_rows(spec, report) {
        let mut col = 0;
        let mut tcs = Vec::new();
        for cell in cells {
            let width: usize = widths.iter().skip(col).take(cell.colspan).sum();
            col += cell.colspan;
            // The table styles centre their text; labels of rows are set left.
            let mut paragraph = Paragraph::new().style(style);
            if cell.left_aligned {
                paragraph = paragraph.align(AlignmentType::Left);
            }
            if !cell.text.is_empty() {
                paragraph = paragraph.add_run(run(&cell.text));
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
    fn every_grid_row_covers_every_column() {
        for spec in &Format::national_2021().tables {
            for (r, row) in drawn_rows(spec, None).iter().enumerate() {
                let cols: usize = row.iter().map(|c| c.colspan).sum();
                assert_eq!(cols, spec.grid_cols, "{} row {r}", spec.id);
            }
        }
    }
}
