//! The report model of nianbao (年报): everything about a 政府信息公开工作年度报告 that does not
//! depend on a file format.
//!
//! - [`format`](mod@format): the report format as data. The 2021 national format (国办公开办函〔2021〕30号)
//!   is built in from `formats/national-2021.toml`; regional formats are overlays on it.
//! - [`report`]: the report itself: metadata, the prose of the six parts, the table values keyed
//!   by stable [`ValueKey`]s, each with the [`Location`] it came from.
//! - [`validate`](mod@validate): every consistency rule (勾稽关系), the cross-year rules given last year's report,
//!   and the prose and plausibility checks. It returns all findings and never stops at the first.
//!   [`repetition`]: how much of the text repeats last year's (`prose.repeated_text`).
//! - [`diagnostic`]: findings with a stable rule id, a severity, a Chinese message, locations and
//!   a hint.
//! - [`text`]: label normalisation shared by the importers; [`labels`]: the one label index they
//!   look labels up in (exact, contained, close spelling, ambiguity); [`recognise`]: the one
//!   table recogniser every source's grids are read by; [`legacy`]: what the 2019 layout of a
//!   source's tables is reported as.
//!
//! - [`template`]: the texts nianbao writes for a format (opening, 落款, draft outline, the
//!   workbook's notes) as templates from `templates/`, and the one template environment;
//!   [`draft`]: the draft outline and the 落款 made from them.
//!
//! This crate does no IO: importers build a [`Report`], exporters read one.

pub mod diagnostic;
pub mod draft;
pub mod format;
pub mod key;
pub mod labels;
pub mod legacy;
pub mod prose;
pub mod recognise;
pub mod repetition;
pub mod report;
pub mod template;
pub mod text;
pub mod validate;

pub use diagnostic::{Counts, Finding, Location, Severity};
pub use format::{Format, FormatOverlay, NATIONAL_2021};
pub use key::{KeyLookup, ValueKey};
pub use report::{
    AdminLevel, Cell, CellValue, Metadata, Paragraph, ParagraphLevel, PartText, Report,
};
pub use rust_decimal::Decimal;
pub use validate::{Validated, Validation, validate};
