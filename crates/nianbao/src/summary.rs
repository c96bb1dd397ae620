//! What a batch tells the 政务公开办 at the end: who has filed (the roster), each unit's status,
//! counts and key figures — on the terminal (80 columns, the headline last), in 汇总.xlsx (the
//! 汇总 sheet with conditional formatting and a chart sheet of the key figures) and in
//! 检查结果.json (`summary`, and the batch's own `findings`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use nianbao_model::{Counts, Finding, Location};
use rust_xlsxwriter::{
    Chart, ChartFont, ChartLegendPosition, ConditionalFormatCell, ConditionalFormatCellRule,
    Format as XlsxFormat, FormatAlign, FormatBorder, Workbook,
};
use serde::Serialize;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::roster::{MatchHow, Roster, match_units, name_key};

/// Key figures shown per unit: (column title, row key, field key).
pub const KEY_FIGURES: [(&str, &str, &str); 7] = [
    ("本年新收", "new_received", "total"),
    ("上年结转", "carried_over", "total"),
    ("办结（总计）", "processed_total", "total"),
    ("结转下年度", "carried_forward", "total"),
    ("行政复议", "review", "total"),
    ("行政诉讼（直接起诉）", "litigation_direct", "total"),
    ("行政诉讼（复议后起诉）", "litigation_after_review", "total"),
];

/// A unit's report status.
pub const PASSED: &str = "通过";
pub const WARNINGS: &str = "有警告";
pub const ERRORS: &str = "有错误";
pub const UNREADABLE: &str = "无法读取";
/// Roster statuses.
pub const FILED: &str = "已报送";
pub const NOT_FILED: &str = "未报送";
pub const NOT_LISTED: &str = "名单外";
pub const TWICE: &str = "重复报送";

/// What the batch keeps of each unit for the summary. The strings are made on the main thread
/// (see `batch::UnitResult`'s note on memory).
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub name: String,
    pub org: String,
    pub year: i32,
    pub status: &'static str,
    pub counts: Counts,
    /// In [`KEY_FIGURES`] order.
    pub figures: Vec<Option<f64>>,
    /// Share of the text found in last year's report, per cent.
    pub repeated_percent: Option<f64>,
    /// `[rule] message` of the first error and of the first warning.
    pub first_error: Option<String>,
    pub first_warning: Option<String>,
    pub outputs: Vec<String>,
}

/// A unit's place on the roster (or, without a roster, among the other units).
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnitRoster {
    /// 已报送, 名单外, 重复报送; `None` without a roster unless the unit is one of two for
    /// one 机关.
    pub status: Option<&'static str>,
    /// The roster's name the unit was matched to.
    pub roster_name: Option<String>,
    #[serde(rename = "match")]
    pub how: Option<MatchHow>,
    /// The other units for the same 机关.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_org_as: Vec<String>,
}

/// The roster's view of a batch.
#[derive(Debug, Default)]
pub struct RosterView {
    /// Per unit, in the rows' order.
    pub units: Vec<UnitRoster>,
    /// Roster names no unit matched (未报送), in the roster's order.
    pub missing: Vec<String>,
    /// How many names the roster has; `None` without a roster.
    pub roster_len: Option<usize>,
    pub roster_file: Option<String>,
}

/// A unit as the roster sees it: its name and the 机关名称 its files give (possibly empty).
pub type NameAndOrg = (String, String);

/// The (name, 机关名称) of each row.
pub fn names_and_orgs(rows: &[UnitRow]) -> Vec<NameAndOrg> {
    rows.iter()
        .map(|r| (r.name.clone(), r.org.clone()))
        .collect()
}

/// Matches the units to the roster and finds two units for one 机关 (the same roster name, or
/// without a roster the same 机关名称 read from the files).
pub fn roster_view(roster: Option<(&Roster, &Path)>, pairs: &[NameAndOrg]) -> RosterView {
    let mut units: Vec<UnitRoster> = vec![UnitRoster::default(); pairs.len()];
    let mut missing = Vec::new();
    // Units grouped by the 机关 they report for: a roster entry, or else their 机关名称.
    let mut by_org: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    if let Some((roster, _)) = roster {
        let matches = match_units(roster, pairs);
        for (u, m) in matches.iter().enumerate() {
            match m {
                Some(m) => {
                    units[u].status = Some(FILED);
                    units[u].roster_name = roster.names.get(m.entry).cloned();
                    units[u].how = Some(m.how);
                    by_org.entry(format!("#{}", m.entry)).or_default().push(u);
                }
                None => units[u].status = Some(NOT_LISTED),
            }
        }
        for (i, name) in roster.names.iter().enumerate() {
            if !matches.iter().flatten().any(|m| m.entry == i) {
                missing.push(name.clone());
            }
        }
    }
    for (u, (_, org)) in pairs.iter().enumerate() {
        if units[u].roster_name.is_none() && !org.trim().is_empty() {
            by_org.entry(name_key(org)).or_default().push(u);
        }
    }
    for group in by_org.values().filter(|g| g.len() > 1) {
        for &u in group {
            units[u].status = Some(TWICE);
            units[u].same_org_as = group
                .iter()
                .filter(|&&o| o != u)
                .map(|&o| pairs[o].0.clone())
                .collect();
        }
    }
    RosterView {
        units,
        missing,
        roster_len: roster.map(|(r, _)| r.names.len()),
        roster_file: roster.map(|(_, p)| nianbao_pipeline::display_name(p)),
    }
}

impl RosterView {
    /// The batch's own findings: who has not filed, who is not on the roster, two units for
    /// one 机关, and every fuzzy match to confirm.
    pub fn findings(&self, pairs: &[NameAndOrg]) -> Vec<Finding> {
        let mut out = Vec::new();
        let roster_file = self.roster_file.clone().unwrap_or_default();
        for name in &self.missing {
            out.push(
                Finding::warning("roster.not_filed", format!("名单中的“{name}”未报送"))
                    .at(Location::file(roster_file.clone()))
                    .expected_found("报送的统计表或报告", "（无）")
                    .hint("请催报；若已报送，请核对文件中的机关名称或文件名与名单是否一致。"),
            );
        }
        for ((name, org), unit) in pairs.iter().zip(&self.units) {
            let org_shown = show_org(org);
            match unit.status {
                Some(NOT_LISTED) => out.push(
                    Finding::warning(
                        "roster.not_listed",
                        format!("“{}”（{}）不在名单中", name, org_shown),
                    )
                    .at(Location::file(name.clone()))
                    .expected_found("名单中的单位", org_shown.clone())
                    .hint("请核对是否为本级应报送单位，或补充名单。"),
                ),
                Some(TWICE) => out.push(
                    Finding::warning(
                        "roster.duplicate",
                        format!(
                            "“{}”与“{}”是同一机关（{}）的两份报告",
                            name,
                            unit.same_org_as.join("”“"),
                            unit.roster_name.as_deref().unwrap_or(org)
                        ),
                    )
                    .at(Location::file(name.clone()))
                    .expected_found(
                        "每个机关一份报告",
                        format!("{} 份", unit.same_org_as.len() + 1),
                    )
                    .hint("请确认哪一份是正式报送的，删除或改名另一份。"),
                ),
                _ => {}
            }
            if let (Some(how), Some(listed)) = (unit.how, &unit.roster_name)
                && how.is_fuzzy()
            {
                out.push(
                    Finding::info(
                        "roster.fuzzy_match",
                        format!(
                            "“{}”（{}）按名单中的“{listed}”计（{}）",
                            name,
                            org_shown,
                            how.label()
                        ),
                    )
                    .at(Location::file(name.clone()))
                    .expected_found(listed.clone(), org_shown.clone())
                    .hint("请确认是同一单位；如不是，请改正文件中的机关名称或名单。"),
                );
            }
        }
        out
    }
}

fn show_org(org: &str) -> String {
    if org.trim().is_empty() {
        "未读到机关名称".to_string()
    } else {
        org.to_string()
    }
}

/// The `summary` member of 检查结果.json.
pub fn summary_json(rows: &[UnitRow], view: &RosterView) -> Value {
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    let units: Vec<Value> = rows
        .iter()
        .zip(&view.units)
        .map(|(row, unit)| {
            json!({
                "name": row.name,
                "org": row.org,
                "status": row.status,
                "roster": unit,
                "repeated_text_percent": row.repeated_percent,
            })
        })
        .collect();
    json!({
        "units": rows.len(),
        "status": {
            PASSED: count(PASSED),
            WARNINGS: count(WARNINGS),
            ERRORS: count(ERRORS),
            UNREADABLE: count(UNREADABLE),
        },
        "roster": view.roster_len.map(|n| json!({
            "file": view.roster_file,
            "names": n,
            "filed": view.units.iter().filter(|u| u.roster_name.is_some()).count(),
            "not_filed": view.missing,
            "not_listed": rows.iter().zip(&view.units)
                .filter(|(_, u)| u.status == Some(NOT_LISTED))
                .map(|(r, _)| r.name.clone()).collect::<Vec<_>>(),
        })),
        "same_org": rows.iter().zip(&view.units)
            .filter(|(_, u)| u.status == Some(TWICE))
            .map(|(r, u)| json!({ "unit": r.name, "with": u.same_org_as }))
            .collect::<Vec<_>>(),
        "by_unit": units,
    })
}

/// Width of the terminal summary.
const COLUMNS: usize = 80;
/// Lines shown per group before “另有 K 个”.
pub const GROUP_LINES: usize = 5;

/// Cuts a line to `width` display columns (a Han character is two), ending it with `…`.
pub fn fit(line: &str, width: usize) -> String {
    if line.width() <= width {
        return line.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in line.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width.saturating_sub(1) {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Names joined with `、` on one line after `lead`, as many as fit, then “等 K 个”.
fn name_line(lead: &str, names: &[String]) -> String {
    let mut line = lead.to_string();
    for (i, name) in names.iter().enumerate() {
        let sep = if i == 0 { "" } else { "、" };
        let rest = names.len() - i - 1;
        let tail = if rest > 0 {
            format!("等 {} 个", names.len())
        } else {
            String::new()
        };
        let candidate = format!("{line}{sep}{name}");
        if candidate.width() + tail.width() > COLUMNS {
            return fit(&format!("{line}等 {} 个", names.len()), COLUMNS);
        }
        line = candidate;
    }
    fit(&line, COLUMNS)
}

/// The terminal summary: groups by status, at most [`GROUP_LINES`] lines each, files written,
/// and the headline last so that it is what stays on screen.
pub fn print_summary(
    out: &mut impl Write,
    rows: &[UnitRow],
    view: &RosterView,
    summary_path: &Path,
    findings_path: &Path,
    output_dir: &Path,
) -> Result<()> {
    let group = |out: &mut dyn Write, title: &str, lines: Vec<String>| -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        writeln!(out, "{title}（{}）", lines.len())?;
        for line in lines.iter().take(GROUP_LINES) {
            writeln!(out, "{}", fit(&format!("  {line}"), COLUMNS))?;
        }
        if lines.len() > GROUP_LINES {
            writeln!(out, "  另有 {} 个", lines.len() - GROUP_LINES)?;
        }
        Ok(())
    };
    if !view.missing.is_empty() {
        writeln!(
            out,
            "{}",
            name_line(
                &format!("{NOT_FILED}（{}）：", view.missing.len()),
                &view.missing
            )
        )?;
    }
    let of_status = |status: &'static str| rows.iter().filter(move |r| r.status == status);
    group(
        out,
        UNREADABLE,
        of_status(UNREADABLE)
            .map(|r| {
                format!(
                    "{}：{}",
                    r.name,
                    r.first_error.as_deref().unwrap_or_default()
                )
            })
            .collect(),
    )?;
    group(
        out,
        ERRORS,
        of_status(ERRORS)
            .map(|r| {
                format!(
                    "{}：错误 {} 项，如 {}",
                    r.name,
                    r.counts.errors,
                    r.first_error.as_deref().unwrap_or_default()
                )
            })
            .collect(),
    )?;
    group(
        out,
        WARNINGS,
        of_status(WARNINGS)
            .map(|r| {
                format!(
                    "{}：警告 {} 项，如 {}",
                    r.name,
                    r.counts.warnings,
                    r.first_warning.as_deref().unwrap_or_default()
                )
            })
            .collect(),
    )?;
    let with_roster = |status: &str| -> Vec<(&UnitRow, &UnitRoster)> {
        rows.iter()
            .zip(&view.units)
            .filter(|(_, u)| u.status == Some(status))
            .collect()
    };
    group(
        out,
        NOT_LISTED,
        with_roster(NOT_LISTED)
            .iter()
            .map(|(r, _)| format!("{}（{}）", r.name, show_org(&r.org)))
            .collect(),
    )?;
    group(
        out,
        "同一机关两份报告",
        with_roster(TWICE)
            .iter()
            .map(|(r, u)| {
                format!(
                    "{}：与 {} 同为 {}",
                    r.name,
                    u.same_org_as.join("、"),
                    u.roster_name.as_deref().unwrap_or(&r.org)
                )
            })
            .collect(),
    )?;
    group(
        out,
        "近似匹配（请确认）",
        rows.iter()
            .zip(&view.units)
            .filter_map(|(r, u)| {
                let how = u.how.filter(|h| h.is_fuzzy())?;
                Some(format!(
                    "{} → {}（{}）",
                    r.name,
                    u.roster_name.as_deref().unwrap_or_default(),
                    how.label()
                ))
            })
            .collect(),
    )?;
    let passed: Vec<String> = of_status(PASSED).map(|r| r.name.clone()).collect();
    if !passed.is_empty() {
        writeln!(
            out,
            "{}",
            name_line(&format!("{PASSED}（{}）：", passed.len()), &passed)
        )?;
    }
    writeln!(
        out,
        "{}",
        fit(&format!("汇总表：{}", summary_path.display()), COLUMNS)
    )?;
    writeln!(
        out,
        "{}",
        fit(&format!("检查结果：{}", findings_path.display()), COLUMNS)
    )?;
    let lists = rows
        .iter()
        .filter(|r| r.outputs.iter().any(|o| o.ends_with(ISSUE_LIST_SUFFIX)))
        .count();
    if lists > 0 {
        writeln!(
            out,
            "{}",
            fit(
                &format!(
                    "问题清单：{}（{lists} 个单位，可直接发回各单位）",
                    output_dir.display()
                ),
                COLUMNS
            )
        )?;
    }
    writeln!(out, "{}", headline(rows, view))?;
    Ok(())
}

/// What ends the name of each unit's 问题清单.
pub const ISSUE_LIST_SUFFIX: &str = "问题清单.xlsx";

/// The one line that stays on screen.
fn headline(rows: &[UnitRow], view: &RosterView) -> String {
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    let mut line = format!(
        "共 {} 个单位：{PASSED} {}，{WARNINGS} {}，{ERRORS} {}，{UNREADABLE} {}",
        rows.len(),
        count(PASSED),
        count(WARNINGS),
        count(ERRORS),
        count(UNREADABLE)
    );
    if view.roster_len.is_some() {
        line.push_str(&format!("；{NOT_FILED} {}", view.missing.len()));
    }
    fit(&line, COLUMNS)
}

/// Columns of the 汇总 sheet before the key figures.
const LEAD_HEADERS: [&str; 10] = [
    "单位",
    "机关名称",
    "年度",
    "状态",
    "名单",
    "名单中的名称",
    "错误",
    "警告",
    "提示",
    "与上年重复率（%）",
];

/// Column titles of the 汇总 sheet.
pub fn summary_headers() -> Vec<String> {
    let mut headers: Vec<String> = LEAD_HEADERS.iter().map(|s| s.to_string()).collect();
    headers.extend(KEY_FIGURES.iter().map(|(t, _, _)| t.to_string()));
    headers.push("输出文件".into());
    headers
}

/// Writes the 汇总 sheet (sheet `index` of `workbook`, already named and made constant-memory)
/// and the chart sheet: one row per unit, then one per roster name not filed; status coloured
/// by conditional formatting; printable on A4 landscape.
pub fn write_summary_sheet(
    workbook: &mut Workbook,
    index: usize,
    rows: &[UnitRow],
    view: &RosterView,
) -> Result<()> {
    let head = XlsxFormat::new()
        .set_bold()
        .set_font_name("宋体")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_background_color(rust_xlsxwriter::Color::RGB(0xEEEEEE));
    let cell = XlsxFormat::new()
        .set_font_name("宋体")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    let wrapped = cell.clone().set_text_wrap();
    let percent = cell.clone().set_num_format("0.0");
    let headers = summary_headers();
    let sheet = workbook.worksheet_from_index(index)?;
    let widths: Vec<f64> = headers
        .iter()
        .enumerate()
        .map(|(c, h)| match c {
            0 | 1 => 24.0,
            5 => 22.0,
            c if c == headers.len() - 1 => 36.0,
            _ => (h.chars().count() as f64).clamp(5.0, 8.0) + 1.0,
        })
        .collect();
    for (c, (h, w)) in headers.iter().zip(&widths).enumerate() {
        sheet.set_column_width(c as u16, *w)?;
        sheet.write_with_format(0, c as u16, h.as_str(), &head)?;
    }
    sheet.set_row_height(0, 60)?;
    let fit_cell = nianbao_excel::cell_text;
    let figures_at = LEAD_HEADERS.len() as u16;
    let outputs_col = figures_at as usize + KEY_FIGURES.len();
    for (i, (row, unit)) in rows.iter().zip(&view.units).enumerate() {
        let r = 1 + i as u32;
        let roster_name = match (&unit.roster_name, unit.how) {
            (Some(name), Some(how)) if how.is_fuzzy() => format!("{name}（{}）", how.label()),
            (Some(name), _) => name.clone(),
            (None, _) if !unit.same_org_as.is_empty() => {
                format!("与 {} 同一机关", unit.same_org_as.join("、"))
            }
            (None, _) => String::new(),
        };
        let outputs = row.outputs.join("、");
        sheet.set_row_height(
            r,
            nianbao_excel::wrapped_row_height(&[
                (&row.name, widths[0]),
                (&row.org, widths[1]),
                (&roster_name, widths[5]),
                (&outputs, widths[outputs_col]),
            ]),
        )?;
        sheet.write_with_format(r, 0, fit_cell(&row.name).as_ref(), &wrapped)?;
        sheet.write_with_format(r, 1, fit_cell(&row.org).as_ref(), &wrapped)?;
        if row.year != 0 {
            sheet.write_with_format(r, 2, row.year, &cell)?;
        } else {
            sheet.write_with_format(r, 2, "", &cell)?;
        }
        sheet.write_with_format(r, 3, row.status, &cell)?;
        sheet.write_with_format(r, 4, unit.status.unwrap_or(""), &cell)?;
        sheet.write_with_format(r, 5, fit_cell(&roster_name).as_ref(), &wrapped)?;
        sheet.write_with_format(r, 6, row.counts.errors as u32, &cell)?;
        sheet.write_with_format(r, 7, row.counts.warnings as u32, &cell)?;
        sheet.write_with_format(r, 8, row.counts.infos as u32, &cell)?;
        match row.repeated_percent {
            Some(p) => sheet.write_with_format(r, 9, p, &percent)?,
            None => sheet.write_with_format(r, 9, "", &cell)?,
        };
        for (j, value) in row.figures.iter().enumerate() {
            let c = figures_at + j as u16;
            match value {
                Some(n) => sheet.write_with_format(r, c, *n, &cell)?,
                None => sheet.write_with_format(r, c, "", &cell)?,
            };
        }
        sheet.write_with_format(
            r,
            figures_at + KEY_FIGURES.len() as u16,
            fit_cell(&outputs).as_ref(),
            &wrapped,
        )?;
    }
    // Roster names not filed, after the units.
    for (i, name) in view.missing.iter().enumerate() {
        let r = 1 + (rows.len() + i) as u32;
        sheet.set_row_height(r, nianbao_excel::wrapped_row_height(&[(name, widths[1])]))?;
        sheet.write_with_format(r, 0, "", &cell)?;
        sheet.write_with_format(r, 1, fit_cell(name).as_ref(), &wrapped)?;
        sheet.write_with_format(r, 2, "", &cell)?;
        sheet.write_with_format(r, 3, NOT_FILED, &cell)?;
        sheet.write_with_format(r, 4, NOT_FILED, &cell)?;
        for c in 5..headers.len() as u16 {
            sheet.write_with_format(r, c, "", &cell)?;
        }
    }
    let last_row = (rows.len() + view.missing.len()) as u32;
    let last_col = headers.len() as u16 - 1;
    if last_row > 0 {
        // Status and roster columns coloured by value: what needs chasing stands out on
        // screen and in print.
        let fill =
            |rgb: u32| XlsxFormat::new().set_background_color(rust_xlsxwriter::Color::RGB(rgb));
        let colours = [
            (PASSED, 0xC6EFCE),
            (WARNINGS, 0xFFEB9C),
            (ERRORS, 0xFFC7CE),
            (UNREADABLE, 0xBFBFBF),
            (NOT_FILED, 0xF4B084),
            (NOT_LISTED, 0xDDEBF7),
            (TWICE, 0xFFC7CE),
        ];
        for (value, rgb) in colours {
            let rule = ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::EqualTo(
                    format!("\"{value}\"").as_str(),
                ))
                .set_format(fill(rgb));
            sheet.add_conditional_format(1, 3, last_row, 4, &rule)?;
        }
        let high = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::GreaterThan(f64::from(
                nianbao_model::repetition::WARN_ABOVE_PERCENT,
            )))
            .set_format(fill(0xFFC7CE));
        sheet.add_conditional_format(1, 9, last_row, 9, &high)?;
    }
    sheet.autofilter(0, 0, last_row, last_col)?;
    sheet.set_freeze_panes(1, 1)?;
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_footer("&C第 &P 页，共 &N 页");
    add_chart_sheet(workbook, rows.len() as u32, figures_at)?;
    Ok(())
}

/// The chart sheet: the key figures of each unit as horizontal bars, units in the 汇总 sheet's
/// order top to bottom.
fn add_chart_sheet(workbook: &mut Workbook, units: u32, figures_at: u16) -> Result<()> {
    let mut chart = Chart::new_bar();
    let mut font = ChartFont::new();
    font.set_name("宋体");
    chart.title().set_name("各单位主要数据").set_font(&font);
    // Received, processed, review and the two kinds of litigation: what an office compares.
    for j in [0usize, 2, 4, 5, 6] {
        let col = figures_at + j as u16;
        chart
            .add_series()
            .set_name(("汇总", 0, col))
            .set_categories(("汇总", 1, 0, units.max(1), 0))
            .set_values(("汇总", 1, col, units.max(1), col));
    }
    chart.x_axis().set_font(&font);
    chart.y_axis().set_font(&font).set_reverse();
    chart
        .legend()
        .set_position(ChartLegendPosition::Top)
        .set_font(&font);
    let sheet = workbook.add_chartsheet();
    sheet.set_name("图表")?;
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.insert_chart(0, 0, &chart)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_eighty_columns() {
        let long = "某某".repeat(60);
        assert!((79..=80).contains(&fit(&long, 80).width()));
        assert!(fit(&long, 80).ends_with('…'));
        assert_eq!(fit("短", 80), "短");
        let names: Vec<String> = (1..=40).map(|i| format!("第{i}单位")).collect();
        let line = name_line("通过（40）：", &names);
        assert!(line.width() <= 80, "{line}");
        assert!(line.ends_with("等 40 个"), "{line}");
    }
}
