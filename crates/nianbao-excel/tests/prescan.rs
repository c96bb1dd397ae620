//! `.xls` and `.ods` files whose sheets calamine would build as huge dense ranges are refused
//! before calamine opens them; ordinary files (and harmless repeats) still import.

mod common;
mod hostile;

use std::time::{Duration, Instant};

use common::fixture;
use hostile::*;
use nianbao_excel::{ExcelError, Imported, MAX_LOAD_CELLS, import_workbook_bytes};
use nianbao_model::Format;

fn import(name: &str, bytes: &[u8]) -> Result<Imported, ExcelError> {
    import_workbook_bytes(name, bytes, Format::national_2021())
}

/// The refusal's message, checked to name the file and say what to do; and that it came fast.
fn refused(name: &str, bytes: &[u8]) -> String {
    let start = Instant::now();
    let result = import(name, bytes);
    let took = start.elapsed();
    let message = match result {
        Err(e @ ExcelError::SheetsTooLarge { .. }) => e.to_string(),
        Err(e) => panic!("{name}: refused for another reason: {e}"),
        Ok(_) => panic!("{name}: imported"),
    };
    assert!(took < Duration::from_secs(5), "{name}: took {took:?}");
    assert!(message.contains(&format!("“{name}”")), "{message}");
    assert!(message.contains("占用过多内存"), "{message}");
    assert!(message.contains("另存为 .xlsx"), "{message}");
    message
}

#[test]
fn an_xls_with_cells_at_a1_and_iv65536_is_refused_before_it_is_parsed() {
    let bytes = xls_a1_iv65536();
    assert!(bytes.len() < 8_192, "{}", bytes.len());
    let message = refused("远端单元格.xls", &bytes);
    assert!(message.contains("工作表“Sheet1”"), "{message}");
    assert!(
        message.contains("A1:IV65536（65,536 行 × 256 列）"),
        "{message}"
    );
    assert!(message.contains("16,777,216 个单元格"), "{message}");
}

#[test]
fn an_xls_stream_in_regular_sectors_is_measured_too() {
    // A workbook stream of 4 KiB or more lives in the compound file's regular sectors, a smaller
    // one in its mini stream: both are read.
    let mut cells = number(0, 0, 1.0);
    cells.extend(number(40_000, 200, 2.0));
    let bytes = xls(&biff8_stream(&[("远端", cells)], 0, 20_000));
    let message = refused("大流.xls", &bytes);
    assert!(message.contains("工作表“远端”"), "{message}");
    assert!(message.contains("A1:GS40001"), "{message}");
}

#[test]
fn sheets_that_fit_alone_but_not_together_are_refused() {
    // 40,000 × 60 cells (2.4 million) a sheet is within the bound; three BoundSheet8 records
    // naming the same substream make calamine build it three times.
    let mut cells = number(0, 0, 1.0);
    cells.extend(number(39_999, 59, 2.0));
    let bytes = xls(&biff8_stream(&[("数据", cells)], 2, 0));
    let message = refused("合计.xls", &bytes);
    assert!(message.contains("3 个工作表合计"), "{message}");
}

#[test]
fn an_xls_declaring_more_rows_than_the_format_has_is_refused() {
    // calamine would reserve a cell list of the declared size (2^31 rows × 256 columns), which
    // aborts the process.
    let mut cells = dimensions(0, 0x8000_0000, 0, 256);
    cells.extend(number(0, 0, 1.0));
    let bytes = xls(&biff8_stream(&[("Sheet1", cells)], 0, 0));
    let message = refused("声明.xls", &bytes);
    assert!(message.contains("超出 .xls 格式的最大范围"), "{message}");
}

#[test]
fn ordinary_and_blank_cells_far_away_still_import() {
    // A formatted blank cell at IV65536 costs calamine nothing; neither does a small sheet.
    let mut cells = dimensions(0, 65_536, 0, 256);
    cells.extend(number(0, 0, 1.0));
    cells.extend(number(2, 3, 5.0));
    cells.extend(blank(65_535, 255));
    let bytes = xls(&biff8_stream(&[("Sheet1", cells)], 0, 0));
    import("空白.xls", &bytes).unwrap_or_else(|e| panic!("{e}"));

    for name in ["official.xls", "drift.xls", "wps-saved.et", "official.ods"] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        import(name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn truncated_or_garbled_xls_never_panics() {
    let bytes = xls_a1_iv65536();
    for n in (0..bytes.len()).step_by(7) {
        let _ = import("截断.xls", &bytes[..n]);
    }
    let mut garbled = bytes.clone();
    for i in (512..garbled.len()).step_by(13) {
        garbled[i] ^= 0x5A;
        let _ = import("乱码.xls", &garbled);
    }
}

#[test]
fn an_ods_row_of_values_repeated_a_million_times_is_refused() {
    let bytes = ods_repeated_row(16);
    assert!(bytes.len() < 4_096, "{}", bytes.len());
    let message = refused("重复行.ods", &bytes);
    assert!(message.contains("工作表“Sheet1”"), "{message}");
    assert!(
        message.contains("A1:P1048576（1,048,576 行 × 16 列）"),
        "{message}"
    );
}

#[test]
fn an_ods_with_a1_and_a_far_cell_is_refused() {
    let bytes = ods(&format!(
        "<table:table table:name=\"表三\">\
<table:table-row>{}</table:table-row>\
<table:table-row table:number-rows-repeated=\"1048574\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>\
<table:table-row><table:table-cell table:number-columns-repeated=\"16383\"/>{}</table:table-row>\
</table:table>",
        ods_values(1, 1),
        ods_values(1, 2)
    ));
    let message = refused("远端.ods", &bytes);
    assert!(message.contains("工作表“表三”"), "{message}");
    assert!(message.contains("A1:XFD1048576"), "{message}");
}

#[test]
fn ods_rows_stored_without_repeats_count_too() {
    // 300 rows of 16,384 values each: no repeated rows, but calamine keeps every cell.
    let row = format!(
        "<table:table-row>{}</table:table-row>",
        ods_values(16_384, 3)
    );
    let bytes = ods(&format!(
        "<table:table table:name=\"宽表\">{}</table:table>",
        row.repeat(300)
    ));
    refused("宽表.ods", &bytes);
}

#[test]
fn repeated_empty_rows_and_cells_in_an_ods_are_harmless() {
    // What LibreOffice writes after the last used row and column: empty repeats to the end.
    let bytes = ods(&format!(
        "<table:table table:name=\"统计表\">\
<table:table-row>{}<table:table-cell table:number-columns-repeated=\"16383\"/></table:table-row>\
<table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>\
</table:table>",
        ods_values(1, 7)
    ));
    let start = Instant::now();
    import("尾部空行.ods", &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_bound_is_a_few_million_cells() {
    assert_eq!(MAX_LOAD_CELLS, 4_000_000);
}
