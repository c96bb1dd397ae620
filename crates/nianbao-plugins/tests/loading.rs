//! Loads the real regional plugins and deliberately broken ones as shared libraries.
//!
//! The plugins are built from the test itself (cargo cannot make a test depend on a cdylib):
//! `nianbao-plugin-shandong` and `nianbao-plugin-beijing` with the workspace's own target dir, the
//! broken ones (tests/broken, a separate cargo workspace) into `target/broken-plugins`. Every
//! test copies the libraries it needs into a fresh directory and loads from there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use nianbao_model::template;
use nianbao_model::{
    Decimal, Finding, Format, Location, NATIONAL_2021, Paragraph, ParagraphLevel, PartText, Report,
    validate,
};
use nianbao_plugins::{BUILTIN_SOURCE, LoadProblem, Registry};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `target/debug`: this test executable lives in its `deps/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// `--release` when the tests themselves were built in release mode, so that the libraries land
/// in the same profile directory.
fn profile_args() -> &'static [&'static str] {
    if profile_dir().ends_with("release") {
        &["--release"]
    } else {
        &[]
    }
}

fn lib_name(stem: &str) -> String {
    libloading::library_filename(format!("nianbao_plugin_{stem}"))
        .into_string()
        .unwrap()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds the two regional plugins once per test run; returns the directory holding them.
fn regional_dir() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        run(Command::new(env!("CARGO"))
            .current_dir(workspace_root())
            .args([
                "build",
                "-p",
                "nianbao-plugin-shandong",
                "-p",
                "nianbao-plugin-beijing",
            ])
            .args(profile_args()));
        profile_dir()
    })
}

/// Builds the broken plugins once per test run; returns the directory holding them.
fn broken_dir() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = profile_dir().parent().unwrap().join("broken-plugins");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken/Cargo.toml");
        run(Command::new(env!("CARGO"))
            .env("CARGO_TARGET_DIR", &target)
            .arg("build")
            .arg("--manifest-path")
            .arg(&manifest)
            .args(profile_args()));
        target.join(profile_dir().file_name().unwrap())
    })
}

/// A fresh plugin directory holding copies of the named libraries.
fn plugin_dir(regional: &[&str], broken: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for stem in regional {
        let name = lib_name(stem);
        std::fs::copy(regional_dir().join(&name), dir.path().join(&name)).unwrap();
    }
    for stem in broken {
        let name = lib_name(stem);
        std::fs::copy(broken_dir().join(&name), dir.path().join(&name)).unwrap();
    }
    dir
}

fn registry_with_regional() -> (Registry, tempfile::TempDir) {
    let dir = plugin_dir(&["shandong", "beijing"], &[]);
    let (registry, problems) = Registry::discover_in(&[dir.path().to_path_buf()]);
    assert!(problems.is_empty(), "{problems:?}");
    (registry, dir)
}

/// The 卫东区 2024 published report (all zeros) as a report: its prose split into parts at the
/// `一、`…`六、` headings, `（一）` lines as sub-headings, table lines (tab-separated) skipped,
/// and every table value 0, as published.
fn weidong_report() -> Report {
    let file = "weidong-2024-published.txt";
    let text = std::fs::read_to_string(workspace_root().join("tests/fixtures/samples").join(file))
        .unwrap();
    let mut report = Report::new("卫东区行政审批和政务信息管理局", 2024);
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.contains('\t') || line.ends_with("年度报告") {
            continue;
        }
        let numbered = ["一、", "二、", "三、", "四、", "五、", "六、"]
            .iter()
            .position(|n| line.starts_with(n));
        if let Some(n) = numbered {
            report.parts.push(PartText {
                number: n as u8 + 1,
                source: Some(Location::line(file, i + 1)),
                ..PartText::default()
            });
            continue;
        }
        let Some(part) = report.parts.last_mut() else {
            continue;
        };
        let level = if line.starts_with('（') {
            ParagraphLevel::Sub1
        } else {
            ParagraphLevel::Body
        };
        part.paragraphs.push(Paragraph {
            source: Some(Location::line(file, i + 1)),
            ..Paragraph::heading(level, line)
        });
    }
    for key in Format::national_2021().value_keys() {
        report.set(key, Decimal::ZERO, None);
    }
    report
}

/// Replaces part 六 of a report with these (heading, body) pairs.
fn with_part6(mut report: Report, items: &[(&str, &str)]) -> Report {
    report.parts.retain(|p| p.number != 6);
    let mut paragraphs = Vec::new();
    for (n, (heading, body)) in items.iter().enumerate() {
        paragraphs.push(Paragraph {
            source: Some(Location::paragraph("文登区草稿.docx", 40 + 2 * n)),
            ..Paragraph::heading(ParagraphLevel::Sub1, *heading)
        });
        paragraphs.push(Paragraph {
            source: Some(Location::paragraph("文登区草稿.docx", 41 + 2 * n)),
            ..Paragraph::body(*body)
        });
    }
    report.parts.push(PartText {
        number: 6,
        paragraphs,
        ..PartText::default()
    });
    report
}

fn rules(findings: &[Finding], rule: &str) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .cloned()
        .collect()
}

/// A format's opening paragraph for a report.
fn opening(format: &Format, report: &Report) -> String {
    let context = template::template_context(format, report.template_context());
    format
        .render_template(template::OPENING, &context)
        .unwrap()
        .unwrap()
}

#[test]
fn formats_lists_national_and_both_plugins_with_their_sources() {
    let (registry, dir) = registry_with_regional();
    let formats = registry.formats();
    let ids: Vec<&str> = formats.iter().map(|f| f.id.as_str()).collect();
    // Built-in first, then plugins in file-name order.
    assert_eq!(ids, [NATIONAL_2021, "beijing", "shandong"]);
    assert_eq!(formats[0].source, BUILTIN_SOURCE);
    assert_eq!(formats[1].name, "北京市格式（2021年版）");
    assert_eq!(formats[2].name, "山东省格式（2021年版）");
    for (info, stem) in formats[1..].iter().zip(["beijing", "shandong"]) {
        let canonical = |p: &Path| p.canonicalize().unwrap();
        assert_eq!(
            canonical(Path::new(&info.source)),
            canonical(&dir.path().join(lib_name(stem)))
        );
    }
    assert_eq!(
        registry.format("shandong").unwrap().base.as_deref(),
        Some(NATIONAL_2021)
    );
}

#[test]
fn derived_formats_differ_from_the_national_one_where_the_region_says() {
    let (registry, _dir) = registry_with_regional();
    let national = registry.format(NATIONAL_2021).unwrap();
    let shandong = registry.format("shandong").unwrap();
    let beijing = registry.format("beijing").unwrap();
    let mut report = Report::new("威海市文登区人民政府", 2024);
    report.meta.contact = vec![
        "地址：威海市文登区某路1号".into(),
        "电话：0631-0000000".into(),
    ];

    // Opening.
    let opening = opening(shandong, &report);
    assert!(opening.contains("国务院令第711号"), "{opening}");
    assert!(opening.contains("国办公开办函〔2021〕30号"), "{opening}");
    assert!(
        opening
            .contains("共6个部分：总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况")
    );
    assert!(opening.contains("自2024年1月1日起至2024年12月31日止"));
    assert!(opening.contains("威海市文登区人民政府门户网站"));
    assert!(opening.contains("地址：威海市文登区某路1号；电话：0631-0000000"));
    assert_eq!(
        self::opening(beijing, &report),
        "依据《中华人民共和国政府信息公开条例》（以下简称《政府信息公开条例》）第五十条规定，编制本报告。"
    );
    assert_ne!(
        national.template(template::OPENING),
        shandong.template(template::OPENING)
    );

    // Part 六 items (Shandong) and part 一 items (Beijing).
    let items = |f: &Format, part: u8| -> Vec<String> {
        let context = report.template_context();
        f.part(part)
            .unwrap()
            .items
            .iter()
            .map(|i| i.heading_for(&context))
            .collect()
    };
    assert!(items(national, 6).is_empty());
    assert_eq!(
        items(shandong, 6),
        [
            "信息处理费",
            "落实上级年度政务公开工作要点情况",
            "人大代表建议和政协提案办理结果公开情况",
            "政务公开工作创新情况",
            "其他报告事项",
        ]
    );
    assert!(
        shandong
            .part(6)
            .unwrap()
            .items
            .iter()
            .all(|i| !i.skeleton.is_empty())
    );
    assert!(items(national, 1).is_empty());
    assert_eq!(items(beijing, 1)[0], "2024年度政务公开工作要点落实情况");
    assert_eq!(
        items(beijing, 1)[1..],
        [
            "主动公开",
            "依申请公开",
            "政府信息管理",
            "政府信息公开平台建设",
            "监督保障"
        ]
    );

    // Signature, page numbers, tables, rules.
    assert!(shandong.signature.as_ref().unwrap().date_required);
    assert!(beijing.signature.is_none() || beijing.signature == national.signature);
    assert_eq!(shandong.page_number, national.page_number);
    assert_eq!(shandong.tables, national.tables);
    assert_eq!(beijing.tables, national.tables);
    assert_eq!(beijing.rules.len(), national.rules.len() + 1);
    assert!(
        beijing
            .rules
            .iter()
            .any(|r| r.id == "bj.valid_below_net_made")
    );
}

#[test]
fn weidong_part6_lacks_the_shandong_items() {
    let (registry, _dir) = registry_with_regional();
    let report = weidong_report();
    let national = validate(registry.format(NATIONAL_2021).unwrap(), &report, None);
    assert!(
        rules(&national, "prose.item_missing").is_empty(),
        "{national:#?}"
    );
    assert!(rules(&national, "meta.date_missing").is_empty());

    let shandong = validate(registry.format("shandong").unwrap(), &report, None);
    let missing = rules(&shandong, "prose.item_missing");
    let expected: Vec<Option<&str>> = missing.iter().map(|f| f.expected.as_deref()).collect();
    // In the format's order (findings sort stably; all point at the same place). The item
    // 信息处理费 is there under other wording (`未收取信息处理费`), so it is not missing.
    assert_eq!(
        expected,
        [
            Some("落实上级年度政务公开工作要点情况"),
            Some("人大代表建议和政协提案办理结果公开情况"),
            Some("政务公开工作创新情况"),
            Some("其他报告事项"),
        ]
    );
    assert_eq!(missing.len(), 4, "{missing:#?}");
    // Each finding points at part 六 as read from the sample (its heading line).
    assert!(missing.iter().all(|f| f.locations[0].file.as_deref()
        == Some("weidong-2024-published.txt")
        && f.locations[0].line.is_some()));
    // The Shandong format requires the 成文日期.
    assert_eq!(rules(&shandong, "meta.date_missing").len(), 1);

    // Written the Shandong way, the items are found.
    let mut complete = with_part6(
        report,
        &[
            ("（一）信息处理费", "本年度未收取信息处理费。"),
            (
                "（二）落实上级年度政务公开工作要点情况",
                "已按要点逐项落实。",
            ),
            (
                "（三）人大代表建议和政协提案办理结果公开情况",
                "本年度未承办人大代表建议和政协提案。",
            ),
            ("（四）政务公开工作创新情况", "推行“一站式”公开服务。"),
            ("（五）其他报告事项", "无其他需要报告的事项。"),
        ],
    );
    complete.meta.date = Some("2025-01-16".into());
    let shandong = validate(registry.format("shandong").unwrap(), &complete, None);
    assert!(
        rules(&shandong, "prose.item_missing").is_empty(),
        "{shandong:#?}"
    );
    assert!(rules(&shandong, "meta.date_missing").is_empty());
}

#[test]
fn beijing_work_points_item_is_matched_with_the_report_year() {
    let (registry, _dir) = registry_with_regional();
    let beijing = registry.format("beijing").unwrap();
    let report = weidong_report();
    let missing = rules(&validate(beijing, &report, None), "prose.item_missing");
    // The 卫东 report has the five national sub-parts but not Beijing's first item.
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(
        missing[0].expected.as_deref(),
        Some("2024年度政务公开工作要点落实情况")
    );

    let mut with_item = report.clone();
    if let Some(part) = with_item.parts.iter_mut().find(|p| p.number == 1) {
        part.paragraphs.insert(
            0,
            Paragraph::heading(
                ParagraphLevel::Sub1,
                "（一）2024年度政务公开工作要点落实情况",
            ),
        );
    }
    assert!(rules(&validate(beijing, &with_item, None), "prose.item_missing").is_empty());
}

#[test]
fn shandong_native_check_runs_in_the_library() {
    let (registry, _dir) = registry_with_regional();
    let vague = with_part6(
        weidong_report(),
        &[
            (
                "（一）信息处理费",
                "严格执行《政府信息公开信息处理费管理办法》。",
            ),
            (
                "（二）落实上级年度政务公开工作要点情况",
                "已按要点逐项落实。",
            ),
        ],
    );
    let findings = registry.native_check("shandong", &vague);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.rule, "shandong.fee_statement");
    assert_eq!(f.locations[0].file.as_deref(), Some("文登区草稿.docx"));
    assert_eq!(f.locations[0].paragraph, Some(40));
    assert!(f.found.as_deref().unwrap().contains("严格执行"));

    let stated = with_part6(
        weidong_report(),
        &[("（一）信息处理费", "本年度共收取信息处理费35元。")],
    );
    assert!(registry.native_check("shandong", &stated).is_empty());
    // No native check: nothing to run.
    assert!(registry.native_check("beijing", &vague).is_empty());
    assert!(registry.native_check(NATIONAL_2021, &vague).is_empty());
}

fn problem_for<'a>(problems: &'a [LoadProblem], stem: &str) -> &'a LoadProblem {
    let name = lib_name(stem);
    problems
        .iter()
        .find(|p| p.file.file_name().and_then(|n| n.to_str()) == Some(name.as_str()))
        .unwrap_or_else(|| panic!("no problem for {name}: {problems:#?}"))
}

#[test]
fn broken_plugins_are_skipped_with_a_clear_message_and_the_rest_loads() {
    let broken = [
        "wrong_abi",
        "panic_describe",
        "bad_json",
        "missing_symbol",
        "duplicate_id",
        "claims_national",
        "bad_overlay",
        "panic_check",
    ];
    let dir = plugin_dir(&["shandong", "beijing"], &broken);
    // Not a library at all, named like a plugin: reported. Named like something else: ignored.
    std::fs::write(dir.path().join(lib_name("notalib")), "这不是动态库\n").unwrap();
    std::fs::write(
        dir.path().join(libloading::library_filename("foo")),
        "nor this\n",
    )
    .unwrap();

    let (registry, problems) = Registry::discover_in(&[dir.path().to_path_buf()]);

    let ids: Vec<String> = registry.formats().into_iter().map(|f| f.id).collect();
    assert_eq!(ids, [NATIONAL_2021, "beijing", "panic-check", "shandong"]);
    assert_eq!(problems.len(), 8, "{problems:#?}");
    // Every message names its file.
    for p in &problems {
        let name = p.file.file_name().unwrap().to_str().unwrap();
        assert!(p.message.contains(name), "{p}");
        assert!(p.message.starts_with("插件“"), "{p}");
    }
    let msg = |stem: &str| problem_for(&problems, stem).message.clone();
    assert!(
        msg("wrong_abi").contains("接口版本为 99，本程序要求 1"),
        "{}",
        msg("wrong_abi")
    );
    assert!(
        msg("panic_describe").contains("panic"),
        "{}",
        msg("panic_describe")
    );
    assert!(msg("panic_describe").contains("找不到地区配置文件"));
    // The plugin's panic is reported with its place, not printed to the terminal.
    assert!(
        msg("panic_describe").contains("位置：panic_describe/src/lib.rs:"),
        "{}",
        msg("panic_describe")
    );
    assert!(
        msg("bad_json").contains("不是有效的 JSON"),
        "{}",
        msg("bad_json")
    );
    assert!(
        msg("missing_symbol").contains("缺少导出函数 nianbao_plugin_describe"),
        "{}",
        msg("missing_symbol")
    );
    let dup = msg("duplicate_id");
    assert!(
        dup.contains("“beijing”已由") && dup.contains(&lib_name("beijing")),
        "{dup}"
    );
    assert!(
        msg("claims_national").contains("national-2021"),
        "{}",
        msg("claims_national")
    );
    assert!(
        msg("bad_overlay").contains("第9部分"),
        "{}",
        msg("bad_overlay")
    );
    assert!(
        msg("notalib").contains("不是动态库文件"),
        "{}",
        msg("notalib")
    );
    assert!(!problems.iter().any(|p| {
        p.message
            .contains(&*libloading::library_filename("foo").to_string_lossy())
    }));

    // The duplicate did not replace the first Beijing plugin.
    let beijing = registry.format("beijing").unwrap();
    assert!(
        beijing
            .template(template::OPENING)
            .unwrap()
            .contains("第五十条")
    );

    // A panic in a native check becomes a finding naming the plugin.
    let findings = registry.native_check("panic-check", &weidong_report());
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "plugin.check_failed");
    assert!(
        findings[0]
            .message
            .contains("无法处理卫东区行政审批和政务信息管理局的报告"),
        "{}",
        findings[0].message
    );
    assert!(findings[0].message.contains(&lib_name("panic_check")));
    // A problem can be shown with the other findings.
    let finding = problem_for(&problems, "wrong_abi").to_finding();
    assert_eq!(finding.rule, "plugin.load_failed");
    assert!(
        finding.locations[0]
            .file
            .as_deref()
            .unwrap()
            .ends_with(&lib_name("wrong_abi"))
    );
}

#[test]
fn loading_the_same_plugin_twice_is_refused_and_changes_nothing() {
    let dir = plugin_dir(&["shandong"], &[]);
    let path = dir.path().join(lib_name("shandong"));
    let mut registry = Registry::builtin();
    let info = registry.load_file(&path).unwrap();
    assert_eq!(info.id, "shandong");
    let err = registry.load_file(&path).unwrap_err();
    assert!(err.message.contains("已由"), "{err}");
    assert_eq!(registry.formats().len(), 2);
    // The same directory twice is scanned once.
    let (registry, problems) =
        Registry::discover_in(&[dir.path().to_path_buf(), dir.path().join(".")]);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(registry.formats().len(), 2);
}

/// A half-copied plugin (the real Shandong library cut short) is refused by its headers before
/// the loader maps it: without the check, touching a segment past the end kills the process
/// with SIGBUS. The whole copy beside it still loads.
#[test]
fn truncated_copies_of_a_real_plugin_are_refused_before_loading() {
    let dir = plugin_dir(&["shandong"], &[]);
    let whole = std::fs::read(dir.path().join(lib_name("shandong"))).unwrap();
    for (stem, len) in [
        ("cut1000", 1000),
        ("half", whole.len() / 2),
        ("most", whole.len() - 1),
    ] {
        std::fs::write(dir.path().join(lib_name(stem)), &whole[..len]).unwrap();
    }
    let (registry, problems) = Registry::discover_in(&[dir.path().to_path_buf()]);
    assert!(registry.format("shandong").is_some(), "{problems:?}");
    for stem in ["cut1000", "half", "most"] {
        let problem = problem_for(&problems, stem);
        assert!(problem.message.contains("不完整"), "{stem}: {problem}");
    }
    assert_eq!(problems.len(), 3, "{problems:?}");
}

/// A plugin folder others can write is refused as a whole unless insecure plugins are allowed.
#[cfg(unix)]
#[test]
fn a_folder_others_can_write_is_refused_unless_allowed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = plugin_dir(&["shandong"], &[]);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let dirs = [dir.path().to_path_buf()];
    let (registry, problems) = Registry::discover_in(&dirs);
    assert!(registry.format("shandong").is_none());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].file, dir.path());
    assert!(
        problems[0].message.contains("可由任何用户写入"),
        "{}",
        problems[0]
    );
    let (registry, problems) =
        Registry::discover_in_with(&dirs, nianbao_plugins::Trust::AllowInsecure);
    assert!(registry.format("shandong").is_some(), "{problems:?}");
    assert!(problems.is_empty(), "{problems:?}");
}

/// The same build in two folders (next to the executable and in a --plugin-dir, say) is one
/// plugin; a different build of the same size claiming the same id is still reported.
#[test]
fn the_same_build_in_two_folders_is_one_plugin() {
    let first = plugin_dir(&["shandong"], &[]);
    let second = plugin_dir(&["shandong"], &[]);
    let dirs = [first.path().to_path_buf(), second.path().to_path_buf()];
    let (registry, problems) = Registry::discover_in(&dirs);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(registry.formats().len(), 2);
    // The last byte changed (it lies in the section headers, which the dynamic loader does
    // not use): the same size, other content, so a second plugin claiming the same id.
    let path = second.path().join(lib_name("shandong"));
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let (registry, problems) = Registry::discover_in(&dirs);
    assert_eq!(registry.formats().len(), 2);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.contains("已由"), "{}", problems[0]);
}
