//! Published reports and drafts as DOCX (written by LibreOffice), HTML and Markdown, from the
//! fixtures of `tests/fixtures/docs/` (see `make-fixtures.py` there).

mod common;

use common::{HUAIAN_2024, all_zero, assert_values, expected_values, fixture};
use nianbao_docs::{
    DocError, placeholder_names, read_document, read_document_bytes, read_published,
    render_placeholders,
};
use nianbao_model::{
    CellValue, Decimal, Finding, Format, Location, ParagraphLevel, Report, Severity, ValueKey,
    validate,
};

fn cell_place(report: &Report, row: &str, field: &str) -> Option<Location> {
    report
        .values
        .get(&ValueKey::new(row, field))
        .and_then(|c| c.source.clone())
}

fn check_huaian_published(report: &Report, format: &Format) {
    assert_values(report, &expected_values(HUAIAN_2024));
    assert_eq!(report.meta.org, "淮安市人民政府");
    assert_eq!(report.meta.year, 2024);
    assert_eq!(report.meta.date.as_deref(), Some("2025-01-20"));
    let closing: Vec<&str> = report.closing.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(closing, vec!["淮安市人民政府办公室", "2025年1月20日"]);
    let numbers: Vec<u8> = report.parts.iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(report.opening.len(), 1);
    let runs = report
        .part(1)
        .unwrap()
        .paragraphs
        .iter()
        .filter(|p| p.run_in.is_some())
        .count();
    assert_eq!(runs, 5);
    let bad: Vec<_> = validate(format, report, None)
        .into_iter()
        .filter(|f| f.severity == Severity::Error || f.rule == "prose.number_mismatch")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn html_page_with_official_merges_reads_every_value() {
    let format = Format::national_2021();
    let imported = read_document(&fixture("docs/huaian-2024.html"), format).unwrap();
    assert!(imported.findings.is_empty(), "{:#?}", imported.findings);
    check_huaian_published(&imported.report, format);
    // Table 3 is the page's second table; 自然人 of row 一 is grid row 4, column 4.
    let place = cell_place(&imported.report, "new_received", "natural_person").unwrap();
    assert_eq!((place.table, place.table_cell), (Some(2), Some((4, 4))));
    assert_eq!(
        place.label.as_deref(),
        Some("表三 一、本年新收政府信息公开申请数量·自然人")
    );
    // 1.属于国家秘密 sits under two merged group cells: row 8, its values from column 4.
    let place = cell_place(&imported.report, "deny_state_secret", "total").unwrap();
    assert_eq!(place.table_cell, Some((8, 10)));
    let place = cell_place(&imported.report, "litigation_after_review", "total").unwrap();
    assert_eq!((place.table, place.table_cell), (Some(3), Some((4, 15))));
}

#[test]
fn docx_written_by_libreoffice_reads_every_value() {
    let format = Format::national_2021();
    let imported = read_document(&fixture("docs/huaian-2024.docx"), format).unwrap();
    assert!(imported.findings.is_empty(), "{:#?}", imported.findings);
    check_huaian_published(&imported.report, format);
    let place = cell_place(&imported.report, "fees", "amount_wan_yuan").unwrap();
    assert_eq!((place.table, place.table_cell), (Some(1), Some((14, 2))));
    let heading = imported.report.part(4).unwrap().source.clone().unwrap();
    assert!(heading.paragraph.is_some() && heading.file.is_some());
}

#[test]
fn published_report_requires_tables_but_a_draft_does_not() {
    let format = Format::national_2021();
    let path = fixture("docs/prose-only.html");
    let draft = read_document(&path, format).unwrap();
    assert!(draft.report.values.is_empty());
    assert_eq!(draft.report.parts.len(), 6);
    let err = read_published(&path, format).unwrap_err();
    assert!(matches!(err, DocError::TablesMissing { .. }));
    let message = err.to_string();
    assert!(
        message.contains("prose-only.html") && message.contains("表二、表三、表四"),
        "{message}"
    );
    assert!(read_published(&fixture("docs/huaian-2024.docx"), format).is_ok());
}

fn with_values(mut report: Report) -> Report {
    for (key, n) in expected_values(HUAIAN_2024) {
        report.set(key, n, None);
    }
    report
}

#[test]
fn docx_draft_splits_parts_and_renders_placeholders() {
    let format = Format::national_2021();
    let imported = read_document(&fixture("docs/draft-2024.docx"), format).unwrap();
    let report = imported.report;
    assert_eq!(report.meta.org, "某某区数据局");
    assert_eq!(report.meta.year, 2024);
    assert_eq!(report.meta.date.as_deref(), Some("2025-01-16"));
    assert!(report.values.is_empty());
    assert_eq!(report.opening.len(), 1);
    assert!(report.opening[0].text.starts_with("本报告依据"));
    let numbers: Vec<u8> = report.parts.iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 4, 5, 6]);
    let heading = |n: u8| report.part(n).unwrap().heading_as_written.clone().unwrap();
    assert_eq!(heading(4), "四、政府信息公开行政复议及行政诉讼情况");
    assert_eq!(heading(5), "五、存在问题及改进情况");
    assert_eq!(heading(6), "六、其他需要说明的事项");
    let overview = &report.part(1).unwrap().paragraphs;
    let shape: Vec<(ParagraphLevel, Option<&str>)> = overview
        .iter()
        .map(|p| (p.level, p.run_in.as_deref()))
        .collect();
    assert_eq!(
        shape,
        vec![
            (ParagraphLevel::Body, None),
            (ParagraphLevel::Body, Some("（一）主动公开情况。")),
            (ParagraphLevel::Sub1, None),
            (ParagraphLevel::Body, None),
            (ParagraphLevel::Sub2, None),
            (ParagraphLevel::Sub3, None),
            (ParagraphLevel::Body, None),
        ]
    );
    assert_eq!(overview[2].text, "（二）依申请公开");
    let closing: Vec<&str> = report.closing.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(closing, vec!["某某区数据局", "2025年1月16日"]);
    // The validator sees the off-wording headings.
    let wording = validate(format, &report, None)
        .into_iter()
        .filter(|f| f.rule == "prose.heading_wording")
        .count();
    assert_eq!(wording, 3);

    let mut report = with_values(report);
    let review_paragraph = report.part(4).unwrap().paragraphs[0].clone();
    let findings = render_placeholders(&mut report);
    let overview = &report.part(1).unwrap().paragraphs;
    assert_eq!(
        overview[0].text,
        "2024年，某某区数据局认真贯彻落实政务公开各项要求。"
    );
    assert_eq!(
        overview[1].text,
        "全年主动公开政府信息1200余条，本年制发行政规范性文件8件。"
    );
    assert_eq!(
        overview[3].text,
        "2024年共收到政府信息公开申请3119件，办结3050件。"
    );
    assert_eq!(
        overview[6].text,
        "申请登记后当日分办，结转下年度继续办理的申请103件。"
    );
    // The misspelt key is reported with its paragraph; the paragraph stays as written.
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(
        (f.rule.as_str(), f.severity),
        ("draft.placeholder_unknown", Severity::Error)
    );
    assert!(
        f.message.contains("{{ litigaton_direct.total }}"),
        "{}",
        f.message
    );
    assert_eq!(f.locations, vec![review_paragraph.source.clone().unwrap()]);
    assert!(f.locations[0].paragraph.is_some());
    assert_eq!(report.part(4).unwrap().paragraphs[0], review_paragraph);
}

#[test]
fn markdown_draft_with_typo_heading_and_broken_placeholders() {
    let format = Format::national_2021();
    let imported = read_document(&fixture("docs/draft-2024.md"), format).unwrap();
    let mut report = imported.report;
    assert_eq!(
        (report.meta.org.as_str(), report.meta.year),
        ("某某区数据局", 2024)
    );
    let numbers: Vec<u8> = report.parts.iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 4, 5, 6]);
    assert_eq!(
        report.part(4).unwrap().heading_as_written.as_deref(),
        Some("四、政府信息公开行政法复议、行政诉讼情况")
    );
    let first = &report.part(1).unwrap().paragraphs[0];
    assert_eq!(first.run_in.as_deref(), Some("（一）主动公开情况。"));
    // Two Markdown lines of one paragraph are one paragraph, located at its first line.
    assert!(
        first
            .text
            .ends_with("1200余条，行政许可决定{{ licensing.decisions }}件。")
    );
    assert_eq!(first.source.as_ref().and_then(|l| l.line), Some(7));
    assert_eq!(report.meta.date.as_deref(), Some("2025-01-16"));

    let mut report_with = with_values(report.clone());
    let findings = render_placeholders(&mut report_with);
    let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(
        rules,
        vec!["draft.placeholder_syntax", "draft.placeholder_syntax"],
        "{findings:#?}"
    );
    let lines: Vec<Option<usize>> = findings
        .iter()
        .map(|f| f.locations.first().and_then(|l| l.line))
        .collect();
    assert_eq!(lines, vec![Some(20), Some(24)]);
    assert!(
        findings[1].message.contains("{{ org }"),
        "{}",
        findings[1].message
    );
    let first = &report_with.part(1).unwrap().paragraphs[0];
    assert!(
        first.text.contains("行政许可决定447228件"),
        "{}",
        first.text
    );

    // Without the tables, the value placeholders have no value yet (not misspelt); the metadata
    // ones render.
    let findings = render_placeholders(&mut report);
    assert!(
        findings
            .iter()
            .all(|f| f.rule != "draft.placeholder_unknown"),
        "{findings:#?}"
    );
    let unknown: Vec<String> = findings
        .iter()
        .filter(|f| f.rule == "draft.placeholder_empty")
        .map(|f| f.found.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        unknown,
        vec![
            "{{ licensing.decisions }}（未填写）",
            "{{ new_received.total }}（未填写）",
            "{{ review.total }}（未填写）"
        ]
    );
}

#[test]
fn placeholder_names_cover_metadata_and_every_value() {
    let format = Format::national_2021();
    let names = placeholder_names(format);
    assert_eq!(names.len(), 5 + 200);
    assert!(names.contains(&("org".to_string(), "机关名称".to_string())));
    assert!(names.contains(&(
        "processed_total.total".to_string(),
        "表三（七）总计·总计".to_string()
    )));
    // Every documented name renders on a complete report.
    let mut report = with_values(Report::new("某局", 2024));
    report.meta.date = Some("2025-01-16".into());
    report.meta.region = Some("江苏省淮安市".into());
    report.parts.push(nianbao_model::PartText {
        number: 1,
        paragraphs: names
            .iter()
            .map(|(n, _)| nianbao_model::Paragraph::body(format!("{{{{ {n} }}}}")))
            .collect(),
        ..Default::default()
    });
    let findings = render_placeholders(&mut report);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(report.parts[0].paragraphs[5].text, "1");
    assert_eq!(report.parts[0].paragraphs[14].text, "96171.6");
}

#[test]
fn damaged_documents_get_one_clear_message_each() {
    let format = Format::national_2021();
    let err = read_document(&fixture("docs/truncated.docx"), format).unwrap_err();
    assert!(matches!(err, DocError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("truncated.docx"), "{err}");
    let err = read_document(&fixture("docs/renamed-doc.docx"), format).unwrap_err();
    assert!(matches!(err, DocError::LegacyWord { .. }), "{err}");
    assert!(err.to_string().contains("另存为"), "{err}");
    let err = read_document_bytes("报告.docx", b"PK\x03\x04 not really a zip", format).unwrap_err();
    assert!(matches!(err, DocError::Damaged { .. }), "{err}");
    let err = read_document_bytes(
        "乱码.txt",
        &[0x81, 0x20, 0xff, 0xfe, 0x00, 0x01, 0x80],
        format,
    )
    .unwrap_err();
    assert!(matches!(err, DocError::Encoding { .. }), "{err}");
    assert!(err.to_string().contains("乱码.txt"));
    let err = read_document(&fixture("docs/no-such-file.docx"), format).unwrap_err();
    assert!(matches!(err, DocError::Io { .. }), "{err}");
    let err = read_document_bytes("表格.xlsx", b"PK", format).unwrap_err();
    assert!(matches!(err, DocError::Unsupported { .. }), "{err}");
    let err = read_document_bytes("空.txt", b"  \n\n", format).unwrap_err();
    assert!(matches!(err, DocError::Empty { .. }), "{err}");
}

#[test]
fn gbk_text_reads_like_utf8() {
    let format = Format::national_2021();
    let gbk = read_document(&fixture("docs/weidong-2024-gbk.txt"), format).unwrap();
    assert!(gbk.findings.is_empty(), "{:#?}", gbk.findings);
    assert_values(&gbk.report, &all_zero());
    let utf8 = read_document(&fixture("samples/weidong-2024-published.txt"), format).unwrap();
    assert_eq!(gbk.report.parts.len(), utf8.report.parts.len());
    assert_eq!(
        gbk.report.part(5).unwrap().text(),
        utf8.report.part(5).unwrap().text()
    );
}

#[test]
fn joined_cells_are_refused_not_guessed() {
    let format = Format::national_2021();
    let imported = read_document(&fixture("docs/joined-cells.txt"), format).unwrap();
    let joined: Vec<(Option<usize>, String)> = imported
        .findings
        .iter()
        .filter(|f| f.rule == "import.cells_joined")
        .map(|f| (f.locations[0].line, f.found.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        joined,
        vec![
            (Some(2), "801000081".to_string()),
            (Some(3), "0000000".to_string()),
            (Some(5), "000000000000000".to_string()),
        ]
    );
    assert!(
        imported
            .findings
            .iter()
            .all(|f| f.severity == Severity::Error || f.rule.starts_with("import."))
    );
    assert!(
        imported.report.values.is_empty(),
        "{:?}",
        imported.report.values
    );
}

#[test]
fn output_is_deterministic() {
    let format = Format::national_2021();
    for path in [
        "docs/huaian-2024.docx",
        "docs/huaian-2024.html",
        "samples/huaian-2024-published-pdftotext.txt",
    ] {
        let a = read_document(&fixture(path), format).unwrap();
        let b = read_document(&fixture(path), format).unwrap();
        assert_eq!(a.report, b.report);
        assert_eq!(a.findings, b.findings);
    }
    let _ = Decimal::ZERO;
}

#[test]
fn html_table_rows_that_cannot_be_read_are_named() {
    let format = Format::national_2021();
    // The table shows its column headers, so it is taken as 表三 although most rows are missing.
    let page = "<html><body><p>某局2024年政府信息公开工作年度报告</p>
<p>三、收到和处理政府信息公开申请情况</p>
<table>
<tr><td></td><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td><td>总计</td></tr>
<tr><td>一、本年新收政府信息公开申请数量</td><td>5</td><td>/</td><td></td><td>0</td><td>0</td><td>0</td><td>5</td></tr>
<tr><td>（一）予以公开</td><td>1</td><td>2</td><td>3</td></tr>
<tr><td>（二）部分公开</td><td>1000000</td></tr>
</table></body></html>";
    let imported = read_document_bytes("页面.html", page.as_bytes(), format).unwrap();
    let report = &imported.report;
    assert_eq!((report.meta.org.as_str(), report.meta.year), ("某局", 2024));
    // Blank and `/` cells are "no value", not zero.
    let value = |row: &str, field: &str| {
        report
            .values
            .get(&ValueKey::new(row, field))
            .map(|c| c.value.clone())
    };
    assert_eq!(
        value("new_received", "natural_person"),
        Some(nianbao_model::CellValue::Number(Decimal::from(5)))
    );
    assert_eq!(
        value("new_received", "org_commercial"),
        Some(nianbao_model::CellValue::Empty("/".into()))
    );
    assert_eq!(
        value("new_received", "org_research"),
        Some(nianbao_model::CellValue::Empty(String::new()))
    );
    assert_eq!(value("granted", "total"), None);
    let by_rule = |rule: &str| -> Vec<String> {
        imported
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| format!("{} @ {}", f.message, f.locations[0]))
            .collect()
    };
    assert_eq!(
        by_rule("import.row_values"),
        vec![
            "表三“（一）予以公开”一行应有 7 个数值，实际读到 3 个，未导入 @ 页面.html › 第1个表格第3行第1列"
        ]
    );
    assert_eq!(
        by_rule("import.cells_joined"),
        vec![
            "表三“（二）部分公开（区分处理的，只计这一情形，不计其他情形）”一行的数字连在一起（“1000000”），无法分辨各单元格的数值，未导入 @ 页面.html › 第1个表格第4行第1列"
        ]
    );
    // The rows the page lacks: one finding for the table that names them (22 rows).
    let missing = by_rule("import.row_missing");
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert!(
        missing[0].starts_with("第1个表格中的表三共 25 行，读到 3 行；未找到以下 22 行的数值")
            && missing[0].contains("“二、上年结转政府信息公开申请数量”"),
        "{}",
        missing[0]
    );
    // Rows that cannot be read are errors; rows not there are treated as not filled in.
    assert!(imported.findings.iter().all(|f| {
        f.severity
            == if f.rule == "import.row_missing" {
                Severity::Warning
            } else {
                Severity::Error
            }
    }));
}

#[test]
fn a_2019_format_table_is_read_through_the_mappings_as_in_a_workbook() {
    let format = Format::national_2021();
    let page = "<p>二、主动公开政府信息情况</p><table>
<tr><td colspan=\"4\">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>规范性文件</td><td>3</td><td>3</td><td>40</td></tr>
</table>";
    let imported = read_document_bytes("2023年报.html", page.as_bytes(), format).unwrap();
    let value = |row: &str, field: &str| common::value_of(&imported.report, row, field);
    // 本年新制作数量 is read as 本年制发件数; the 2019 columns without a 2021 place are not.
    assert_eq!(
        value("regulations", "made"),
        Some(CellValue::Number(Decimal::ZERO))
    );
    assert_eq!(
        value("normative_documents", "made"),
        Some(CellValue::Number(Decimal::from(3)))
    );
    assert_eq!(value("normative_documents", "valid"), None);
    let rules = |rule: &str| -> Vec<&Finding> {
        imported
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .collect()
    };
    let legacy = rules("import.legacy_2019");
    assert_eq!(legacy.len(), 1, "{:#?}", imported.findings);
    assert_eq!(legacy[0].severity, Severity::Warning);
    assert_eq!(legacy[0].locations[0].table, Some(1));
    assert_eq!(legacy[0].locations[0].table_cell, Some((2, 2)));
    // 规章 and 规范性文件 本年新制作数量, and 规范性文件 as 行政规范性文件.
    assert_eq!(
        rules("import.legacy_mapped").len(),
        3,
        "{:#?}",
        imported.findings
    );
    let unmapped: Vec<String> = rules("import.legacy_unmapped")
        .iter()
        .map(|f| f.found.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        unmapped,
        ["第4行第3列=3", "第4行第4列=40"],
        "{:#?}",
        imported.findings
    );
}

#[test]
fn a_page_laid_out_in_a_table_is_read_through() {
    let format = Format::national_2021();
    let inner = std::fs::read_to_string(fixture("docs/huaian-2024.html")).unwrap();
    let body = inner
        .split_once("<body>")
        .and_then(|(_, rest)| rest.split_once("</body>"))
        .map(|(body, _)| body)
        .unwrap();
    // The whole article inside one cell of a layout table, beside a navigation column.
    let page = format!(
        "<html><body><table><tr><td><a href=\"/\">首页</a></td><td>{body}</td></tr></table></body></html>"
    );
    let imported = read_document_bytes("布局.html", page.as_bytes(), format).unwrap();
    assert!(imported.findings.is_empty(), "{:#?}", imported.findings);
    check_huaian_published(&imported.report, format);
}
