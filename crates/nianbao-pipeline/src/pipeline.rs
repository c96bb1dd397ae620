//! One unit from its inputs to a checked report, the one way every command (check, build,
//! batch, sum), the server and the benchmark run it: import the workbook and the documents,
//! merge what they say, render placeholders, validate (with last year's report when given) and
//! run the plugin's native check; then the filing DOCX and the tables workbook.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nianbao_model::{Finding, Format, Location, Report, Validation};
use nianbao_plugins::Registry;

use crate::config::CONFIG_FILE;
use crate::inputs::UnitInputs;

/// Who gave the [`Overrides`]: named in `input.meta_conflict` when they differ from the files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OverrideOrigin {
    #[default]
    CommandLine,
    /// The fields of an HTTP request (`nianbao serve`).
    Request,
}

impl OverrideOrigin {
    fn label(self) -> &'static str {
        match self {
            OverrideOrigin::CommandLine => "命令行",
            OverrideOrigin::Request => "请求参数",
        }
    }
}

/// Settings from the command line (or a request); they win over report.toml, which wins over
/// the files.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub org: Option<String>,
    pub year: Option<i32>,
    pub format: Option<String>,
    /// Blank value cells count as 0 (`--blank-as-zero`; report.toml's `blank_as_zero = true`
    /// asks the same).
    pub blank_as_zero: bool,
    pub origin: OverrideOrigin,
}

/// The phases of a unit's way through the pipeline, as a [`Clock`] is told them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    ImportWorkbook,
    ReadDocuments,
    Placeholders,
    Check,
    Docx,
    Xlsx,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::ImportWorkbook,
        Phase::ReadDocuments,
        Phase::Placeholders,
        Phase::Check,
        Phase::Docx,
        Phase::Xlsx,
    ];

    /// The phase's name in the benchmark's tables.
    pub const fn label(self) -> &'static str {
        match self {
            Phase::ImportWorkbook => "导入统计表",
            Phase::ReadDocuments => "读取文稿",
            Phase::Placeholders => "占位符",
            Phase::Check => "检查",
            Phase::Docx => "生成DOCX",
            Phase::Xlsx => "生成XLSX",
        }
    }
}

/// Told how long each phase took (the benchmark); [`no_clock`] when nobody is asking.
pub type Clock<'a> = &'a mut dyn FnMut(Phase, Duration);

/// A clock that is not read.
pub fn no_clock(_: Phase, _: Duration) {}

/// Times consecutive phases: each `lap` tells the clock the time since the previous one.
struct Laps<'a> {
    clock: &'a mut dyn FnMut(Phase, Duration),
    started: Instant,
}

impl<'a> Laps<'a> {
    fn new(clock: &'a mut dyn FnMut(Phase, Duration)) -> Self {
        Laps {
            clock,
            started: Instant::now(),
        }
    }

    fn lap(&mut self, phase: Phase) {
        (self.clock)(phase, self.started.elapsed());
        self.started = Instant::now();
    }
}

/// A checked report.
pub struct Checked {
    pub report: Report,
    pub format: Arc<Format>,
    pub findings: Vec<Finding>,
    /// How much of the prose repeats last year's, when last year's report has prose.
    pub repetition: Option<nianbao_model::repetition::Repetition>,
}

/// Reads a unit into a report (no validation).
pub fn read_unit(
    unit: &dyn UnitInputs,
    overrides: &Overrides,
    registry: &Registry,
) -> Result<(Report, Arc<Format>, Vec<Finding>)> {
    read_unit_timed(unit, overrides, registry, &mut no_clock)
}

/// [`read_unit`], telling `clock` how long the reading phases took.
fn read_unit_timed(
    unit: &dyn UnitInputs,
    overrides: &Overrides,
    registry: &Registry,
    clock: Clock,
) -> Result<(Report, Arc<Format>, Vec<Finding>)> {
    let mut laps = Laps::new(clock);
    let format_id = overrides
        .format
        .clone()
        .or_else(|| unit.config().format.clone())
        .unwrap_or_else(|| nianbao_model::NATIONAL_2021.to_string());
    let format = registry
        .shared_format(&format_id)
        .cloned()
        .with_context(|| {
            let known: Vec<String> = registry.formats().into_iter().map(|f| f.id).collect();
            format!(
                "未找到格式“{format_id}”。可用的格式：{}（用 nianbao formats 查看）",
                known.join("、")
            )
        })?;

    let mut report = Report::default();
    let mut findings = Vec::new();
    let mut have_values = false;
    // Which file gave 机关名称 and 年度, for naming it when another source says otherwise.
    let mut sources = MetaSources {
        org_settled: overrides.org.is_some() || unit.config().org.is_some(),
        year_settled: overrides.year.is_some() || unit.config().year.is_some(),
        ..MetaSources::default()
    };
    if let Some(file) = unit.workbook()? {
        // The year asked for decides between sheets of two years.
        let year = overrides.year.or(unit.config().year);
        let imported =
            nianbao_excel::import_workbook_bytes_for_year(&file.name, &file.bytes, &format, year)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        take_meta(
            &mut report,
            &imported.report,
            &file.name,
            &mut sources,
            &mut findings,
        );
        report.values = imported.report.values;
        findings.extend(imported.findings);
        have_values = !report.values.is_empty();
    }
    laps.lap(Phase::ImportWorkbook);
    // Drafts offered as candidates (草稿.docx and 草稿.md of `nianbao init`) are all read, then
    // the one that was written is taken; other documents are taken in order.
    let mut candidates = Vec::new();
    for index in 0..unit.document_count() {
        let file = unit.document(index)?;
        // With the numbers in hand (from the workbook, or an earlier document) a draft's tables
        // are not used: they are only recognised (for `input.values_ignored`), not read, and
        // their rows report nothing.
        let table_values = if have_values {
            nianbao_docs::TableValues::Skip
        } else {
            nianbao_docs::TableValues::Read
        };
        let imported =
            nianbao_docs::read_document_bytes_with(&file.name, &file.bytes, &format, table_values)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        if unit.chooses_draft() {
            candidates.push((file.name.clone(), imported));
        } else {
            if !is_written(&file.name, &imported, &format) {
                findings.push(unwritten_draft(&file.name));
            }
            let mut taking = Taking {
                report: &mut report,
                findings: &mut findings,
                sources: &mut sources,
                have_values: &mut have_values,
            };
            taking.document(&file.name, imported);
        }
    }
    if !candidates.is_empty() {
        let chosen = choose_written_draft(unit.name(), &format, &mut candidates, &mut findings)?;
        let mut taking = Taking {
            report: &mut report,
            findings: &mut findings,
            sources: &mut sources,
            have_values: &mut have_values,
        };
        taking.document(&chosen.0, chosen.1);
    }
    laps.lap(Phase::ReadDocuments);
    if !have_values {
        findings.push(
            Finding::error(
                "input.no_tables",
                "没有读到统计表数值：请提供统计表（xlsx/xls/ods）或含表格的报告",
            )
            .hint("用 nianbao init 生成统计表模板，填写后放在报告文件夹中。"),
        );
    }
    let from_files = (report.meta.org.clone(), report.meta.year);
    unit.config().apply(&mut report.meta)?;
    if let Some(org) = &overrides.org {
        report.meta.org = org.trim().to_string();
    }
    if let Some(year) = overrides.year {
        report.meta.year = year;
    }
    // Settings override what the files say, as documented; where they differ, both are named.
    let setting = |overridden: bool| {
        if overridden {
            overrides.origin.label().to_string()
        } else {
            CONFIG_FILE.to_string()
        }
    };
    if !from_files.0.is_empty() && report.meta.org != from_files.0 {
        findings.push(meta_conflict(
            "机关名称",
            &report.meta.org,
            &setting(overrides.org.is_some()),
            &from_files.0,
            sources.org.as_deref().unwrap_or_default(),
            true,
        ));
    }
    if from_files.1 != 0 && report.meta.year != from_files.1 {
        findings.push(meta_conflict(
            "年度",
            &report.meta.year.to_string(),
            &setting(overrides.year.is_some()),
            &from_files.1.to_string(),
            sources.year.as_deref().unwrap_or_default(),
            true,
        ));
    }
    if report.meta.org.is_empty() || report.meta.year == 0 {
        meta_from_name(unit, &format, &mut report, &mut findings);
    }
    report.meta.format = format.id.clone();
    // Before placeholders, so that the text cites the 0 the tables will show.
    if overrides.blank_as_zero || unit.config().blank_as_zero == Some(true) {
        findings.extend(report.blanks_as_zero(&format));
    }
    findings.extend(nianbao_docs::render_placeholders(&mut report));
    laps.lap(Phase::Placeholders);
    Ok((report, format, findings))
}

/// What reading a unit has gathered so far, for taking one more document into it.
struct Taking<'a> {
    report: &'a mut Report,
    findings: &'a mut Vec<Finding>,
    sources: &'a mut MetaSources,
    have_values: &'a mut bool,
}

impl Taking<'_> {
    /// A document's metadata, prose (when it has any) and — unless the numbers are already in
    /// hand — its tables' values.
    fn document(&mut self, name: &str, imported: nianbao_docs::Imported) {
        let doc = imported.report;
        self.findings.extend(imported.findings);
        take_meta(self.report, &doc, name, self.sources, self.findings);
        if doc.has_prose() || !doc.opening.is_empty() {
            self.report.opening = doc.opening;
            self.report.parts = doc.parts;
            self.report.closing = doc.closing;
        }
        if *self.have_values {
            if imported.has_tables {
                self.findings.push(
                    Finding::info(
                        "input.values_ignored",
                        format!("{name} 中的表格数值未采用：以统计表中的数值为准"),
                    )
                    .at(Location::file(name.to_string())),
                );
            }
        } else if !doc.values.is_empty() {
            self.report.values = doc.values;
            *self.have_values = true;
        }
    }
}

/// The text a reader sees in a document: opening, each part's paragraphs, closing.
fn prose_of(report: &Report) -> Vec<(u8, Option<&str>, &str)> {
    fn paragraph(part: u8, p: &nianbao_model::report::Paragraph) -> (u8, Option<&str>, &str) {
        (part, p.run_in.as_deref(), p.text.as_str())
    }
    let mut prose: Vec<_> = report.opening.iter().map(|p| paragraph(0, p)).collect();
    for part in &report.parts {
        prose.extend(part.paragraphs.iter().map(|p| paragraph(part.number, p)));
    }
    prose.extend(report.closing.iter().map(|p| paragraph(9, p)));
    prose
}

/// Whether a draft was written: its text differs from the draft `nianbao init` makes for its own
/// title's body and year (so a report.toml edited since init does not make an untouched draft
/// look written), read the same way. A document of another kind than init's drafts counts as
/// written when it has any prose.
fn is_written(name: &str, imported: &nianbao_docs::Imported, format: &Format) -> bool {
    let meta = &imported.report.meta;
    let lower = name.to_lowercase();
    let skeleton = if lower.ends_with(".docx") {
        nianbao_docx::write_draft_skeleton(format, meta).ok()
    } else if lower.ends_with(".md") {
        nianbao_model::draft::draft_markdown(format, meta)
            .ok()
            .map(String::into_bytes)
    } else {
        None
    };
    let template = skeleton.and_then(|bytes| {
        nianbao_docs::read_document_bytes_with(
            name,
            &bytes,
            format,
            nianbao_docs::TableValues::Skip,
        )
        .ok()
    });
    match template {
        Some(template) => prose_of(&imported.report) != prose_of(&template.report),
        None => imported.report.has_prose() || !imported.report.opening.is_empty(),
    }
}

/// Of several candidate drafts, the one that was written; when none was, the first (the DOCX);
/// when more than one was, an error asking which (`draft = …`). The choice is named in an info
/// finding, so the office sees which file its report was made from.
fn choose_written_draft(
    unit: &str,
    format: &Format,
    candidates: &mut Vec<(String, nianbao_docs::Imported)>,
    findings: &mut Vec<Finding>,
) -> Result<(String, nianbao_docs::Imported)> {
    let written: Vec<usize> = (0..candidates.len())
        .filter(|&i| is_written(&candidates[i].0, &candidates[i].1, format))
        .collect();
    let names = |indices: &mut dyn Iterator<Item = usize>| -> String {
        indices
            .map(|i| candidates[i].0.clone())
            .collect::<Vec<_>>()
            .join("、")
    };
    let (pick, message) = match written.as_slice() {
        [] => (
            0,
            format!(
                "{} 份文稿（{}）都还是模板，没有撰写的正文：以 {} 为准",
                candidates.len(),
                names(&mut (0..candidates.len())),
                candidates[0].0
            ),
        ),
        [one] => (
            *one,
            format!(
                "采用已撰写的文稿 {}（{} 未改动，仍是模板，未采用）",
                candidates[*one].0,
                names(&mut (0..candidates.len()).filter(|i| i != one))
            ),
        ),
        several => bail!(
            "“{unit}”中有 {} 份已撰写的文稿（{}），无法确定以哪一份为准：请在 report.toml 中写明 draft = \"{}\"（或所用的另一份），或删去不用的一份",
            several.len(),
            names(&mut several.iter().copied()),
            candidates[several[0]].0
        ),
    };
    let chosen = candidates.swap_remove(pick);
    findings.push(
        Finding::info("input.draft_chosen", message)
            .at(Location::file(chosen.0.clone()))
            .hint("如需指定文稿，请在 report.toml 中写明 draft = \"文件名\"。"),
    );
    if written.is_empty() {
        findings.push(unwritten_draft(&chosen.0));
    }
    Ok(chosen)
}

/// A draft still exactly as `nianbao init` wrote it: nothing of the office's own text, only
/// headings, prompts and half sentences — an error, so no such document is built for filing.
fn unwritten_draft(name: &str) -> Finding {
    Finding::error(
        "draft.unwritten",
        format!("文稿 {name} 仍是 nianbao init 生成的模板，尚未撰写第一、五、六部分"),
    )
    .at(Location::file(name.to_string()))
    .expected_found("本单位撰写的正文", "模板原文")
    .hint(
        "请在文稿中撰写总体情况、存在的主要问题及改进情况和其他需要报告的事项，再检查和生成报告。",
    )
}

/// The files that gave 机关名称 and 年度.
#[derive(Default)]
struct MetaSources {
    org: Option<String>,
    year: Option<String>,
    /// The command line or report.toml names the 机关名称 (the 年度): where two files differ,
    /// neither of theirs is the one used.
    org_settled: bool,
    year_settled: bool,
}

/// Metadata read from a file fills what is still unknown; a file naming another body or year
/// than an earlier one is a warning naming both (the earlier file counts: the workbook, then the
/// documents in order).
fn take_meta(
    into: &mut Report,
    from: &Report,
    file: &str,
    sources: &mut MetaSources,
    findings: &mut Vec<Finding>,
) {
    let m = &from.meta;
    if !m.org.is_empty() {
        if into.meta.org.is_empty() {
            into.meta.org = m.org.clone();
            sources.org = Some(file.to_string());
        } else if compact(&into.meta.org) != compact(&m.org) {
            findings.push(meta_conflict(
                "机关名称",
                &into.meta.org,
                sources.org.as_deref().unwrap_or_default(),
                &m.org,
                file,
                !sources.org_settled,
            ));
        }
    }
    if m.year != 0 {
        if into.meta.year == 0 {
            into.meta.year = m.year;
            sources.year = Some(file.to_string());
        } else if into.meta.year != m.year {
            findings.push(meta_conflict(
                "年度",
                &into.meta.year.to_string(),
                sources.year.as_deref().unwrap_or_default(),
                &m.year.to_string(),
                file,
                !sources.year_settled,
            ));
        }
    }
    if into.meta.level.is_none() {
        into.meta.level = m.level;
    }
    if into.meta.region.is_none() {
        into.meta.region = m.region.clone();
    }
    if into.meta.date.is_none() {
        into.meta.date = m.date.clone();
    }
    if into.meta.contact.is_empty() {
        into.meta.contact = m.contact.clone();
    }
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Two sources disagree on 机关名称 or 年度: the one used and the other, each with its source.
fn meta_conflict(
    what: &str,
    used: &str,
    used_from: &str,
    other: &str,
    other_from: &str,
    adopted: bool,
) -> Finding {
    // The first value is marked as used only when it is: a setting may decide over both files.
    let mark = if adopted { "（已采用）" } else { "" };
    Finding::warning(
        "input.meta_conflict",
        format!("{what}不一致：{used_from}为“{used}”{mark}，{other_from}为“{other}”"),
    )
    .at(Location::file(other_from))
    .expected_found(used.to_string(), other.to_string())
    .hint(format!(
        "请核对{what}：命令行优先于 report.toml，report.toml 优先于统计表和文稿；改正有误的一处。"
    ))
}

/// 机关名称 and 年度 from the unit's folder or file name, the last source: a name written as a
/// title (`某局2024年政府信息公开工作年度报告.docx`), or a name with a year (`某局2024`), each
/// with an info finding saying where it came from. Generic names (`统计表`, `草稿`) give nothing.
fn meta_from_name(
    unit: &dyn UnitInputs,
    format: &Format,
    report: &mut Report,
    findings: &mut Vec<Finding>,
) {
    let name = unit.name().trim();
    let (org, year) = match format.read_title(name) {
        Some(found) => found,
        None => {
            let year = name
                .char_indices()
                .filter_map(|(i, _)| name.get(i..i + 4))
                .find(|w| {
                    w.chars().all(|c| c.is_ascii_digit())
                        && (w.starts_with("19") || w.starts_with("20"))
                })
                .and_then(|w| w.parse::<i32>().ok())
                .unwrap_or(0);
            let org: String = name
                .replace(&year.to_string(), "")
                .trim_end_matches(['年', '度', '_', '-', ' '])
                .trim()
                .to_string();
            (org, year)
        }
    };
    const GENERIC: [&str; 8] = [
        "统计表",
        "草稿",
        "报告",
        "年报",
        "正文",
        "文稿",
        "附件",
        "数据",
    ];
    // A body's name is Chinese: `2023_changchun_PARTIAL` names none.
    let han = org
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    let org_usable = han >= 2
        && !org.chars().any(|c| c.is_ascii_alphabetic())
        && !GENERIC.iter().any(|g| org.contains(g));
    if report.meta.org.is_empty() && org_usable {
        report.meta.org = org.clone();
        findings.push(
            Finding::info(
                "input.meta_from_name",
                format!("文件中没有写明机关名称，已按名称“{name}”取为“{org}”"),
            )
            .hint("请在标题、report.toml 或统计表“基本信息”中写明机关名称，或用 --org 指定。"),
        );
    }
    if report.meta.year == 0 && year != 0 {
        report.meta.year = year;
        findings.push(
            Finding::info(
                "input.meta_from_name",
                format!("文件中没有写明年度，已按名称“{name}”取为 {year} 年"),
            )
            .hint("请在标题、report.toml 或统计表“基本信息”中写明年度，或用 --year 指定。"),
        );
    }
}

/// A report to be filed with none of its text (a unit that sent only its workbook): its DOCX
/// would have the parts without tables empty. Said once; `sum`, which needs only numbers, does
/// not check units this way.
fn no_draft(report: &Report, format: &Format) -> Option<Finding> {
    let has_text = !report.opening.is_empty()
        || !report.closing.is_empty()
        || report.parts.iter().any(|p| !p.paragraphs.is_empty());
    if has_text {
        return None;
    }
    let empty: Vec<String> = format
        .parts
        .iter()
        .filter(|p| p.table.is_none())
        .map(|p| {
            format!(
                "“{}、{}”",
                nianbao_model::format::chinese_numeral(usize::from(p.number)),
                p.heading
            )
        })
        .collect();
    Some(
        Finding::warning(
            "input.no_draft",
            format!(
                "没有读到报告正文（文稿）：生成的报告中{}没有内容",
                empty.join("、")
            ),
        )
        .expected_found("统计表和文稿（docx、md 或 txt）", "只有统计表")
        .hint("请把本单位的文稿放在报告文件夹中（可用 nianbao init 生成文稿模板），或在统计表旁一并提交。"),
    )
}

/// Reads, merges and validates a unit, with last year's report when one is named.
pub fn check_unit(
    unit: &dyn UnitInputs,
    overrides: &Overrides,
    registry: &Registry,
) -> Result<Checked> {
    check_unit_timed(unit, overrides, registry, &mut no_clock)
}

/// [`check_unit`], telling `clock` how long each phase took.
pub fn check_unit_timed(
    unit: &dyn UnitInputs,
    overrides: &Overrides,
    registry: &Registry,
    clock: Clock,
) -> Result<Checked> {
    check_unit_choosing_previous_timed(unit, overrides, registry, &|_| None, clock)
}

/// [`check_unit`] where last year's report, when the unit names none, is chosen once this
/// year's is read, so that its 机关名称 can decide (`batch --previous-dir`): `choose` gives the
/// paths of last year's unit, or `None`.
pub fn check_unit_choosing_previous(
    unit: &dyn UnitInputs,
    overrides: &Overrides,
    registry: &Registry,
    choose: &dyn Fn(&Report) -> Option<Vec<std::path::PathBuf>>,
) -> Result<Checked> {
    check_unit_choosing_previous_timed(unit, overrides, registry, choose, &mut no_clock)
}

fn check_unit_choosing_previous_timed(
    unit: &dyn UnitInputs,
    overrides: &Overrides,
    registry: &Registry,
    choose: &dyn Fn(&Report) -> Option<Vec<std::path::PathBuf>>,
    clock: Clock,
) -> Result<Checked> {
    let (report, format, mut findings) = read_unit_timed(unit, overrides, registry, clock)?;
    if let Some(finding) = no_draft(&report, &format) {
        findings.push(finding);
    }
    let mut laps = Laps::new(clock);
    let named = match unit.previous() {
        Ok(None) => choose(&report)
            .map(|paths| crate::inputs::Previous::from_paths(&paths))
            .transpose(),
        other => other,
    };
    let previous = match named {
        Ok(Some(named)) => {
            usable_previous(&report, &format, overrides, &named, registry, &mut findings)
        }
        Ok(None) => None,
        Err(e) => {
            findings.push(previous_unreadable(None, &format!("{e:#}")));
            None
        }
    };
    let validated = Validation {
        format: &format,
        report: &report,
        previous: previous.as_ref(),
    }
    .run_measured();
    findings.extend(validated.findings);
    findings.extend(registry.native_check(&format.id, &report));
    nianbao_model::diagnostic::sort_findings(&mut findings);
    laps.lap(Phase::Check);
    Ok(Checked {
        report,
        format,
        findings,
        repetition: validated.repetition,
    })
}

/// Last year's report, read and checked to be last year's report of this body; otherwise a
/// warning saying why and `None`, so that no cross-year rule (上年结转, 现行有效件数, 与上年重复率)
/// judges this year's report against the wrong one. This year's checks run either way.
fn usable_previous(
    report: &Report,
    format: &Format,
    overrides: &Overrides,
    named: &crate::inputs::Previous,
    registry: &Registry,
    findings: &mut Vec<Finding>,
) -> Option<Report> {
    // Last year's blanks are read as this year's are.
    let prev_overrides = Overrides {
        format: Some(format.id.clone()),
        blank_as_zero: overrides.blank_as_zero,
        ..Overrides::default()
    };
    let (prev, _, prev_findings) = match read_unit(named.inputs.as_ref(), &prev_overrides, registry)
    {
        Ok(read) => read,
        Err(e) => {
            findings.push(previous_unreadable(Some(named), &format!("{e:#}")));
            return None;
        }
    };
    if prev_findings.iter().any(|f| f.rule == "input.no_tables") {
        findings.push(previous_unreadable(Some(named), "其中没有读到统计表数值"));
        return None;
    }
    let not_compared =
        "本次未进行跨年度核对（上年结转、现行有效件数、与上年重复率），本年度的其他检查照常进行";
    if prev.meta.year != 0 && report.meta.year != 0 && prev.meta.year != report.meta.year - 1 {
        findings.push(
            Finding::warning(
                "input.previous_year",
                format!(
                    "作为上年报告给出的是 {} 年度报告，本报告为 {} 年度：{not_compared}",
                    prev.meta.year, report.meta.year
                ),
            )
            .at(Location::file(named.file_name.clone()))
            .expected_found(
                format!("{} 年度报告", report.meta.year - 1),
                format!("{} 年度报告", prev.meta.year),
            )
            .hint("请给出本机关上一年度的报告。"),
        );
        return None;
    }
    let (now_org, prev_org) = (
        nianbao_model::text::normalize_label(&report.meta.org),
        nianbao_model::text::normalize_label(&prev.meta.org),
    );
    // One name inside the other is the same body written shorter or longer (`某局` and
    // `某市某局`); anything else is another body.
    if !now_org.is_empty()
        && !prev_org.is_empty()
        && !now_org.contains(&prev_org)
        && !prev_org.contains(&now_org)
    {
        findings.push(
            Finding::warning(
                "input.previous_org",
                format!(
                    "作为上年报告给出的是“{}”的报告，本报告为“{}”：{not_compared}",
                    prev.meta.org, report.meta.org
                ),
            )
            .at(Location::file(named.file_name.clone()))
            .expected_found(report.meta.org.clone(), prev.meta.org.clone())
            .hint("请给出本机关上一年度的报告；机构名称变更的，可在上年报告的 report.toml 中用 org 写明现名称。"),
        );
        return None;
    }
    Some(prev)
}

/// Last year's report could not be read: a warning, and this year's checks go on.
fn previous_unreadable(named: Option<&crate::inputs::Previous>, reason: &str) -> Finding {
    let shown = named.map(|n| n.shown.as_str()).unwrap_or("上年报告");
    let mut f = Finding::warning(
        "input.previous_unreadable",
        format!(
            "无法读取上年报告 {shown}（{reason}）：本次未进行跨年度核对，本年度的其他检查照常进行"
        ),
    )
    .expected_found("可以读取的上年报告", "无法读取")
    .hint("请改正或重新导出上年报告后再核对；也可以不给上年报告。");
    if let Some(n) = named {
        f = f.at(Location::file(n.file_name.clone()));
    }
    f
}

/// The filing DOCX of a checked report.
pub fn render_docx(checked: &Checked, clock: Clock) -> Result<Vec<u8>> {
    render_docx_with(checked, &nianbao_docx::DocxOptions::default(), clock)
}

/// [`render_docx`] with the document's options (an office's reference DOCX).
pub fn render_docx_with(
    checked: &Checked,
    options: &nianbao_docx::DocxOptions,
    clock: Clock,
) -> Result<Vec<u8>> {
    let mut laps = Laps::new(clock);
    let docx = nianbao_docx::write_report_docx(&checked.format, &checked.report, options)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    laps.lap(Phase::Docx);
    Ok(docx)
}

/// The tables workbook (official layout, with the 检查结果 sheet) of a checked report.
pub fn render_xlsx(checked: &Checked, clock: Clock) -> Result<Vec<u8>> {
    let mut laps = Laps::new(clock);
    let xlsx =
        nianbao_excel::write_report_workbook(&checked.format, &checked.report, &checked.findings)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    laps.lap(Phase::Xlsx);
    Ok(xlsx)
}
