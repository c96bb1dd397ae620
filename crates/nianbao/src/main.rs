//! `nianbao` (年报): the one command an office runs to check its 政府信息公开工作年度报告 and
//! produce the filing DOCX and the tables workbook; and the one a county 政务公开办 runs over all
//! its departments.
//!
//! Commands: `init` (a new report folder), `check`, `build`, `batch`, `sum`, `formats`, `serve`
//! (the local web page and HTTP API). Exit codes:
//! 0 no errors, 1 the report has errors (findings of severity 错误), 2 usage or file problems.
//! The work is done by the library crates; this crate resolves inputs, merges what they say, and
//! writes outputs safely.

mod batch;
mod commands;
mod output;
mod overlap;
mod publish;
mod roster;
mod serve;
mod summary;
mod units;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::output::Lang;

/// Exit code: the report (or a unit of the batch) has errors.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage error, unreadable input, or an output that could not be written.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "nianbao",
    version,
    about = "政府信息公开工作年度报告：检查统计表与文稿，生成报送用的 DOCX 和统计表 XLSX",
    long_about = "nianbao（年报）读取本机关的统计表（xlsx/xls/ods）和文稿（docx/md/txt），按《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）检查各表勾稽关系、正文与表格是否一致，并生成符合 GB/T 9704 的 DOCX 报告。\n\n退出码：0 无错误；1 报告有错误；2 用法或文件问题。",
    disable_help_subcommand = true,
    help_template = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}",
    next_help_heading = "选项"
)]
#[command(disable_help_flag = true, disable_version_flag = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: GlobalArgs,
    /// 显示帮助
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// 显示版本
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// 另外加载地区格式插件的文件夹（可多次指定）
    #[arg(long = "plugin-dir", global = true, value_name = "文件夹")]
    plugin_dirs: Vec<PathBuf>,
    /// 仍然加载其他用户可写入或属于其他用户的插件（默认拒绝并给出警告）
    #[arg(long = "allow-insecure-plugins", global = true)]
    allow_insecure_plugins: bool,
    /// 界面语言（检查结果的说明文字始终为中文）
    #[arg(long, global = true, value_enum, default_value_t = Lang::Zh, value_name = "zh|en")]
    lang: Lang,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// 新建报告文件夹：report.toml、空白统计表、文稿模板（DOCX 和 Markdown）
    Init(commands::InitArgs),
    /// 检查报告：读取统计表和文稿，列出全部问题
    Check(commands::CheckArgs),
    /// 检查并生成报告 DOCX（以及 --xlsx 统计表）
    Build(commands::BuildArgs),
    /// 批量检查并生成一个文件夹下所有单位的报告，输出汇总表
    Batch(batch::BatchArgs),
    /// 汇总多个单位的统计表（本级政府报告用），可与上级报告核对
    Sum(commands::SumArgs),
    /// 列出可用的报告格式（内置格式和地区插件）
    Formats,
    /// 启动本机网页（浏览器中检查报告、生成 DOCX、批量检查）和 HTTP 接口
    Serve(serve::ServeArgs),
}

/// The help layout, in Chinese, for the program and every command.
const HELP_TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// The command line definition with Chinese headings everywhere (clap's derive sets them only on
/// the top level).
fn command() -> clap::Command {
    fn chinese(cmd: clap::Command) -> clap::Command {
        cmd.help_template(HELP_TEMPLATE).mut_args(|arg| {
            // clap writes `[default: zh] [possible values: zh, en]` in English: said in the
            // help text instead.
            let mut notes = Vec::new();
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            // A help text that names its default already (`默认 8017`) is not told it twice.
            if !defaults.is_empty() && arg.get_action().takes_values() && !help.contains("默认") {
                notes.push(format!("默认：{}", defaults.join("、")));
            }
            let possible: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect();
            if !possible.is_empty() && arg.get_action().takes_values() {
                notes.push(format!("可选：{}", possible.join("、")));
            }
            let arg = if !arg.get_action().takes_values() {
                arg
            } else if notes.is_empty() {
                arg.hide_default_value(true)
            } else {
                arg.help(format!("{help}（{}）", notes.join("；")))
                    .hide_default_value(true)
                    .hide_possible_values(true)
            };
            if arg.get_help_heading().is_some() {
                arg
            } else if arg.is_positional() {
                arg.help_heading("参数")
            } else {
                arg.help_heading("选项")
            }
        })
    }
    let cmd = chinese(Cli::command())
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .mut_subcommands(chinese);
    // The usage lines clap makes (`nianbao build [OPTIONS] <输入>...`), with its English
    // placeholders in Chinese.
    let mut built = cmd.clone();
    built.build();
    let chinese_usage = |usage: String| {
        usage
            .trim_start_matches("Usage: ")
            .replace("[OPTIONS]", "[选项]")
            .replace("<COMMAND>", "<命令>")
            .replace("[COMMAND]", "[命令]")
    };
    let top_usage = chinese_usage(built.render_usage().to_string());
    let sub_usages: Vec<(String, String)> = built
        .get_subcommands_mut()
        .map(|sub| {
            (
                sub.get_name().to_string(),
                chinese_usage(sub.render_usage().to_string()),
            )
        })
        .collect();
    cmd.override_usage(top_usage).mut_subcommands(|sub| {
        match sub_usages.iter().find(|(name, _)| name == sub.get_name()) {
            Some((_, usage)) => sub.override_usage(usage.clone()),
            None => sub,
        }
    })
}

fn parse() -> Result<Cli, clap::Error> {
    let matches = command().try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

/// A run that could not be done, said on standard error and, when `--json` was asked for (a
/// program reads the output), as the JSON document on standard output.
fn fail(kind: &str, message: &str) -> ExitCode {
    eprintln!("{message}");
    if std::env::args_os().any(|a| a == "--json") {
        println!("{}", output::error_json(kind, message));
    }
    ExitCode::from(EXIT_USAGE)
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::from(0);
        }
        Err(e) => {
            return fail(
                "usage",
                &format!(
                    "用法错误：{}\n运行 nianbao --help 或 nianbao <命令> --help 查看用法。",
                    usage_error_zh(&e)
                ),
            );
        }
    };
    // Readers of third-party formats can panic on damaged files; every such call is contained and
    // turned into a clear message, so the default panic printout would only be noise. Set
    // NIANBAO_DEBUG=1 to see it.
    if std::env::var_os("NIANBAO_DEBUG").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => fail("input", &format!("错误：{}", output::error_text(&e))),
        Err(_) => fail(
            "internal",
            "错误：nianbao 内部出错，未能完成。请将输入文件和所用命令提供给维护人员（设置 NIANBAO_DEBUG=1 可显示详细信息）。",
        ),
    }
}

/// A clap usage error in Chinese, from the error's context (the argument, the value, clap's
/// suggestion), never clap's English text.
fn usage_error_zh(e: &clap::Error) -> String {
    use clap::error::{ContextKind as C, ContextValue, ErrorKind as K};
    let text = |kind: C| -> Option<String> {
        match e.get(kind)? {
            ContextValue::String(s) => Some(s.clone()),
            ContextValue::Strings(v) => Some(v.join("、")),
            ContextValue::StyledStr(s) => Some(s.to_string()),
            ContextValue::StyledStrs(v) => Some(
                v.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            ContextValue::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let arg = text(C::InvalidArg).unwrap_or_default();
    let suggestion = |kind: C| {
        text(kind)
            .map(|s| format!("；是否要输入“{s}”？"))
            .unwrap_or_default()
    };
    match e.kind() {
        K::UnknownArgument => format!("无法识别的参数“{arg}”{}", suggestion(C::SuggestedArg)),
        K::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        K::InvalidValue | K::ValueValidation => {
            let value = text(C::InvalidValue).unwrap_or_default();
            // A value parser of ours gives its reason in Chinese as the error's source.
            let reason = std::error::Error::source(e)
                .map(|r| format!("：{r}"))
                .unwrap_or_default();
            let valid = text(C::ValidValue)
                .map(|v| format!("；可选值：{v}"))
                .unwrap_or_default();
            if value.is_empty() {
                format!("参数 {arg} 缺少取值{valid}")
            } else {
                format!("参数 {arg} 的值“{value}”无效{reason}{valid}")
            }
        }
        K::InvalidSubcommand => format!(
            "无法识别的命令“{}”（可用命令：init、check、build、batch、sum、formats、serve）{}",
            text(C::InvalidSubcommand).unwrap_or_default(),
            suggestion(C::SuggestedSubcommand)
        ),
        K::MissingSubcommand | K::DisplayHelpOnMissingArgumentOrSubcommand => {
            "请指定命令（init、check、build、batch、sum、formats、serve）".to_string()
        }
        K::TooManyValues | K::WrongNumberOfValues | K::TooFewValues => {
            format!("参数 {arg} 的取值个数不对")
        }
        K::ArgumentConflict => format!(
            "参数 {arg} 不能与 {} 同时使用",
            text(C::PriorArg).unwrap_or_default()
        ),
        K::NoEquals => format!("参数 {arg} 须用“=”给出取值"),
        _ => "命令行参数有误".to_string(),
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let trust = if cli.global.allow_insecure_plugins {
        nianbao_plugins::Trust::AllowInsecure
    } else {
        nianbao_plugins::Trust::OwnOnly
    };
    let (registry, problems) =
        nianbao_plugins::Registry::discover_with(&cli.global.plugin_dirs, trust);
    for p in &problems {
        // The message names the plugin (or its folder) and says that it was not loaded.
        eprintln!("警告：{}", p.message);
    }
    let ctx = commands::Context {
        registry,
        plugin_problems: problems,
        lang: cli.global.lang,
    };
    match cli.command {
        Command::Init(args) => commands::init(&ctx, args),
        Command::Check(args) => commands::check(&ctx, args),
        Command::Build(args) => commands::build(&ctx, args),
        Command::Batch(args) => batch::batch(&ctx, args),
        Command::Sum(args) => commands::sum(&ctx, args),
        Command::Formats => commands::formats(&ctx),
        Command::Serve(args) => serve::serve(ctx, args),
    }
}
