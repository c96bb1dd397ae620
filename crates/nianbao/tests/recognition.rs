//! Recognition from the command line (issue 14): a county's folder of offices' own workbooks,
//! with 机关名称 and 年度 only in a title row, a sheet name or a 填报单位 line, is batched with no
//! `--org`/`--year` and every clean unit gets its filing document, named by its own 机关.

use std::path::Path;

use assert_cmd::Command;

mod support;

#[test]
fn a_batch_over_titled_workbooks_builds_every_units_report() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/excel/titled");
    let out = tempfile::tempdir().unwrap();
    let run = Command::cargo_bin("nianbao")
        .unwrap()
        .env_remove("NIANBAO_PLUGIN_PATH")
        .arg("batch")
        .arg(&folder)
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let mut docx: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            name.ends_with(".docx").then_some(name)
        })
        .collect();
    docx.sort();
    assert_eq!(docx.len(), 8, "{docx:?} {stderr}");
    // Each document is the unit's own report: its title names the 机关 the workbook gave —
    // from a title row, a sheet name, a 填报单位 line with its seal note, a title with the year
    // in brackets, a yearless title with a 统计期限 row, or a sheet named by the body or the year.
    for (unit, org) in [
        ("甲县", "甲县人民政府"),
        ("乙县交通", "乙县交通运输局"),
        ("丙镇", "丙镇人民政府"),
        ("填报单位盖章", "临川县自然资源局"),
        ("年度在括号", "临川县自然资源局"),
        ("标题无年度-统计期限", "临川县自然资源局"),
        ("工作表名为机关", "临川县自然资源局"),
        ("工作表名为年度", "临川县自然资源局"),
    ] {
        let file = format!("{unit}.docx");
        assert!(docx.contains(&file), "no DOCX for {unit}: {docx:?}");
        let xml = support::document_xml(&std::fs::read(out.path().join(&file)).unwrap());
        assert!(
            xml.contains(org) && xml.contains("2024"),
            "{file} does not name {org} 2024"
        );
        assert!(!xml.contains("盖章"), "{file}");
    }
}
