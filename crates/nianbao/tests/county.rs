//! The 政务公开办's path end to end: a county folder of 34 units as they arrive — report folders,
//! loose pairs of a workbook and a draft, a workbook alone, broken files, two reports for one
//! 机关, a name spelt wrong — with a roster naming three bodies that have not filed and missing
//! one that has. `batch` must give every unit its status on the terminal, in 汇总.xlsx and in
//! 检查结果.json, and `sum` over the same folder must equal the sum of the units it could read
//! and name the ones it could not. Last year's reports are found by name and by 机关名称, and a
//! wrong one is never used for the cross-year rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use nianbao_model::{Decimal, Format, Report, ValueKey};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn nianbao() -> Command {
    let mut cmd = Command::cargo_bin("nianbao").unwrap();
    cmd.env_remove("NIANBAO_PLUGIN_PATH");
    cmd
}

fn workbook_bytes(report: &Report) -> Vec<u8> {
    nianbao_excel::write_report_workbook(Format::national_2021(), report, &[]).unwrap()
}

const COUNTY: &str = "卫东区";

/// Departments filed as report folders named by their short name (the roster has the full one).
const FOLDERS: [&str; 20] = [
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安分局",
    "民政局",
    "司法局",
    "人力资源和社会保障局",
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "应急管理局",
    "市场监督管理局",
    "城市管理局",
    "生态环境分局",
    "医疗保障局",
    "林业局",
    "体育局",
];
/// Departments filed as a loose workbook and draft sharing a stem.
const PAIRS: [&str; 4] = [
    "人民防空办公室",
    "退役军人事务局",
    "民族宗教事务局",
    "机关事务管理局",
];
/// On the roster, never filed.
const NOT_FILED: [&str; 3] = ["卫东区水利局", "卫东区统计局", "卫东区信访局"];

/// What the folder holds, and what each unit is expected to be.
struct County {
    dir: PathBuf,
    roster_xlsx: PathBuf,
    roster_csv: PathBuf,
    /// The reports of the units that can be read, by unit name.
    readable: BTreeMap<String, Report>,
    /// Unit name → expected roster status.
    roster_status: BTreeMap<String, &'static str>,
}

fn build_county(root_dir: &Path) -> County {
    let dir = root_dir.join("各单位");
    std::fs::create_dir_all(&dir).unwrap();
    let mut readable = BTreeMap::new();
    let mut roster_status = BTreeMap::new();
    let mut roster: Vec<String> = Vec::new();
    for (i, dept) in FOLDERS.iter().enumerate() {
        let org = format!("{COUNTY}{dept}");
        let mut report = nianbao_tests::huaian_scaled(&org, 2024, (i % 5 + 1) as i64);
        if *dept == "教育局" {
            // A wrong total: 表四 行政复议 总计.
            report.set(ValueKey::new("review", "total"), Decimal::from(1), None);
        }
        if i >= 15 {
            // Five units leave a cell blank (a warning): more than a group shows.
            report
                .values
                .remove(&ValueKey::new("fees", "amount_wan_yuan"));
        }
        nianbao_tests::write_unit(&dir.join(dept), &report).unwrap();
        readable.insert(dept.to_string(), report);
        roster_status.insert(dept.to_string(), "已报送");
        roster.push(org);
    }
    for (i, dept) in PAIRS.iter().enumerate() {
        let org = format!("{COUNTY}{dept}");
        let report = nianbao_tests::huaian_scaled(&org, 2024, (i + 2) as i64);
        std::fs::write(dir.join(format!("{dept}.xlsx")), workbook_bytes(&report)).unwrap();
        std::fs::write(
            dir.join(format!("{dept}.md")),
            format!(
                "# {org}2024年政府信息公开工作年度报告\n\n## 一、总体情况\n\n2024年，本机关依法做好政府信息公开工作。\n\n## 五、存在的主要问题及改进情况\n\n信息更新还不够及时，下一步将加强培训。\n\n## 六、其他需要报告的事项\n\n本年度未收取信息处理费。\n"
            ),
        )
        .unwrap();
        readable.insert(dept.to_string(), report);
        roster_status.insert(dept.to_string(), "已报送");
        // A full-width space in the roster's spelling: matched all the same.
        roster.push(format!("{COUNTY}\u{3000}{dept}"));
    }
    // The bundled example as a loose pair.
    let example = root().join("examples/weidong-2024");
    let approval = "卫东区行政审批和政务信息管理局";
    std::fs::copy(
        example.join("统计表.xlsx"),
        dir.join(format!("{approval}.xlsx")),
    )
    .unwrap();
    std::fs::copy(example.join("草稿.md"), dir.join(format!("{approval}.md"))).unwrap();
    let imported = nianbao_excel::import_workbook(
        &dir.join(format!("{approval}.xlsx")),
        Format::national_2021(),
    )
    .unwrap();
    readable.insert(approval.to_string(), imported.report);
    roster_status.insert(approval.to_string(), "已报送");
    roster.push(approval.to_string());
    // Two reports of one 机关: a folder and a loose workbook named with the year.
    let finance = format!("{COUNTY}财政局");
    let report = nianbao_tests::huaian_scaled(&finance, 2024, 3);
    nianbao_tests::write_unit(&dir.join("财政局"), &report).unwrap();
    readable.insert("财政局".to_string(), report.clone());
    std::fs::write(dir.join("卫东区财政局2024.xlsx"), workbook_bytes(&report)).unwrap();
    readable.insert("卫东区财政局2024".to_string(), report);
    roster_status.insert("财政局".to_string(), "重复报送");
    roster_status.insert("卫东区财政局2024".to_string(), "重复报送");
    roster.push(finance);
    // A 机关名称 spelt wrong in the files (资原 for 资源): matched by close spelling.
    let resources = nianbao_tests::huaian_scaled(&format!("{COUNTY}自然资原局"), 2024, 2);
    nianbao_tests::write_unit(&dir.join("自然资源"), &resources).unwrap();
    readable.insert("自然资源".to_string(), resources);
    roster_status.insert("自然资源".to_string(), "已报送");
    roster.push(format!("{COUNTY}自然资源局"));
    // Broken: a CSV saved as .xlsx (named like the roster), a truncated workbook in a folder.
    std::fs::copy(
        root().join("tests/fixtures/excel/csv-renamed.xlsx"),
        dir.join("卫东区审计局.xlsx"),
    )
    .unwrap();
    roster_status.insert("卫东区审计局".to_string(), "已报送");
    roster.push("卫东区审计局".to_string());
    std::fs::create_dir_all(dir.join("档案馆")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/excel/truncated.xlsx"),
        dir.join("档案馆/统计表.xlsx"),
    )
    .unwrap();
    roster_status.insert("档案馆".to_string(), "已报送");
    roster.push(format!("{COUNTY}档案馆"));
    // A town not on the roster.
    let town = nianbao_tests::huaian_scaled("卫东区东风镇人民政府", 2024, 1);
    nianbao_tests::write_unit(&dir.join("东风镇"), &town).unwrap();
    readable.insert("东风镇".to_string(), town);
    roster_status.insert("东风镇".to_string(), "名单外");
    roster.extend(NOT_FILED.iter().map(|s| s.to_string()));

    // The roster as the office keeps it: a title row, then 序号 / 单位名称 / 联系人.
    let roster_xlsx = root_dir.join("名单.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .write(0, 0, "卫东区2024年度政府信息公开工作年度报告应报送单位")
        .unwrap();
    for (c, h) in ["序号", "单位名称", "联系人"].iter().enumerate() {
        sheet.write(1, c as u16, *h).unwrap();
    }
    for (i, name) in roster.iter().enumerate() {
        sheet.write(2 + i as u32, 0, (i + 1) as u32).unwrap();
        sheet.write(2 + i as u32, 1, name.as_str()).unwrap();
        sheet.write(2 + i as u32, 2, "张三").unwrap();
    }
    workbook.save(&roster_xlsx).unwrap();
    let roster_csv = root_dir.join("名单.csv");
    let mut csv = String::from("序号,单位名称\n");
    for (i, name) in roster.iter().enumerate() {
        csv.push_str(&format!("{},{name}\n", i + 1));
    }
    std::fs::write(&roster_csv, csv).unwrap();
    County {
        dir,
        roster_xlsx,
        roster_csv,
        readable,
        roster_status,
    }
}

/// Every unit's status as `nianbao check` gives it on its own (an independent path to the same
/// answer): 有错误 with errors, 有警告 with warnings, else 通过.
fn status_by_check(paths: &[PathBuf]) -> &'static str {
    let out = nianbao()
        .arg("check")
        .args(paths)
        .arg("--json")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    if doc["counts"]["errors"].as_u64().unwrap() > 0 {
        "有错误"
    } else if doc["counts"]["warnings"].as_u64().unwrap() > 0 {
        "有警告"
    } else {
        "通过"
    }
}

#[test]
fn a_county_folder_with_a_roster() {
    let tmp = tempfile::tempdir().unwrap();
    let county = build_county(tmp.path());
    let out_dir = tmp.path().join("输出");
    let run = nianbao()
        .arg("batch")
        .arg(&county.dir)
        .arg("-o")
        .arg(&out_dir)
        .arg("--roster")
        .arg(&county.roster_xlsx)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert_eq!(run.status.code(), Some(1), "{text}");

    // Expected report statuses: the broken two cannot be read; every other unit as `check`
    // says on its own.
    let mut status: BTreeMap<String, &str> = BTreeMap::new();
    for name in county.readable.keys() {
        let paths: Vec<PathBuf> = if county.dir.join(name).is_dir() {
            vec![county.dir.join(name)]
        } else {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&county.dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file() && p.file_stem().unwrap().to_string_lossy() == *name)
                .collect();
            files.sort();
            files
        };
        status.insert(name.clone(), status_by_check(&paths));
    }
    status.insert("卫东区审计局".into(), "无法读取");
    status.insert("档案馆".into(), "无法读取");
    assert_eq!(status.len(), 31);
    assert_eq!(status["教育局"], "有错误");
    let count = |s: &str| status.values().filter(|v| **v == s).count();

    // Terminal: 80 columns, the groups, the headline last.
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines {
        assert!(line.width() <= 80, "{line:?} is {} columns", line.width());
    }
    let headline = format!(
        "共 31 个单位：通过 {}，有警告 {}，有错误 {}，无法读取 2；未报送 3",
        count("通过"),
        count("有警告"),
        count("有错误")
    );
    assert_eq!(lines.last().copied(), Some(headline.as_str()), "{text}");
    assert!(
        text.contains("未报送（3）：卫东区水利局、卫东区统计局、卫东区信访局"),
        "{text}"
    );
    assert!(text.contains("无法读取（2）\n  卫东区审计局："), "{text}");
    assert!(text.contains("\n  档案馆："), "{text}");
    assert!(text.contains("\n  教育局：错误"), "{text}");
    assert!(
        text.contains("名单外（1）\n  东风镇（卫东区东风镇人民政府）"),
        "{text}"
    );
    assert!(text.contains("同一机关两份报告（2）"), "{text}");
    assert!(
        text.contains("自然资源 → 卫东区自然资源局（近似：名称相近）"),
        "{text}"
    );
    assert!(
        text.contains("档案馆 → 卫东区档案馆（近似：去掉区县名称后相同）"),
        "{text}"
    );
    // A group longer than five lines is cut with “另有 K 个”.
    let warned = count("有警告");
    if warned > 5 {
        assert!(
            text.contains(&format!("  另有 {} 个", warned - 5)),
            "{text}"
        );
    }

    // 检查结果.json: every unit's status and roster status.
    let json: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("检查结果.json")).unwrap()).unwrap();
    let units = json["units"].as_array().unwrap();
    assert_eq!(units.len(), 31);
    for u in units {
        let name = u["name"].as_str().unwrap();
        assert_eq!(u["status"], status[name], "{name}");
    }
    let by_unit = json["summary"]["by_unit"].as_array().unwrap();
    for u in by_unit {
        let name = u["name"].as_str().unwrap();
        assert_eq!(u["roster"]["status"], county.roster_status[name], "{name}");
    }
    assert_eq!(
        json["summary"]["roster"]["not_filed"],
        serde_json::json!(NOT_FILED)
    );
    assert_eq!(
        json["summary"]["roster"]["not_listed"],
        serde_json::json!(["东风镇"])
    );
    let batch_rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        batch_rules
            .iter()
            .filter(|r| **r == "roster.not_filed")
            .count(),
        3
    );
    assert_eq!(
        batch_rules
            .iter()
            .filter(|r| **r == "roster.duplicate")
            .count(),
        2
    );
    assert_eq!(
        batch_rules
            .iter()
            .filter(|r| **r == "roster.not_listed")
            .count(),
        1
    );
    // 档案馆 and 自然资源 by fuzzy match, and every 区-less folder name (教育局 → 卫东区教育局)
    // is matched by the 机关名称 in its files, not fuzzily.
    assert_eq!(
        batch_rules
            .iter()
            .filter(|r| **r == "roster.fuzzy_match")
            .count(),
        2
    );

    // 汇总.xlsx, read back: one row per unit then one per roster name not filed.
    let sheets = nianbao_excel::read_sheet_texts(&out_dir.join("汇总.xlsx")).unwrap();
    let summary = sheets.iter().find(|s| s.name == "汇总").unwrap();
    let header = &summary.rows[0].1;
    let col = |title: &str| header.iter().position(|h| h == title).unwrap();
    let (c_unit, c_org, c_status, c_roster) =
        (col("单位"), col("机关名称"), col("状态"), col("名单"));
    let mut seen = 0;
    for (_, cells) in &summary.rows[1..] {
        let get = |c: usize| cells.get(c).map(String::as_str).unwrap_or("");
        if get(c_status) == "未报送" {
            assert!(NOT_FILED.contains(&get(c_org)), "{cells:?}");
            continue;
        }
        let name = get(c_unit);
        assert_eq!(get(c_status), status[name], "{name}");
        assert_eq!(get(c_roster), county.roster_status[name], "{name}");
        seen += 1;
    }
    assert_eq!(seen, 31);
    assert_eq!(summary.rows.len(), 1 + 31 + 3);
    // The conditional formatting of the status and the chart sheet are in the package.
    let zip_names = zip_entries(&out_dir.join("汇总.xlsx"));
    assert!(
        zip_names.iter().any(|n| n.starts_with("xl/chartsheets/")),
        "{zip_names:?}"
    );
    assert!(
        zip_names.iter().any(|n| n.starts_with("xl/charts/chart")),
        "{zip_names:?}"
    );
    let sheet1 = zip_text(&out_dir.join("汇总.xlsx"), "xl/worksheets/sheet1.xml");
    assert!(
        sheet1.contains("<conditionalFormatting sqref=\"D2:E35\""),
        "{sheet1}"
    );

    // Each unit with findings has a 问题清单 whose rows are its findings.
    let list = out_dir.join("教育局问题清单.xlsx");
    let list_sheets = nianbao_excel::read_sheet_texts(&list).unwrap();
    let rows = &list_sheets[0].rows;
    assert!(rows[0].1[0].contains("卫东区教育局2024年政府信息公开工作年度报告问题清单"));
    assert_eq!(
        rows[2].1[..6],
        ["严重程度", "规则", "问题", "位置", "应为", "实为"]
    );
    let education = units.iter().find(|u| u["name"] == "教育局").unwrap();
    let findings = education["findings"].as_array().unwrap();
    assert_eq!(rows.len(), 3 + findings.len());
    assert_eq!(rows[3].1[1], findings[0]["rule"].as_str().unwrap());
    assert!(out_dir.join("档案馆问题清单.xlsx").is_file());

    // `sum` over the same folder, as README writes it (`各单位/*`), with the roster as CSV.
    let mut args: Vec<PathBuf> = std::fs::read_dir(&county.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    args.sort();
    let sum_path = tmp.path().join("本级汇总.xlsx");
    let sum = nianbao()
        .arg("sum")
        .args(&args)
        .arg("-o")
        .arg(&sum_path)
        .args(["--org", "卫东区人民政府"])
        .arg("--roster")
        .arg(&county.roster_csv)
        .output()
        .unwrap();
    let sum_text = String::from_utf8_lossy(&sum.stdout).into_owned();
    assert_eq!(sum.status.code(), Some(1), "{sum_text}");
    assert!(sum_text.contains("已汇总 29 个单位："), "{sum_text}");
    assert!(
        sum_text.contains("未计入 2 个单位（无法读取或没有统计表数值）：档案馆、卫东区审计局")
            || sum_text
                .contains("未计入 2 个单位（无法读取或没有统计表数值）：卫东区审计局、档案馆"),
        "{sum_text}"
    );
    assert!(sum_text.contains("[sum.unit_failed]"), "{sum_text}");
    assert!(sum_text.contains("[roster.not_filed]"), "{sum_text}");
    let summed = nianbao_excel::import_workbook(&sum_path, Format::national_2021())
        .unwrap()
        .report;
    for key in Format::national_2021().value_keys() {
        let expected: Option<Decimal> = county
            .readable
            .values()
            .map(|r| r.number(&key))
            .try_fold(Decimal::ZERO, |acc, n| Some(acc + n?));
        assert_eq!(summed.number(&key), expected, "{key}");
    }
    assert!(sum_text.contains("本年新收申请 "), "{sum_text}");
    assert!(!sum_text.contains("  件"), "{sum_text}");
}

fn zip_entries(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let archive = zip::ZipArchive::new(file).unwrap();
    archive.file_names().map(str::to_string).collect()
}

fn zip_text(path: &Path, name: &str) -> String {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// `--previous-dir`: last year's report found by name, or by 机关名称 under another name; one
/// of another year, one of another 机关 and one that cannot be read are each a warning, and no
/// cross-year rule runs against them — this year's checks run all the same. `check --previous`
/// behaves alike.
#[test]
fn last_years_reports_matched_by_name_and_by_org() {
    let tmp = tempfile::tempdir().unwrap();
    let now = tmp.path().join("2024");
    let before = tmp.path().join("2023");
    let units = ["教育局", "民政局", "司法局", "公安分局", "商务局", "林业局"];
    for (i, dept) in units.iter().enumerate() {
        let report = nianbao_tests::huaian_scaled(&format!("{COUNTY}{dept}"), 2024, i as i64 + 1);
        nianbao_tests::write_unit(&now.join(dept), &report).unwrap();
    }
    let last =
        |dept: &str, year: i32| nianbao_tests::huaian_scaled(&format!("{COUNTY}{dept}"), year, 1);
    // By name.
    nianbao_tests::write_unit(&before.join("教育局"), &last("教育局", 2023)).unwrap();
    // By 机关名称: last year's folder had another name.
    nianbao_tests::write_unit(&before.join("民政局（原）"), &last("民政局", 2023)).unwrap();
    // Another year, another 机关, a broken file.
    nianbao_tests::write_unit(&before.join("司法局"), &last("司法局", 2022)).unwrap();
    nianbao_tests::write_unit(&before.join("公安分局"), &last("审计局", 2023)).unwrap();
    std::fs::create_dir_all(&before).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/excel/truncated.xlsx"),
        before.join("商务局.xlsx"),
    )
    .unwrap();
    let out = tmp.path().join("输出");
    let run = nianbao()
        .arg("batch")
        .arg(&now)
        .arg("-o")
        .arg(&out)
        .arg("--previous-dir")
        .arg(&before)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("检查结果.json")).unwrap()).unwrap();
    let rules = |name: &str| -> Vec<String> {
        let unit = json["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .unwrap();
        unit["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let has = |name: &str, rule: &str| rules(name).iter().any(|r| r == rule);
    // Matched: the cross-year rules ran (淮安's 上年结转 differs from its 结转下年度), and the
    // drafts, the same text both years, are all repetition.
    for name in ["教育局", "民政局"] {
        assert!(has(name, "y.carry_over"), "{name}: {:?}", rules(name));
        assert!(
            has(name, "prose.repeated_text"),
            "{name}: {:?}",
            rules(name)
        );
    }
    let unit = |name: &str| {
        json["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(unit("教育局")["repeated_text"]["percent"], 100.0);
    // Wrong ones: a warning each, no cross-year rule, this year's checks still there.
    for (name, rule) in [
        ("司法局", "input.previous_year"),
        ("公安分局", "input.previous_org"),
        ("商务局", "input.previous_unreadable"),
    ] {
        let found = rules(name);
        assert!(found.iter().any(|r| r == rule), "{name}: {found:?}");
        assert!(
            !found.iter().any(|r| r.starts_with("y.")),
            "{name}: {found:?}"
        );
        assert!(
            !found.iter().any(|r| r == "prose.repeated_text"),
            "{name}: {found:?}"
        );
        assert_ne!(unit(name)["status"], "无法读取", "{name}");
    }
    // No last year's report at all: nothing said.
    assert!(
        !rules("林业局")
            .iter()
            .any(|r| r.starts_with("input.previous"))
    );
    // 汇总.xlsx carries the share for the units that have one.
    let sheets = nianbao_excel::read_sheet_texts(&out.join("汇总.xlsx")).unwrap();
    let summary = sheets.iter().find(|s| s.name == "汇总").unwrap();
    let c = summary.rows[0]
        .1
        .iter()
        .position(|h| h == "与上年重复率（%）")
        .unwrap();
    let education = summary.rows.iter().find(|(_, r)| r[0] == "教育局").unwrap();
    assert_eq!(education.1[c], "100");

    // `check --previous` with a file that cannot be read: a warning, this year's result.
    let check = nianbao()
        .arg("check")
        .arg(now.join("林业局"))
        .arg("--previous")
        .arg(before.join("商务局.xlsx"))
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let doc: Value = serde_json::from_slice(&check.stdout).unwrap();
    let found: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(found.contains(&"input.previous_unreadable"), "{found:?}");
    assert_eq!(doc["report"]["meta"]["org"], "卫东区林业局");
}

/// `sum` never prints a blank total: a total some unit left blank is 未填写, naming the unit.
#[test]
fn sum_names_blank_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("各单位");
    nianbao_tests::write_unit(
        &dir.join("甲局"),
        &nianbao_tests::huaian_scaled("卫东区甲局", 2024, 1),
    )
    .unwrap();
    let mut blank = nianbao_tests::huaian_scaled("卫东区乙局", 2024, 2);
    blank.values.retain(|key, _| key.row != "review");
    nianbao_tests::write_unit(&dir.join("乙局"), &blank).unwrap();
    let out = nianbao()
        .arg("sum")
        .arg(dir.join("甲局"))
        .arg(dir.join("乙局"))
        .arg("-o")
        .arg(tmp.path().join("汇总.xlsx"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let totals = text
        .lines()
        .find(|l| l.starts_with("本年新收申请"))
        .unwrap_or_else(|| panic!("{text}"));
    // 甲局 has 淮安's numbers, 乙局 twice them.
    let received = nianbao_tests::huaian()
        .number(&ValueKey::new("new_received", "total"))
        .unwrap()
        * Decimal::from(3);
    assert!(
        totals.contains(&format!("本年新收申请 {received} 件")),
        "{totals}"
    );
    assert!(
        totals.ends_with("行政复议 未填写（卫东区乙局未填写）"),
        "{totals}"
    );
}

#[test]
fn a_unit_without_numbers_is_left_out_of_the_sum_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let with = dir.path().join("卫东区审计局");
    std::fs::create_dir_all(&with).unwrap();
    std::fs::write(
        with.join("统计表.xlsx"),
        workbook_bytes(&nianbao_tests::huaian_scaled("卫东区审计局", 2024, 1)),
    )
    .unwrap();
    let without = dir.path().join("卫东区民政局");
    std::fs::create_dir_all(&without).unwrap();
    std::fs::write(
        without.join("草稿.md"),
        "# 卫东区民政局2024年政府信息公开工作年度报告\n\n一、总体情况\n\n本年度工作有序开展。\n",
    )
    .unwrap();
    let out = nianbao()
        .arg("sum")
        .arg(&with)
        .arg(&without)
        .arg("-o")
        .arg(dir.path().join("汇总.xlsx"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    // Left out, named, and the run fails: the totals are the one unit's, not all 未填写.
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("单位“卫东区民政局”中没有读到统计表数值，未计入汇总")
            && text.contains("已汇总 1 个单位"),
        "{text}"
    );
    assert!(!text.contains("未填写（"), "{text}");
}
