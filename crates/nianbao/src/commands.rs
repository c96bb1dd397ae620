//! The single-report commands: `init`, `check`, `build`, `sum`, `formats`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use nianbao_model::validate::has_errors;
use nianbao_model::{AdminLevel, Finding, Format, Location, Metadata, Report, Severity, ValueKey};
use nianbao_plugins::Registry;

use crate::EXIT_FINDINGS;
use crate::output::{Flush, Lang, check_json, output_path, print_findings, write_atomic};
use nianbao_pipeline::{
    CONFIG_FILE, Overrides, ReportConfig, Unit, check_unit, display_name, read_unit,
};

/// What every command shares.
pub struct Context {
    pub registry: Registry,
    /// Plugins that could not be loaded (printed at start; part of `--json` findings).
    pub plugin_problems: Vec<nianbao_plugins::LoadProblem>,
    pub lang: Lang,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// 新建的报告文件夹（默认为当前文件夹下以机关名称命名的文件夹）
    #[arg(value_name = "目录")]
    dir: Option<PathBuf>,
    /// 机关名称
    #[arg(long = "org", visible_alias = "机关", value_name = "机关名称")]
    org: String,
    /// 报告年度（如 2024）
    #[arg(long, visible_alias = "年度", value_name = "年度")]
    year: i32,
    /// 行政级别：省级、市级、县级、乡镇、部门
    #[arg(long, value_name = "级别")]
    level: Option<String>,
    /// 报告格式（默认全国通用格式 national-2021；地区格式见 nianbao formats）
    #[arg(long, value_name = "格式")]
    format: Option<String>,
    /// 文件夹已有文件时仍然写入（会覆盖同名文件）
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// 报告文件夹，或统计表、文稿、已发布报告等文件
    #[arg(value_name = "输入", required = true)]
    pub inputs: Vec<PathBuf>,
    /// 上一年度报告（文件夹、xlsx、docx、html 或 txt），用于跨年度核对
    #[arg(long, value_name = "上年报告")]
    pub previous: Option<PathBuf>,
    /// 机关名称（文件中没有或需要更正时）
    #[arg(long, value_name = "机关名称")]
    pub org: Option<String>,
    /// 报告年度（文件中没有或需要更正时）
    #[arg(long, value_name = "年度")]
    pub year: Option<i32>,
    /// 报告格式 id（覆盖 report.toml 中的 format）
    #[arg(long, value_name = "格式")]
    pub format: Option<String>,
    /// 以 JSON 输出（供其他系统读取；结构见 README “JSON 输出”）
    #[arg(long)]
    pub json: bool,
}

impl InputArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            org: self.org.clone(),
            year: self.year,
            format: self.format.clone(),
            ..Overrides::default()
        }
    }

    /// The unit the inputs name, with the `--previous` report.
    pub fn unit(&self) -> Result<Unit> {
        let mut unit = Unit::from_paths(&self.inputs)?;
        unit.previous = self.previous.clone();
        Ok(unit)
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    input: InputArgs,
    /// 输出的 DOCX 文件（默认：报告文件夹中以报告标题命名）
    #[arg(short = 'o', long = "output", value_name = "报告.docx")]
    output: Option<PathBuf>,
    /// 同时输出统计表 XLSX（不给路径时与 DOCX 同名）
    #[arg(long, value_name = "统计表.xlsx", num_args = 0..=1)]
    xlsx: Option<Option<PathBuf>>,
    /// 有错误时仍然生成（默认有错误不生成；警告从不阻止生成）
    #[arg(long)]
    allow_errors: bool,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
pub struct SumArgs {
    /// 要汇总的各单位（报告文件夹或统计表文件）
    #[arg(value_name = "单位", required = true)]
    units: Vec<PathBuf>,
    /// 输出的汇总统计表 XLSX
    #[arg(short = 'o', long = "output", value_name = "汇总.xlsx")]
    output: PathBuf,
    /// 汇总报告的机关名称
    #[arg(long, value_name = "机关名称", default_value = "汇总")]
    org: String,
    /// 报告年度（默认取各单位的年度）
    #[arg(long, value_name = "年度")]
    year: Option<i32>,
    /// 上级（本级政府）报告：核对其数值是否等于各单位之和
    #[arg(long, value_name = "报告")]
    parent: Option<PathBuf>,
    /// 以 JSON 输出汇总结果
    #[arg(long)]
    json: bool,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    force: bool,
}

pub fn init(ctx: &Context, args: InitArgs) -> Result<u8> {
    let format_id = args
        .format
        .clone()
        .unwrap_or_else(|| nianbao_model::NATIONAL_2021.to_string());
    let format = ctx
        .registry
        .format(&format_id)
        .with_context(|| format!("未找到格式“{format_id}”，用 nianbao formats 查看可用格式"))?;
    let level = match &args.level {
        Some(l) => Some(AdminLevel::parse(l).with_context(|| {
            format!("行政级别“{l}”无法识别，可填：省级、市级、县级、乡镇、部门")
        })?),
        None => None,
    };
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::output::sanitize_file_name(&args.org)));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
        && !args.force
    {
        bail!(
            "文件夹 {} 已存在且不为空；如需在其中生成，请加 --force",
            dir.display()
        );
    }
    let meta = Metadata {
        org: args.org.trim().to_string(),
        year: args.year,
        format: format.id.clone(),
        level,
        ..Metadata::default()
    };
    let config = ReportConfig {
        org: Some(meta.org.clone()),
        year: Some(meta.year),
        level: level.map(|l| l.label().trim_end_matches("（街道）").to_string()),
        format: Some(format.id.clone()),
        workbook: Some("统计表.xlsx".into()),
        draft: Some("草稿.docx".into()),
        ..ReportConfig::default()
    };
    let files: Vec<(&str, Vec<u8>)> = vec![
        (CONFIG_FILE, config.to_commented_toml()?.into_bytes()),
        (
            "统计表.xlsx",
            nianbao_excel::write_template(format, &meta).map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        (
            "草稿.docx",
            nianbao_docx::write_draft_skeleton(format, &meta)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        ("草稿.md", markdown_skeleton(format, &meta).into_bytes()),
    ];
    for (name, bytes) in &files {
        write_atomic(&dir.join(name), bytes, args.force, &[], Flush::Each)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "已新建报告文件夹 {}：", dir.display())?;
    for (name, _) in &files {
        writeln!(out, "  {name}")?;
    }
    writeln!(
        out,
        "\n下一步：\n  1. 在 统计表.xlsx 中填写表二至表四（没有发生的填 0）；\n  2. 在 草稿.docx（或 草稿.md）中撰写第一、五、六部分，可用 {{{{ new_received.total }}}} 等占位符引用表格数字；\n  3. 运行 nianbao check {} 检查，nianbao build {} 生成报告。",
        dir.display(),
        dir.display()
    )?;
    Ok(0)
}

/// The Markdown draft skeleton: the title, the six headings, each part's skeleton text and items.
fn markdown_skeleton(format: &Format, meta: &Metadata) -> String {
    // Strict: a line naming a table value keeps its placeholder (it is rendered when the draft
    // is checked, once the workbook is filled), instead of printing an empty string.
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let ctx = Report {
        meta: meta.clone(),
        ..Report::default()
    }
    .metadata_context();
    let render = |t: &str| env.render_str(t, &ctx).unwrap_or_else(|_| t.to_string());
    let mut md = format!("# {}\n\n", format.title(&meta.org, meta.year));
    md.push_str("<!-- 第二、三、四部分的表格由统计表生成，无需在此填写。正文中可用 {{ new_received.total }} 等占位符引用表格数字，名称见 README。 -->\n\n");
    for part in &format.parts {
        md.push_str(&format!("## {}\n\n", part.full_heading()));
        if part.table.is_some() {
            md.push_str("（本部分表格由统计表生成。）\n\n");
            continue;
        }
        for line in &part.skeleton {
            md.push_str(&render(line));
            md.push_str("\n\n");
        }
        for (i, item) in part.items.iter().enumerate() {
            md.push_str(&format!(
                "（{}）{}\n\n",
                nianbao_model::format::chinese_numeral(i + 1),
                item.heading_for(&ctx)
            ));
            if !item.skeleton.is_empty() {
                md.push_str(&render(&item.skeleton));
                md.push_str("\n\n");
            }
        }
    }
    md
}

/// The `--json` document of `check`, `build` and `sum` (and of `POST /api/check`): the plugins
/// that could not be loaded come first among the findings.
pub fn json_document(
    ctx: &Context,
    format: &Format,
    report: &Report,
    findings: &[Finding],
    outputs: &[PathBuf],
) -> serde_json::Value {
    let mut all: Vec<Finding> = ctx.plugin_problems.iter().map(|p| p.to_finding()).collect();
    all.extend(findings.iter().cloned());
    check_json(format, report, &all, outputs)
}

fn print_or_json(
    ctx: &Context,
    format: &Format,
    report: &Report,
    findings: &[Finding],
    json: bool,
    outputs: &[PathBuf],
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let doc = json_document(ctx, format, report, findings, outputs);
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        let title = if report.meta.org.is_empty() {
            "（未填写机关名称）".to_string()
        } else {
            report.title(format)
        };
        print_findings(&mut out, &title, format, findings, ctx.lang)?;
    }
    Ok(())
}

pub fn check(ctx: &Context, args: CheckArgs) -> Result<u8> {
    let unit = args.input.unit()?;
    let checked = check_unit(&unit, &args.input.overrides(), &ctx.registry)?;
    print_or_json(
        ctx,
        &checked.format,
        &checked.report,
        &checked.findings,
        args.input.json,
        &[],
    )?;
    Ok(if has_errors(&checked.findings) {
        EXIT_FINDINGS
    } else {
        0
    })
}

pub fn build(ctx: &Context, args: BuildArgs) -> Result<u8> {
    let unit = args.input.unit()?;
    let checked = check_unit(&unit, &args.input.overrides(), &ctx.registry)?;
    let errors = has_errors(&checked.findings);
    let mut outputs = Vec::new();
    if !errors || args.allow_errors {
        let docx_path = match &args.output {
            Some(p) => p.clone(),
            None => {
                // Into the folder's 输出/ subfolder, which is never read as input, so the next
                // check of the same folder is not confused by the report it produced.
                let dir = unit
                    .dir
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("."))
                    .join(nianbao_pipeline::OUTPUT_DIR);
                output_path(&dir, &checked.report.title(&checked.format), "docx")
            }
        };
        // Both files are made before either is written: a report the workbook cannot hold
        // (a 机关名称 beyond Excel's cell limit) leaves no DOCX behind.
        let docx = nianbao_pipeline::render_docx(&checked, &mut nianbao_pipeline::no_clock)?;
        let mut files = vec![(docx_path.clone(), docx)];
        if let Some(x) = &args.xlsx {
            let xlsx_path = x
                .clone()
                .unwrap_or_else(|| docx_path.with_extension("xlsx"));
            let bytes = nianbao_pipeline::render_xlsx(&checked, &mut nianbao_pipeline::no_clock)
                .map_err(|e| anyhow::anyhow!("{e}（未写出任何文件）"))?;
            files.push((xlsx_path, bytes));
        }
        for (path, bytes) in files {
            write_atomic(&path, &bytes, args.force, &unit.input_files(), Flush::Each)?;
            outputs.push(path);
        }
    }
    print_or_json(
        ctx,
        &checked.format,
        &checked.report,
        &checked.findings,
        args.input.json,
        &outputs,
    )?;
    if !args.input.json {
        let mut err = std::io::stderr().lock();
        if outputs.is_empty() {
            writeln!(
                err,
                "\n报告有错误，未生成 DOCX。请按上面的提示修改后重试；如确需先生成草稿，可加 --allow-errors。"
            )?;
        } else {
            for p in &outputs {
                writeln!(err, "已生成：{}", p.display())?;
            }
        }
    }
    Ok(if errors { EXIT_FINDINGS } else { 0 })
}

pub fn sum(ctx: &Context, args: SumArgs) -> Result<u8> {
    let mut reports = Vec::new();
    let mut findings = Vec::new();
    let mut format: Option<std::sync::Arc<Format>> = None;
    // Every file read, so the output can never replace one of them.
    let mut inputs: Vec<PathBuf> = Vec::new();
    // The same unit named twice (`sum u u ./u`, or its folder and its workbook) is added once:
    // its figures must not count double.
    let mut given = Vec::new();
    for path in &args.units {
        let unit = if path.is_dir() {
            Unit::from_dir(path)?
        } else {
            Unit::from_paths(std::slice::from_ref(path))?
        };
        given.push((path.clone(), unit));
    }
    let (units, repeated) = crate::overlap::first_of_each(given, |(_, unit)| {
        crate::overlap::identity(&unit.input_files())
    });
    for ((path, _), first) in &repeated {
        let kept = units
            .get(*first)
            .map(|(p, _)| p.display().to_string())
            .unwrap_or_default();
        findings.push(
            Finding::warning(
                "sum.duplicate_unit",
                format!(
                    "单位 {} 与 {kept} 的文件相同，重复给出，只汇总一次",
                    path.display()
                ),
            )
            .at(Location::file(display_name(path))),
        );
    }
    for (path, unit) in &units {
        inputs.extend(unit.input_files());
        let (mut report, f, unit_findings) = read_unit(unit, &Overrides::default(), &ctx.registry)
            .with_context(|| format!("无法读取单位 {}", path.display()))?;
        if report.meta.org.is_empty() {
            report.meta.org = unit.name.clone();
        }
        let errors = nianbao_model::validate(&f, &report, None)
            .iter()
            .chain(&unit_findings)
            .filter(|x| x.severity == Severity::Error)
            .count();
        if errors > 0 {
            findings.push(
                Finding::warning(
                    "sum.unit_has_errors",
                    format!(
                        "单位“{}”的统计表有 {errors} 项错误，汇总结果可能不准确",
                        report.meta.org
                    ),
                )
                .at(Location::file(display_name(path)))
                .hint(format!("先运行 nianbao check {} 修正", path.display())),
            );
        }
        format.get_or_insert(f);
        reports.push(report);
    }
    let Some(format) = format else {
        bail!("请指定要汇总的单位")
    };
    let year = args
        .year
        .or_else(|| reports.first().map(|r| r.meta.year))
        .unwrap_or(0);
    for r in &reports {
        if r.meta.year != 0 && r.meta.year != year {
            findings.push(Finding::warning(
                "sum.year_differs",
                format!(
                    "单位“{}”为 {} 年度，汇总年度为 {year}",
                    r.meta.org, r.meta.year
                ),
            ));
        }
    }
    let meta = Metadata {
        org: args.org.clone(),
        year,
        format: format.id.clone(),
        ..Metadata::default()
    };
    let summed = Report::sum_tables(&format, meta, &reports);
    findings.extend(
        nianbao_model::validate(&format, &summed, None)
            .into_iter()
            .filter(|f| f.rule != "meta.org_missing"),
    );
    if let Some(parent_path) = &args.parent {
        let unit = if parent_path.is_dir() {
            Unit::from_dir(parent_path)?
        } else {
            Unit::from_paths(std::slice::from_ref(parent_path))?
        };
        inputs.extend(unit.input_files());
        let (parent, _, _) = read_unit(
            &unit,
            &Overrides {
                format: Some(format.id.clone()),
                ..Overrides::default()
            },
            &ctx.registry,
        )?;
        findings.extend(compare_parent(&format, &summed, &parent, parent_path));
    }
    nianbao_model::diagnostic::sort_findings(&mut findings);
    let bytes = nianbao_excel::write_report_workbook(&format, &summed, &findings)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    write_atomic(&args.output, &bytes, args.force, &inputs, Flush::Each)?;
    print_or_json(
        ctx,
        &format,
        &summed,
        &findings,
        args.json,
        std::slice::from_ref(&args.output),
    )?;
    if !args.json {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "\n已汇总 {} 个单位：{}",
            summed.summed_from.len(),
            summed.summed_from.join("、")
        )?;
        let total = |row: &str| {
            summed
                .number(&ValueKey::new(row, "total"))
                .map(|n| n.to_string())
                .unwrap_or_default()
        };
        writeln!(
            out,
            "本年新收申请 {} 件，办结 {} 件，结转下年度 {} 件；行政复议 {} 件",
            total("new_received"),
            total("processed_total"),
            total("carried_forward"),
            total("review")
        )?;
        writeln!(out, "已生成：{}", args.output.display())?;
    }
    Ok(if has_errors(&findings) {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// Each value of the parent report that differs from the sum of its units (warnings).
fn compare_parent(
    format: &Format,
    summed: &Report,
    parent: &Report,
    parent_path: &Path,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for key in format.value_keys() {
        let (Some(sum), Some(reported)) = (summed.number(&key), parent.number(&key)) else {
            continue;
        };
        if sum != reported {
            let loc = parent
                .values
                .get(&key)
                .and_then(|c| c.source.clone())
                .unwrap_or_else(|| Location::file(display_name(parent_path)))
                .with_value(key.to_string(), format.value_label(&key));
            out.push(
                Finding::warning(
                    "sum.parent_mismatch",
                    format!(
                        "{}：上级报告填报 {reported}，各单位之和为 {sum}",
                        format.value_label(&key)
                    ),
                )
                .at(loc)
                .expected_found(sum.to_string(), reported.to_string())
                .hint("本级报告的数值如汇总了所属单位，应等于各单位之和；如另有本级数据，请核实。"),
            );
        }
    }
    out
}

pub fn formats(ctx: &Context) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    let list = ctx.registry.formats();
    match ctx.lang {
        Lang::Zh => writeln!(out, "可用的报告格式（{} 种）：", list.len())?,
        Lang::En => writeln!(out, "available formats ({}):", list.len())?,
    }
    for f in list {
        writeln!(
            out,
            "  {:<16} {}  版本 {}  来源：{}",
            f.id, f.name, f.version, f.source
        )?;
    }
    Ok(0)
}
