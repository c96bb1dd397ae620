//! Reading tables 2–4 from worksheets. Where each value stands is found by the model's one
//! table recogniser ([`nianbao_model::recognise`]: row labels with their column headers above
//! and to the right, table 4 by its block headers), over each sheet turned into its
//! [`CellGrid`]; what stands there is read here, as only a workbook has it: saved formula
//! results, sums recomputed where no result was saved, numbers typed as text, dates. The
//! metadata of a workbook (its 基本信息 sheet, a title row, a 填报单位 cell, sheet names) and
//! the 2019 layout's notes are read here too.

use nianbao_model::format::{TableSpec, ValueKind};
use nianbao_model::legacy::LegacyUse;
use nianbao_model::recognise::{
    CellGrid, Columns, GridCell, Locate, Placement, Recogniser, assemble, field_kind,
    table_findings,
};
use nianbao_model::text::normalize_label;
use nianbao_model::{AdminLevel, Cell, CellValue, Finding, Format, Location, Metadata, Report};
use rust_decimal::Decimal;

use crate::sheet::{Grid, MAX_COLS, MAX_ROWS, Raw};
use crate::value::{
    SumResult, a1, cell_value, date_from_serial, date_text, evaluate_sum, sums_only_blanks,
    text_number_terms,
};

/// Name of the metadata sheet written by the template.
pub const META_SHEET: &str = "基本信息";
/// Name of the findings sheet of the report workbook (never read back as data).
pub const FINDINGS_SHEET: &str = "检查结果";

/// Labels of the metadata sheet, in order.
pub const META_LABELS: [&str; 6] = [
    "机关名称",
    "年度",
    "行政级别",
    "地区",
    "成文日期",
    "联系方式",
];

/// The non-blank text cells of a grid (row, column), in reading order.
fn text_cells(grid: &Grid) -> Vec<(u32, u32)> {
    grid.cells
        .iter()
        .filter_map(|(&(r, c), cell)| match &cell.value {
            Raw::Text(s) if !normalize_label(s).is_empty() => Some((r, c)),
            _ => None,
        })
        .collect()
}

/// A sheet as the recogniser sees it: every non-empty cell with the text shown, text cells as
/// possible labels, cells holding a number marked.
fn cell_grid(grid: &Grid) -> CellGrid {
    let mut cells = CellGrid::new(Columns::Sheet);
    for (&(r, c), cell) in &grid.cells {
        if cell.value == Raw::Empty {
            continue;
        }
        let text = grid.text(r, c);
        cells.cells.insert(
            (r, c),
            GridCell {
                norm: normalize_label(&text),
                label: matches!(cell.value, Raw::Text(_)),
                number: matches!(
                    cell_value(&cell.value, ValueKind::Count),
                    CellValue::Number(_)
                ),
                text,
            },
        );
    }
    cells.merges = grid.merges.clone();
    cells
}

/// Where things are in a workbook: sheets and their A1 cells.
struct SheetPlaces<'g> {
    file: &'g str,
    grids: &'g [&'g Grid],
}

impl Locate for SheetPlaces<'_> {
    fn cell(&self, grid: usize, r: u32, c: u32) -> Location {
        Location::sheet_cell(self.file, self.sheet(grid), a1(r, c))
    }
    fn address(&self, _grid: usize, r: u32, c: u32) -> String {
        a1(r, c)
    }
    fn grid(&self, grid: usize) -> Location {
        sheet_location(self.file, self.sheet(grid))
    }
    fn grid_name(&self, grid: usize) -> String {
        format!("工作表“{}”", self.sheet(grid))
    }
}

impl SheetPlaces<'_> {
    fn sheet(&self, grid: usize) -> &str {
        self.grids.get(grid).map_or("", |g| g.name.as_str())
    }
}

/// Reads the metadata sheet's label/value rows.
/// A form's note that the cell is to be sealed (`填报单位（盖章）：`, `某局（公章）`) is no part of
/// a name.
fn without_seal(text: &str) -> String {
    match nianbao_model::text::shared_regex(
        r"[（(]\s*(?:单位)?\s*(?:盖章|公章|签章|印章|章)\s*[）)]",
    ) {
        Some(re) => re.replace_all(text, "").into_owned(),
        None => text.to_string(),
    }
}

fn read_meta(grid: &Grid) -> Metadata {
    let mut meta = Metadata::default();
    for (r, c) in text_cells(grid) {
        let norm = normalize_label(&without_seal(&grid.text(r, c)));
        let label = META_LABELS
            .iter()
            .find(|l| normalize_label(l) == norm)
            // 基本信息 may name 机关名称 as a form does (`单位名称`, `填报单位`).
            .or_else(|| {
                ORG_LABELS
                    .iter()
                    .any(|l| normalize_label(l) == norm)
                    .then_some(&META_LABELS[0])
            });
        let Some(label) = label else {
            continue;
        };
        // The value is the next non-empty cell to the right.
        let value = (c + 1..(c + 4).min(MAX_COLS))
            .find_map(|cc| grid.get(r, cc).filter(|cell| cell.value != Raw::Empty));
        let Some(value) = value else { continue };
        let text = match &value.value {
            Raw::Int(i) => i.to_string(),
            Raw::Number(f) => crate::value::decimal_from_float(*f)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            Raw::Text(s) | Raw::Other(s) => without_seal(s).trim().to_string(),
            Raw::Date(serial) => date_text(*serial),
            Raw::Empty => String::new(),
        };
        if text.is_empty() {
            continue;
        }
        match *label {
            "机关名称" => meta.org = text,
            "年度" => {
                let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
                meta.year = digits.parse().unwrap_or(0);
            }
            "行政级别" => {
                meta.level = AdminLevel::parse(&text).or_else(|| {
                    AdminLevel::parse(&normalize_label(&text))
                        .or_else(|| AdminLevel::parse(&text.replace(['（', '）', '(', ')'], "")))
                });
            }
            "地区" => meta.region = Some(text),
            "成文日期" => meta.date = Some(iso_date(&value.value, &text)),
            "联系方式" => {
                meta.contact = text
                    .split(['；', ';', '\n'])
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            _ => {}
        }
    }
    meta
}

/// Labels of a cell naming the office, before its name (`填报单位：某局`) or left of it.
const ORG_LABELS: [&str; 6] = [
    "填报单位",
    "单位名称",
    "报送单位",
    "填报机关",
    "机关名称",
    "编制单位",
];

/// 机关名称 and 年度 from the sheets, where the 基本信息 sheet did not give them: a title cell
/// (`淮安市人民政府2024年政府信息公开工作年度报告统计表`), a `填报单位：…` cell or a label with the
/// name to its right, a sheet named as a title. The first source found gives each; a later one
/// that says otherwise is a warning naming both.
fn meta_from_sheets(
    file: &str,
    grids: &[&Grid],
    format: &Format,
    meta: &mut Metadata,
    findings: &mut Vec<Finding>,
) {
    let mut orgs: Vec<(String, Location)> = Vec::new();
    let mut years: Vec<(i32, Location)> = Vec::new();
    for grid in grids {
        if grid.name.trim() == META_SHEET || grid.name.trim() == FINDINGS_SHEET {
            continue;
        }
        if let Some((org, year)) = format.read_title(&grid.name) {
            let place = sheet_location(file, &grid.name);
            if !org.is_empty() {
                orgs.push((org, place.clone()));
            }
            years.push((year, place));
        }
        for (&(r, c), cell) in &grid.cells {
            let Raw::Text(text) = &cell.value else {
                continue;
            };
            let place = || Location::sheet_cell(file, &grid.name, a1(r, c));
            let compact: String = without_seal(text)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if let Some((org, year)) = format.read_title(&compact) {
                if !org.is_empty() {
                    orgs.push((org, place()));
                }
                years.push((year, place()));
                continue;
            }
            for label in ORG_LABELS {
                let Some(rest) = compact.strip_prefix(label) else {
                    continue;
                };
                let rest = rest.trim_start_matches([':', '：']);
                // `填报单位：某局  填报日期：…` in one cell: the name ends where the next label starts.
                let name = rest
                    .split(['：', ':'])
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches(|ch: char| !ch.is_alphanumeric());
                let name = ["填报日期", "填报人", "联系电话", "日期", "单位负责人"]
                    .iter()
                    .fold(name, |n, next| n.split(next).next().unwrap_or(n));
                if !name.is_empty() {
                    orgs.push((name.to_string(), place()));
                } else if let Some(value) = (c + 1..(c + 6).min(MAX_COLS))
                    .find_map(|cc| grid.get(r, cc).map(|v| (cc, v)))
                    .and_then(|(cc, v)| match &v.value {
                        Raw::Text(t) if !without_seal(t).trim().is_empty() => {
                            Some((cc, without_seal(t).trim().to_string()))
                        }
                        _ => None,
                    })
                {
                    orgs.push((
                        value.1,
                        Location::sheet_cell(file, &grid.name, a1(r, value.0)),
                    ));
                }
                break;
            }
        }
    }
    // A sheet named by the year alone (`2024年度`) or by the body alone (`临川县自然资源局`).
    if orgs.is_empty() || years.is_empty() {
        for grid in grids {
            let name = grid.name.trim();
            let place = || sheet_location(file, &grid.name);
            if years.is_empty()
                && let Some(year) = year_sheet_name(name)
            {
                years.push((year, place()));
            }
            if orgs.is_empty() && is_body_name(name) {
                orgs.push((name.to_string(), place()));
            }
        }
    }
    // A title row without its year (`某局政府信息公开工作年度报告统计表`) still names the body,
    // and a `统计期限：2024年1月1日至2024年12月31日` row states the year.
    if orgs.is_empty() || years.is_empty() {
        for grid in grids {
            if grid.name.trim() == META_SHEET || grid.name.trim() == FINDINGS_SHEET {
                continue;
            }
            for (&(r, c), cell) in &grid.cells {
                let Raw::Text(text) = &cell.value else {
                    continue;
                };
                let place = || Location::sheet_cell(file, &grid.name, a1(r, c));
                if orgs.is_empty()
                    && let Some(org) = format.read_title_without_year(&without_seal(text))
                {
                    orgs.push((org, place()));
                }
                if years.is_empty()
                    && let Some((year, _)) = nianbao_model::text::stated_year(text)
                {
                    years.push((year, place()));
                }
            }
        }
    }
    if meta.org.is_empty()
        && let Some((org, _)) = orgs.first()
    {
        meta.org = org.clone();
    }
    if meta.year == 0
        && let Some((year, _)) = years.first()
    {
        meta.year = *year;
    }
    if let Some((other, place)) = orgs.iter().find(|(o, _)| *o != meta.org) {
        findings.push(
            Finding::warning(
                "import.meta_conflict",
                format!(
                    "工作簿中的机关名称不一致：采用“{}”，另有“{other}”",
                    meta.org
                ),
            )
            .at(place.clone())
            .expected_found(meta.org.clone(), other.clone())
            .hint("请统一工作簿中的机关名称（标题、填报单位、基本信息），或用 --org 指定。"),
        );
    }
    if let Some((other, place)) = years.iter().find(|(y, _)| *y != meta.year) {
        findings.push(
            Finding::warning(
                "import.meta_conflict",
                format!(
                    "工作簿中的年度不一致：采用 {} 年，另有 {other} 年",
                    meta.year
                ),
            )
            .at(place.clone())
            .expected_found(meta.year.to_string(), other.to_string())
            .hint("请统一工作簿中的年度，或用 --year 指定。"),
        );
    }
}

/// 成文日期 as ISO: a date typed as text stays as written (`2025年1月16日` → `2025-01-16`); a
/// date cell or an Excel date serial typed as a number is converted.
fn iso_date(raw: &Raw, text: &str) -> String {
    if let Raw::Number(serial) | Raw::Date(serial) = raw
        && let Some(date) = date_from_serial(*serial)
    {
        return date;
    }
    let parts: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    match parts.as_slice() {
        [y, m, d] if *y > 1900 => format!("{y:04}-{m:02}-{d:02}"),
        _ => text.to_string(),
    }
}

/// The year a sheet's name is, alone: `2024`, `2024年`, `2024年度`.
fn year_sheet_name(name: &str) -> Option<i32> {
    let digits = name.trim_end_matches(['年', '度']);
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
        .filter(|y| nianbao_model::report::REPORT_YEARS.contains(y))
}

/// Whether a sheet's name is a body's name (`临川县自然资源局`, `某镇人民政府`): Chinese only, and
/// ending as the names of 行政机关 do. A sheet named for its content (`申请情况`, `表三`) is not.
fn is_body_name(name: &str) -> bool {
    const ENDINGS: [&str; 14] = [
        "局",
        "委员会",
        "委",
        "办公室",
        "办事处",
        "人民政府",
        "政府",
        "管委会",
        "中心",
        "厅",
        "署",
        "院",
        "镇",
        "乡",
    ];
    let chars = name.chars().count();
    (4..=30).contains(&chars)
        && name.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        && ENDINGS.iter().any(|e| name.ends_with(e))
        && !["统计", "年报", "报告", "表"]
            .iter()
            .any(|w| name.contains(w))
}

/// The report year a sheet states: its name (`2024年`, `某局2024年…统计表`) or its title row.
fn grid_year(grid: &Grid, format: &Format) -> Option<i32> {
    let from_name = format
        .read_title(&grid.name)
        .map(|(_, y)| y)
        .or_else(|| year_sheet_name(grid.name.trim()));
    from_name.or_else(|| {
        grid.cells.values().find_map(|cell| match &cell.value {
            Raw::Text(text) => format.read_title(&without_seal(text)).map(|(_, y)| y),
            _ => None,
        })
    })
}

/// A workbook's sheets for one report year. Sheets stating two years (an office keeps last
/// year's sheet beside this year's) are read for `year` when it is given — the others left
/// out and said — and otherwise all kept, with an error naming the years: which report is
/// meant cannot be told.
pub fn grids_of_year(
    file: &str,
    grids: Vec<Grid>,
    format: &Format,
    year: Option<i32>,
) -> (Vec<Grid>, Vec<Finding>) {
    let years: Vec<Option<i32>> = grids.iter().map(|g| grid_year(g, format)).collect();
    let mut distinct: Vec<i32> = years.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 2 {
        return (grids, Vec::new());
    }
    let sheets_of = |wanted: i32| -> Vec<String> {
        grids
            .iter()
            .zip(&years)
            .filter(|(_, y)| **y == Some(wanted))
            .map(|(g, _)| format!("“{}”", g.name))
            .collect()
    };
    let listed: Vec<String> = distinct
        .iter()
        .map(|y| format!("{y} 年（工作表{}）", sheets_of(*y).join("、")))
        .collect();
    match year.filter(|y| distinct.contains(y)) {
        Some(wanted) => {
            let others: Vec<String> = distinct
                .iter()
                .filter(|y| **y != wanted)
                .map(|y| format!("{y} 年（工作表{}）", sheets_of(*y).join("、")))
                .collect();
            let finding = Finding::warning(
                "import.two_years",
                format!(
                    "工作簿中有不止一个年度的统计表：{}；已按报告年度 {wanted} 年读取，未读取{}",
                    listed.join("、"),
                    others.join("、")
                ),
            )
            .at(Location::file(file))
            .hint("请核对读取的工作表是否正确；上报时最好每个年度一个工作簿。");
            let kept = grids
                .into_iter()
                .zip(years)
                .filter(|(_, y)| y.is_none_or(|y| y == wanted))
                .map(|(g, _)| g)
                .collect();
            (kept, vec![finding])
        }
        None => {
            let finding = Finding::error(
                "import.two_years",
                format!(
                    "工作簿中有不止一个年度的统计表：{}，无法确定本报告是哪一年度的（各表暂按最先出现的工作表读取）",
                    listed.join("、")
                ),
            )
            .at(Location::file(file))
            .expected_found("一个年度的统计表", listed.join("、"))
            .hint("请用 --year（或 report.toml 中的 year）指定报告年度，只读取该年度的工作表；或删去其他年度的工作表。");
            (grids, vec![finding])
        }
    }
}

/// Everything the importer found in a workbook.
pub fn import_grids(file: &str, grids: &[Grid], format: &Format) -> (Report, Vec<Finding>) {
    let mut report = Report::default();
    let mut findings = Vec::new();
    let data_grids: Vec<&Grid> = grids.iter().collect();

    for grid in &data_grids {
        if let Some((rows, cols)) = grid.capped {
            findings.push(
                Finding::warning(
                    "import.sheet_too_large",
                    format!(
                        "工作表“{}”声明或包含的范围过大（约 {rows} 行 × {cols} 列），只读取了前 {MAX_ROWS} 行、前 {MAX_COLS} 列",
                        grid.name
                    ),
                )
                .at(sheet_location(file, &grid.name))
                .expected_found(
                    format!("不超过 {MAX_ROWS} 行 × {MAX_COLS} 列"),
                    format!("{rows} 行 × {cols} 列"),
                )
                .hint("请删除表格以外的空行空列或整列格式后重新保存。"),
            );
        }
    }
    if let Some(meta_grid) = data_grids.iter().find(|g| g.name.trim() == META_SHEET) {
        report.meta = read_meta(meta_grid);
    }
    // An office's own workbook has no 基本信息 sheet: its title row, a 填报单位 cell or a
    // sheet's name says whose report it is.
    meta_from_sheets(file, &data_grids, format, &mut report.meta, &mut findings);

    let recogniser = Recogniser::of(format);
    let cell_grids: Vec<CellGrid> = data_grids.iter().map(|g| cell_grid(g)).collect();
    let cell_grid_refs: Vec<&CellGrid> = cell_grids.iter().collect();
    let places = SheetPlaces {
        file,
        grids: &data_grids,
    };
    let mut reads = Vec::with_capacity(format.tables.len());
    for (index, table) in format.tables.iter().enumerate() {
        let placements = cell_grids
            .iter()
            .map(|g| recogniser.place(index, g))
            .collect();
        let read = assemble(table, placements);
        if !read.found() {
            reads.push(read);
            findings.push(
                Finding::error(
                    "import.table_missing",
                    format!("工作簿中未找到{}（{}）", table.name, table.title),
                )
                .at(Location::file(file))
                .expected_found(
                    format!("含有{}各行标签和列标题的表格", table.name),
                    "未找到",
                )
                .hint("请检查表格标签是否与官方格式一致，或使用 nianbao init 生成的模板填写。"),
            );
            continue;
        }
        for (g, placement) in &read.parts {
            if let Some(grid) = data_grids.get(*g) {
                read_values(file, grid, table, placement, &mut report, &mut findings);
            }
        }
        findings.extend(table_findings(table, &read, &cell_grid_refs, &places));
        reads.push(read);
    }
    // The 2019 layout: marker columns, values read through a 2019 label.
    findings.extend(
        LegacyUse::in_grids(format, &cell_grid_refs, &reads, &places)
            .findings(format, Location::file(file)),
    );
    (report, findings)
}

fn sheet_location(file: &str, sheet: &str) -> Location {
    Location {
        file: Some(file.to_string()),
        sheet: Some(sheet.to_string()),
        ..Location::default()
    }
}

/// A saved formula result that disagrees with the sum of its terms because some of them hold
/// numbers typed as text: the spreadsheet's SUM skipped them, nianbao reads them. The saved
/// result stays the total (it is what the file says, and the office sees it in Excel); the
/// finding names the text cells so the total's own error is understood and fixed at its cause.
fn text_left_out(
    file: &str,
    grid: &Grid,
    table: &TableSpec,
    total: &Location,
    formula: &str,
    saved: &CellValue,
    kind: ValueKind,
) -> Option<Finding> {
    let CellValue::Number(saved) = saved else {
        return None;
    };
    let SumResult::Number(sum) = evaluate_sum(grid, formula, kind) else {
        return None;
    };
    if sum == *saved {
        return None;
    }
    let texts = text_number_terms(grid, formula, kind);
    if texts.is_empty() {
        return None;
    }
    Some(number_as_text(
        file,
        grid,
        table,
        total,
        formula,
        &texts,
        TextTotal::Saved { saved: *saved, sum },
    ))
}

/// How a total over numbers typed as text came to be read.
enum TextTotal {
    /// Excel/WPS saved a result that left the text cells out (`saved`); they add up to `sum`.
    Saved { saved: Decimal, sum: Decimal },
    /// No result was saved: nianbao's recomputation counted the text cells (`sum`), while the
    /// office's own Excel/WPS will not, so its sheet will show another total than the report.
    Recomputed { sum: Decimal },
}

/// `import.number_as_text`: the text cells of a total, the total's cell and formula, and what
/// the spreadsheet makes of them.
fn number_as_text(
    file: &str,
    grid: &Grid,
    table: &TableSpec,
    total: &Location,
    formula: &str,
    texts: &[((u32, u32), String)],
    how: TextTotal,
) -> Finding {
    let total_cell = total.cell.as_deref().unwrap_or_default();
    let named: Vec<String> = texts
        .iter()
        .map(|((r, c), text)| format!("{}（“{}”）", a1(*r, *c), text))
        .collect();
    let addresses: Vec<String> = texts.iter().map(|((r, c), _)| a1(*r, *c)).collect();
    let mut locations = vec![total.clone()];
    locations.extend(
        addresses
            .iter()
            .map(|address| Location::sheet_cell(file, &grid.name, address)),
    );
    let (message, expected, found) = match how {
        TextTotal::Saved { saved, sum } => (
            format!(
                "{}：{}中的数字是文本格式，Excel/WPS 求和时不计入，因此 {total_cell} 的公式“={formula}”保存的结果为 {saved}；按所填数字相加应为 {sum}",
                table.name,
                named.join("、"),
            ),
            format!("{total_cell} = {sum}"),
            format!("{total_cell} = {saved}"),
        ),
        TextTotal::Recomputed { sum } => (
            format!(
                "{}：{}中的数字是文本格式。{total_cell} 的公式“={formula}”没有保存结果，重新计算时已计入，得 {sum}；但 Excel/WPS 求和时不计入文本，统计表中显示的总计将与报告不同",
                table.name,
                named.join("、"),
            ),
            "数值格式的数字".to_string(),
            named.join("、"),
        ),
    };
    Finding::warning("import.number_as_text", message)
        .at_all(locations)
        .expected_found(expected, found)
        .hint(format!(
            "请把 {} 改为数字（删去空格、全角数字或“件”等字样，设置为数值格式），在 Excel 或 WPS 中重新计算后保存。",
            addresses.join("、")
        ))
}

/// Reads the values a placement found on a sheet: saved formula results, sums recomputed
/// where no result was saved, numbers typed as text.
fn read_values(
    file: &str,
    grid: &Grid,
    table: &TableSpec,
    placement: &Placement,
    report: &mut Report,
    findings: &mut Vec<Finding>,
) {
    let mut recomputed = Vec::new();
    for (key, &(r, c)) in &placement.values {
        let key = key.clone();
        let (ar, ac) = grid.anchor(r, c);
        let location = Location::sheet_cell(file, &grid.name, a1(ar, ac));
        let address = location.cell.as_deref().unwrap_or_default();
        let kind = field_kind(table, &key.field);
        let value = match grid.get(ar, ac) {
            None => CellValue::Empty(String::new()),
            Some(cell) => match &cell.formula {
                None => cell_value(&cell.value, kind),
                // A saved result counts unless the formula adds only blank cells.
                Some(formula) if cell.value != Raw::Empty => {
                    if sums_only_blanks(grid, formula, kind) {
                        CellValue::Empty(String::new())
                    } else {
                        let saved = cell_value(&cell.value, kind);
                        if let Some(finding) =
                            text_left_out(file, grid, table, &location, formula, &saved, kind)
                        {
                            findings.push(finding);
                        }
                        saved
                    }
                }
                Some(formula) => match evaluate_sum(grid, formula, kind) {
                    SumResult::AllBlank => CellValue::Empty(String::new()),
                    SumResult::Number(n) => {
                        recomputed.push((address.to_string(), formula.clone(), n));
                        let texts = text_number_terms(grid, formula, kind);
                        if !texts.is_empty() {
                            findings.push(number_as_text(
                                file,
                                grid,
                                table,
                                &location,
                                formula,
                                &texts,
                                TextTotal::Recomputed { sum: n },
                            ));
                        }
                        CellValue::Number(n)
                    }
                    SumResult::TooLarge => {
                        findings.push(
                            Finding::warning(
                                "import.formula_no_value",
                                format!(
                                    "{}：单元格 {address} 的公式“={formula}”没有保存计算结果，重新计算的结果超出统计数值的合理范围（绝对值不超过 {}），无法作为数值读取",
                                    table.name,
                                    nianbao_model::report::MAX_ABS_VALUE
                                ),
                            )
                            .at(location.clone())
                            .expected_found("合理范围内的数字", format!("={formula}"))
                            .hint("请检查所加的单元格是否误填了过大的数字，改正后重新计算并保存。"),
                        );
                        CellValue::Unreadable(format!("={formula}"))
                    }
                    SumResult::Unknown => {
                        findings.push(
                            Finding::warning(
                                "import.formula_no_value",
                                format!(
                                    "{}：单元格 {address} 的公式“={formula}”没有保存计算结果，且无法重新计算（不是简单求和公式，或所加的单元格本身无法读取）",
                                    table.name
                                ),
                            )
                            .at(location.clone())
                            .expected_found("数字或已保存计算结果的公式", format!("={formula}"))
                            .hint("请在 Excel 或 WPS 中打开该文件、重新计算后保存，或直接填写数字。"),
                        );
                        CellValue::Empty(format!("={formula}"))
                    }
                },
            },
        };
        report.values.insert(
            key,
            Cell {
                value,
                source: Some(location),
            },
        );
    }
    if !recomputed.is_empty() {
        // In sheet order (row, then column), as a reader scans the table.
        recomputed.sort_by_key(|(address, _, _)| a1_sort_key(address));
        // The message names the first few; every cell is among the locations.
        const NAMED: usize = 3;
        let list: Vec<String> = recomputed
            .iter()
            .take(NAMED)
            .map(|(a, f, n)| format!("{a}（={f}，得 {n}）"))
            .collect();
        let more = if recomputed.len() > NAMED {
            format!("等 {} 处", recomputed.len())
        } else {
            String::new()
        };
        findings.push(
            Finding::info(
                "import.formula_recomputed",
                format!(
                    "{}：{} 个公式单元格没有保存计算结果，已按求和公式重新计算：{}{more}",
                    table.name,
                    recomputed.len(),
                    list.join("、")
                ),
            )
            .at_all(
                recomputed
                    .iter()
                    .map(|(a, _, _)| Location::sheet_cell(file, &grid.name, a)),
            ),
        );
    }
}

/// (row, column) of an A1 address, for sorting addresses in sheet order.
fn a1_sort_key(address: &str) -> (u32, usize, String) {
    let split = address
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(address.len());
    let (letters, digits) = address.split_at(split);
    (
        digits.parse().unwrap_or(0),
        letters.len(),
        letters.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::{RawCell, read_grids};
    use nianbao_model::ValueKey;

    #[test]
    fn sheet_names_that_are_a_body_or_a_year() {
        for name in [
            "临川县自然资源局",
            "某镇人民政府",
            "某区发展和改革委员会",
            "某街道办事处",
        ] {
            assert!(is_body_name(name), "{name}");
        }
        for name in [
            "申请情况",
            "表三",
            "统计表",
            "Sheet1",
            "复议诉讼",
            "政府信息公开年报",
            "局",
        ] {
            assert!(!is_body_name(name), "{name}");
        }
        assert_eq!(year_sheet_name("2024年度"), Some(2024));
        assert_eq!(year_sheet_name("2023年"), Some(2023));
        assert_eq!(year_sheet_name("2024"), Some(2024));
        assert_eq!(year_sheet_name("表2024"), None);
        assert_eq!(year_sheet_name("1990年"), None);
    }

    fn grid(name: &str, cells: &[(u32, u32, &str)]) -> Grid {
        let mut g = Grid {
            name: name.into(),
            ..Grid::default()
        };
        for &(r, c, text) in cells {
            let value = match text.parse::<i64>() {
                Ok(n) => Raw::Int(n),
                Err(_) => Raw::Text(text.into()),
            };
            g.cells.insert(
                (r, c),
                RawCell {
                    value,
                    formula: None,
                },
            );
        }
        g
    }

    #[test]
    fn header_split_over_two_cells_is_joined() {
        // 本年制发 / 件数 on two rows, a 序号 column first, table 2 alone on the sheet.
        let g = grid(
            "主动公开",
            &[
                (0, 0, "序号"),
                (0, 1, "信息内容"),
                (0, 2, "本年制发"),
                (1, 2, "件数"),
                (0, 3, "本年废止件数"),
                (0, 4, "现行有效件数"),
                (2, 0, "1"),
                (2, 1, "规章"),
                (2, 2, "3"),
                (2, 3, "1"),
                (2, 4, "9"),
            ],
        );
        let format = Format::national_2021();
        let (report, findings) = import_grids("表.xlsx", &[g], format);
        let made = report.values.get(&ValueKey::new("regulations", "made"));
        assert_eq!(made.map(|c| &c.value), Some(&CellValue::Number(3.into())));
        assert_eq!(
            made.and_then(|c| c.source.as_ref()).map(|l| l.to_string()),
            Some("表.xlsx › 主动公开 › C3".to_string())
        );
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            vec![
                "import.row_missing",
                "import.table_missing",
                "import.table_missing"
            ]
        );
    }

    #[test]
    fn a_table_found_twice_is_reported_and_the_first_used() {
        let format = Format::national_2021();
        let bytes = crate::write_template(format, &Metadata::default()).unwrap();
        let mut grids = read_grids("统计表.xlsx", &bytes).unwrap();
        let mut copy = grids.iter().find(|g| g.name == "表三").unwrap().clone();
        copy.name = "表三（旧）".into();
        grids.push(copy);
        let (report, findings) = import_grids("统计表.xlsx", &grids, format);
        let dup: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule == "import.duplicate_table")
            .collect();
        assert_eq!(dup.len(), 1, "{findings:#?}");
        assert!(
            dup[0].message.contains("工作表“表三”、工作表“表三（旧）”"),
            "{}",
            dup[0].message
        );
        let source = report
            .values
            .get(&ValueKey::new("granted", "total"))
            .and_then(|c| c.source.clone());
        assert_eq!(source.and_then(|l| l.sheet).as_deref(), Some("表三"));
    }

    #[test]
    fn a_workbook_without_tables_says_which_are_missing() {
        let g = grid(
            "Sheet1",
            &[(0, 0, "本单位2024年度工作总结"), (1, 0, "规章")],
        );
        let (report, findings) = import_grids("总结.xlsx", &[g], Format::national_2021());
        assert!(report.values.is_empty());
        let messages: Vec<String> = findings.iter().map(|f| f.message.clone()).collect();
        assert_eq!(
            messages,
            vec![
                "工作簿中未找到表二（主动公开政府信息情况）",
                "工作簿中未找到表三（收到和处理政府信息公开申请情况）",
                "工作簿中未找到表四（政府信息公开行政复议、行政诉讼情况）",
            ]
        );
        assert!(
            findings
                .iter()
                .all(|f| f.severity == nianbao_model::Severity::Error)
        );
    }

    #[test]
    fn excel_serials_become_iso_dates() {
        assert_eq!(date_from_serial(45673.0).as_deref(), Some("2025-01-16"));
        assert_eq!(
            iso_date(&Raw::Text("2025年1月6日".into()), "2025年1月6日"),
            "2025-01-06"
        );
        assert_eq!(iso_date(&Raw::Date(45673.0), "2025-01-16"), "2025-01-16");
    }

    /// Table 4's 行政复议 block: headers in rows 1–2, values in row 3, 总计 a formula.
    fn review_block(values: [Raw; 4], formula: &str) -> Grid {
        let mut g = grid(
            "复议诉讼",
            &[
                (0, 0, "行政复议"),
                (1, 0, "结果维持"),
                (1, 1, "结果纠正"),
                (1, 2, "其他结果"),
                (1, 3, "尚未审结"),
                (1, 4, "总计"),
            ],
        );
        g.merges.push(crate::sheet::Merge {
            r0: 0,
            c0: 0,
            r1: 0,
            c1: 4,
        });
        for (c, value) in values.into_iter().enumerate() {
            g.cells.insert(
                (2, c as u32),
                RawCell {
                    value,
                    formula: None,
                },
            );
        }
        g.cells.insert(
            (2, 4),
            RawCell {
                value: Raw::Empty,
                formula: Some(formula.into()),
            },
        );
        g
    }

    fn review(report: &Report, field: &str) -> CellValue {
        report
            .values
            .get(&ValueKey::new("review", field))
            .map(|c| c.value.clone())
            .unwrap_or_else(|| CellValue::Empty("no value".into()))
    }

    #[test]
    fn a_number_typed_as_text_that_the_saved_total_skipped_is_named() {
        // As Excel saves it: B3 holds the text "12 ", SUM skipped it, the saved total is 3.
        let mut g = review_block(
            [
                Raw::Int(1),
                Raw::Text("１２ ".into()),
                Raw::Int(2),
                Raw::Int(0),
            ],
            "SUM(A3:D3)",
        );
        if let Some(total) = g.cells.get_mut(&(2, 4)) {
            total.value = Raw::Int(3);
        }
        let (report, findings) = import_grids("t.xlsx", &[g], Format::national_2021());
        assert_eq!(review(&report, "corrected"), CellValue::Number(12.into()));
        assert_eq!(review(&report, "total"), CellValue::Number(3.into()));
        let finding = findings
            .iter()
            .find(|f| f.rule == "import.number_as_text")
            .unwrap_or_else(|| panic!("no import.number_as_text in {findings:?}"));
        assert!(
            finding.message.contains("B3（“１２ ”）"),
            "{}",
            finding.message
        );
        assert!(finding.message.contains("应为 15"), "{}", finding.message);
        let cells: Vec<_> = finding
            .locations
            .iter()
            .filter_map(|l| l.cell.clone())
            .collect();
        assert_eq!(cells, ["E3", "B3"]);
    }

    #[test]
    fn a_recomputed_total_over_text_numbers_warns_that_excel_will_differ() {
        // No saved result (as openpyxl or another system writes it): nianbao counts "12", the
        // office's Excel will not.
        let g = review_block(
            [
                Raw::Int(1),
                Raw::Text("12".into()),
                Raw::Int(2),
                Raw::Int(0),
            ],
            "SUM(A3:D3)",
        );
        let (report, findings) = import_grids("t.xlsx", &[g], Format::national_2021());
        assert_eq!(review(&report, "total"), CellValue::Number(15.into()));
        let finding = findings
            .iter()
            .find(|f| f.rule == "import.number_as_text")
            .unwrap_or_else(|| panic!("no import.number_as_text in {findings:?}"));
        assert!(
            finding.message.contains("B3（“12”）"),
            "{}",
            finding.message
        );
        assert!(
            finding.message.contains("重新计算时已计入，得 15"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn a_saved_total_that_counts_its_terms_says_nothing_of_text() {
        let mut g = review_block(
            [
                Raw::Int(1),
                Raw::Text("12".into()),
                Raw::Int(2),
                Raw::Int(0),
            ],
            "SUM(A3:D3)",
        );
        if let Some(total) = g.cells.get_mut(&(2, 4)) {
            total.value = Raw::Int(15);
        }
        let (_, findings) = import_grids("t.xlsx", &[g], Format::national_2021());
        assert!(!findings.iter().any(|f| f.rule == "import.number_as_text"));
    }

    #[test]
    fn huge_terms_of_a_formula_without_cached_value_give_no_number() {
        let huge = "50000000000000000000000000000";
        for values in [
            [
                Raw::Number(5e28),
                Raw::Number(5e28),
                Raw::Int(0),
                Raw::Int(0),
            ],
            [
                Raw::Text(huge.into()),
                Raw::Text(huge.into()),
                Raw::Int(0),
                Raw::Int(0),
            ],
        ] {
            let g = review_block(values, "SUM(A3:D3)");
            let (report, findings) = import_grids("表.xlsx", &[g], Format::national_2021());
            assert!(matches!(
                review(&report, "upheld"),
                CellValue::Unreadable(_)
            ));
            let total = review(&report, "total");
            assert!(!matches!(total, CellValue::Number(_)), "{total:?}");
            assert!(
                findings.iter().any(|f| f.rule == "import.formula_no_value"),
                "{findings:#?}"
            );
        }
    }

    #[test]
    fn a_recomputed_total_beyond_the_bound_is_unreadable() {
        // Each term is within the bound of a value, their sum is not.
        let big = Raw::Int(900_000_000_000);
        let g = review_block([big.clone(), big, Raw::Int(0), Raw::Int(0)], "SUM(A3:D3)");
        let (report, findings) = import_grids("表.xlsx", &[g], Format::national_2021());
        assert_eq!(
            review(&report, "upheld"),
            CellValue::Number(900_000_000_000i64.into())
        );
        assert_eq!(
            review(&report, "total"),
            CellValue::Unreadable("=SUM(A3:D3)".into())
        );
        let no_value = findings
            .iter()
            .find(|f| f.rule == "import.formula_no_value")
            .unwrap();
        assert!(no_value.message.contains("超出"), "{}", no_value.message);
        assert_eq!(no_value.locations[0].cell.as_deref(), Some("E3"));
    }

    #[test]
    fn positional_tables_are_known_by_their_spec_not_their_id() {
        // A format whose block table has another id and marks its block names as groups.
        let mut format = Format::national_2021().clone();
        let table = format.tables.iter_mut().find(|t| t.id == "table4").unwrap();
        table.id = "review_litigation".into();
        for cell in table.cells.iter_mut().filter(|c| c.row.is_some()) {
            cell.role = nianbao_model::format::CellRole::Group;
        }
        assert!(table.is_positional());
        let bytes = crate::write_template(Format::national_2021(), &Metadata::default()).unwrap();
        let grids = read_grids("统计表.xlsx", &bytes).unwrap();
        let (report, findings) = import_grids("统计表.xlsx", &grids, &format);
        assert_eq!(findings, vec![]);
        assert!(
            report
                .values
                .contains_key(&ValueKey::new("litigation_after_review", "total"))
        );
    }

    #[test]
    fn a_missing_column_names_the_header_row_and_the_label() {
        let g = grid(
            "主动公开",
            &[
                (2, 0, "信息内容"),
                (2, 1, "本年制发件数"),
                (2, 2, "本年废止件数"),
                (3, 0, "规章"),
                (3, 1, "3"),
                (3, 2, "1"),
            ],
        );
        let (_, findings) = import_grids("表.xlsx", &[g], Format::national_2021());
        let missing = findings
            .iter()
            .find(|f| f.rule == "import.column_missing")
            .unwrap();
        assert_eq!(missing.locations.len(), 1);
        assert_eq!(
            missing.locations[0].to_string(),
            "表.xlsx › 主动公开 › B3:C3"
        );
        assert_eq!(missing.expected.as_deref(), Some("列标题“现行有效件数”"));
        assert_eq!(missing.found.as_deref(), Some("未找到"));
    }
}
