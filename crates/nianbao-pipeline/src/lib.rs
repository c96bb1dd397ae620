//! The per-unit pipeline of nianbao, shared by every command of the binary (`check`, `build`,
//! `batch`, `sum`), the HTTP server (`nianbao serve`) and the benchmark, so that all of them run
//! the same code:
//!
//! - [`inputs`]: a unit's inputs behind one trait, [`UnitInputs`] — from the file system
//!   ([`Unit`]: a report folder or loose files, read through `nianbao-fs`) or from memory
//!   ([`MemoryUnit`]: an upload);
//! - [`config`][mod@config]: `report.toml`;
//! - [`pipeline`]: import, merge metadata (command line > `report.toml` > files > names), take
//!   the numbers from the workbook, render placeholders, validate with last year's report, run
//!   the plugin's check ([`check_unit`]); the DOCX and XLSX of the result ([`render_docx`],
//!   [`render_xlsx`]), each phase optionally timed.

pub mod config;
pub mod inputs;
pub mod pipeline;

pub use config::{CONFIG_FILE, ReportConfig};
pub use inputs::{
    FileKind, InputFile, MemoryUnit, OUTPUT_DIR, Previous, Unit, UnitInputs, classify, display_name,
};
pub use pipeline::{
    Checked, Clock, OverrideOrigin, Overrides, Phase, check_unit, check_unit_choosing_previous,
    check_unit_timed, no_clock, read_unit, render_docx, render_docx_with, render_xlsx,
};
