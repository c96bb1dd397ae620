//! Regressions found in review: template logic in drafts, small tables of a draft taken for
//! statistics tables, value cells the reader did not recognise, and unbounded file sizes.

mod common;

use std::time::{Duration, Instant};

use nianbao_docs::{DocError, read_document, read_document_bytes, render_placeholders};
use nianbao_model::{
    CellValue, Decimal, Format, Location, Paragraph, PartText, Report, ValueKey, validate,
};

fn paragraph(text: &str, no: usize) -> Paragraph {
    let mut p = Paragraph::body(text);
    p.source = Some(Location::paragraph("草稿.docx", no));
    p
}

#[test]
fn template_statements_in_a_draft_are_reported_not_run() {
    let looping = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}";
    let texts = [
        looping,
        "本年度未收取信息处理费。{# 备注：待核实 #}",
        "{{ org }}{{ year }}年共收到申请{{ new_received.total }}件。",
        "联系方式：{{ contact | join(\"，\") }}。",
        "共{{ range(99999) | length }}件。",
        "{{ org ~ org }}",
    ];
    let mut report = Report::new("某局", 2024);
    report.meta.contact = vec!["电话：0517-1".into(), "邮编：223001".into()];
    report.values.insert(
        ValueKey::new("new_received", "total"),
        nianbao_model::Cell::number(Decimal::from(12), None),
    );
    report.parts.push(PartText {
        number: 1,
        paragraphs: texts
            .iter()
            .enumerate()
            .map(|(i, t)| paragraph(t, i + 1))
            .collect(),
        ..Default::default()
    });
    let started = Instant::now();
    let findings = render_placeholders(&mut report);
    assert!(started.elapsed() < Duration::from_secs(5));

    let found: Vec<(&str, Option<usize>)> = findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.locations.first().and_then(|l| l.paragraph),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("draft.placeholder_syntax", Some(1)),
            ("draft.placeholder_syntax", Some(2)),
            ("draft.placeholder_syntax", Some(5)),
            ("draft.placeholder_syntax", Some(6)),
        ],
        "{findings:#?}"
    );
    assert!(
        findings[0].message.contains("{% for a in range(99999) %}"),
        "{}",
        findings[0].message
    );
    assert!(findings[1].message.contains("{# 备注：待核实 #}"));
    let rendered: Vec<&str> = report.parts[0]
        .paragraphs
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(
        rendered,
        vec![
            texts[0],
            texts[1],
            "某局2024年共收到申请12件。",
            "联系方式：电话：0517-1，邮编：223001。",
            texts[4],
            texts[5],
        ]
    );
}

#[test]
fn a_small_table_in_a_draft_is_not_a_statistics_table() {
    let format = Format::national_2021();
    let page = "<html><body><p>某局2024年政府信息公开工作年度报告</p>
<h3>一、总体情况</h3>
<p>本机关设有政务公开科。</p>
<table><tr><td>机构职能</td><td>12</td></tr><tr><td>总计</td><td>12</td></tr></table>
<h3>二、主动公开政府信息情况</h3>
<p>本年度主动公开政府信息1200条。</p>
</body></html>";
    let imported = read_document_bytes("草稿.html", page.as_bytes(), format).unwrap();
    let import: Vec<_> = imported
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("import.") && f.rule != "import.parts_missing")
        .collect();
    assert!(import.is_empty(), "{import:#?}");
    assert!(
        imported.report.values.is_empty(),
        "{:?}",
        imported.report.values
    );
}

/// 表二's first section as an HTML page, with the given rows after its column headers.
fn table2_page(rows: &str) -> String {
    format!(
        "<html><body><p>某局2024年政府信息公开工作年度报告</p>
<h3>二、主动公开政府信息情况</h3>
<table>
<tr><td colspan=\"4\">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
{rows}
</table></body></html>"
    )
}

#[test]
fn markers_and_units_in_cells_are_read_as_the_model_reads_them() {
    let format = Format::national_2021();
    let page = table2_page(
        "<tr><td>规章</td><td>不适用</td><td>0</td><td>0</td></tr>
<tr><td>行政规范性文件</td><td>3</td><td>无</td><td>5件</td></tr>",
    );
    let imported = read_document_bytes("表二.html", page.as_bytes(), format).unwrap();
    let value = |row: &str, field: &str| common::value_of(&imported.report, row, field);
    let number = |n: i64| Some(CellValue::Number(Decimal::from(n)));
    assert_eq!(
        value("regulations", "made"),
        Some(CellValue::Empty("不适用".into()))
    );
    assert_eq!(value("regulations", "valid"), number(0));
    assert_eq!(value("normative_documents", "made"), number(3));
    assert_eq!(
        value("normative_documents", "repealed"),
        Some(CellValue::Empty("无".into()))
    );
    assert_eq!(value("normative_documents", "valid"), number(5));
    // Both rows were read: only the sections the page lacks are missing.
    let missing: Vec<&str> = imported
        .findings
        .iter()
        .filter(|f| f.rule == "import.row_missing")
        .map(|f| f.message.as_str())
        .collect();
    // One finding for the table, naming the four rows the page lacks.
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert!(missing[0].contains("未找到以下 4 行"), "{}", missing[0]);
    assert!(
        missing
            .iter()
            .all(|m| !m.contains("规章") && !m.contains("规范性文件"))
    );
}

#[test]
fn a_cell_that_is_not_a_number_is_named_not_dropped_with_its_row() {
    let format = Format::national_2021();
    let page = table2_page(
        "<tr><td>规章</td><td>约5</td><td>0</td><td>0</td></tr>
<tr><td>行政规范性文件</td><td>3</td><td>0</td><td>5万元</td></tr>",
    );
    let imported = read_document_bytes("表二.html", page.as_bytes(), format).unwrap();
    let cell = |row: &str, field: &str| {
        imported
            .report
            .values
            .get(&ValueKey::new(row, field))
            .cloned()
            .unwrap_or_else(|| panic!("{row}.{field} was dropped"))
    };
    let made = cell("regulations", "made");
    assert_eq!(made.value, CellValue::Unreadable("约5".into()));
    let place = made.source.clone().unwrap();
    assert_eq!((place.table, place.table_cell), (Some(1), Some((3, 2))));
    assert_eq!(
        cell("regulations", "valid").value,
        CellValue::Number(Decimal::ZERO)
    );
    // `万元` is the unit of amounts, not of a count of documents.
    let valid = cell("normative_documents", "valid");
    assert_eq!(valid.value, CellValue::Unreadable("5万元".into()));
    assert!(
        imported
            .findings
            .iter()
            .all(|f| !f.message.contains("规章") || f.rule != "import.row_missing"),
        "{:#?}",
        imported.findings
    );

    // The check names each such cell: file, table and cell.
    let unreadable: Vec<String> = validate(format, &imported.report, None)
        .into_iter()
        .filter(|f| f.rule == "values.unreadable")
        .map(|f| format!("{} @ {}", f.message, f.locations[0]))
        .collect();
    assert_eq!(unreadable.len(), 2, "{unreadable:#?}");
    assert!(
        unreadable[0].contains("约5") && unreadable[0].contains("表二.html › 第1个表格第3行第2列"),
        "{}",
        unreadable[0]
    );
    assert!(
        unreadable[1].contains("5万元") && unreadable[1].contains("第1个表格第4行第4列"),
        "{}",
        unreadable[1]
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused() {
    let dir = std::env::temp_dir().join(format!("nianbao-docs-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("年报.txt");
    // A sparse file just over 64 MiB: refused before anything is read.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    drop(file);
    let err = read_document(&path, Format::national_2021()).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(err, DocError::TooLarge { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("年报.txt") && message.contains("64 MB"),
        "{message}"
    );
}
