//! From paths on the command line to a checked report: find the files of a unit, import them,
//! merge what they say, render placeholders, validate.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use nianbao_model::{Finding, Format, Location, Report, Validation};
use nianbao_plugins::Registry;

use crate::config::{CONFIG_FILE, ReportConfig};

/// What a file is, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Workbook,
    Document,
}

pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy();
    // Office lock files (`~$统计表.xlsx`) and hidden files are never inputs.
    if name.starts_with("~$") || name.starts_with('.') {
        return None;
    }
    let ext = path.extension()?.to_string_lossy().to_lowercase();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" | "et" => Some(FileKind::Workbook),
        "docx" | "doc" | "wps" | "html" | "htm" | "md" | "txt" => Some(FileKind::Document),
        _ => None,
    }
}

/// One report's inputs: a folder with `report.toml`, a workbook and a draft, or loose files.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    /// How the unit is named in batch summaries (folder name or file stem).
    pub name: String,
    pub dir: Option<PathBuf>,
    pub config: ReportConfig,
    pub workbook: Option<PathBuf>,
    pub documents: Vec<PathBuf>,
}

impl Unit {
    /// A unit from the command line's paths: one folder, or files (a workbook and/or documents).
    pub fn from_paths(paths: &[PathBuf]) -> Result<Unit> {
        match paths {
            [] => bail!("请指定报告文件夹或文件"),
            [dir] if dir.is_dir() => Unit::from_dir(dir),
            files => {
                let mut unit = Unit::default();
                for f in files {
                    if f.is_dir() {
                        bail!(
                            "{} 是文件夹；检查一个文件夹时请只给出这一个路径",
                            f.display()
                        );
                    }
                    if !f.exists() {
                        bail!("找不到文件 {}", f.display());
                    }
                    if f.file_name().is_some_and(|n| n == CONFIG_FILE) {
                        unit.config = ReportConfig::read(f)?;
                        // Paths in report.toml (previous = …) are relative to its folder.
                        unit.dir = f.parent().map(Path::to_path_buf);
                        continue;
                    }
                    match classify(f) {
                        Some(FileKind::Workbook) if unit.workbook.is_none() => {
                            unit.workbook = Some(f.clone())
                        }
                        Some(FileKind::Workbook) => {
                            bail!("给出了多个统计表（{}），一次只能检查一份报告", f.display())
                        }
                        Some(FileKind::Document) => unit.documents.push(f.clone()),
                        None => bail!(
                            "无法识别的文件类型：{}（支持 xlsx、xls、ods、et、docx、html、md、txt）",
                            f.display()
                        ),
                    }
                }
                unit.name = files
                    .first()
                    .and_then(|f| f.file_stem())
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Ok(unit)
            }
        }
    }

    /// A report folder: `report.toml` (optional) names the files; otherwise the one workbook and
    /// the one document in it are used.
    pub fn from_dir(dir: &Path) -> Result<Unit> {
        let config_path = dir.join(CONFIG_FILE);
        let config = if config_path.exists() {
            ReportConfig::read(&config_path)?
        } else {
            ReportConfig::default()
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("无法读取文件夹 {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            // Not only regular files: a FIFO or device named like a workbook is taken, so that
            // the reader refuses it by name instead of the unit silently lacking its workbook.
            .filter(|p| !p.is_dir())
            .collect();
        files.sort();
        let workbook = match &config.workbook {
            Some(w) => Some(dir.join(w)),
            None => {
                let found: Vec<&PathBuf> = files
                    .iter()
                    .filter(|f| classify(f) == Some(FileKind::Workbook))
                    .collect();
                if found.len() > 1 {
                    bail!(
                        "文件夹 {} 中有多个统计表（{}），请在 report.toml 中用 workbook = \"…\" 指定",
                        dir.display(),
                        names(&found)
                    );
                }
                found.first().map(|p| (*p).clone())
            }
        };
        let documents = match &config.draft {
            Some(d) => vec![dir.join(d)],
            None => {
                let found: Vec<&PathBuf> = files
                    .iter()
                    .filter(|f| classify(f) == Some(FileKind::Document))
                    .collect();
                // A folder made by `nianbao init` has the draft twice (DOCX and Markdown): prefer DOCX.
                let docx: Vec<&PathBuf> = found
                    .iter()
                    .copied()
                    .filter(|f| has_ext(f, "docx"))
                    .collect();
                let chosen = if docx.len() == 1 { docx } else { found };
                if chosen.len() > 1 {
                    bail!(
                        "文件夹 {} 中有多个文稿（{}），请在 report.toml 中用 draft = \"…\" 指定",
                        dir.display(),
                        names(&chosen)
                    );
                }
                chosen.into_iter().cloned().collect()
            }
        };
        for f in workbook.iter().chain(&documents) {
            if !f.exists() {
                bail!("report.toml 指定的文件不存在：{}", f.display());
            }
        }
        Ok(Unit {
            name: dir
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "报告".into()),
            dir: Some(dir.to_path_buf()),
            config,
            workbook,
            documents,
        })
    }

    /// Every input file of the unit (outputs must never overwrite one of these).
    pub fn input_files(&self) -> Vec<PathBuf> {
        self.workbook
            .iter()
            .chain(&self.documents)
            .cloned()
            .collect()
    }
}

/// The folder inside a report folder where `build` writes by default; `from_dir` reads only the
/// folder's own files, so what nianbao wrote there is never taken as input.
pub const OUTPUT_DIR: &str = "输出";

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn names(paths: &[&PathBuf]) -> String {
    paths
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("、")
}

/// Settings from the command line; they win over report.toml, which wins over the files.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub org: Option<String>,
    pub year: Option<i32>,
    pub format: Option<String>,
    pub previous: Option<PathBuf>,
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
    unit: &Unit,
    overrides: &Overrides,
    registry: &Registry,
) -> Result<(Report, Arc<Format>, Vec<Finding>)> {
    let format_id = overrides
        .format
        .clone()
        .or_else(|| unit.config.format.clone())
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
    let mut sources = MetaSources::default();
    if let Some(path) = &unit.workbook {
        let imported =
            nianbao_excel::import_workbook(path, &format).map_err(|e| anyhow::anyhow!("{e}"))?;
        take_meta(
            &mut report,
            &imported.report,
            &display_name(path),
            &mut sources,
            &mut findings,
        );
        report.values = imported.report.values;
        findings.extend(imported.findings);
        have_values = !report.values.is_empty();
    }
    for path in &unit.documents {
        // With the numbers in hand (from the workbook, or an earlier document) a draft's tables
        // are not used: they are only recognised (for `input.values_ignored`), not read, and
        // their rows report nothing.
        let table_values = if have_values {
            nianbao_docs::TableValues::Skip
        } else {
            nianbao_docs::TableValues::Read
        };
        let imported = nianbao_docs::read_document_with(path, &format, table_values)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let doc = imported.report;
        findings.extend(imported.findings);
        take_meta(
            &mut report,
            &doc,
            &display_name(path),
            &mut sources,
            &mut findings,
        );
        if doc.has_prose() || !doc.opening.is_empty() {
            report.opening = doc.opening;
            report.parts = doc.parts;
            report.closing = doc.closing;
        }
        if have_values {
            if imported.has_tables {
                findings.push(
                    Finding::info(
                        "input.values_ignored",
                        format!(
                            "{} 中的表格数值未采用：以统计表中的数值为准",
                            display_name(path)
                        ),
                    )
                    .at(Location::file(display_name(path))),
                );
            }
        } else if !doc.values.is_empty() {
            report.values = doc.values;
            have_values = true;
        }
    }
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
    unit.config.apply(&mut report.meta)?;
    if let Some(org) = &overrides.org {
        report.meta.org = org.trim().to_string();
    }
    if let Some(year) = overrides.year {
        report.meta.year = year;
    }
    // Settings override what the files say, as documented; where they differ, both are named.
    let setting = |from_command_line: bool| {
        if from_command_line {
            "命令行".to_string()
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
        ));
    }
    if from_files.1 != 0 && report.meta.year != from_files.1 {
        findings.push(meta_conflict(
            "年度",
            &report.meta.year.to_string(),
            &setting(overrides.year.is_some()),
            &from_files.1.to_string(),
            sources.year.as_deref().unwrap_or_default(),
        ));
    }
    if report.meta.org.is_empty() || report.meta.year == 0 {
        meta_from_name(unit, &format, &mut report, &mut findings);
    }
    report.meta.format = format.id.clone();
    findings.extend(nianbao_docs::render_placeholders(&mut report));
    Ok((report, format, findings))
}

/// The files that gave 机关名称 and 年度.
#[derive(Default)]
struct MetaSources {
    org: Option<String>,
    year: Option<String>,
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
) -> Finding {
    Finding::warning(
        "input.meta_conflict",
        format!("{what}不一致：{used_from}为“{used}”（已采用），{other_from}为“{other}”"),
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
fn meta_from_name(unit: &Unit, format: &Format, report: &mut Report, findings: &mut Vec<Finding>) {
    let name = unit.name.trim();
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

/// Reads, merges and validates a unit, with last year's report when one is named.
pub fn check_unit(unit: &Unit, overrides: &Overrides, registry: &Registry) -> Result<Checked> {
    let (report, format, mut findings) = read_unit(unit, overrides, registry)?;
    let previous_path = overrides.previous.clone().or_else(|| {
        let p = unit.config.previous.as_ref()?;
        Some(
            unit.dir
                .as_ref()
                .map(|d| d.join(p))
                .unwrap_or_else(|| p.clone()),
        )
    });
    let previous = match previous_path {
        Some(path) => {
            let prev_unit = if path.is_dir() {
                Unit::from_dir(&path)?
            } else {
                Unit::from_paths(std::slice::from_ref(&path))?
            };
            let prev_overrides = Overrides {
                format: Some(format.id.clone()),
                ..Overrides::default()
            };
            let (prev, _, prev_findings) = read_unit(&prev_unit, &prev_overrides, registry)
                .with_context(|| format!("无法读取上年报告 {}", path.display()))?;
            if prev_findings.iter().any(|f| f.rule == "input.no_tables") {
                bail!(
                    "上年报告 {} 中没有读到统计表数值，无法进行跨年度核对",
                    path.display()
                );
            }
            if prev.meta.year != 0
                && report.meta.year != 0
                && prev.meta.year != report.meta.year - 1
            {
                findings.push(
                    Finding::warning(
                        "input.previous_year",
                        format!(
                            "作为上年报告给出的是 {} 年度报告，本报告为 {} 年度",
                            prev.meta.year, report.meta.year
                        ),
                    )
                    .at(Location::file(display_name(&path))),
                );
            }
            Some(prev)
        }
        None => None,
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
    Ok(Checked {
        report,
        format,
        findings,
        repetition: validated.repetition,
    })
}

/// The file name as shown in messages.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
