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
    assert_eq!(docx.len(), 3, "{docx:?} {stderr}");
    // Each document is the unit's own report: its title names the 机关 the workbook gave.
    for org in ["甲县人民政府", "乙县交通运输局", "丙镇人民政府"] {
        let file = docx
            .iter()
            .find(|d| d.contains(&org[..org.len().min(6)]))
            .unwrap_or_else(|| panic!("no DOCX for {org}: {docx:?}"));
        let xml = support::document_xml(&std::fs::read(out.path().join(file)).unwrap());
        assert!(xml.contains(org), "{file} does not name {org}");
        assert!(xml.contains("2024"), "{file}");
    }
}
