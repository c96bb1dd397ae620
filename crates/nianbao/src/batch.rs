//! `nianbao batch`: every unit of a folder checked and built in parallel; a summary workbook, a
//! findings JSON, and a one-screen summary. One unit's failure never stops the others, and the
//! results are the same bytes at any thread count (units are processed independently and
//! collected in name order).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use nianbao_model::validate::has_errors;
use nianbao_model::{Counts, Finding, ValueKey};
use rayon::prelude::*;
use rust_xlsxwriter::{Format as XlsxFormat, FormatAlign, FormatBorder, Workbook};
use serde::Serialize;

use crate::EXIT_FINDINGS;
use crate::commands::Context;
use crate::output::{
    AtomicFile, BATCH_LOG, BatchLog, EarlyFlush, Flush, JSON_SCHEMA, error_text, flush_written,
    output_file_name, write_atomic,
};
use nianbao_pipeline::{FileKind, Overrides, Unit, check_unit, classify};

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
    /// 上一年度各单位报告所在的文件夹（按单位名称对应），用于跨年度核对
    #[arg(long, value_name = "文件夹")]
    pub previous_dir: Option<PathBuf>,
    /// 有错误的单位也生成 DOCX
    #[arg(long)]
    pub allow_errors: bool,
    /// 覆盖输出文件夹中已存在的文件
    #[arg(long)]
    pub force: bool,
}

/// Key figures shown per unit in 汇总.xlsx: (column title, value key).
const KEY_FIGURES: [(&str, &str, &str); 7] = [
    ("本年新收", "new_received", "total"),
    ("上年结转", "carried_over", "total"),
    ("办结（总计）", "processed_total", "total"),
    ("结转下年度", "carried_forward", "total"),
    ("行政复议", "review", "total"),
    ("行政诉讼（直接起诉）", "litigation_direct", "total"),
    ("行政诉讼（复议后起诉）", "litigation_after_review", "total"),
];

#[derive(Debug, Clone, Serialize)]
struct UnitResult {
    name: String,
    org: String,
    year: i32,
    /// 通过 / 有警告 / 有错误 / 无法读取
    status: &'static str,
    counts: Counts,
    figures: BTreeMap<String, Option<String>>,
    findings: Vec<Finding>,
    /// Output file names, relative to the output folder.
    outputs: Vec<String>,
    /// Why the unit could not be read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
}

/// Finds the units of a batch folder, in name order.
fn discover_units(dir: &Path, output: &Path) -> Result<Vec<(String, Vec<PathBuf>)>> {
    // The output folder may sit inside the input folder; what nianbao wrote is never a unit.
    let output = std::fs::canonicalize(output).ok();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("无法读取文件夹 {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut units: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for path in entries {
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            // A batch output folder (this run's, or an earlier run's left inside the input
            // folder) is recognised by its summary files.
            let earlier_output = is_batch_output(&path);
            if earlier_output || (output.is_some() && std::fs::canonicalize(&path).ok() == output) {
                continue;
            }
            units.entry(name).or_default().push(path);
        } else if classify(&path).is_some() {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or(name);
            units.entry(stem).or_default().push(path);
        }
    }
    Ok(units.into_iter().collect())
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

fn previous_for(previous_dir: Option<&Path>, name: &str) -> Option<PathBuf> {
    let dir = previous_dir?;
    let folder = dir.join(name);
    if folder.is_dir() {
        return Some(folder);
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_stem().is_some_and(|s| s.to_string_lossy() == name) && classify(p).is_some()
        })
        .collect();
    candidates.sort();
    // A workbook holds the numbers most reliably; a published document also works.
    candidates.sort_by_key(|p| classify(p) != Some(FileKind::Workbook));
    candidates.into_iter().next()
}

/// The file stem of each unit's outputs: its cleaned name, made unique (`（2）`…) so that no two
/// units, and no unit and the summary files, write the same file. Decided before the parallel
/// step, in name order, so it does not depend on scheduling.
fn output_stems(units: &[(String, Vec<PathBuf>)]) -> Vec<String> {
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
            let mut stem = stem_of("");
            let mut n = 2;
            while !taken.insert(stem.clone()) {
                stem = stem_of(&format!("（{n}）"));
                n += 1;
            }
            stem
        })
        .collect()
}

const SUMMARY_STEM: &str = "汇总";
const FINDINGS_STEM: &str = "检查结果";

fn process_unit(
    ctx: &Context,
    args: &BatchArgs,
    log: &BatchLog,
    name: &str,
    stem: &str,
    paths: &[PathBuf],
) -> UnitResult {
    let failed = |msg: String| UnitResult {
        name: name.to_string(),
        org: String::new(),
        year: 0,
        status: "无法读取",
        counts: Counts {
            errors: 1,
            warnings: 0,
            infos: 0,
        },
        figures: BTreeMap::new(),
        findings: vec![Finding::error("batch.unit_failed", msg.clone())],
        outputs: Vec::new(),
        failure: Some(msg),
    };
    let attempt =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<UnitResult> {
            let mut unit = Unit::from_paths(paths)?;
            unit.previous = previous_for(args.previous_dir.as_deref(), name);
            let checked = check_unit(&unit, &Overrides::default(), &ctx.registry)?;
            let errors = has_errors(&checked.findings);
            // Both files are made before either is written, so a unit whose workbook cannot be
            // made leaves no DOCX behind.
            let mut files = Vec::new();
            if !errors || args.allow_errors {
                let docx =
                    nianbao_pipeline::render_docx(&checked, &mut nianbao_pipeline::no_clock)?;
                files.push((format!("{stem}.docx"), docx));
            }
            let xlsx = nianbao_pipeline::render_xlsx(&checked, &mut nianbao_pipeline::no_clock)?;
            files.push((format!("{stem}.xlsx"), xlsx));
            let mut outputs = Vec::new();
            for (file_name, bytes) in files {
                let path = args.output.join(&file_name);
                // What an interrupted run of this batch wrote is replaced like --force would.
                let force = args.force || log.wrote_earlier(&file_name);
                let mut file = AtomicFile::create(&path, force, &unit.input_files())?;
                file.write_all(&bytes)
                    .with_context(|| format!("写入 {} 失败", path.display()))?;
                log.record(&file_name)?;
                file.commit(Flush::Deferred)?;
                outputs.push(file_name);
            }
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
                    "有错误"
                } else if counts.warnings > 0 {
                    "有警告"
                } else {
                    "通过"
                },
                counts,
                figures,
                findings: checked.findings,
                outputs,
                failure: None,
            })
        }));
    match attempt {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => failed(error_text(&e)),
        Err(_) => failed(
            "处理该单位时发生内部错误（已跳过，其他单位不受影响），请将文件提供给维护人员"
                .to_string(),
        ),
    }
}

/// What a finished batch leaves: each unit's line of the summary, and where the result files are.
pub struct BatchOutcome {
    pub kept: Vec<Kept>,
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
    let outcome = run_batch(
        ctx,
        &args,
        Notes {
            note: &mut print,
            progress: std::io::stderr().is_terminal(),
        },
    )?;
    let BatchOutcome {
        kept,
        summary_path,
        findings_path,
    } = outcome;
    let count = |s: &str| kept.iter().filter(|k| k.status == s).count();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "共 {} 个单位：通过 {}，有警告 {}，有错误 {}，无法读取 {}",
        kept.len(),
        count("通过"),
        count("有警告"),
        count("有错误"),
        count("无法读取")
    )?;
    for k in kept.iter().filter(|k| k.errors > 0) {
        writeln!(
            out,
            "  {}（{}）：错误 {} 项，如 {}",
            k.name,
            k.status,
            k.errors,
            k.first_error.as_deref().unwrap_or_default()
        )?;
    }
    writeln!(out, "汇总表：{}", summary_path.display())?;
    writeln!(out, "检查结果：{}", findings_path.display())?;
    Ok(if kept.iter().any(|k| k.errors > 0) {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// Every unit of `args.dir` checked and built into `args.output`, with 汇总.xlsx and
/// 检查结果.json: the batch itself, shared by `nianbao batch` and `POST /api/batch`.
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
    let log = BatchLog::open(&args.output);
    if log.resumes() {
        note(
            "提示：上次对该输出文件夹的批量处理未完成，其已写出的文件将被替换（无需 --force）"
                .to_string(),
        );
    }
    let mut units = discover_units(&args.dir, &args.output)?;
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
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
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
    let summary_path = args.output.join(format!("{SUMMARY_STEM}.xlsx"));
    let findings_path = args.output.join(format!("{FINDINGS_STEM}.json"));
    let mut files = ResultFiles::create(&summary_path, &findings_path, args.force, &log)?;
    let mut early_flush = EarlyFlush::new(&args.output);
    // Units go through in chunks, in name order, and each result goes into the result files
    // as soon as its chunk is done: memory holds one chunk, not the whole batch.
    let mut kept: Vec<Kept> = Vec::with_capacity(units.len());
    let jobs: Vec<_> = units.iter().zip(&stems).collect();
    in_chunks(
        &pool,
        &jobs,
        CHUNK_UNITS,
        |((name, paths), stem)| {
            let r = process_unit(ctx, args, &log, name, stem, paths);
            progress.inc(1);
            r
        },
        |r| {
            files.add(&r)?;
            kept.push(Kept::of(r));
            Ok(())
        },
        // The chunk's files start on their way to disk while the next chunk is made.
        || early_flush.start(),
    )?;
    progress.finish_and_clear();
    files.finish()?;
    // The last chunk's flush overlapped the result files' finishing; the final one covers them.
    early_flush.wait();
    // Everything is on disk before the batch says it is done.
    let mut written: Vec<PathBuf> = kept
        .iter()
        .flat_map(|k| k.outputs.iter().map(|o| args.output.join(o)))
        .collect();
    written.push(summary_path.clone());
    written.push(findings_path.clone());
    flush_written(&args.output, &written)?;
    log.finish()?;

    Ok(BatchOutcome {
        kept,
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

/// What the batch keeps of a unit once its results are written: its line in the printed summary
/// and its output files.
pub struct Kept {
    pub name: String,
    pub status: &'static str,
    pub errors: usize,
    /// `[rule] message` of the first error.
    pub first_error: Option<String>,
    pub outputs: Vec<String>,
}

impl Kept {
    /// The strings kept are copied, not moved: they were made on a worker thread, and glibc
    /// serves each thread from its own arena, so a few bytes kept per unit until the end of the
    /// batch would pin pages all over that arena while every unit's megabytes come and go
    /// around them (peak memory grew from 18 to 37 MiB over 3,000 units).
    fn of(r: UnitResult) -> Kept {
        let first_error = r
            .findings
            .iter()
            .find(|f| f.severity == nianbao_model::Severity::Error)
            .map(|f| format!("[{}] {}", f.rule, f.message));
        Kept {
            name: r.name.as_str().to_owned(),
            status: r.status,
            errors: r.counts.errors,
            first_error,
            outputs: r.outputs.iter().map(|o| o.as_str().to_owned()).collect(),
        }
    }
}

/// The batch's result files, written unit by unit in name order: 汇总.xlsx (one row per unit on
/// 汇总, every finding with its unit on 问题清单; both sheets stream their rows to disk) and
/// 检查结果.json (`nianbao/1`: schema, tool, units). Neither holds more than the current unit.
struct ResultFiles {
    summary_path: PathBuf,
    force: bool,
    workbook: Workbook,
    cell: XlsxFormat,
    /// Next row of 汇总 and of 问题清单.
    summary_row: u32,
    issue_row: u32,
    json: std::io::BufWriter<AtomicFile>,
    units_written: usize,
}

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
            .set_text_wrap();
        let cell = XlsxFormat::new()
            .set_font_name("宋体")
            .set_border(FormatBorder::Thin);

        let sheet = workbook
            .add_worksheet_with_constant_memory()?
            .set_name("汇总")?;
        for (c, h) in summary_headers().iter().enumerate() {
            sheet.set_column_width(c as u16, if c < 2 { 28 } else { 11 })?;
            sheet.write_with_format(0, c as u16, h.as_str(), &head)?;
        }
        sheet.set_freeze_panes(1, 1)?;
        let issues = workbook
            .add_worksheet_with_constant_memory()?
            .set_name("问题清单")?;
        for (c, w) in [20, 6, 22, 60, 40, 12, 12, 40].iter().enumerate() {
            issues.set_column_width(c as u16, *w)?;
        }
        for (c, h) in ISSUE_HEADERS.iter().enumerate() {
            issues.write_with_format(0, c as u16, *h, &head)?;
        }
        issues.set_freeze_panes(1, 0)?;

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
            summary_row: 1,
            issue_row: 1,
            json,
            units_written: 0,
        })
    }

    fn add(&mut self, r: &UnitResult) -> Result<()> {
        let cell = &self.cell;
        let row = self.summary_row;
        let sheet = self.workbook.worksheet_from_index(SUMMARY_SHEET)?;
        // Texts are cut to what a cell holds: one unit's long text must not stop the batch.
        let fit = nianbao_excel::cell_text;
        sheet.write_with_format(row, 0, fit(&r.name).as_ref(), cell)?;
        sheet.write_with_format(row, 1, fit(&r.org).as_ref(), cell)?;
        sheet.write_with_format(row, 2, r.year, cell)?;
        sheet.write_with_format(row, 3, r.status, cell)?;
        sheet.write_with_format(row, 4, r.counts.errors as u32, cell)?;
        sheet.write_with_format(row, 5, r.counts.warnings as u32, cell)?;
        sheet.write_with_format(row, 6, r.counts.infos as u32, cell)?;
        for (j, (title, _, _)) in KEY_FIGURES.iter().enumerate() {
            let col = 7 + j as u16;
            match r
                .figures
                .get(*title)
                .cloned()
                .flatten()
                .and_then(|s| s.parse::<f64>().ok())
            {
                Some(n) => sheet.write_with_format(row, col, n, cell)?,
                None => sheet.write_with_format(row, col, "", cell)?,
            };
        }
        sheet.write_with_format(
            row,
            7 + KEY_FIGURES.len() as u16,
            r.outputs.join("\n"),
            cell,
        )?;
        self.summary_row += 1;

        let issues = self.workbook.worksheet_from_index(ISSUES_SHEET)?;
        for f in &r.findings {
            let locations: Vec<String> = f.locations.iter().map(|l| l.to_string()).collect();
            let values = [
                r.name.as_str(),
                f.severity.label(),
                f.rule.as_str(),
                f.message.as_str(),
                &locations.join("\n"),
                f.expected.as_deref().unwrap_or(""),
                f.found.as_deref().unwrap_or(""),
                f.hint.as_deref().unwrap_or(""),
            ];
            for (c, v) in values.iter().enumerate() {
                issues.write_with_format(self.issue_row, c as u16, fit(v).as_ref(), cell)?;
            }
            self.issue_row += 1;
        }

        // Pretty-printed as a member of the `units` array: serde_json's two-space indent, moved
        // in by four (a JSON string holds no raw line break, so lines are safe to indent).
        let unit = serde_json::to_string_pretty(r)?;
        self.json.write_all(if self.units_written == 0 {
            b"\n"
        } else {
            b",\n"
        })?;
        for (i, line) in unit.lines().enumerate() {
            if i > 0 {
                self.json.write_all(b"\n")?;
            }
            write!(self.json, "    {line}")?;
        }
        self.units_written += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        let last_row = self.summary_row.saturating_sub(1);
        let columns = summary_headers().len() as u16;
        self.workbook
            .worksheet_from_index(SUMMARY_SHEET)?
            .autofilter(0, 0, last_row, columns - 1)?;
        let bytes = self.workbook.save_to_buffer()?;
        write_atomic(&self.summary_path, &bytes, self.force, &[], Flush::Deferred)?;
        self.json.write_all(if self.units_written == 0 {
            b"]\n}"
        } else {
            b"\n  ]\n}"
        })?;
        let json = self
            .json
            .into_inner()
            .map_err(|e| anyhow::anyhow!("写入检查结果失败：{}", e.error()))?;
        json.commit(Flush::Deferred)
    }
}

/// Column titles of the 汇总 sheet.
fn summary_headers() -> Vec<String> {
    let mut headers: Vec<String> = ["单位", "机关名称", "年度", "状态", "错误", "警告", "提示"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    headers.extend(KEY_FIGURES.iter().map(|(t, _, _)| t.to_string()));
    headers.push("输出文件".into());
    headers
}

/// Column titles of the 问题清单 sheet.
const ISSUE_HEADERS: [&str; 8] = [
    "单位", "级别", "规则", "说明", "位置", "应为", "实为", "建议",
];

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
