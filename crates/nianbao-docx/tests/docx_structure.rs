//! The filing DOCX read back as XML: page, fonts by level, tables against the format's layout,
//! values in their cells, footers, properties, determinism and schema order.

mod common;

use common::*;
use nianbao_docx::{DocxOptions, write_draft_skeleton, write_report_docx};
use nianbao_model::format::{ItemSpec, PageNumberStyle, SignatureSpec, Slot};
use nianbao_model::{CellValue, Format, Paragraph, ValueKey, template};

fn huaian_docx() -> Vec<u8> {
    write_report_docx(
        Format::national_2021(),
        &huaian_report(),
        &DocxOptions::default(),
    )
    .unwrap()
}

/// Body paragraphs (`w:p` directly in the body) with their text.
/// The East Asian face in effect for a run of paragraph `p`.
fn east_asia(styles: &Styles, p: &X, run: &X) -> String {
    styles
        .run(p, run, "w:rFonts", "w:eastAsia")
        .unwrap_or_default()
}

/// The size in effect, in half-points.
fn size(styles: &Styles, p: &X, run: &X) -> String {
    styles.run(p, run, "w:sz", "w:val").unwrap_or_default()
}

#[test]
fn page_is_a4_with_gbt9704_margins() {
    let doc = document(&huaian_docx());
    let sect = body(&doc).child("w:sectPr").unwrap();
    let size = sect.child("w:pgSz").unwrap();
    assert_eq!(
        (size.attr("w:w"), size.attr("w:h")),
        (Some("11906"), Some("16838"))
    );
    let m = sect.child("w:pgMar").unwrap();
    let margins: Vec<_> = ["w:top", "w:bottom", "w:left", "w:right"]
        .iter()
        .map(|k| m.attr(k).unwrap())
        .collect();
    assert_eq!(margins, ["2098", "1984", "1588", "1474"]);
    // The footer sits inside the 35 mm bottom margin, below the text block.
    let footer: i32 = m.attr("w:footer").unwrap().parse().unwrap();
    assert!((1100..1984).contains(&footer), "{footer}");
}

#[test]
fn title_is_two_centred_lines_of_xiaobiaosong_when_long() {
    let docx = huaian_docx();
    let (doc, styles) = (document(&docx), Styles::of(&docx));
    let paras = body_paragraphs(&doc);
    assert_eq!(paras[0].text(), "淮安市人民政府");
    assert_eq!(paras[1].text(), "2024年政府信息公开工作年度报告");
    for p in &paras[..2] {
        assert_eq!(styles.para(p, "w:jc", "w:val").as_deref(), Some("center"));
        assert_eq!(styles.para(p, "w:ind", "w:firstLine").as_deref(), Some("0"));
        let run = p.child("w:r").unwrap();
        assert_eq!(east_asia(&styles, p, run), "方正小标宋简体");
        assert_eq!(size(&styles, p, run), "44");
    }
    // A short title stays on one line.
    let short = nianbao_model::Report::new("某镇", 2024);
    let docx = write_report_docx(Format::national_2021(), &short, &DocxOptions::default()).unwrap();
    let doc = document(&docx);
    assert_eq!(
        body_paragraphs(&doc)[0].text(),
        "某镇2024年政府信息公开工作年度报告"
    );
    assert_eq!(body_paragraphs(&doc)[1].text(), "");
}

#[test]
fn fonts_sizes_and_spacing_follow_the_level() {
    let docx = huaian_docx();
    let (doc, styles) = (document(&docx), Styles::of(&docx));
    // Part headings: 黑体 三号 in 标题 1 (outline level 0, kept with the next paragraph), official
    // wording even where the draft drifted.
    for part in &Format::national_2021().parts {
        let p = paragraph_with(&doc, &part.full_heading());
        let run = p.child("w:r").unwrap();
        assert_eq!(
            east_asia(&styles, p, run),
            "黑体",
            "{}",
            part.full_heading()
        );
        assert_eq!(size(&styles, p, run), "32");
        assert_eq!(
            styles.para(p, "w:outlineLvl", "w:val").as_deref(),
            Some("0")
        );
        assert!(styles.para_flag(p, "w:keepNext"));
    }
    assert!(
        !String::from_utf8_lossy(&unzip(&docx)["word/document.xml"]).contains("其他需要说明的事项")
    );
    // Run-in sub-heading in 楷体, then the body in 仿宋.
    let p = paragraph_with(&doc, "（一）主动公开情况。");
    let runs: Vec<&X> = p.children_named("w:r").collect();
    assert_eq!(runs[0].text(), "（一）主动公开情况。");
    assert_eq!(east_asia(&styles, p, runs[0]), "楷体_GB2312");
    assert_eq!(east_asia(&styles, p, runs[1]), "仿宋_GB2312");
    assert!(runs[1].text().starts_with("2024年，市政府网站"));
    // Body: justified, 2-character first-line indent, exact 28 pt.
    let p = paragraph_with(&doc, "对照上级新要求");
    assert_eq!(styles.para(p, "w:jc", "w:val").as_deref(), Some("both"));
    assert_eq!(
        styles.para(p, "w:ind", "w:firstLine").as_deref(),
        Some("640")
    );
    assert_eq!(
        styles.para(p, "w:spacing", "w:line").as_deref(),
        Some("560")
    );
    assert_eq!(
        styles.para(p, "w:spacing", "w:lineRule").as_deref(),
        Some("exact")
    );
    assert_eq!(size(&styles, p, p.child("w:r").unwrap()), "32");
    // Every run of the body and its tables: Times New Roman for Latin and digits with the East
    // Asian hint, black.
    for p in doc.all("w:p") {
        for run in p.children_named("w:r") {
            let font = |attr| styles.run(p, run, "w:rFonts", attr);
            assert_eq!(
                font("w:ascii").as_deref(),
                Some("Times New Roman"),
                "{}",
                run.text()
            );
            assert_eq!(font("w:hAnsi").as_deref(), Some("Times New Roman"));
            assert_eq!(font("w:hint").as_deref(), Some("eastAsia"));
            assert_eq!(
                styles.run(p, run, "w:color", "w:val").as_deref(),
                Some("000000")
            );
        }
    }
    // Tables: 宋体, 小四 up to four columns, 五号 beyond; single spacing; labels of rows left.
    for (tbl, narrow) in body(&doc).children_named("w:tbl").zip([true, false, false]) {
        for p in tbl.all("w:p") {
            assert_eq!(
                styles.para(p, "w:spacing", "w:lineRule").as_deref(),
                Some("auto")
            );
            assert_eq!(styles.para(p, "w:ind", "w:firstLine").as_deref(), Some("0"));
            for run in p.children_named("w:r") {
                assert_eq!(east_asia(&styles, p, run), "宋体", "{}", run.text());
                assert_eq!(size(&styles, p, run), if narrow { "24" } else { "21" });
            }
        }
    }
    let tbl = body(&doc).children_named("w:tbl").nth(1).unwrap();
    let label = tbl
        .all("w:p")
        .into_iter()
        .find(|p| p.text() == "（一）予以公开")
        .unwrap();
    assert_eq!(styles.para(label, "w:jc", "w:val").as_deref(), Some("left"));
    let header = tbl
        .all("w:p")
        .into_iter()
        .find(|p| p.text() == "自然人")
        .unwrap();
    assert_eq!(
        styles.para(header, "w:jc", "w:val").as_deref(),
        Some("center")
    );
}

#[test]
fn heading_paragraph_of_level_sub1_is_kaiti() {
    let docx = write_report_docx(
        Format::national_2021(),
        &zero_report(),
        &DocxOptions::default(),
    )
    .unwrap();
    let (doc, styles) = (document(&docx), Styles::of(&docx));
    let p = paragraph_with(&doc, "（一）主动公开信息情况");
    assert_eq!(
        east_asia(&styles, p, p.child("w:r").unwrap()),
        "楷体_GB2312"
    );
    assert_eq!(
        styles.para(p, "w:outlineLvl", "w:val").as_deref(),
        Some("1")
    );
    let p = paragraph_with(&doc, "2024年，我局依据");
    assert_eq!(
        east_asia(&styles, p, p.child("w:r").unwrap()),
        "仿宋_GB2312"
    );
}

#[test]
fn tables_match_the_format_grid_and_merges() {
    let format = Format::national_2021();
    let report = huaian_report();
    let doc = document(&huaian_docx());
    let tables: Vec<&X> = body(&doc).children_named("w:tbl").collect();
    assert_eq!(tables.len(), 3);
    for (tbl, spec) in tables.iter().zip(&format.tables) {
        // Grid: the official column count, within the 156 mm text block, fixed layout.
        let cols: Vec<u32> = tbl
            .child("w:tblGrid")
            .unwrap()
            .children_named("w:gridCol")
            .map(|g| g.attr("w:w").unwrap().parse().unwrap())
            .collect();
        assert_eq!(cols.len(), spec.grid_cols, "{}", spec.id);
        assert!(cols.iter().sum::<u32>() <= 8845, "{}: {cols:?}", spec.id);
        assert_eq!(
            tbl.prop("w:tblPr", "w:tblLayout", "w:type").as_deref(),
            Some("fixed")
        );

        let layout = spec.layout();
        let grid = grid_of(tbl);
        assert_eq!(grid.len(), layout.len(), "{} rows", spec.id);
        for (r, row) in grid.iter().enumerate() {
            assert_eq!(
                row.iter().map(|c| c.1).sum::<usize>(),
                spec.grid_cols,
                "{} row {r}",
                spec.id
            );
            for (c, span, merge, text) in row {
                match &layout[r][*c] {
                    Slot::Text(i) => {
                        let cell = &spec.cells[*i];
                        assert_eq!(
                            (span, text),
                            (&cell.colspan, &cell.text),
                            "{} ({r},{c})",
                            spec.id
                        );
                        let expected = (cell.rowspan > 1).then(|| "restart".to_string());
                        assert_eq!(merge, &expected, "{} ({r},{c}) {}", spec.id, cell.text);
                    }
                    Slot::Value(key) => {
                        let v = spec.value_cells().iter().find(|v| &v.key == key).unwrap();
                        assert_eq!(*span, v.colspan, "{} {key}", spec.id);
                        assert_eq!(merge, &None);
                        let expected = report.number(key).unwrap().normalize().to_string();
                        assert_eq!(text, &expected, "{} {key}", spec.id);
                    }
                    Slot::Covered => {
                        assert_eq!(merge.as_deref(), Some("continue"), "{} ({r},{c})", spec.id);
                        assert_eq!(text, "");
                    }
                    Slot::Empty => panic!("{} ({r},{c}) drawn over an empty slot", spec.id),
                }
            }
        }
        // Every vertical merge of the format: a restart and exactly rowspan-1 continues below.
        for cell in spec.cells.iter().filter(|c| c.rowspan > 1) {
            let continues = (cell.r + 1..cell.r + cell.rowspan)
                .filter(|r| {
                    grid[*r].iter().any(|(c, span, m, _)| {
                        *c == cell.c && *span == cell.colspan && m.as_deref() == Some("continue")
                    })
                })
                .count();
            assert_eq!(continues, cell.rowspan - 1, "{} “{}”", spec.id, cell.text);
        }
        // Every cell has a width; header rows repeat; no row splits across pages.
        for tc in tbl.all("w:tc") {
            assert!(tc.child("w:tcPr").unwrap().child("w:tcW").is_some());
        }
        for (r, tr) in tbl.children_named("w:tr").enumerate() {
            let trpr = tr.child("w:trPr").unwrap();
            assert!(trpr.child("w:cantSplit").is_some());
            assert_eq!(
                trpr.child("w:tblHeader").is_some(),
                r < spec.header_rows,
                "{} row {r}",
                spec.id
            );
        }
    }
    assert_eq!(grid_of(tables[2]).len(), 4);
}

#[test]
fn huaian_values_sit_in_their_cells() {
    let doc = document(&huaian_docx());
    let tables: Vec<&X> = body(&doc).children_named("w:tbl").collect();
    let cell_text = |t: usize, r: usize, c: usize| {
        grid_of(tables[t])[r]
            .iter()
            .find(|cell| cell.0 == c)
            .map(|cell| cell.3.clone())
            .unwrap()
    };
    assert_eq!(cell_text(0, 6, 1), "447228"); // 行政许可
    assert_eq!(cell_text(0, 9, 1), "3985758"); // 行政处罚
    assert_eq!(cell_text(0, 13, 1), "96171.6"); // 行政事业性收费, exact decimal
    assert_eq!(cell_text(1, 3, 9), "3119"); // 一、本年新收 · 总计
    assert_eq!(cell_text(1, 26, 3), "2932"); // （七）总计 · 自然人
    assert_eq!(cell_text(1, 27, 9), "103"); // 四、结转下年度继续办理 · 总计
    assert_eq!(cell_text(2, 3, 4), "351"); // 行政复议 · 总计
    assert_eq!(cell_text(2, 3, 14), "20"); // 复议后起诉 · 总计
}

#[test]
fn a_missing_value_prints_an_empty_cell_not_zero() {
    let mut report = huaian_report();
    let key = ValueKey::new("granted", "total");
    report.values.get_mut(&key).unwrap().value = CellValue::Empty("/".into());
    let docx =
        write_report_docx(Format::national_2021(), &report, &DocxOptions::default()).unwrap();
    let doc = document(&docx);
    let tbl = body(&doc).children_named("w:tbl").nth(1).unwrap();
    let row = &grid_of(tbl)[5];
    assert_eq!(row.iter().find(|c| c.0 == 9).unwrap().3, "");
    assert_eq!(row.iter().find(|c| c.0 == 3).unwrap().3, "1288");
}

#[test]
fn footers_number_odd_pages_right_and_even_pages_left() {
    let docx = huaian_docx();
    let (files, styles) = (unzip(&docx), Styles::of(&docx));
    let settings = parse(&files["word/settings.xml"]);
    assert!(settings.child("w:evenAndOddHeaders").is_some());
    let doc = parse(&files["word/document.xml"]);
    let sect = body(&doc).child("w:sectPr").unwrap();
    let rels = parse(&files["word/_rels/document.xml.rels"]);
    let target = |kind: &str| {
        let id = sect
            .children_named("w:footerReference")
            .find(|f| f.attr("w:type") == Some(kind))
            .and_then(|f| f.attr("r:id"))
            .unwrap();
        let rel = rels
            .children
            .iter()
            .find(|r| r.attr("Id") == Some(id))
            .unwrap();
        format!("word/{}", rel.attr("Target").unwrap())
    };
    for (kind, align, indent_side) in [("default", "right", "w:right"), ("even", "left", "w:left")]
    {
        let footer = parse(&files[&target(kind)]);
        let p = footer.child("w:p").unwrap();
        assert_eq!(
            p.prop("w:pPr", "w:jc", "w:val").as_deref(),
            Some(align),
            "{kind}"
        );
        assert_eq!(
            p.prop("w:pPr", "w:ind", indent_side).as_deref(),
            Some("280"),
            "{kind}"
        );
        let chars: Vec<_> = footer
            .all("w:fldChar")
            .iter()
            .map(|f| f.attr("w:fldCharType").unwrap().to_string())
            .collect();
        assert_eq!(chars, ["begin", "separate", "end"]);
        assert_eq!(footer.all("w:instrText")[0].text.trim(), "PAGE");
        assert!(
            p.text().starts_with("— ") && p.text().ends_with(" —"),
            "{}",
            p.text()
        );
        for run in footer.all("w:r") {
            assert_eq!(east_asia(&styles, p, run), "宋体");
            assert_eq!(
                styles.run(p, run, "w:rFonts", "w:ascii").as_deref(),
                Some("宋体")
            );
            assert_eq!(size(&styles, p, run), "28");
        }
        assert_eq!(
            styles.para(p, "w:spacing", "w:lineRule").as_deref(),
            Some("auto")
        );
    }
    let types = String::from_utf8_lossy(&files["[Content_Types].xml"]).into_owned();
    assert_eq!(types.matches("footer+xml").count(), 2);
}

#[test]
fn centred_page_numbers_use_one_footer() {
    let mut format = Format::national_2021().clone();
    format.page_number = PageNumberStyle::HyphenCentered;
    let docx = write_report_docx(&format, &zero_report(), &DocxOptions::default()).unwrap();
    let files = unzip(&docx);
    assert!(
        parse(&files["word/settings.xml"])
            .child("w:evenAndOddHeaders")
            .is_none()
    );
    assert!(!files.contains_key("word/footer2.xml"));
    let footer = parse(&files["word/footer1.xml"]);
    let p = footer.child("w:p").unwrap();
    assert_eq!(p.prop("w:pPr", "w:jc", "w:val").as_deref(), Some("center"));
    assert_eq!(p.text(), "-1-");
}

#[test]
fn core_properties_name_the_report_and_its_date() {
    let files = unzip(&huaian_docx());
    let core = parse(&files["docProps/core.xml"]);
    assert_eq!(
        core.child("dc:title").unwrap().text,
        "淮安市人民政府2024年政府信息公开工作年度报告"
    );
    assert_eq!(core.child("dc:creator").unwrap().text, "淮安市人民政府");
    assert_eq!(
        core.child("dcterms:created").unwrap().text,
        "2025-01-16T00:00:00Z"
    );
    assert_eq!(
        core.child("dcterms:modified").unwrap().text,
        "2025-01-16T00:00:00Z"
    );
    // Without a 成文日期: 1 January of the following year, never the clock.
    let docx = write_report_docx(
        Format::national_2021(),
        &zero_report(),
        &DocxOptions::default(),
    )
    .unwrap();
    let core = parse(&unzip(&docx)["docProps/core.xml"]);
    assert_eq!(
        core.child("dcterms:created").unwrap().text,
        "2025-01-01T00:00:00Z"
    );
}

#[test]
fn font_table_names_fallbacks_only_when_asked() {
    let files = unzip(&huaian_docx());
    let fonts = parse(&files["word/fontTable.xml"]);
    let alt = |name: &str| {
        fonts
            .children
            .iter()
            .find(|f| f.attr("w:name") == Some(name))
            .and_then(|f| f.child("w:altName"))
            .and_then(|a| a.attr("w:val"))
            .map(str::to_string)
    };
    assert_eq!(alt("仿宋_GB2312").as_deref(), Some("仿宋"));
    assert_eq!(alt("楷体_GB2312").as_deref(), Some("楷体"));
    assert_eq!(alt("方正小标宋简体").as_deref(), Some("宋体"));
    let plain = write_report_docx(
        Format::national_2021(),
        &huaian_report(),
        &DocxOptions {
            fallback_fonts: false,
            ..DocxOptions::default()
        },
    )
    .unwrap();
    assert!(!String::from_utf8_lossy(&unzip(&plain)["word/fontTable.xml"]).contains("altName"));
}

#[test]
fn output_is_byte_identical_across_writes() {
    let first = huaian_docx();
    // Building other documents in between moves docx-rs's process-global counters.
    let _ = write_report_docx(
        Format::national_2021(),
        &zero_report(),
        &DocxOptions::default(),
    );
    let _ = write_draft_skeleton(Format::national_2021(), &zero_report().meta);
    let second = huaian_docx();
    assert!(first == second, "two writes of the same report differ");
    let a = write_draft_skeleton(Format::national_2021(), &huaian_report().meta).unwrap();
    let b = write_draft_skeleton(Format::national_2021(), &huaian_report().meta).unwrap();
    assert!(a == b);
    // The large parts are compressed, the small ones stored; every entry carries a fixed
    // timestamp.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&first)).unwrap();
    for i in 0..archive.len() {
        let f = archive.by_index(i).unwrap();
        let expected = if f.size() >= 4096 {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        assert_eq!(f.compression(), expected, "{}", f.name());
        if f.name() == "word/document.xml" {
            assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
        }
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (1980, 1, 1), "{}", f.name());
    }
}

/// CT_RPr order of the elements we may write (ECMA-376 Part 1, 17.3.2.28).
const RPR_SCHEMA: &[&str] = &[
    "w:rStyle",
    "w:rFonts",
    "w:b",
    "w:bCs",
    "w:i",
    "w:iCs",
    "w:caps",
    "w:smallCaps",
    "w:strike",
    "w:dstrike",
    "w:outline",
    "w:shadow",
    "w:emboss",
    "w:imprint",
    "w:noProof",
    "w:snapToGrid",
    "w:vanish",
    "w:webHidden",
    "w:color",
    "w:spacing",
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
];
/// CT_PPr order of the elements we may write (17.3.1.26).
const PPR_SCHEMA: &[&str] = &[
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:widowControl",
    "w:numPr",
    "w:tabs",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:jc",
    "w:outlineLvl",
    "w:rPr",
];
/// CT_SectPr order (17.6.17).
const SECTPR_SCHEMA: &[&str] = &[
    "w:headerReference",
    "w:footerReference",
    "w:pgSz",
    "w:pgMar",
    "w:cols",
    "w:titlePg",
    "w:docGrid",
];

fn assert_schema_order(root: &X, element: &str, schema: &[&str], part: &str) -> usize {
    let mut checked = 0;
    for props in root.all(element) {
        let ranks: Vec<usize> = props
            .children
            .iter()
            .map(|c| {
                schema
                    .iter()
                    .position(|s| *s == c.name)
                    .unwrap_or_else(|| panic!("{part}: unexpected {} in {element}", c.name))
            })
            .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "{part}: {element} children out of order: {:?}",
            props.children.iter().map(|c| &c.name).collect::<Vec<_>>()
        );
        checked += 1;
    }
    checked
}

#[test]
fn properties_are_written_in_schema_order() {
    for docx in [
        huaian_docx(),
        write_draft_skeleton(Format::national_2021(), &huaian_report().meta).unwrap(),
    ] {
        let files = unzip(&docx);
        let mut rprs = 0;
        for (name, bytes) in &files {
            if !name.ends_with(".xml") || !name.starts_with("word/") {
                continue;
            }
            let root = parse(bytes);
            rprs += assert_schema_order(&root, "w:rPr", RPR_SCHEMA, name);
            assert_schema_order(&root, "w:pPr", PPR_SCHEMA, name);
            assert_schema_order(&root, "w:sectPr", SECTPR_SCHEMA, name);
        }
        // Formatting lives in the styles; the style sheet (and the report's run-in headings)
        // still have property lists to check.
        assert!(rprs >= 7, "only {rprs} rPr checked");
    }
}

#[test]
fn opening_comes_from_the_report_or_the_format_template() {
    // The built-in template (templates/national-2021/opening.j2).
    let format = Format::national_2021().clone();
    let mut report = huaian_report();
    report.meta.contact = vec!["电话：0517-83605210".into(), "邮编：223001".into()];
    let docx = write_report_docx(&format, &report, &DocxOptions::default()).unwrap();
    let doc = document(&docx);
    let opening = body_paragraphs(&doc)[3].text();
    assert!(
        opening.contains("统计期限自2024年1月1日起至2024年12月31日止"),
        "{opening}"
    );
    assert!(
        opening.contains("请与淮安市人民政府联系（电话：0517-83605210，邮编：223001）"),
        "{opening}"
    );
    let p = body_paragraphs(&doc)[3];
    assert_eq!(
        Styles::of(&docx).para(p, "w:ind", "w:firstLine").as_deref(),
        Some("640")
    );

    // The report's own opening wins over the template.
    report.opening = vec![Paragraph::body(
        "本报告由淮安市人民政府办公室根据《条例》规定编制。",
    )];
    let docx = write_report_docx(&format, &report, &DocxOptions::default()).unwrap();
    let doc = document(&docx);
    assert_eq!(
        body_paragraphs(&doc)[3].text(),
        "本报告由淮安市人民政府办公室根据《条例》规定编制。"
    );
    assert!(!doc.text().contains("统计期限自"));

    // A template naming something the report does not have is refused with the format's id
    // (on a fresh copy: a format is not changed once it is used).
    let mut format = Format::national_2021().clone();
    format
        .templates
        .insert(template::OPENING.into(), "{{ no_such_thing.total }}".into());
    let err = write_report_docx(&format, &huaian_report(), &DocxOptions::default()).unwrap_err();
    assert!(err.to_string().contains("national-2021"), "{err}");
    assert!(err.to_string().contains("opening.j2"), "{err}");
}

#[test]
fn closing_block_is_right_aligned() {
    // The format asks for a signature: 机关名称 and 成文日期.
    let mut format = Format::national_2021().clone();
    format.signature = Some(SignatureSpec {
        date_required: true,
    });
    let docx = write_report_docx(&format, &huaian_report(), &DocxOptions::default()).unwrap();
    let (doc, styles) = (document(&docx), Styles::of(&docx));
    let paras = body_paragraphs(&doc);
    let n = paras.len();
    assert_eq!(paras[n - 2].text(), "淮安市人民政府");
    assert_eq!(paras[n - 1].text(), "2025年1月16日");
    for p in &paras[n - 2..] {
        assert_eq!(styles.para(p, "w:jc", "w:val").as_deref(), Some("right"));
        assert_eq!(styles.para(p, "w:ind", "w:right").as_deref(), Some("640"));
    }
    // The national format signs too when the date is known (templates/national-2021/closing.j2).
    let doc = document(&huaian_docx());
    let texts: Vec<String> = body_paragraphs(&doc).iter().map(|p| p.text()).collect();
    assert_eq!(
        texts[texts.len() - 2..],
        ["淮安市人民政府", "2025年1月16日"]
    );
    // No date and no closing lines: the document ends with part 六.
    let mut undated = huaian_report();
    undated.meta.date = None;
    let docx =
        write_report_docx(Format::national_2021(), &undated, &DocxOptions::default()).unwrap();
    let last = body_paragraphs(&document(&docx)).last().unwrap().text();
    assert!(last.contains("信息处理费3940元"), "{last}");
    // The draft's own signature lines are printed as written; the date is the metadata's
    // (report.toml's), never lost to the draft's closing date.
    let mut report = huaian_report();
    report.closing = vec![
        Paragraph::body("淮安市人民政府办公室"),
        Paragraph::body("2025年1月20日"),
    ];
    let docx =
        write_report_docx(Format::national_2021(), &report, &DocxOptions::default()).unwrap();
    let doc = document(&docx);
    let paras = body_paragraphs(&doc);
    let texts: Vec<String> = paras.iter().map(|p| p.text()).collect();
    assert_eq!(
        texts[texts.len() - 2..],
        ["淮安市人民政府办公室", "2025年1月16日"]
    );
    assert_eq!(
        Styles::of(&docx)
            .para(paras[paras.len() - 1], "w:jc", "w:val")
            .as_deref(),
        Some("right")
    );
}

#[test]
fn draft_skeleton_has_headings_notes_placeholders_and_items() {
    let mut format = Format::national_2021().clone();
    let six = format.parts.iter_mut().find(|p| p.number == 6).unwrap();
    six.items = vec![
        ItemSpec {
            heading: "信息处理费".into(),
            skeleton: "本年度{{ org }}未收取信息处理费。".into(),
            keywords: vec![],
        },
        ItemSpec {
            heading: "落实上级年度政务公开工作要点情况".into(),
            skeleton: String::new(),
            keywords: vec![],
        },
    ];
    let meta = huaian_report().meta;
    let docx = write_draft_skeleton(&format, &meta).unwrap();
    let doc = document(&docx);
    let texts: Vec<String> = body_paragraphs(&doc).iter().map(|p| p.text()).collect();
    assert_eq!(texts[0], "淮安市人民政府");
    for part in &format.parts {
        assert!(
            texts.contains(&part.full_heading()),
            "{}",
            part.full_heading()
        );
    }
    assert!(
        texts.iter().any(|t| t.contains("{{ new_received.total }}")),
        "{texts:#?}"
    );
    assert!(texts.iter().any(|t| t.contains("{{ review.total }}")));
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("由统计表自动生成"))
            .count(),
        3
    );
    // Part 一 skeleton sub-headings in 楷体; part 六 items numbered in order, text rendered.
    let p = paragraph_with(&doc, "（一）主动公开");
    let styles = Styles::of(&docx);
    assert_eq!(
        east_asia(&styles, p, p.child("w:r").unwrap()),
        "楷体_GB2312"
    );
    let first = texts.iter().position(|t| t == "（一）信息处理费").unwrap();
    assert_eq!(texts[first + 1], "本年度淮安市人民政府未收取信息处理费。");
    assert_eq!(texts[first + 2], "（二）落实上级年度政务公开工作要点情况");
    // The skeleton uses the same page setup.
    let sect = body(&doc).child("w:sectPr").unwrap();
    assert_eq!(sect.child("w:pgMar").unwrap().attr("w:top"), Some("2098"));
}

#[test]
fn text_with_line_breaks_becomes_separate_paragraphs() {
    let mut report = zero_report();
    report.parts[0]
        .paragraphs
        .push(Paragraph::body("第一段。\n第二段。"));
    let docx =
        write_report_docx(Format::national_2021(), &report, &DocxOptions::default()).unwrap();
    let doc = document(&docx);
    assert_eq!(paragraph_with(&doc, "第一段。").text(), "第一段。");
    assert_eq!(paragraph_with(&doc, "第二段。").text(), "第二段。");
    assert!(!String::from_utf8_lossy(&unzip(&docx)["word/document.xml"]).contains("&#xA;"));
}

#[test]
fn prose_with_markup_and_control_characters_gives_well_formed_xml() {
    let mut report = huaian_report();
    let paragraph = &mut report.parts[0].paragraphs[0];
    // Markup characters, a tab, and control characters that XML does not allow (a stray escape
    // sequence, a vertical tab), as an HTML draft or a DOCX with character references can hold.
    paragraph.text = "A&B <规定> \"引号\"\t制表\u{1b}[31m\u{b}结束".into();
    // The name goes into the title, the signature and the document properties.
    report.meta.org = "淮安市\u{7}人民政府".into();
    let docx =
        write_report_docx(Format::national_2021(), &report, &DocxOptions::default()).unwrap();
    for (name, xml) in unzip(&docx) {
        let forbidden: Vec<u8> = xml
            .iter()
            .copied()
            .filter(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
            .collect();
        assert!(forbidden.is_empty(), "{name}: {forbidden:?}");
    }
    let doc = document(&docx);
    let p = paragraph_with(&doc, "A&B");
    // The paragraph may start with a run-in heading.
    assert!(
        p.text().ends_with("A&B <规定> \"引号\"\t制表[31m结束"),
        "{}",
        p.text()
    );
}
