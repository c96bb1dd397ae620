//! End-to-end tests of the `nianbao` binary: every command on the bundled example and on generated
//! units built from the real numbers of the 淮安 2024 report.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use nianbao_model::{Decimal, Format, Report, ValueKey};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> PathBuf {
    root().join("examples/weidong-2024")
}

fn nianbao() -> Command {
    let mut cmd = Command::cargo_bin("nianbao").unwrap();
    // Plugins next to the test binary or in the environment must not change these tests.
    cmd.env_remove("NIANBAO_PLUGIN_PATH");
    cmd
}

/// The 淮安 numbers, each multiplied by `factor` (sums stay consistent, figures vary by unit).
fn huaian_scaled(org: &str, factor: i64) -> Report {
    nianbao_tests::huaian_scaled(org, 2024, factor)
}

fn write_workbook(path: &Path, report: &Report) {
    let bytes = nianbao_excel::write_report_workbook(Format::national_2021(), report, &[]).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn write_unit(dir: &Path, report: &Report) {
    std::fs::create_dir_all(dir).unwrap();
    write_workbook(&dir.join("统计表.xlsx"), report);
    std::fs::write(
        dir.join("report.toml"),
        format!(
            "org = \"{}\"\nyear = {}\nlevel = \"部门\"\n",
            report.meta.org, report.meta.year
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("草稿.md"),
        format!(
            "# {org}{year}年政府信息公开工作年度报告\n\n## 一、总体情况\n\n{year}年，本机关共收到政府信息公开申请{{{{ new_received.total }}}}件，办结{{{{ processed_total.total }}}}件。\n\n## 五、存在的主要问题及改进情况\n\n政策解读的针对性有待提升，下一步将加强培训。\n\n## 六、其他需要报告的事项\n\n本年度未收取信息处理费。\n",
            org = report.meta.org,
            year = report.meta.year
        ),
    )
    .unwrap();
}

/// `nianbao check <path> --json`, parsed.
fn check_json(path: &Path) -> Value {
    let out = nianbao()
        .arg("check")
        .arg(path)
        .arg("--json")
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The rule ids of a JSON result's findings, in order.
fn rules_of(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .collect()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn check_the_bundled_example() {
    let out = nianbao().arg("check").arg(example()).output().unwrap();
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("卫东区行政审批和政务信息管理局2024年政府信息公开工作年度报告"),
        "{text}"
    );
    assert!(text.contains("错误 0 项"), "{text}");
}

#[test]
fn build_the_example_twice_gives_identical_bytes_and_keeps_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let docx = tmp.path().join("报告.docx");
    for _ in 0..2 {
        nianbao()
            .arg("build")
            .arg(example())
            .arg("-o")
            .arg(&docx)
            .arg("--xlsx")
            .arg("--force")
            .assert()
            .code(0);
    }
    let first = std::fs::read(&docx).unwrap();
    let xlsx = std::fs::read(tmp.path().join("报告.xlsx")).unwrap();
    nianbao()
        .arg("build")
        .arg(example())
        .arg("-o")
        .arg(tmp.path().join("b.docx"))
        .arg("--xlsx")
        .assert()
        .code(0);
    assert_eq!(first, std::fs::read(tmp.path().join("b.docx")).unwrap());
    assert_eq!(xlsx, std::fs::read(tmp.path().join("b.xlsx")).unwrap());
    // An existing output is kept unless --force.
    let out = nianbao()
        .arg("build")
        .arg(example())
        .arg("-o")
        .arg(&docx)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("已存在"));
}

#[test]
fn an_input_is_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("u");
    write_unit(&unit, &huaian_scaled("某局", 1));
    let before = std::fs::read(unit.join("统计表.xlsx")).unwrap();
    let out = nianbao()
        .arg("build")
        .arg(&unit)
        .arg("-o")
        .arg(unit.join("x.docx"))
        .arg("--xlsx")
        .arg(unit.join("统计表.xlsx"))
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("输入文件"));
    assert_eq!(before, std::fs::read(unit.join("统计表.xlsx")).unwrap());
}

#[test]
fn a_changed_cell_is_reported_with_its_place_and_blocks_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let mut report = huaian_scaled("淮安市人民政府", 1);
    report.set(
        ValueKey::new("processed_total", "natural_person"),
        Decimal::from(2931),
        None,
    );
    let unit = tmp.path().join("u");
    write_unit(&unit, &report);
    let out = nianbao().arg("check").arg(&unit).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("[t3.results_total] 表三（七）总计·自然人：各项之和为 2932，填报为 2931"),
        "{text}"
    );
    assert!(text.contains("统计表.xlsx › "), "{text}");
    let out = nianbao()
        .arg("build")
        .arg(&unit)
        .arg("-o")
        .arg(tmp.path().join("r.docx"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!tmp.path().join("r.docx").exists());
    nianbao()
        .arg("build")
        .arg(&unit)
        .arg("-o")
        .arg(tmp.path().join("r.docx"))
        .arg("--allow-errors")
        .assert()
        .code(1);
    assert!(tmp.path().join("r.docx").exists());
}

#[test]
fn json_output_keys_values_by_row_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("u");
    write_unit(&unit, &huaian_scaled("淮安市人民政府", 1));
    let doc = check_json(&unit);
    assert_eq!(doc["schema"], "nianbao/1");
    let values = &doc["report"]["values"];
    assert_eq!(values["new_received"]["natural_person"]["value"], 3001);
    assert_eq!(values["review"]["total"]["value"], 351);
    assert_eq!(values["fees"]["amount_wan_yuan"]["value"], "96171.6");
    assert_eq!(
        values["new_received"]["natural_person"]["source"]["file"],
        "统计表.xlsx"
    );
    assert_eq!(doc["counts"]["errors"], 0);
    // Placeholders in the draft were rendered from the tables.
    let text = doc["report"]["parts"].to_string();
    assert!(
        text.contains("共收到政府信息公开申请3119件，办结3050件"),
        "{text}"
    );
}

#[test]
fn last_years_report_is_checked_across_years() {
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("2024");
    write_unit(&unit, &huaian_scaled("淮安市人民政府", 1));
    let mut last = huaian_scaled("淮安市人民政府", 1);
    last.meta.year = 2023;
    let prev = tmp.path().join("2023.xlsx");
    write_workbook(&prev, &last);
    let out = nianbao()
        .arg("check")
        .arg(&unit)
        .arg("--previous")
        .arg(&prev)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[y.carry_over] 表三 二、上年结转政府信息公开申请数量·总计：本年填报 34，上年报告“四、结转下年度继续办理”为 103"), "{text}");
}

#[test]
fn init_makes_a_folder_that_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("新单位");
    nianbao()
        .arg("init")
        .arg(&dir)
        .args([
            "--org",
            "某某镇人民政府",
            "--year",
            "2024",
            "--level",
            "乡镇",
        ])
        .assert()
        .code(0);
    for f in ["report.toml", "统计表.xlsx", "草稿.docx", "草稿.md"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let doc = check_json(&dir);
    assert_eq!(doc["report"]["meta"]["org"], "某某镇人民政府");
    let rules = rules_of(&doc);
    assert_eq!(
        rules.iter().filter(|r| *r == "values.missing").count(),
        1,
        "{rules:?}"
    );
    // init refuses to write into a folder that has files, unless --force.
    nianbao()
        .arg("init")
        .arg(&dir)
        .args(["--org", "x", "--year", "2024"])
        .assert()
        .code(2);
}

#[test]
fn formats_lists_the_national_format() {
    let out = nianbao().arg("formats").output().unwrap();
    assert!(stdout(&out).contains("national-2021"));
}

#[test]
fn help_is_in_chinese() {
    let out = nianbao().arg("--help").output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("检查报告") && text.contains("用法"), "{text}");
    assert!(
        text.contains("命令:") && !text.contains("Commands:"),
        "{text}"
    );
    let out = nianbao().args(["check", "--help"]).output().unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("参数:") && text.contains("选项:") && text.contains("--previous"),
        "{text}"
    );
    assert!(
        !text.contains("Options:") && !text.contains("Arguments:"),
        "{text}"
    );
    // No English anywhere in the help: usage placeholders, defaults and choices included.
    for command in [
        "", "init", "check", "build", "batch", "sum", "formats", "serve",
    ] {
        let args: Vec<&str> = [command, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let text = stdout(&nianbao().args(&args).output().unwrap());
        for english in [
            "Usage",
            "[OPTIONS]",
            "<COMMAND>",
            "[default:",
            "[possible values:",
        ] {
            assert!(
                !text.contains(english),
                "nianbao {command} --help: {english}\n{text}"
            );
        }
    }
    let text = stdout(&nianbao().args(["build", "--help"]).output().unwrap());
    assert!(
        text.contains("用法：nianbao build [选项] <输入>...")
            && text.contains("（默认：zh；可选：zh、en）"),
        "{text}"
    );
    // With --json, a run that cannot be done is a JSON document too.
    for (args, kind) in [
        (vec!["check", "--json", "--bogus"], "usage"),
        (vec!["check", "--json", "不存在的文件.xlsx"], "input"),
    ] {
        let out = nianbao().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["schema"], "nianbao/1");
        assert_eq!(json["error"]["kind"], kind, "{json}");
        assert!(
            json["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(if kind == "usage" {
                    "用法错误："
                } else {
                    "错误："
                }),
            "{json}"
        );
    }
    // A usage error says what is wrong in Chinese and exits with 2.
    let out = nianbao().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("缺少必需的参数"));
}

fn batch_folder(root: &Path, n: usize) -> PathBuf {
    let dir = root.join("各单位");
    for i in 0..n {
        let name = format!("单位{:02}", i + 1);
        let mut report = huaian_scaled(&format!("某某区第{}局", i + 1), (i % 7 + 1) as i64);
        if i == 3 {
            // a wrong total
            report.set(ValueKey::new("review", "total"), Decimal::from(1), None);
        }
        write_unit(&dir.join(&name), &report);
    }
    // A unit whose workbook is not a spreadsheet, and one with no workbook at all.
    std::fs::create_dir_all(dir.join("单位98")).unwrap();
    std::fs::write(dir.join("单位98/统计表.xlsx"), "序号,数量\n1,2\n").unwrap();
    std::fs::create_dir_all(dir.join("单位99")).unwrap();
    std::fs::write(dir.join("单位99/草稿.md"), "# 一、总体情况\n\n无。\n").unwrap();
    dir
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn batch_builds_good_units_reports_broken_ones_and_is_thread_count_independent() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = batch_folder(tmp.path(), 20);
    let out1 = tmp.path().join("out1");
    let out2 = tmp.path().join("out2");
    let run1 = nianbao()
        .arg("batch")
        .arg(&dir)
        .arg("-o")
        .arg(&out1)
        .args(["--jobs", "1"])
        .output()
        .unwrap();
    let text = stdout(&run1);
    assert_eq!(run1.status.code(), Some(1), "{text}");
    assert!(text.contains("共 22 个单位"), "{text}");
    assert!(text.contains("无法读取 1"), "{text}");
    assert!(text.contains("单位04"), "{text}");
    nianbao()
        .arg("batch")
        .arg(&dir)
        .arg("-o")
        .arg(&out2)
        .args(["--jobs", "2"])
        .assert()
        .code(1);
    let tree1 = read_tree(&out1);
    assert_eq!(
        tree1,
        read_tree(&out2),
        "outputs differ between 1 and 2 threads"
    );
    let names: Vec<&str> = tree1.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"单位01.docx") && names.contains(&"单位20.docx"));
    assert!(
        !names.contains(&"单位04.docx"),
        "a unit with errors gets no DOCX"
    );
    assert!(names.contains(&"汇总.xlsx") && names.contains(&"检查结果.json"));
    let json: Value =
        serde_json::from_slice(&std::fs::read(out1.join("检查结果.json")).unwrap()).unwrap();
    let units = json["units"].as_array().unwrap();
    assert_eq!(units.len(), 22);
    let unit = |name: &str| units.iter().find(|u| u["name"] == name).unwrap();
    assert_eq!(unit("单位04")["status"], "有错误");
    assert_eq!(unit("单位98")["status"], "无法读取");
    assert_eq!(unit("单位99")["status"], "有错误");
    assert_eq!(unit("单位02")["figures"]["本年新收"], "6238");
}

#[test]
fn sum_adds_units_and_checks_the_parent() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    write_unit(&a, &huaian_scaled("甲局", 1));
    write_unit(&b, &huaian_scaled("乙局", 2));
    let parent = tmp.path().join("parent.xlsx");
    let mut p = huaian_scaled("某区人民政府", 3);
    p.set(ValueKey::new("review", "upheld"), Decimal::from(215), None);
    write_workbook(&parent, &p);
    let out_path = tmp.path().join("汇总.xlsx");
    let out = nianbao()
        .arg("sum")
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(&out_path)
        .args(["--org", "某区人民政府"])
        .arg("--parent")
        .arg(&parent)
        .arg("--json")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["report"]["values"]["new_received"]["total"]["value"],
        3119 * 3
    );
    assert_eq!(
        doc["report"]["summed_from"],
        serde_json::json!(["甲局", "乙局"])
    );
    let mismatches: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "sum.parent_mismatch")
        .collect();
    assert_eq!(mismatches.len(), 1);
    assert_eq!(
        mismatches[0]["message"],
        "表四 行政复议·结果维持：上级报告填报 215，各单位之和为 216"
    );
    // The summed workbook reads back as the same numbers.
    let imported = nianbao_excel::import_workbook(&out_path, Format::national_2021()).unwrap();
    assert_eq!(
        imported.report.number(&ValueKey::new("review", "total")),
        Some(Decimal::from(351 * 3))
    );
}

// ───────────────────────────── regional plugins ─────────────────────────────

/// Builds the two regional plugins (real shared libraries) next to the test binaries, once.
fn plugin_dir() -> &'static Path {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        // target/<profile>/deps/cli-… → target/<profile>
        let exe = std::env::current_exe().unwrap();
        let profile = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let mut cmd = std::process::Command::new(env!("CARGO"));
        cmd.current_dir(root()).args([
            "build",
            "-p",
            "nianbao-plugin-shandong",
            "-p",
            "nianbao-plugin-beijing",
        ]);
        if profile.ends_with("release") {
            cmd.arg("--release");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        profile
    })
}

fn document_xml(docx: &Path) -> String {
    let file = std::fs::File::open(docx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    xml
}

/// The visible text of a DOCX body: the `w:t` runs joined, paragraph by paragraph.
fn docx_text(docx: &Path) -> String {
    let xml = document_xml(docx);
    let mut text = String::new();
    for para in xml.split("</w:p>") {
        for piece in para.split("<w:t").skip(1) {
            if let Some(start) = piece.find('>') {
                let rest = &piece[start + 1..];
                text.push_str(&rest[..rest.find("</w:t>").unwrap_or(0)]);
            }
        }
        text.push('\n');
    }
    text
}

#[test]
fn regional_formats_change_the_filing_document() {
    let plugins = plugin_dir();
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("u");
    let mut report = huaian_scaled("威海市某某局", 1);
    report.meta.date = Some("2025-01-16".into());
    write_unit(&unit, &report);
    std::fs::write(
        unit.join("report.toml"),
        "org = \"威海市某某局\"\nyear = 2024\ndate = \"2025-01-16\"\ncontact = [\"电话：0631-0000000\"]\n",
    )
    .unwrap();

    let out = nianbao()
        .arg("formats")
        .arg("--plugin-dir")
        .arg(plugins)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("shandong") && text.contains("beijing") && text.contains("national-2021"),
        "{text}"
    );

    // The national draft lacks four of Shandong's five items of part 六 (its sentence on the
    // 信息处理费 covers the first).
    let out = nianbao()
        .arg("check")
        .arg(&unit)
        .args(["--format", "shandong", "--json"])
        .arg("--plugin-dir")
        .arg(plugins)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "prose.item_missing")
        .count();
    assert_eq!(missing, 4, "{doc:#}");

    let national = tmp.path().join("national.docx");
    let shandong = tmp.path().join("shandong.docx");
    let beijing = tmp.path().join("beijing.docx");
    nianbao()
        .arg("build")
        .arg(&unit)
        .arg("-o")
        .arg(&national)
        .assert()
        .code(0);
    for (id, path) in [("shandong", &shandong), ("beijing", &beijing)] {
        nianbao()
            .arg("build")
            .arg(&unit)
            .args(["--format", id])
            .arg("--plugin-dir")
            .arg(plugins)
            .arg("-o")
            .arg(path)
            .assert()
            .code(0);
    }
    let national = docx_text(&national);
    let shandong = docx_text(&shandong);
    let beijing = docx_text(&beijing);
    assert!(national.contains("国办公开办函〔2021〕30号") && !national.contains("国务院令第711号"));
    assert!(shandong.contains("国务院令第711号"), "{shandong}");
    assert!(
        shandong.contains("0631-0000000"),
        "the contact block is in the Shandong opening"
    );
    // Every format closes with the signature and report.toml's date (the 落款 template).
    let tail = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.is_empty())
            .rev()
            .take(2)
            .map(str::to_string)
            .collect()
    };
    for text in [&national, &shandong, &beijing] {
        assert_eq!(tail(text), vec!["2025年1月16日", "威海市某某局"]);
    }
    // A draft with a closing of its own: its signature stays, the date is report.toml's.
    let draft = std::fs::read_to_string(unit.join("草稿.md")).unwrap();
    std::fs::write(
        unit.join("草稿.md"),
        format!("{draft}\n威海市某某局办公室\n\n2025年1月10日\n"),
    )
    .unwrap();
    let signed = tmp.path().join("signed.docx");
    nianbao()
        .arg("build")
        .arg(&unit)
        .args(["--format", "shandong"])
        .arg("--plugin-dir")
        .arg(plugins)
        .arg("-o")
        .arg(&signed)
        .assert()
        .code(0);
    assert_eq!(
        tail(&docx_text(&signed)),
        vec!["2025年1月16日", "威海市某某局办公室"]
    );
    assert!(
        beijing.starts_with("威海市某某局") || beijing.contains("2024年政府信息公开工作年度报告")
    );
    assert!(beijing.contains("依据《中华人民共和国政府信息公开条例》（以下简称《政府信息公开条例》）第五十条规定，编制本报告。"), "{beijing}");
    // The tables are the national ones in every format.
    for text in [&national, &shandong, &beijing] {
        assert!(text.contains("3985758") && text.contains("96171.6"));
    }
}

// ───────────────────────────── the office's Word template ─────────────────────────────

/// `init --reference-docx` writes a starting template; `build --reference-docx` and
/// `reference_docx` in report.toml use one (the LibreOffice-made fixture: 楷体 body, a header
/// line); the template is an input and never written over.
#[test]
fn an_office_template_is_written_used_and_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let start = tmp.path().join("本单位模板.docx");
    nianbao()
        .arg("init")
        .arg("--reference-docx")
        .arg(&start)
        .assert()
        .code(0);
    assert!(start.is_file());
    let plain = tmp.path().join("plain.docx");
    let from_start = tmp.path().join("start.docx");
    for (out, reference) in [(&plain, None), (&from_start, Some(&start))] {
        let mut cmd = nianbao();
        cmd.arg("build").arg(example()).arg("-o").arg(out);
        if let Some(r) = reference {
            cmd.arg("--reference-docx").arg(r);
        }
        cmd.assert().code(0);
    }
    // nianbao's own template gives nianbao's look: the same text and tables.
    assert_eq!(docx_text(&plain), docx_text(&from_start));

    // A unit naming the office's template in report.toml.
    let unit = tmp.path().join("u");
    write_unit(&unit, &huaian_scaled("卫东区行政审批和政务信息管理局", 1));
    std::fs::copy(
        root().join("tests/fixtures/reference/office-template.docx"),
        unit.join("本单位模板.docx"),
    )
    .unwrap();
    let toml = std::fs::read_to_string(unit.join("report.toml")).unwrap();
    std::fs::write(
        unit.join("report.toml"),
        format!("{toml}reference_docx = \"本单位模板.docx\"\n"),
    )
    .unwrap();
    let styled = tmp.path().join("styled.docx");
    nianbao()
        .arg("build")
        .arg(&unit)
        .arg("-o")
        .arg(&styled)
        .assert()
        .code(0);
    let bytes = std::fs::read(&styled).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    assert!(
        names.iter().any(|n| n.starts_with("word/header")),
        "{names:?}"
    );
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/styles.xml").unwrap(), &mut styles)
        .unwrap();
    assert!(styles.contains("楷体\""), "the template's body font");

    // The template is an input: not even --force writes over it.
    let template = unit.join("本单位模板.docx");
    let before = std::fs::read(&template).unwrap();
    let out = nianbao()
        .arg("build")
        .arg(&unit)
        .arg("-o")
        .arg(&template)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&template).unwrap(), before);

    // A file that is not a Word document is refused in Chinese, before anything is written.
    let bad = tmp.path().join("坏模板.docx");
    std::fs::write(&bad, "not a zip").unwrap();
    let out = nianbao()
        .arg("build")
        .arg(&unit)
        .arg("-o")
        .arg(tmp.path().join("bad.docx"))
        .arg("--reference-docx")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("本单位模板") && stderr.contains("不是 Word 文档"),
        "{stderr}"
    );
    assert!(!tmp.path().join("bad.docx").exists());
}

// ───────────────────────────── PDF ─────────────────────────────

fn render_tests_enabled() -> bool {
    if std::env::var("NIANBAO_RENDER_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set NIANBAO_RENDER_TESTS=1 (needs soffice and pdftotext)");
        return false;
    }
    true
}

/// The text of a PDF (`pdftotext -layout`).
fn pdf_text(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A program standing in for LibreOffice's `soffice`: it counts its launches in `count` and
/// either runs the real LibreOffice (`real`) or, without one, writes a small PDF for every
/// document it is given, as `soffice --convert-to pdf --outdir DIR a.docx b.docx` does.
fn soffice_wrapper(dir: &Path, count: &Path, real: Option<&Path>) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("soffice");
    let body = match real {
        Some(real) => format!("exec '{}' \"$@\"", real.display()),
        None => "out=''; while [ $# -gt 0 ]; do case \"$1\" in --outdir) out=\"$2\"; shift;; *.docx) n=$(basename \"$1\" .docx); printf '%%PDF-1.4 stand-in\\n' > \"$out/$n.pdf\";; esac; shift; done".to_string(),
    };
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho launched >> '{}'\n{body}\n",
            count.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn launches(count: &Path) -> usize {
    std::fs::read_to_string(count)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// `build --pdf`: the PDF beside the DOCX, made by LibreOffice, holds the six headings and every
/// table value. Runs when NIANBAO_RENDER_TESTS=1 (CI installs LibreOffice and sets it).
#[test]
fn build_pdf_holds_the_headings_and_the_table_values() {
    if !render_tests_enabled() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("淮安");
    let report = huaian_scaled("淮安市人民政府", 1);
    write_unit(&unit, &report);
    let docx = tmp.path().join("淮安.docx");
    nianbao()
        .arg("build")
        .arg(&unit)
        .arg("-o")
        .arg(&docx)
        .arg("--pdf")
        .assert()
        .code(0);
    let pdf = tmp.path().join("淮安.pdf");
    let text = pdf_text(&pdf);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for heading in Format::national_2021()
        .parts
        .iter()
        .map(|p| p.full_heading())
    {
        assert!(compact.contains(&heading), "missing {heading}");
    }
    let tokens: std::collections::BTreeSet<&str> = text.split_whitespace().collect();
    for key in Format::national_2021().value_keys() {
        let value = report.number(&key).unwrap().normalize().to_string();
        assert!(
            tokens.contains(value.as_str()),
            "{key} = {value} not in the PDF"
        );
    }
}

/// `batch --pdf` over 20 units starts LibreOffice once, and every unit's PDF is beside its DOCX.
/// Without LibreOffice installed, a stand-in counts the launches the same way.
#[test]
fn batch_pdf_converts_every_unit_in_one_libreoffice_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("各单位");
    for i in 0..20 {
        write_unit(
            &dir.join(format!("单位{:02}", i + 1)),
            &huaian_scaled(&format!("某某区第{}局", i + 1), (i % 5 + 1) as i64),
        );
    }
    let real = render_tests_enabled()
        .then(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .map(|d| d.join("soffice"))
                .find(|p| p.is_file())
        })
        .flatten();
    let count = tmp.path().join("launches.txt");
    let wrapper = soffice_wrapper(tmp.path(), &count, real.as_deref());
    let out_dir = tmp.path().join("输出");
    nianbao()
        .arg("batch")
        .arg(&dir)
        .arg("-o")
        .arg(&out_dir)
        .arg("--pdf")
        .env("NIANBAO_SOFFICE", &wrapper)
        .assert()
        .code(0);
    assert_eq!(launches(&count), 1);
    let names = |ext: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&out_dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.ok()?.file_name().to_string_lossy().into_owned();
                name.strip_suffix(ext).map(str::to_string)
            })
            .filter(|n| n != "汇总")
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(".docx").len(), 20);
    assert_eq!(names(".pdf"), names(".docx"));
    if real.is_some() {
        let first = out_dir.join(format!("{}.pdf", names(".pdf")[0]));
        assert!(pdf_text(&first).contains("一、总体情况"));
    }
}

/// Without LibreOffice, `build --pdf` says in Chinese how to get it and still writes the DOCX.
#[test]
fn without_libreoffice_the_docx_is_written_and_the_message_says_how_to_get_it() {
    let tmp = tempfile::tempdir().unwrap();
    let docx = tmp.path().join("报告.docx");
    let out = nianbao()
        .arg("build")
        .arg(example())
        .arg("-o")
        .arg(&docx)
        .arg("--pdf")
        .env("NIANBAO_SOFFICE", tmp.path().join("没有这个程序"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("未找到 LibreOffice") && stderr.contains("libreoffice.org"),
        "{stderr}"
    );
    assert!(docx.is_file());
    assert!(!tmp.path().join("报告.pdf").exists());
}

// ───────────────────────────── safety of outputs ─────────────────────────────

#[test]
fn building_into_the_report_folder_does_not_confuse_the_next_check() {
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("u");
    write_unit(&unit, &huaian_scaled("某局", 1));
    std::fs::remove_file(unit.join("report.toml")).unwrap();
    nianbao()
        .arg("build")
        .arg(&unit)
        .args(["--org", "某局", "--year", "2024", "--xlsx"])
        .assert()
        .code(0);
    let built = unit
        .join("输出")
        .join("某局2024年政府信息公开工作年度报告.docx");
    assert!(built.exists(), "default output goes to the folder's 输出/");
    // The report it wrote is not taken for a second workbook or draft.
    nianbao()
        .arg("check")
        .arg(&unit)
        .args(["--org", "某局", "--year", "2024"])
        .assert()
        .code(0);
    nianbao()
        .arg("build")
        .arg(&unit)
        .args(["--org", "某局", "--year", "2024", "--force"])
        .assert()
        .code(0);
}

#[test]
fn sum_never_writes_over_a_units_workbook() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write_unit(&a, &huaian_scaled("甲局", 1));
    write_unit(&b, &huaian_scaled("乙局", 2));
    let before = std::fs::read(a.join("统计表.xlsx")).unwrap();
    let out = nianbao()
        .arg("sum")
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(a.join("统计表.xlsx"))
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("输入文件"));
    assert_eq!(before, std::fs::read(a.join("统计表.xlsx")).unwrap());
}

#[test]
fn batch_units_never_share_an_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("各单位");
    // Three names that clean up to the same file name, and one that is the summary's name.
    for (i, name) in ["甲:局", "甲_局", "甲?局", "汇总"].iter().enumerate() {
        write_unit(
            &dir.join(name),
            &huaian_scaled(&format!("单位{i}"), i as i64 + 1),
        );
    }
    // The output folder inside the input folder is not a unit on the next run.
    let out = dir.join("输出结果");
    nianbao()
        .arg("batch")
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "检查结果.json",
            "汇总.xlsx",
            "汇总（2）.docx",
            "汇总（2）.xlsx",
            "汇总（2）问题清单.xlsx",
            "甲_局.docx",
            "甲_局.xlsx",
            "甲_局问题清单.xlsx",
            "甲_局（2）.docx",
            "甲_局（2）.xlsx",
            "甲_局（2）问题清单.xlsx",
            "甲_局（3）.docx",
            "甲_局（3）.xlsx",
            "甲_局（3）问题清单.xlsx",
        ]
    );
    let run2 = nianbao()
        .arg("batch")
        .arg(&dir)
        .arg("-o")
        .arg(tmp.path().join("again"))
        .output()
        .unwrap();
    assert!(stdout(&run2).contains("共 4 个单位"), "{}", stdout(&run2));
}

#[test]
fn a_report_toml_given_as_a_file_resolves_paths_from_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("u");
    write_unit(&unit, &huaian_scaled("淮安市人民政府", 1));
    let mut last = huaian_scaled("淮安市人民政府", 1);
    last.meta.year = 2023;
    write_workbook(&unit.join("上年.xlsx"), &last);
    std::fs::write(
        unit.join("report.toml"),
        "org = \"淮安市人民政府\"\nyear = 2024\nprevious = \"上年.xlsx\"\n",
    )
    .unwrap();
    let out = nianbao()
        .current_dir(tmp.path())
        .arg("check")
        .arg(unit.join("report.toml"))
        .arg(unit.join("统计表.xlsx"))
        .output()
        .unwrap();
    // Last year's carried-forward (103) differs from this year's carried-over (34).
    assert!(
        stdout(&out).contains("[y.carry_over]"),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_drafts_tables_are_not_read_when_the_workbook_has_the_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("u");
    write_unit(&unit, &huaian_scaled("淮安市人民政府", 2));
    std::fs::remove_file(unit.join("草稿.md")).unwrap();
    // A published-style draft with its own tables, one row of which has lost a cell.
    let html =
        std::fs::read_to_string(root().join("tests/fixtures/docs/huaian-2024.html")).unwrap();
    let row = "<td>规章</td><td>1</td><td>0</td><td>11</td>";
    assert!(html.contains(row));
    std::fs::write(
        unit.join("草稿.html"),
        html.replace(row, "<td>规章</td><td>1</td><td>0</td>"),
    )
    .unwrap();
    let doc = check_json(&unit);
    let found = rules_of(&doc);
    assert!(
        found.contains(&"input.values_ignored".to_string()),
        "{found:?}"
    );
    assert!(!found.iter().any(|r| r.starts_with("import.")), "{found:?}");
    assert_eq!(doc["counts"]["errors"], 0, "{found:?}");
    // The numbers are the workbook's (twice 淮安's), the prose is the draft's.
    let values = &doc["report"]["values"];
    assert_eq!(values["new_received"]["natural_person"]["value"], 6002);
    assert_eq!(
        values["regulations"]["made"]["source"]["file"],
        "统计表.xlsx"
    );
    assert!(doc["report"]["parts"].to_string().contains("传帮带"));

    // Without the workbook the draft's tables are the numbers, and the broken row is an error.
    std::fs::remove_file(unit.join("统计表.xlsx")).unwrap();
    let doc = check_json(&unit);
    let found = rules_of(&doc);
    assert!(
        found.contains(&"import.row_values".to_string()),
        "{found:?}"
    );
    assert!(
        !found.contains(&"input.values_ignored".to_string()),
        "{found:?}"
    );
    assert_eq!(
        doc["report"]["values"]["new_received"]["natural_person"]["value"],
        3001
    );
}

#[test]
fn a_unit_without_its_draft_is_told_its_text_is_missing() {
    let rules = |args: &[&std::ffi::OsStr]| -> Vec<String> {
        let out = nianbao().args(args).output().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let workbook = example().join("统计表.xlsx");
    let only_workbook = rules(&["check".as_ref(), "--json".as_ref(), workbook.as_os_str()]);
    assert_eq!(
        only_workbook
            .iter()
            .filter(|r| *r == "input.no_draft")
            .count(),
        1,
        "{only_workbook:?}"
    );
    let whole = rules(&["check".as_ref(), "--json".as_ref(), example().as_os_str()]);
    assert!(!whole.iter().any(|r| r == "input.no_draft"), "{whole:?}");
}

#[test]
fn a_workbook_of_two_years_is_read_for_the_year_asked() {
    let workbook = root().join("tests/fixtures/excel/two-years.xlsx");
    let run = |year: Option<&str>| -> serde_json::Value {
        let mut cmd = nianbao();
        cmd.args(["check", "--json"]);
        if let Some(y) = year {
            cmd.args(["--year", y]);
        }
        serde_json::from_slice(&cmd.arg(&workbook).output().unwrap().stdout).unwrap()
    };
    let rule = |json: &serde_json::Value, id: &str| -> Vec<String> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == id)
            .map(|f| f["severity"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    // Not told which: an error naming both years, said once.
    let unasked = run(None);
    assert_eq!(rule(&unasked, "import.two_years"), ["error"], "{unasked}");
    assert!(
        rule(&unasked, "import.duplicate_table").is_empty(),
        "{unasked}"
    );
    // Told: that year's sheet (2024: 62 new applications; the 2023 sheet has another figure).
    let asked = run(Some("2024"));
    assert_eq!(rule(&asked, "import.two_years"), ["warning"], "{asked}");
    assert_eq!(
        asked["report"]["values"]["new_received"]["total"]["value"], 62,
        "{asked}"
    );
    let other = run(Some("2023"));
    assert_ne!(
        other["report"]["values"]["new_received"]["total"]["value"], 62,
        "{other}"
    );
}
