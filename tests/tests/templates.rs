//! Every text nianbao writes for a format comes from `templates/<format>/`: the built-in
//! templates are exactly the files there, and a changed template changes what is written — for
//! each template in turn, a marker added to it shows up in the outputs (filing DOCX, DOCX and
//! Markdown drafts, workbook template) and is absent without the change.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use nianbao_model::{Format, Metadata, draft, template};

/// The text of every XML part of an Office file (tags removed).
fn office_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let tags = regex::Regex::new("<[^>]*>").unwrap();
    let mut text = String::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        if entry.name().ends_with(".xml") {
            let mut xml = String::new();
            entry.read_to_string(&mut xml).unwrap();
            text.push_str(&tags.replace_all(&xml, "\n"));
        }
    }
    text
}

/// Everything nianbao writes for a unit under `format`: the filing DOCX of a dated report
/// without an opening of its own, the DOCX and Markdown drafts, the blank workbook.
fn everything_written(format: &Format) -> String {
    let mut report = nianbao_tests::huaian_scaled("某某县自然资源局", 2024, 1);
    report.meta.date = Some("2025-01-16".into());
    report.meta.contact = vec!["电话：0000-0000000".into()];
    let meta = Metadata {
        org: report.meta.org.clone(),
        year: 2024,
        date: report.meta.date.clone(),
        ..Metadata::default()
    };
    let docx = nianbao_docx::write_report_docx(format, &report, &Default::default()).unwrap();
    let draft_docx = nianbao_docx::write_draft_skeleton(format, &meta).unwrap();
    let markdown = draft::draft_markdown(format, &meta).unwrap();
    let workbook = nianbao_excel::write_template(format, &meta).unwrap();
    [
        office_text(&docx),
        office_text(&draft_docx),
        markdown,
        office_text(&workbook),
    ]
    .join("\n")
}

#[test]
fn the_built_in_templates_are_the_files_of_templates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/national-2021");
    let mut on_disk = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        on_disk.insert(name, std::fs::read_to_string(&path).unwrap());
    }
    assert!(on_disk.len() >= 7, "{:?}", on_disk.keys());
    assert_eq!(Format::national_2021().templates, on_disk);
    assert_eq!(template::builtin(nianbao_model::NATIONAL_2021), on_disk);
}

#[test]
fn every_built_in_template_is_used_and_a_change_to_it_changes_the_output() {
    let national = Format::national_2021();
    let unchanged = everything_written(national);
    for (i, (name, text)) in national.templates.iter().enumerate() {
        let marker = format!("模板标记{i}号");
        assert!(!unchanged.contains(&marker));
        let mut changed = national.clone();
        changed
            .templates
            .insert(name.clone(), format!("{text}\n{marker}\n"));
        let written = everything_written(&changed);
        assert!(
            written.contains(&marker),
            "a change to {name} does not reach any output"
        );
    }
}

#[test]
fn what_the_national_templates_say_is_in_the_outputs() {
    let written = everything_written(Format::national_2021());
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let written = compact(&written);
    for sentence in [
        // opening.j2 with the contact
        "本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。如对本报告有疑问，请与某某县自然资源局联系（电话：0000-0000000）。",
        // part-6.j2, part-5.j2, part-1.j2
        "依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），本年度某某县自然资源局未收取信息处理费。",
        "2024年，本机关政府信息公开工作存在的主要问题：",
        "（四）政府信息公开平台建设",
        // closing.j2: the 落款 of the filing document
        "某某县自然资源局2025年1月16日",
        // workbook-notes.j2
        "填写说明：年度填四位数字",
        // draft.md.j2's notes
        "第二、三、四部分的表格由统计表生成",
    ] {
        assert!(written.contains(&compact(sentence)), "{sentence}");
    }
}
