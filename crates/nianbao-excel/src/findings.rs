//! Findings as rows of a workbook, one way for every place they are written: the `检查结果`
//! sheet of a report workbook, the 问题清单 a 政务公开办 sends back to a unit
//! ([`write_findings_workbook`]), and the all-units 问题清单 sheet of a batch's 汇总.xlsx (which
//! streams its rows and so writes [`finding_row`]'s texts itself, with the unit first).
//!
//! The columns are what the unit needs to act on each finding without nianbao: how serious it
//! is, the rule, what is wrong, where, what was expected and found, and what to do.

use nianbao_model::{Counts, Finding, Severity};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format as CellFormat, FormatAlign, FormatBorder, Workbook,
    Worksheet,
};

use crate::ExcelError;
use crate::write::{CHARSET_GB2312, FONT, Formats, PAPER_A4, cell_text, werr};

/// Column titles of a findings row.
pub const FINDING_HEADERS: [&str; 7] = ["严重程度", "规则", "问题", "位置", "应为", "实为", "建议"];
/// Column widths (Excel character units) that print on A4 landscape at about full size: 152
/// units, roughly the 27 cm between the margins.
pub const FINDING_WIDTHS: [f64; 7] = [8.0, 17.0, 40.0, 30.0, 12.0, 12.0, 33.0];

/// The texts of one finding's row, in [`FINDING_HEADERS`] order, each cut to what a cell holds.
pub fn finding_row(f: &Finding) -> [String; 7] {
    let locations: Vec<String> = f.locations.iter().map(|l| l.to_string()).collect();
    [
        f.severity.label(),
        f.rule.as_str(),
        f.message.as_str(),
        &locations.join("\n"),
        f.expected.as_deref().unwrap_or(""),
        f.found.as_deref().unwrap_or(""),
        f.hint.as_deref().unwrap_or(""),
    ]
    .map(|text| cell_text(text).into_owned())
}

/// The fill of a severity cell, so that errors stand out on paper and on screen.
pub fn severity_color(severity: Severity) -> Option<Color> {
    match severity {
        Severity::Error => Some(Color::RGB(0xF8CBAD)),
        Severity::Warning => Some(Color::RGB(0xFFE699)),
        Severity::Info => None,
    }
}

/// The height (points) a row needs for its wrapped texts, each with its column's width in
/// Excel's character units: neither Excel nor LibreOffice grows a row written with a fixed
/// layout when the file is printed or converted, so a long message would be cut. At 10.5-point
/// 宋体 a Han or full-width character, and the quotes and dashes Chinese text uses, take about
/// 1.6 units and a Latin letter, digit or `›` about 0.9 (measured on LibreOffice's PDFs of a
/// 问题清单 and a 汇总).
pub fn wrapped_row_height(cells: &[(&str, f64)]) -> f64 {
    const LINE_POINTS: f64 = 14.0;
    let lines = cells
        .iter()
        .map(|(text, width)| {
            let usable = width.max(1.0);
            text.split('\n')
                .map(|line| {
                    let units: f64 = line
                        .chars()
                        .map(|c| {
                            let wide = (c as u32) >= 0x2E80
                                || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—');
                            if wide { 1.6 } else { 0.9 }
                        })
                        .sum();
                    // A little over the count: a long text wraps at word and punctuation
                    // boundaries, losing part of a line now and then.
                    (units * 1.04 / usable).ceil().max(1.0)
                })
                .sum::<f64>()
        })
        .fold(1.0, f64::max);
    lines * LINE_POINTS + 4.0
}

/// The header row at `top` and one row per finding under it (or a line saying there is none).
pub(crate) fn write_finding_rows(
    sheet: &mut Worksheet,
    top: u32,
    findings: &[Finding],
    header: &CellFormat,
    cell: &CellFormat,
) -> Result<(), ExcelError> {
    for (c, (h, w)) in FINDING_HEADERS.iter().zip(FINDING_WIDTHS).enumerate() {
        sheet.set_column_width(c as u16, w).map_err(werr)?;
        sheet
            .write_string_with_format(top, c as u16, *h, header)
            .map_err(werr)?;
    }
    if findings.is_empty() {
        let last = FINDING_HEADERS.len() as u16 - 1;
        sheet
            .merge_range(top + 1, 0, top + 1, last, "未发现问题。", cell)
            .map_err(werr)?;
    }
    let severity_cells = [Severity::Error, Severity::Warning].map(|s| {
        severity_color(s).map(|color| {
            cell.clone()
                .set_background_color(color)
                .set_align(FormatAlign::Center)
        })
    });
    let info_cell = cell.clone().set_align(FormatAlign::Center);
    for (i, finding) in findings.iter().enumerate() {
        let row = top + 1 + i as u32;
        let texts = finding_row(finding);
        let sized: Vec<(&str, f64)> = texts
            .iter()
            .map(String::as_str)
            .zip(FINDING_WIDTHS)
            .collect();
        sheet
            .set_row_height(row, wrapped_row_height(&sized))
            .map_err(werr)?;
        for (c, text) in texts.iter().enumerate() {
            let format = match (c, finding.severity) {
                (0, Severity::Error) => severity_cells[0].as_ref().unwrap_or(cell),
                (0, Severity::Warning) => severity_cells[1].as_ref().unwrap_or(cell),
                (0, Severity::Info) => &info_cell,
                _ => cell,
            };
            sheet
                .write_string_with_format(row, c as u16, text, format)
                .map_err(werr)?;
        }
    }
    sheet.set_freeze_panes(top + 1, 0).map_err(werr)?;
    sheet.set_paper_size(PAPER_A4);
    sheet.set_landscape();
    // As wide as the page, as many pages long as it takes, the header row on every page.
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(top, top).map_err(werr)?;
    sheet.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    sheet.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

/// The 问题清单 of one report: a workbook the office can send back to the unit unchanged. One
/// sheet: the title (`title`, e.g. the report's title followed by 问题清单), a line of counts,
/// then one row per finding; printable on A4 landscape with the header row on every page.
/// Output bytes are deterministic.
pub fn write_findings_workbook(title: &str, findings: &[Finding]) -> Result<Vec<u8>, ExcelError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    workbook.set_zip_compression_level(1);
    let created = ExcelDateTime::from_ymd(2021, 1, 1).map_err(werr)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(cell_text(title).as_ref())
            .set_author("nianbao")
            .set_creation_datetime(&created),
    );
    let sheet = workbook.add_worksheet();
    sheet.set_name("问题清单").map_err(werr)?;
    let last = FINDING_HEADERS.len() as u16 - 1;
    let title_format = CellFormat::new()
        .set_font_name(FONT)
        .set_font_charset(CHARSET_GB2312)
        .set_font_size(14)
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    sheet.set_row_height(0, 30).map_err(werr)?;
    sheet
        .merge_range(0, 0, 0, last, &cell_text(title), &title_format)
        .map_err(werr)?;
    let counts = Counts::of(findings);
    let line = format!(
        "共 {} 项：错误 {} 项，警告 {} 项，提示 {} 项。错误须改正后方可报送；警告请逐项核实。",
        findings.len(),
        counts.errors,
        counts.warnings,
        counts.infos
    );
    let line_format = CellFormat::new()
        .set_font_name(FONT)
        .set_font_charset(CHARSET_GB2312)
        .set_font_size(10.5)
        .set_align(FormatAlign::Left)
        .set_align(FormatAlign::VerticalCenter);
    sheet
        .merge_range(1, 0, 1, last, &line, &line_format)
        .map_err(werr)?;
    let header = formats.heading.clone().set_text_wrap();
    let cell = formats
        .label
        .clone()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    write_finding_rows(sheet, 2, findings, &header, &cell)?;
    workbook.save_to_buffer().map_err(werr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_model::Location;

    #[test]
    fn rows_name_every_part_of_a_finding() {
        let f = Finding::error("t3.balance", "表三·自然人：一加二为 3035，三加四为 3034")
            .at(Location::sheet_cell("统计表.xlsx", "表三", "D28"))
            .at(Location::sheet_cell("统计表.xlsx", "表三", "D29"))
            .expected_found("3035", "3034")
            .hint("勾稽关系：第一项加第二项之和，等于第三项（七）总计加第四项之和。");
        let row = finding_row(&f);
        assert_eq!(row[0], "错误");
        assert_eq!(row[1], "t3.balance");
        assert_eq!(row[3], "统计表.xlsx › 表三 › D28\n统计表.xlsx › 表三 › D29");
        assert_eq!((row[4].as_str(), row[5].as_str()), ("3035", "3034"));
        assert!(row[6].starts_with("勾稽关系"));
    }

    #[test]
    fn rows_are_as_tall_as_their_longest_text() {
        let one = wrapped_row_height(&[("短", 10.0)]);
        // 40 Han characters (64 units, 66.6 with the margin) in a column of 8.4 units: 8 lines.
        let eight = wrapped_row_height(&[("短", 10.0), (&"长".repeat(40), 8.4)]);
        assert_eq!(eight - 4.0, 8.0 * (one - 4.0));
        let two_lines = wrapped_row_height(&[("a\nb", 10.0)]);
        assert_eq!(two_lines - 4.0, 2.0 * (one - 4.0));
    }

    #[test]
    fn the_workbook_is_the_same_bytes_each_time() {
        let findings = [Finding::warning("values.missing", "2 个数值未填写")];
        let a = write_findings_workbook("某局2024年政府信息公开工作年度报告问题清单", &findings)
            .unwrap();
        let b = write_findings_workbook("某局2024年政府信息公开工作年度报告问题清单", &findings)
            .unwrap();
        assert_eq!(a, b);
        assert!(write_findings_workbook("某局", &[]).is_ok());
    }
}
