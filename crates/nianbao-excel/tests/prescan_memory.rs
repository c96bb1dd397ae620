//! Peak memory while refusing hostile `.xls` / `.ods` files. This binary holds one test only, so
//! that the process's peak resident size (`VmHWM`) is this import's alone.

mod hostile;

use nianbao_excel::{ExcelError, import_workbook_bytes};
use nianbao_model::Format;

/// The process's peak resident set size in bytes (Linux), if it can be read.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn refusing_hostile_xls_and_ods_keeps_peak_memory_small() {
    let files = [
        ("远端单元格.xls", hostile::xls_a1_iv65536()),
        ("重复行.ods", hostile::ods_repeated_row(16)),
    ];
    for (name, bytes) in &files {
        let result = import_workbook_bytes(name, bytes, Format::national_2021());
        assert!(
            matches!(result, Err(ExcelError::SheetsTooLarge { .. })),
            "{name}: {result:?}"
        );
    }
    let Some(peak) = peak_rss() else {
        eprintln!("VmHWM not available; peak memory not checked");
        return;
    };
    eprintln!("peak RSS {} MiB", peak / 1024 / 1024);
    assert!(peak < 300 * 1024 * 1024, "peak RSS {peak} bytes");
}
