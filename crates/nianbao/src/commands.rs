//! The single-report commands: `init`, `check`, `build`, `sum`, `formats`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use nianbao_model::report::REPORT_YEARS;
use nianbao_model::validate::has_errors;
use nianbao_model::{AdminLevel, Finding, Format, Location, Metadata, Report, Severity, ValueKey};
use nianbao_plugins::Registry;

use crate::EXIT_FINDINGS;
use crate::output::{Flush, Lang, check_json, output_path, print_findings, write_atomic};
use crate::publish;
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

/// A report year from the command line: four digits within [`REPORT_YEARS`] (`24` is refused, not
/// read as 0024 or 2024).
pub fn parse_year(text: &str) -> Result<i32, String> {
    let digits = text.trim().trim_end_matches('年');
    match digits.parse::<i32>() {
        Ok(year) if REPORT_YEARS.contains(&year) => Ok(year),
        Ok(_) => Err(format!(
            "年度应为 {} 至 {} 之间的四位年份，如 2024",
            REPORT_YEARS.start(),
            REPORT_YEARS.end()
        )),
        Err(_) => Err("年度应为四位数字的年份，如 2024".to_string()),
    }
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// 新建的报告文件夹（默认为当前文件夹下以机关名称命名的文件夹）
    #[arg(value_name = "目录")]
    dir: Option<PathBuf>,
    /// 机关名称
    #[arg(
        long = "org",
        visible_alias = "机关",
        value_name = "机关名称",
        required_unless_present = "reference_docx"
    )]
    org: Option<String>,
    /// 报告年度（如 2024）
    #[arg(
        long,
        visible_alias = "年度",
        value_name = "年度",
        value_parser = parse_year,
        required_unless_present = "reference_docx"
    )]
    year: Option<i32>,
    /// 写出一份本单位 Word 模板的起点（nianbao 自己的页面设置和样式），供在 Word/WPS 中修改后用于 --reference-docx
    #[arg(long, value_name = "本单位模板.docx")]
    reference_docx: Option<PathBuf>,
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
    #[arg(long, value_name = "年度", value_parser = parse_year)]
    pub year: Option<i32>,
    /// 报告格式 id（覆盖 report.toml 中的 format）
    #[arg(long, value_name = "格式")]
    pub format: Option<String>,
    /// 以 JSON 输出（供其他系统读取；结构见 README “JSON 输出”）
    #[arg(long)]
    pub json: bool,
    /// 统计表中留空的数值按 0 处理（默认按“未填写”处理，相关勾稽检查不进行）
    #[arg(long)]
    pub blank_as_zero: bool,
}

impl InputArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            org: self.org.clone(),
            year: self.year,
            format: self.format.clone(),
            blank_as_zero: self.blank_as_zero,
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
    /// 同时在 DOCX 旁生成 PDF（需要 LibreOffice）
    #[arg(long)]
    pdf: bool,
    /// 本单位的 Word 模板：页面设置、样式（正文、标题、标题 1/2、表格文字、落款、页脚）和页眉页脚取自该文件
    #[arg(long, value_name = "本单位模板.docx")]
    reference_docx: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SumArgs {
    /// 要汇总的各单位：每个报告文件夹，或同名的统计表与文稿，是一个单位（如 各单位/*）
    #[arg(value_name = "单位", required = true)]
    units: Vec<PathBuf>,
    /// 输出的汇总统计表 XLSX
    #[arg(short = 'o', long = "output", value_name = "汇总.xlsx")]
    output: PathBuf,
    /// 汇总报告的机关名称
    #[arg(long, value_name = "机关名称", default_value = "汇总")]
    org: String,
    /// 报告年度（默认取各单位的年度）
    #[arg(long, value_name = "年度", value_parser = parse_year)]
    year: Option<i32>,
    /// 上级（本级政府）报告：核对其数值是否等于各单位之和
    #[arg(long, value_name = "报告")]
    parent: Option<PathBuf>,
    /// 应报送单位名单（xlsx、csv 或 txt）：列出未报送、因而未计入汇总的单位
    #[arg(long, value_name = "名单")]
    roster: Option<PathBuf>,
    /// 以 JSON 输出汇总结果
    #[arg(long)]
    json: bool,
    /// 统计表中留空的数值按 0 处理（默认按“未填写”处理，相关勾稽检查不进行）
    #[arg(long)]
    blank_as_zero: bool,

    /// 覆盖已存在的输出文件
    #[arg(long)]
    force: bool,
}

pub fn init(ctx: &Context, args: InitArgs) -> Result<u8> {
    if let Some(path) = &args.reference_docx {
        let format_id = args
            .format
            .as_deref()
            .unwrap_or(nianbao_model::NATIONAL_2021);
        let format = ctx
            .registry
            .format(format_id)
            .with_context(|| format!("未找到格式“{format_id}”，用 nianbao formats 查看可用格式"))?;
        let bytes =
            nianbao_docx::write_reference_template(format).map_err(|e| anyhow::anyhow!("{e}"))?;
        write_atomic(path, &bytes, args.force, &[], Flush::Each)?;
        println!(
            "已写出本单位模板 {}：请在 Word 或 WPS 中修改其样式（正文、标题、标题 1、标题 2、表格文字、落款、页脚）、页面设置和页眉页脚，生成报告时加 --reference-docx {}。",
            path.display(),
            path.display()
        );
        if args.org.is_none() || args.year.is_none() {
            return Ok(0);
        }
    }
    let (Some(org), Some(year)) = (args.org.clone(), args.year) else {
        bail!("请用 --org 和 --year 给出机关名称和报告年度");
    };
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
        .unwrap_or_else(|| PathBuf::from(crate::output::sanitize_file_name(&org)));
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
        org: org.trim().to_string(),
        year,
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
        (
            "草稿.md",
            nianbao_model::draft::draft_markdown(format, &meta)?.into_bytes(),
        ),
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
        "\n下一步：\n  1. 在 统计表.xlsx 中填写表二至表四（没有发生的填 0）；\n  2. 在 草稿.docx 或 草稿.md 中（任选其一，自动采用已撰写的一份）撰写第一、五、六部分，可用 {{{{ new_received.total }}}} 等占位符引用表格数字；\n  3. 运行 nianbao check {} 检查，nianbao build {} 生成报告。",
        dir.display(),
        dir.display()
    )?;
    Ok(0)
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
    let mut write_error = None;
    if !errors || args.allow_errors {
        let docx_path = match &args.output {
            // An existing folder given as -o: the report goes into it under its own name.
            Some(p) if p.is_dir() => output_path(p, &checked.report.title(&checked.format), "docx"),
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
        let reference_path = publish::reference_path(args.reference_docx.as_deref(), &unit);
        let reference = reference_path
            .as_deref()
            .map(publish::load_reference)
            .transpose()?;
        // The template is an input too: never written over.
        let inputs: Vec<PathBuf> = unit
            .input_files()
            .into_iter()
            .chain(reference_path)
            .collect();
        let docx = nianbao_pipeline::render_docx_with(
            &checked,
            &publish::docx_options(reference),
            &mut nianbao_pipeline::no_clock,
        )?;
        let mut files = vec![(docx_path.clone(), docx)];
        if let Some(x) = &args.xlsx {
            let xlsx_path = match x {
                Some(dir) if dir.is_dir() => {
                    output_path(dir, &checked.report.title(&checked.format), "xlsx")
                }
                Some(path) => path.clone(),
                None => docx_path.with_extension("xlsx"),
            };
            let bytes = nianbao_pipeline::render_xlsx(&checked, &mut nianbao_pipeline::no_clock)
                .map_err(|e| anyhow::anyhow!("{e}（未写出任何文件）"))?;
            files.push((xlsx_path, bytes));
        }
        for (path, bytes) in files {
            // A refusal to write (the file exists, the folder is read-only) comes after the check
            // results: the office sees what was found, then why nothing was written.
            if let Err(e) = write_atomic(&path, &bytes, args.force, &inputs, Flush::Each) {
                write_error = Some(e);
                break;
            }
            outputs.push(path);
        }
        if args.pdf {
            let written = publish::make_pdfs(std::slice::from_ref(&docx_path), |pdf, bytes| {
                write_atomic(pdf, bytes, args.force, &inputs, Flush::Each)
            })?;
            match written {
                publish::PdfOutcome::Written(pdfs) => outputs.extend(pdfs),
                publish::PdfOutcome::NoLibreOffice => {
                    eprintln!("{}", publish::no_libreoffice_message());
                }
            }
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
    if let Some(e) = write_error {
        for p in &outputs {
            eprintln!("已生成：{}", p.display());
        }
        return Err(e);
    }
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
    let roster = match &args.roster {
        Some(path) => Some(crate::roster::Roster::read(path)?),
        None => None,
    };
    // Units named the one way (`sum 各单位/*` names what `batch 各单位` does); the roster is
    // never a unit.
    let roster_path = args
        .roster
        .as_ref()
        .and_then(|r| std::fs::canonicalize(r).ok());
    let grouped = crate::units::group_units(&args.units, |p| {
        roster_path.is_some() && std::fs::canonicalize(p).ok() == roster_path
    });
    // Units that cannot be read are named and left out; the others are still summed.
    let mut left_out: Vec<String> = Vec::new();
    let mut given = Vec::new();
    for (name, paths) in grouped {
        match Unit::from_paths(&paths) {
            Ok(unit) => given.push((name, paths, unit)),
            Err(e) => {
                findings.push(unit_failed(&name, &paths, &e));
                left_out.push(name);
            }
        }
    }
    // The same unit named twice (`sum u u ./u`, or its folder and its workbook) is added once:
    // its figures must not count double.
    let (units, repeated) = crate::overlap::first_of_each(given, |(_, _, unit)| {
        crate::overlap::identity(&unit.input_files())
    });
    for ((name, paths, _), first) in &repeated {
        let kept = units
            .get(*first)
            .map(|(n, _, _)| n.clone())
            .unwrap_or_default();
        findings.push(
            Finding::warning(
                "sum.duplicate_unit",
                format!("单位“{name}”与“{kept}”的文件相同，重复给出，只汇总一次"),
            )
            .at(Location::file(shown_paths(paths))),
        );
    }
    let sum_overrides = Overrides {
        blank_as_zero: args.blank_as_zero,
        ..Overrides::default()
    };
    // (name, 机关名称) of each unit summed, for the roster.
    let mut summed_units: Vec<(String, String)> = Vec::new();
    for (name, paths, unit) in &units {
        inputs.extend(unit.input_files());
        let (mut report, f, unit_findings) = match read_unit(unit, &sum_overrides, &ctx.registry) {
            Ok(read) => read,
            Err(e) => {
                findings.push(unit_failed(name, paths, &e));
                left_out.push(name.clone());
                continue;
            }
        };
        // A unit without a single number (its workbook missing) would make every total
        // 未填写: it is left out and named, as a unit that cannot be read is.
        if unit_findings.iter().any(|x| x.rule == "input.no_tables") {
            findings.push(
                Finding::error(
                    "sum.unit_failed",
                    format!("单位“{name}”中没有读到统计表数值，未计入汇总"),
                )
                .at(Location::file(shown_paths(paths)))
                .expected_found("含统计表数值的文件", "没有统计表数值")
                .hint("请补交该单位的统计表后重新汇总；汇总结果不含该单位。"),
            );
            left_out.push(name.clone());
            continue;
        }
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
                .at(Location::file(shown_paths(paths)))
                .hint(format!("先运行 nianbao check {} 修正", shown_paths(paths))),
            );
        }
        format.get_or_insert(f);
        summed_units.push((name.clone(), report.meta.org.clone()));
        reports.push(report);
    }
    if let Some(roster) = &roster {
        // A unit that could not be read was still handed in: it is on the roster by its name,
        // as `batch` counts it, so the office does not chase a unit that did file.
        let mut handed_in = summed_units.clone();
        handed_in.extend(left_out.iter().map(|name| (name.clone(), String::new())));
        let view =
            crate::summary::roster_view(args.roster.as_deref().map(|p| (roster, p)), &handed_in);
        findings.extend(view.findings(&handed_in));
    }
    let Some(format) = format else {
        if findings.iter().any(|f| f.rule == "sum.unit_failed") {
            let reasons: Vec<String> = findings.iter().map(|f| f.message.clone()).collect();
            bail!("没有可汇总的单位：{}", reasons.join("；"))
        }
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
        if !left_out.is_empty() {
            writeln!(
                out,
                "未计入 {} 个单位（无法读取或没有统计表数值）：{}",
                left_out.len(),
                left_out.join("、")
            )?;
        }
        // A total some unit left blank is said to be so, with the units, never printed blank.
        let total = |row: &str| match summed.values.get(&ValueKey::new(row, "total")) {
            Some(nianbao_model::Cell {
                value: nianbao_model::CellValue::Number(n),
                ..
            }) => format!("{n} 件"),
            Some(nianbao_model::Cell {
                value: nianbao_model::CellValue::Empty(raw),
                ..
            }) if !raw.is_empty() => format!("未填写{raw}"),
            _ => "未填写".to_string(),
        };
        writeln!(
            out,
            "本年新收申请 {}，办结 {}，结转下年度 {}；行政复议 {}",
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

/// A unit `sum` could not read: named, left out of the sum, and an error (the sum is not the
/// whole).
fn unit_failed(name: &str, paths: &[PathBuf], e: &anyhow::Error) -> Finding {
    Finding::error(
        "sum.unit_failed",
        format!(
            "单位“{name}”无法读取，未计入汇总：{}",
            crate::output::error_text(e)
        ),
    )
    .at(Location::file(shown_paths(paths)))
    .expected_found("可读取的统计表", "无法读取")
    .hint("请改正或重新导出该单位的文件后重新汇总；汇总结果不含该单位。")
}

/// A unit's paths as messages show them.
fn shown_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("、")
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
