//! `nianbao batch`: every unit of a folder checked and built in parallel; for each unit with
//! errors or warnings a 问题清单 to send back; a summary workbook, a findings JSON, and a one-screen
//! summary (`summary`), with the roster's view when `--roster` is given. One unit's failure
//! never stops the others, and the results are the same bytes at any thread count (units are
//! processed independently and collected in name order).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use nianbao_docx::ReferenceDocx;
use nianbao_model::validate::has_errors;
use nianbao_model::{Counts, Finding, Severity, ValueKey};
use rayon::prelude::*;
use rust_xlsxwriter::{Format as XlsxFormat, FormatAlign, FormatBorder, Workbook};
use serde::Serialize;

use crate::EXIT_FINDINGS;
use crate::commands::Context;
use crate::output::{
    AtomicFile, BATCH_LOG, BatchLog, EarlyFlush, Flush, JSON_SCHEMA, error_text, flush_written,
    output_file_name, write_atomic,
};
use crate::publish;
use crate::roster::Roster;
use crate::roster::name_key;
use crate::summary::{
    ERRORS, ISSUE_LIST_SUFFIX, KEY_FIGURES, PASSED, UNREADABLE, UnitRow, WARNINGS,
};
use crate::units::{NamedUnit, folder_entries, group_units};
use nianbao_pipeline::{Overrides, Unit, check_unit_choosing_previous, read_unit};

#[derive(Args, Debug, Default)]
pub struct BatchArgs {
    /// 各单位所在的文件夹：每个子文件夹是一个单位，或同名的统计表与文稿（如 卫东区.xlsx 和 卫东区.docx）
    #[arg(value_name = "文件夹")]
    pub dir: PathBuf,
    /// 输出文件夹
    #[arg(short = 'o', long = "output", value_name = "输出文件夹")]
    pub output: PathBuf,
    /// 并行线程数（默认为处理器核数；最多为核数的 4 倍，且不超过 256）
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// 上一年度各单位报告所在的文件夹（按单位名称或机关名称对应），用于跨年度核对
    #[arg(long, value_name = "文件夹")]
    pub previous_dir: Option<PathBuf>,
    /// 应报送单位名单（xlsx、csv 或 txt：“单位名称”一列，或每行一个单位），列出未报送和名单外的单位
    #[arg(long, value_name = "名单")]
    pub roster: Option<PathBuf>,
    /// 有错误的单位也生成 DOCX
    #[arg(long)]
    pub allow_errors: bool,
    /// 覆盖输出文件夹中已存在的文件
    #[arg(long)]
    pub force: bool,
    /// 统计表中留空的数值按 0 处理（默认按“未填写”处理）
    #[arg(long)]
    pub blank_as_zero: bool,
    /// 同时为每个单位生成 PDF（需要 LibreOffice；所有单位在一次 LibreOffice 运行中转换）
    #[arg(long)]
    pub pdf: bool,
    /// 本单位的 Word 模板，用于所有单位（否则用各单位 report.toml 中的 reference_docx）
    #[arg(long, value_name = "本单位模板.docx")]
    pub reference_docx: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
struct UnitResult {
    name: String,
    org: String,
    year: i32,
    /// 通过 / 有警告 / 有错误 / 无法读取
    status: &'static str,
    counts: Counts,
    figures: BTreeMap<String, Option<String>>,
    /// How much of the text repeats last year's (when last year's report was found).
    #[serde(skip_serializing_if = "Option::is_none")]
    repeated_text: Option<nianbao_model::repetition::Repetition>,
    findings: Vec<Finding>,
    /// Output file names, relative to the output folder.
    outputs: Vec<String>,
    /// Why the unit could not be read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
}

/// Finds the units of a batch folder, in name order ([`group_units`]). What nianbao wrote
/// (this run's output folder, an earlier run's left inside) and the roster are never units.
fn discover_units(dir: &Path, output: &Path, roster: Option<&Path>) -> Result<Vec<NamedUnit>> {
    let output = std::fs::canonicalize(output).ok();
    let roster = roster.and_then(|r| std::fs::canonicalize(r).ok());
    let entries =
        folder_entries(dir).with_context(|| format!("无法读取文件夹 {}", dir.display()))?;
    Ok(group_units(&entries, |path| {
        let resolved = || std::fs::canonicalize(path).ok();
        (path.is_dir() && (is_batch_output(path) || (output.is_some() && resolved() == output)))
            || (roster.is_some() && resolved() == roster)
    }))
}

/// Whether a folder is a batch's output: an earlier run's summary files, or the list of an
/// interrupted one.
fn is_batch_output(dir: &Path) -> bool {
    (dir.join(format!("{SUMMARY_STEM}.xlsx")).is_file()
        && dir.join(format!("{FINDINGS_STEM}.json")).is_file())
        || dir.join(BATCH_LOG).is_file()
}

/// The most threads a batch runs: more only wait on each other (and thousands cannot even be
/// created).
fn max_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_mul(4).min(256)
}

/// Last year's units (`--previous-dir`), named the one way ([`group_units`]), found for this
/// year's units by name first and then by the 机关名称 their files give.
#[derive(Default)]
struct PreviousUnits {
    units: Vec<NamedUnit>,
    by_name: BTreeMap<String, usize>,
    by_org: BTreeMap<String, usize>,
}

impl PreviousUnits {
    /// Finds last year's units; only those whose names match none of this year's are read for
    /// their 机关名称 (in parallel on `pool`), so a folder named like this year's costs nothing.
    fn find(
        dir: &Path,
        this_year: &[NamedUnit],
        ctx: &Context,
        pool: &rayon::ThreadPool,
    ) -> Result<PreviousUnits> {
        let entries = folder_entries(dir)
            .with_context(|| format!("无法读取上年报告所在的文件夹 {}", dir.display()))?;
        let units = group_units(&entries, |p| p.is_dir() && is_batch_output(p));
        let mut by_name = BTreeMap::new();
        for (i, (name, _)) in units.iter().enumerate() {
            by_name.entry(name_key(name)).or_insert(i);
        }
        let wanted: std::collections::BTreeSet<String> =
            this_year.iter().map(|(n, _)| name_key(n)).collect();
        let unclaimed: Vec<usize> = (0..units.len())
            .filter(|i| !wanted.contains(&name_key(&units[*i].0)))
            .collect();
        let orgs: Vec<(usize, String)> = pool.install(|| {
            unclaimed
                .par_iter()
                .filter_map(|&i| {
                    let unit = Unit::from_paths(&units[i].1).ok()?;
                    let (report, _, _) =
                        read_unit(&unit, &Overrides::default(), &ctx.registry).ok()?;
                    Some((i, name_key(&report.meta.org)))
                })
                .collect()
        });
        let mut by_org = BTreeMap::new();
        for (i, org) in orgs {
            if !org.is_empty() {
                by_org.entry(org).or_insert(i);
            }
        }
        Ok(PreviousUnits {
            units,
            by_name,
            by_org,
        })
    }

    /// The paths of last year's unit for this year's unit `name` whose report is `report`.
    fn for_unit(&self, name: &str, report: &nianbao_model::Report) -> Option<Vec<PathBuf>> {
        let i = self
            .by_name
            .get(&name_key(name))
            .or_else(|| self.by_org.get(&name_key(&report.meta.org)))?;
        self.units.get(*i).map(|(_, paths)| paths.clone())
    }
}

/// The file stem of each unit's outputs: its cleaned name, made unique (`（2）`…) so that no two
/// units, and no unit and the summary files, write the same file. Decided before the parallel
/// step, in name order, so it does not depend on scheduling.
fn output_stems(units: &[NamedUnit]) -> Vec<String> {
    let mut taken: std::collections::BTreeSet<String> = [SUMMARY_STEM, FINDINGS_STEM]
        .iter()
        .map(|s| s.to_string())
        .collect();
    units
        .iter()
        .map(|(name, _)| {
            // Stems are compared as the file names they become (cut to fit), so that two long
            // names that differ only past the cut still get different files.
            let stem_of = |suffix: &str| {
                let file = output_file_name(name, suffix, "xlsx");
                file.strip_suffix(".xlsx").unwrap_or(&file).to_string()
            };
            // The stem is free when its 问题清单 is too (a unit named `某局问题清单`).
            let free = |taken: &std::collections::BTreeSet<String>, stem: &String| {
                !taken.contains(stem) && !taken.contains(&issue_list_stem(stem))
            };
            let mut stem = stem_of("");
            let mut n = 2;
            while !free(&taken, &stem) {
                stem = stem_of(&format!("（{n}）"));
                n += 1;
            }
            taken.insert(issue_list_stem(&stem));
            taken.insert(stem.clone());
            stem
        })
        .collect()
}

fn issue_list_stem(stem: &str) -> String {
    format!("{stem}{}", ISSUE_LIST_SUFFIX.trim_end_matches(".xlsx"))
}

const SUMMARY_STEM: &str = "汇总";
const FINDINGS_STEM: &str = "检查结果";

/// What every unit of a batch shares besides the command line.
struct Shared<'a> {
    /// The office's Word template given on the command line, read once for all units.
    reference: Option<&'a Arc<ReferenceDocx>>,
    log: &'a BatchLog,
    previous: &'a PreviousUnits,
}

fn process_unit(
    ctx: &Context,
    args: &BatchArgs,
    shared: &Shared,
    name: &str,
    stem: &str,
    paths: &[PathBuf],
) -> UnitResult {
    let (shared_reference, log, previous) = (shared.reference, shared.log, shared.previous);
    let failed = |msg: String| UnitResult {
        name: name.to_string(),
        org: String::new(),
        year: 0,
        status: UNREADABLE,
        counts: Counts {
            errors: 1,
            warnings: 0,
            infos: 0,
        },
        figures: BTreeMap::new(),
        repeated_text: None,
        findings: vec![
            Finding::error("batch.unit_failed", msg.clone())
                .hint("请改正或重新导出该文件后再报送。"),
        ],
        outputs: Vec::new(),
        failure: Some(msg),
    };
    let attempt =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<UnitResult> {
            let unit = Unit::from_paths(paths)?;
            let checked = check_unit_choosing_previous(
                &unit,
                &Overrides {
                    blank_as_zero: args.blank_as_zero,
                    ..Overrides::default()
                },
                &ctx.registry,
                &|report| previous.for_unit(name, report),
            )?;
            let errors = has_errors(&checked.findings);
            let unit_reference = publish::reference_path(args.reference_docx.as_deref(), &unit);
            // The template is an input too: never written over.
            let inputs: Vec<PathBuf> = unit
                .input_files()
                .into_iter()
                .chain(unit_reference.clone())
                .collect();
            // Both files are made before either is written, so a unit whose workbook cannot be
            // made leaves no DOCX behind.
            let mut files = Vec::new();
            if !errors || args.allow_errors {
                // The command line's template for every unit, else the unit's own.
                let reference = match shared_reference {
                    Some(shared) => Some(Arc::clone(shared)),
                    None => unit_reference
                        .as_deref()
                        .map(publish::load_reference)
                        .transpose()?,
                };
                let docx = nianbao_pipeline::render_docx_with(
                    &checked,
                    &publish::docx_options(reference),
                    &mut nianbao_pipeline::no_clock,
                )?;
                files.push((format!("{stem}.docx"), docx));
            }
            let xlsx = nianbao_pipeline::render_xlsx(&checked, &mut nianbao_pipeline::no_clock)?;
            files.push((format!("{stem}.xlsx"), xlsx));
            // Feedback for a unit with something to correct or verify; notes alone (提示) need
            // no answer, and are listed in the 问题清单 of the units that get one.
            if checked
                .findings
                .iter()
                .any(|f| f.severity != Severity::Info)
            {
                let title = format!("{}问题清单", checked.report.title(&checked.format));
                let list = nianbao_excel::write_findings_workbook(&title, &checked.findings)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                files.push((format!("{stem}{ISSUE_LIST_SUFFIX}"), list));
            }
            let outputs = write_unit_files(args, log, files, &inputs)?;
            let counts = Counts::of(&checked.findings);
            let figures = KEY_FIGURES
                .iter()
                .map(|(title, row, field)| {
                    let v = checked
                        .report
                        .number(&ValueKey::new(row, field))
                        .map(|n| n.to_string());
                    (title.to_string(), v)
                })
                .collect();
            Ok(UnitResult {
                name: name.to_string(),
                org: checked.report.meta.org.clone(),
                year: checked.report.meta.year,
                status: if counts.errors > 0 {
                    ERRORS
                } else if counts.warnings > 0 {
                    WARNINGS
                } else {
                    PASSED
                },
                counts,
                figures,
                repeated_text: checked.repetition,
                findings: checked.findings,
                outputs,
                failure: None,
            })
        }));
    let mut unreadable = match attempt {
        Ok(Ok(r)) => return r,
        Ok(Err(e)) => failed(error_text(&e)),
        Err(_) => failed(
            "处理该单位时发生内部错误（已跳过，其他单位不受影响），请将文件提供给维护人员"
                .to_string(),
        ),
    };
    // The unit is told why its files could not be read, like any other finding.
    let list =
        nianbao_excel::write_findings_workbook(&format!("{name}问题清单"), &unreadable.findings)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .and_then(|bytes| {
                write_unit_files(
                    args,
                    log,
                    vec![(format!("{stem}{ISSUE_LIST_SUFFIX}"), bytes)],
                    paths,
                )
            });
    match list {
        Ok(outputs) => unreadable.outputs = outputs,
        Err(e) => unreadable
            .findings
            .push(Finding::error("batch.unit_failed", error_text(&e))),
    }
    unreadable
}

/// Writes a unit's files into the output folder (each listed in the batch log first) and
/// returns their names.
fn write_unit_files(
    args: &BatchArgs,
    log: &BatchLog,
    files: Vec<(String, Vec<u8>)>,
    inputs: &[PathBuf],
) -> Result<Vec<String>> {
    let mut outputs = Vec::new();
    for (file_name, bytes) in files {
        write_output(args, log, &file_name, &bytes, inputs)?;
        outputs.push(file_name);
    }
    Ok(outputs)
}

/// One file of the batch into the output folder, listed in the batch log before it is
/// committed; never over an input.
fn write_output(
    args: &BatchArgs,
    log: &BatchLog,
    file_name: &str,
    bytes: &[u8],
    inputs: &[PathBuf],
) -> Result<()> {
    let path = args.output.join(file_name);
    // What an interrupted run of this batch wrote is replaced like --force would.
    let force = args.force || log.wrote_earlier(file_name);
    let mut file = AtomicFile::create(&path, force, inputs)?;
    file.write_all(bytes)
        .with_context(|| format!("写入 {} 失败", path.display()))?;
    log.record(file_name)?;
    file.commit(Flush::Deferred)
}

/// What a finished batch leaves: each unit's row of the summary, the roster view, and where the
/// result files are.
pub struct BatchOutcome {
    pub rows: Vec<UnitRow>,
    pub view: crate::summary::RosterView,
    pub summary_path: PathBuf,
    pub findings_path: PathBuf,
}

/// How a batch tells its notes (a resumed run, stale temporaries, duplicate units, the thread
/// limit): the command line prints them; the server, which must not log what was uploaded,
/// drops them.
pub struct Notes<'a> {
    pub note: &'a mut dyn FnMut(String),
    /// A progress bar on the terminal.
    pub progress: bool,
}

pub fn batch(ctx: &Context, args: BatchArgs) -> Result<u8> {
    let mut print = |note: String| eprintln!("{note}");
    let BatchOutcome {
        rows,
        view,
        summary_path,
        findings_path,
    } = run_batch(
        ctx,
        &args,
        Notes {
            note: &mut print,
            progress: std::io::stderr().is_terminal(),
        },
    )?;
    let mut out = std::io::stdout().lock();
    crate::summary::print_summary(
        &mut out,
        &rows,
        &view,
        &summary_path,
        &findings_path,
        &args.output,
    )?;
    Ok(if rows.iter().any(|k| k.counts.errors > 0) {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// Every unit of `args.dir` checked and built into `args.output`, with 汇总.xlsx, 检查结果.json
/// and each unit's 问题清单: the batch itself, shared by `nianbao batch` and `POST /api/batch`.
pub fn run_batch(ctx: &Context, args: &BatchArgs, notes: Notes) -> Result<BatchOutcome> {
    let Notes { note, progress } = notes;
    if !args.dir.is_dir() {
        bail!("{} 不是文件夹", args.dir.display());
    }
    // Before anything is written: outputs must not land among the inputs.
    crate::overlap::check_batch_output(&args.dir, &args.output, is_batch_output)?;
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("无法创建输出文件夹 {}", args.output.display()))?;
    let removed = crate::output::remove_stale_temporaries(&args.output);
    if removed > 0 {
        note(format!(
            "提示：已删除输出文件夹中上次中断时留下的 {removed} 个临时文件"
        ));
    }
    let shared_reference = args
        .reference_docx
        .as_deref()
        .map(publish::load_reference)
        .transpose()?;
    let log = BatchLog::open(&args.output);
    if log.resumes() {
        note(
            "提示：上次对该输出文件夹的批量处理未完成，其已写出的文件将被替换（无需 --force）"
                .to_string(),
        );
    }
    // The roster is read before anything is processed: a roster that cannot be read stops the
    // batch at once rather than after an hour of work.
    let roster = match &args.roster {
        Some(path) => Some(Roster::read(path)?),
        None => None,
    };
    let mut units = discover_units(&args.dir, &args.output, args.roster.as_deref())?;
    // The same files reached twice (a link to a unit's folder) are one unit, kept under its own
    // name rather than the link's; then back in name order.
    units.sort_by_key(|(_, paths)| paths.iter().any(|p| p.is_symlink()));
    let (mut units, repeated) =
        crate::overlap::first_of_each(units, |(_, paths)| crate::overlap::identity(paths));
    for ((name, _), first) in &repeated {
        note(format!(
            "警告：[batch.duplicate_unit] 单位“{name}”与“{}”是同一组文件，只处理一次",
            units.get(*first).map_or("", |(n, _)| n.as_str())
        ));
    }
    units.sort_by(|a, b| a.0.cmp(&b.0));
    let stems = output_stems(&units);
    let progress = if progress {
        let bar = indicatif::ProgressBar::new(units.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "正在检查各单位 {bar:30} 已完成 {pos}/{len} 个单位",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(j) = args.jobs {
        let max = max_jobs();
        if j > max {
            note(format!(
                "提示：--jobs {j} 超过上限，按 {max} 个线程运行（上限为处理器核数的 4 倍，且不超过 256）"
            ));
        }
        pool = pool.num_threads(j.clamp(1, max));
    }
    let pool = pool.build().context("无法创建线程池")?;
    let previous = match &args.previous_dir {
        Some(dir) => PreviousUnits::find(dir, &units, ctx, &pool)?,
        None => PreviousUnits::default(),
    };
    let summary_path = args.output.join(format!("{SUMMARY_STEM}.xlsx"));
    let findings_path = args.output.join(format!("{FINDINGS_STEM}.json"));
    let mut files = ResultFiles::create(&summary_path, &findings_path, args.force, &log)?;
    let mut early_flush = EarlyFlush::new(&args.output);
    // Units go through in chunks, in name order, and each result goes into the result files
    // as soon as its chunk is done: memory holds one chunk, not the whole batch.
    let mut rows: Vec<UnitRow> = Vec::with_capacity(units.len());
    let jobs: Vec<_> = units.iter().zip(&stems).collect();
    let shared = Shared {
        reference: shared_reference.as_ref(),
        log: &log,
        previous: &previous,
    };
    in_chunks(
        &pool,
        &jobs,
        CHUNK_UNITS,
        |((name, paths), stem)| {
            let r = process_unit(ctx, args, &shared, name, stem, paths);
            progress.inc(1);
            r
        },
        |r| {
            files.add(&r)?;
            rows.push(kept_row(r));
            Ok(())
        },
        // The chunk's files start on their way to disk while the next chunk is made.
        || early_flush.start(),
    )?;
    progress.finish_and_clear();
    let view = crate::summary::roster_view(
        roster.as_ref().zip(args.roster.as_deref()),
        &crate::summary::names_and_orgs(&rows),
    );
    files.finish(&rows, &view)?;
    // The last chunk's flush overlapped the result files' finishing; the final one covers them.
    early_flush.wait();
    // Everything is on disk before the batch says it is done.
    let mut written: Vec<PathBuf> = rows
        .iter()
        .flat_map(|k| k.outputs.iter().map(|o| args.output.join(o)))
        .collect();
    if args.pdf {
        // Every unit's PDF in one LibreOffice run.
        let docx: Vec<PathBuf> = written
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "docx"))
            .cloned()
            .collect();
        let inputs: Vec<PathBuf> = args.reference_docx.iter().cloned().collect();
        // Each PDF lands beside its DOCX, in the output folder.
        let outcome = publish::make_pdfs(&docx, |pdf, bytes| {
            let name = pdf
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            write_output(args, &log, &name, bytes, &inputs)
        })?;
        match outcome {
            publish::PdfOutcome::Written(pdfs) => written.extend(pdfs),
            publish::PdfOutcome::NoLibreOffice => {
                note(publish::no_libreoffice_message().to_string())
            }
        }
    }
    written.push(summary_path.clone());
    written.push(findings_path.clone());
    flush_written(&args.output, &written)?;
    log.finish()?;

    Ok(BatchOutcome {
        rows,
        view,
        summary_path,
        findings_path,
    })
}

/// Units processed together before their results are written out: enough for the threads to
/// share the work evenly, few enough that a chunk's results take little memory.
const CHUNK_UNITS: usize = 128;

/// Runs `work` on every item on the pool, `chunk` items at a time, and hands the results to
/// `sink` in the items' order as each chunk finishes, then calls `chunk_done`. The order of
/// results never depends on the number of threads; memory holds one chunk's results.
fn in_chunks<T: Sync, R: Send>(
    pool: &rayon::ThreadPool,
    items: &[T],
    chunk: usize,
    work: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(R) -> Result<()>,
    mut chunk_done: impl FnMut(),
) -> Result<()> {
    for part in items.chunks(chunk.max(1)) {
        let results: Vec<R> = pool.install(|| part.par_iter().map(&work).collect());
        for r in results {
            sink(r)?;
        }
        chunk_done();
    }
    Ok(())
}

/// What the batch keeps of a unit once its results are written: its row of the summary.
///
/// The strings kept are copied, not moved: they were made on a worker thread, and glibc serves
/// each thread from its own arena, so a few bytes kept per unit until the end of the batch would
/// pin pages all over that arena while every unit's megabytes come and go around them (peak
/// memory grew from 18 to 37 MiB over 3,000 units).
fn kept_row(r: UnitResult) -> UnitRow {
    let first = |severity: Severity| {
        r.findings
            .iter()
            .find(|f| f.severity == severity)
            .map(|f| format!("[{}] {}", f.rule, f.message))
    };
    UnitRow {
        name: r.name.as_str().to_owned(),
        org: r.org.as_str().to_owned(),
        year: r.year,
        status: r.status,
        counts: r.counts,
        figures: KEY_FIGURES
            .iter()
            .map(|(title, _, _)| {
                r.figures
                    .get(*title)
                    .cloned()
                    .flatten()
                    .and_then(|s| s.parse::<f64>().ok())
            })
            .collect(),
        repeated_percent: r.repeated_text.as_ref().map(|m| m.percent),
        first_error: first(Severity::Error),
        first_warning: first(Severity::Warning),
        outputs: r.outputs.iter().map(|o| o.as_str().to_owned()).collect(),
    }
}

/// The batch's result files, written unit by unit in name order: 汇总.xlsx (every finding with
/// its unit on 问题清单, streamed to disk as units finish; the 汇总 sheet of one row per unit and
/// the chart sheet at the end, from the rows kept) and 检查结果.json (`nianbao/1`: schema,
/// tool, units as they finish, then `summary` and the batch's own `findings`).
struct ResultFiles {
    summary_path: PathBuf,
    force: bool,
    workbook: Workbook,
    cell: XlsxFormat,
    /// Next row of 问题清单.
    issue_row: u32,
    json: std::io::BufWriter<AtomicFile>,
    units_written: usize,
}

/// Width of the unit column of 问题清单 in 汇总.xlsx.
const UNIT_COLUMN_WIDTH: f64 = 16.0;

/// Sheets of 汇总.xlsx.
const SUMMARY_SHEET: usize = 0;
const ISSUES_SHEET: usize = 1;

impl ResultFiles {
    fn create(
        summary_path: &Path,
        findings_path: &Path,
        force: bool,
        log: &BatchLog,
    ) -> Result<ResultFiles> {
        let earlier = |p: &Path| log.wrote_earlier(&nianbao_pipeline::display_name(p));
        let force_summary = force || earlier(summary_path);
        let force_findings = force || earlier(findings_path);
        if summary_path.exists() && !force_summary {
            bail!("{} 已存在；如需覆盖，请加 --force", summary_path.display());
        }
        // Listed now: both are put in place at the end, and an interruption after that must
        // leave them replaceable.
        log.record(&nianbao_pipeline::display_name(summary_path))?;
        log.record(&nianbao_pipeline::display_name(findings_path))?;
        let mut workbook = Workbook::new();
        let mut props =
            rust_xlsxwriter::DocProperties::new().set_title("政府信息公开工作年度报告汇总");
        if let Ok(dt) = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1) {
            props = props.set_creation_datetime(&dt);
        }
        workbook.set_properties(&props);
        let head = XlsxFormat::new()
            .set_bold()
            .set_font_name("宋体")
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_text_wrap()
            .set_background_color(rust_xlsxwriter::Color::RGB(0xEEEEEE));
        let cell = XlsxFormat::new()
            .set_font_name("宋体")
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top)
            .set_text_wrap();

        // Written at the end (`finish`), first in the workbook.
        workbook
            .add_worksheet_with_constant_memory()?
            .set_name("汇总")?;
        let issues = workbook
            .add_worksheet_with_constant_memory()?
            .set_name("问题清单")?;
        // The unit, then the columns of every findings row (nianbao_excel::finding_row).
        issues.set_column_width(0, UNIT_COLUMN_WIDTH)?;
        issues.write_with_format(0, 0, "单位", &head)?;
        for (c, (h, w)) in nianbao_excel::FINDING_HEADERS
            .iter()
            .zip(nianbao_excel::FINDING_WIDTHS)
            .enumerate()
        {
            issues.set_column_width(1 + c as u16, w)?;
            issues.write_with_format(0, 1 + c as u16, *h, &head)?;
        }
        issues.set_freeze_panes(1, 1)?;
        issues.set_paper_size(9);
        issues.set_landscape();
        issues.set_print_fit_to_pages(1, 0);
        issues.set_repeat_rows(0, 0)?;
        issues.set_footer("&C第 &P 页，共 &N 页");

        let mut json =
            std::io::BufWriter::new(AtomicFile::create(findings_path, force_findings, &[])?);
        write!(
            json,
            "{{\n  \"schema\": {},\n  \"tool\": {{\n    \"name\": \"nianbao\",\n    \"version\": {}\n  }},\n  \"units\": [",
            serde_json::to_string(JSON_SCHEMA)?,
            serde_json::to_string(env!("CARGO_PKG_VERSION"))?
        )?;
        Ok(ResultFiles {
            summary_path: summary_path.to_path_buf(),
            force: force_summary,
            workbook,
            cell,
            issue_row: 1,
            json,
            units_written: 0,
        })
    }

    fn add(&mut self, r: &UnitResult) -> Result<()> {
        let cell = &self.cell;
        let issues = self.workbook.worksheet_from_index(ISSUES_SHEET)?;
        // Texts are cut to what a cell holds: one unit's long text must not stop the batch.
        let unit = nianbao_excel::cell_text(&r.name);
        for f in &r.findings {
            let texts = nianbao_excel::finding_row(f);
            let sized: Vec<(&str, f64)> = std::iter::once((unit.as_ref(), UNIT_COLUMN_WIDTH))
                .chain(
                    texts
                        .iter()
                        .map(String::as_str)
                        .zip(nianbao_excel::FINDING_WIDTHS),
                )
                .collect();
            issues.set_row_height(self.issue_row, nianbao_excel::wrapped_row_height(&sized))?;
            issues.write_with_format(self.issue_row, 0, unit.as_ref(), cell)?;
            for (c, text) in texts.iter().enumerate() {
                issues.write_with_format(self.issue_row, 1 + c as u16, text.as_str(), cell)?;
            }
            self.issue_row += 1;
        }

        let unit = serde_json::to_string_pretty(r)?;
        self.json.write_all(if self.units_written == 0 {
            b"\n"
        } else {
            b",\n"
        })?;
        self.write_member(&unit)?;
        self.units_written += 1;
        Ok(())
    }

    /// Writes a pretty-printed value as a member of a top-level array or object: serde_json's
    /// two-space indent, moved in by four (a JSON string holds no raw line break, so lines are
    /// safe to indent).
    fn write_member(&mut self, pretty: &str) -> Result<()> {
        for (i, line) in pretty.lines().enumerate() {
            if i > 0 {
                self.json.write_all(b"\n")?;
            }
            write!(self.json, "    {line}")?;
        }
        Ok(())
    }

    fn finish(mut self, rows: &[UnitRow], view: &crate::summary::RosterView) -> Result<()> {
        let last_issue_row = self.issue_row.saturating_sub(1);
        self.workbook
            .worksheet_from_index(ISSUES_SHEET)?
            .autofilter(
                0,
                0,
                last_issue_row,
                nianbao_excel::FINDING_HEADERS.len() as u16,
            )?;
        crate::summary::write_summary_sheet(&mut self.workbook, SUMMARY_SHEET, rows, view)?;
        let bytes = self.workbook.save_to_buffer()?;
        write_atomic(&self.summary_path, &bytes, self.force, &[], Flush::Deferred)?;
        self.json.write_all(if self.units_written == 0 {
            b"]"
        } else {
            b"\n  ]"
        })?;
        // The summary and the batch's own findings, as members of the top-level object (two
        // spaces in, so their own indent is moved by two, not four).
        for (key, value) in [
            ("summary", crate::summary::summary_json(rows, view)),
            (
                "findings",
                serde_json::to_value(view.findings(&crate::summary::names_and_orgs(rows)))?,
            ),
        ] {
            write!(self.json, ",\n  {}: ", serde_json::to_string(key)?)?;
            let pretty = serde_json::to_string_pretty(&value)?;
            for (i, line) in pretty.lines().enumerate() {
                if i > 0 {
                    write!(self.json, "\n  ")?;
                }
                self.json.write_all(line.as_bytes())?;
            }
        }
        self.json.write_all(b"\n}")?;
        let json = self
            .json
            .into_inner()
            .map_err(|e| anyhow::anyhow!("写入检查结果失败：{}", e.error()))?;
        json.commit(Flush::Deferred)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn chunks_stream_results_in_order() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let items: Vec<usize> = (0..10).collect();
        let done = AtomicUsize::new(0);
        let mut seen = Vec::new();
        let mut done_when_seen = Vec::new();
        let mut chunks_done = Vec::new();
        in_chunks(
            &pool,
            &items,
            3,
            |i| {
                done.fetch_add(1, Ordering::SeqCst);
                i * 10
            },
            |r| {
                seen.push(r);
                done_when_seen.push(done.load(Ordering::SeqCst));
                Ok(())
            },
            || chunks_done.push(done.load(Ordering::SeqCst)),
        )
        .unwrap();
        assert_eq!(seen, (0..10).map(|i| i * 10).collect::<Vec<_>>());
        // Each result is handed on when its own chunk is done, before later chunks start.
        assert_eq!(done_when_seen, [3, 3, 3, 6, 6, 6, 9, 9, 9, 10]);
        // `chunk_done` follows each chunk's results.
        assert_eq!(chunks_done, [3, 6, 9, 10]);
        // A failing sink stops the run.
        let err = in_chunks(
            &pool,
            &items,
            4,
            |i| *i,
            |r| {
                if r == 5 {
                    anyhow::bail!("stop")
                }
                Ok(())
            },
            || {},
        );
        assert!(err.is_err());
    }
}
