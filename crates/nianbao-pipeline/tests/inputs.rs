//! The two implementations of `UnitInputs` give the same checked report: a report folder read
//! from the file system, and the same files held in memory (an upload).

use std::path::{Path, PathBuf};

use nianbao_pipeline::{
    MemoryUnit, Overrides, Unit, UnitInputs, check_unit, inputs::choose_files, render_docx,
    render_xlsx,
};
use nianbao_plugins::Registry;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/weidong-2024")
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[test]
fn a_folder_and_its_files_in_memory_check_the_same() {
    let registry = Registry::builtin();
    let from_disk = Unit::from_dir(&example()).unwrap();
    let in_memory =
        MemoryUnit::from_files("weidong-2024", files_of(&example()), "上传的文件中").unwrap();
    assert_eq!(in_memory.config(), from_disk.config());
    let a = check_unit(&from_disk, &Overrides::default(), &registry).unwrap();
    let b = check_unit(&in_memory, &Overrides::default(), &registry).unwrap();
    assert_eq!(a.report.meta.org, "卫东区行政审批和政务信息管理局");
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.report.numbers(), b.report.numbers());
    assert_eq!(a.report.parts, b.report.parts);
    let mut clock = |_, _| {};
    assert!(render_docx(&a, &mut clock).unwrap() == render_docx(&b, &mut clock).unwrap());
    assert!(render_xlsx(&a, &mut clock).unwrap() == render_xlsx(&b, &mut clock).unwrap());
}

#[test]
fn uploads_are_chosen_among_like_a_folder() {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let config = Default::default();
    // `nianbao init` writes the draft twice: the DOCX is taken.
    let chosen = choose_files(&names(&["统计表.xlsx", "草稿.docx", "草稿.md"]), &config).unwrap();
    assert_eq!(chosen.workbook, Some(0));
    assert_eq!(chosen.documents, vec![1]);
    let two = choose_files(&names(&["a.xlsx", "b.xls"]), &config).unwrap_err();
    assert_eq!(
        two.text("上传的文件中"),
        "上传的文件中有多个统计表（a.xlsx、b.xls），请在 report.toml 中用 workbook = \"…\" 指定"
    );
    let unknown = MemoryUnit::from_files("u", vec![("a.exe".into(), vec![1])], "上传的文件中")
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("无法识别的文件类型：a.exe"), "{unknown}");
    let none = MemoryUnit::from_files("u", Vec::new(), "上传的文件中")
        .unwrap_err()
        .to_string();
    assert!(none.starts_with("上传的文件中没有文件"), "{none}");
    // report.toml names a file that was not uploaded.
    let missing = MemoryUnit::from_files(
        "u",
        vec![("report.toml".into(), b"workbook = \"x.xlsx\"\n".to_vec())],
        "上传的文件中",
    )
    .unwrap_err()
    .to_string();
    assert!(
        missing.contains("report.toml 指定的文件不存在：x.xlsx"),
        "{missing}"
    );
}
