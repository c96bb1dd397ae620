//! The roster (`--roster 名单.xlsx|.csv|.txt`): the units a 政务公开办 expects a report from, and
//! how the units found in a folder are matched to it.
//!
//! Reading: in a workbook or CSV, the column headed `单位名称` (or `机关名称`, `单位`) on the first
//! sheet that has one; without such a header, the first non-blank cell of each row. In a text
//! file, one name a line. Serial numbers (`序号` columns, a bare `1`) and blank lines are not names.
//!
//! Matching, for each unit in name order, by the 机关名称 its files give first, then by its
//! folder or file name:
//! 1. the same name ([`nianbao_model::text::normalize_label`]: full and half width, spaces and
//!    punctuation do not count; a year and `年度报告` in a file name are left out);
//! 2. the same name once a leading place name (`卫东区`, `某某市卫东区`) is left out of both;
//! 3. the model's [`LabelIndex`]: the name containing a roster name, or one character off.
//!
//! Steps 2 and 3 are fuzzy: every such match is listed in the summary so that the office can
//! confirm it. A roster name matched by two units is two files for one 机关 (`重复报送`); a unit
//! that matches no name is not on the roster (`名单外`); a roster name no unit matches has not
//! been filed (`未报送`).

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Result, bail};
use nianbao_model::labels::{Found, How, LabelIndex};
use nianbao_model::text::normalize_label;
use regex::Regex;
use serde::Serialize;

/// The roster: names in the order of the file.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub names: Vec<String>,
}

/// Headers of the column holding the names.
const NAME_HEADERS: [&str; 3] = ["单位名称", "机关名称", "单位"];

impl Roster {
    /// Reads a roster file (`.xlsx`/`.xls`/`.ods`/`.et`, `.csv`, `.txt`).
    pub fn read(path: &Path) -> Result<Roster> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let rows: Vec<Vec<String>> = match ext.as_str() {
            "xlsx" | "xlsm" | "xls" | "ods" | "et" => {
                let sheets =
                    nianbao_excel::read_sheet_texts(path).map_err(|e| anyhow::anyhow!("{e}"))?;
                // The first sheet with a name header; else the first sheet with anything on it.
                let with_header = sheets.iter().find(|s| {
                    s.rows
                        .iter()
                        .any(|(_, cells)| header_column(cells).is_some())
                });
                with_header
                    .or_else(|| sheets.iter().find(|s| !s.rows.is_empty()))
                    .map(|s| s.rows.iter().map(|(_, cells)| cells.clone()).collect())
                    .unwrap_or_default()
            }
            "csv" => nianbao_docs::read_text_file(path)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .lines()
                .map(csv_fields)
                .collect(),
            "txt" => nianbao_docs::read_text_file(path)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .lines()
                .map(|l| vec![l.to_string()])
                .collect(),
            _ => bail!(
                "无法识别的名单文件：{}（名单可以是 xlsx、xls、ods、csv 或 txt）",
                path.display()
            ),
        };
        let roster = Roster::from_rows(&rows);
        if roster.names.is_empty() {
            bail!(
                "名单 {} 中没有读到单位名称：请在第一行写“单位名称”、其下每行一个单位，或在文本文件中每行写一个单位",
                path.display()
            );
        }
        Ok(roster)
    }

    /// The names of a table's rows: the column under a name header, or each row's first cell.
    fn from_rows(rows: &[Vec<String>]) -> Roster {
        let header = rows
            .iter()
            .enumerate()
            .find_map(|(i, cells)| header_column(cells).map(|c| (i, c)));
        let (first_row, column) = match header {
            Some((i, c)) => (i + 1, Some(c)),
            None => (0, None),
        };
        let mut names: Vec<String> = Vec::new();
        for cells in rows.iter().skip(first_row) {
            let cell = match column {
                Some(c) => cells.get(c).map(String::as_str),
                None => cells.iter().map(|s| s.trim()).find(|s| !s.is_empty()),
            };
            let Some(name) = cell.map(str::trim).filter(|n| is_name(n)) else {
                continue;
            };
            if !names.iter().any(|n| same_key(n, name)) {
                names.push(name.to_string());
            }
        }
        Roster { names }
    }
}

fn header_column(cells: &[String]) -> Option<usize> {
    cells
        .iter()
        .position(|c| NAME_HEADERS.iter().any(|h| normalize_label(c) == *h))
}

/// Whether a cell holds a unit's name, not a serial number or a note mark.
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('#')
        && text.chars().any(|c| c.is_alphabetic())
        && !NAME_HEADERS.contains(&text)
}

/// The fields of a CSV line (quoted fields may hold commas; `""` is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' | '，' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// A name in the form names are compared in: normalised, without a year and the words a file
/// name adds (`2024年`, `政府信息公开工作年度报告`, `年报`).
pub fn name_key(name: &str) -> String {
    static NOISE: OnceLock<Option<Regex>> = OnceLock::new();
    let noise = NOISE.get_or_init(|| {
        Regex::new(
            r"(19|20)\d{2}年?度?|政府信息公开工作年度报告|年度报告|工作报告|年报|统计表|报告|草稿",
        )
        .ok()
    });
    let key = normalize_label(name);
    match noise {
        Some(re) => re.replace_all(&key, "").into_owned(),
        None => key,
    }
}

/// The key without leading place names (`卫东区卫生健康委员会` → `卫生健康委员会`;
/// `某某市卫东区…` loses both). A name that is only a place is kept whole.
pub fn without_region(key: &str) -> String {
    static PLACE: OnceLock<Option<Regex>> = OnceLock::new();
    let place = PLACE.get_or_init(|| Regex::new(r"^[^省市区县]{1,6}?[省市区县]").ok());
    let Some(place) = place else {
        return key.to_string();
    };
    let mut rest = key.to_string();
    while let Some(m) = place.find(&rest) {
        let after = &rest[m.end()..];
        if after.chars().count() < 2 {
            break;
        }
        rest = after.to_string();
    }
    rest
}

fn same_key(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

/// How a unit was matched to the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchHow {
    /// The 机关名称 read from its files is the roster's name.
    Org,
    /// Its folder or file name is the roster's name.
    Name,
    /// The same once place names are left out (fuzzy).
    WithoutRegion,
    /// Containing the roster's name, or one character off (fuzzy).
    Close,
}

impl MatchHow {
    pub fn is_fuzzy(self) -> bool {
        matches!(self, MatchHow::WithoutRegion | MatchHow::Close)
    }

    /// How the match is explained to the office.
    pub fn label(self) -> &'static str {
        match self {
            MatchHow::Org => "按机关名称",
            MatchHow::Name => "按单位名称",
            MatchHow::WithoutRegion => "近似：去掉区县名称后相同",
            MatchHow::Close => "近似：名称相近",
        }
    }
}

/// One unit's place on the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterMatch {
    /// Index into [`Roster::names`].
    pub entry: usize,
    pub how: MatchHow,
    /// The unit's text that matched (its 机关名称 or its name).
    pub matched_text: String,
}

/// Matches units — (unit name, 机关名称 read from its files, possibly empty), in name order — to
/// the roster. Returns each unit's match.
pub fn match_units(roster: &Roster, units: &[(String, String)]) -> Vec<Option<RosterMatch>> {
    let keys: Vec<String> = roster.names.iter().map(|n| name_key(n)).collect();
    let regionless: Vec<String> = keys.iter().map(|k| without_region(k)).collect();
    // The fuzzy index holds both forms of each name; where one form is another name's, the
    // first name keeps it.
    let index = LabelIndex::new(
        keys.iter()
            .cloned()
            .enumerate()
            .chain(regionless.iter().cloned().enumerate())
            .map(|(i, k)| (k, i)),
    );
    let texts_of = |(name, org): &(String, String)| {
        let mut texts = Vec::new();
        if !org.trim().is_empty() {
            texts.push((org.clone(), true));
        }
        texts.push((name.clone(), false));
        texts
    };
    let mut matches: Vec<Option<RosterMatch>> = vec![None; units.len()];
    // Exact matches first, for every unit, so that a fuzzy match never takes a name another
    // unit has exactly.
    for (u, unit) in units.iter().enumerate() {
        for (text, is_org) in texts_of(unit) {
            let key = name_key(&text);
            if let Some(entry) = keys.iter().position(|k| !k.is_empty() && *k == key) {
                matches[u] = Some(RosterMatch {
                    entry,
                    how: if is_org {
                        MatchHow::Org
                    } else {
                        MatchHow::Name
                    },
                    matched_text: text.clone(),
                });
                break;
            }
        }
    }
    let taken: Vec<usize> = matches.iter().flatten().map(|m| m.entry).collect();
    for (u, unit) in units.iter().enumerate() {
        if matches[u].is_some() {
            continue;
        }
        for (text, _) in texts_of(unit) {
            let key = name_key(&text);
            let bare = without_region(&key);
            if let Some(entry) = (0..keys.len())
                .find(|i| !taken.contains(i) && !bare.is_empty() && regionless[*i] == bare)
            {
                matches[u] = Some(RosterMatch {
                    entry,
                    how: MatchHow::WithoutRegion,
                    matched_text: text.clone(),
                });
                break;
            }
            let found = [key.as_str(), bare.as_str()].iter().find_map(|k| {
                match index.find(k, How::Close) {
                    Some(Found::One(entry, _)) if !taken.contains(entry) => Some(*entry),
                    _ => None,
                }
            });
            if let Some(entry) = found {
                matches[u] = Some(RosterMatch {
                    entry,
                    how: MatchHow::Close,
                    matched_text: text.clone(),
                });
                break;
            }
        }
    }
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(names: &[&str]) -> Roster {
        Roster {
            names: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn reads_a_header_column_or_first_cells() {
        let rows = |r: &[&[&str]]| -> Vec<Vec<String>> {
            r.iter()
                .map(|cells| cells.iter().map(|s| s.to_string()).collect())
                .collect()
        };
        let with_header = Roster::from_rows(&rows(&[
            &["某县2024年应报送单位名单"],
            &["序号", "单位名称", "联系人"],
            &["1", "某县教育局", "张三"],
            &["2", "某县财政局", "李四"],
            &["3", "", ""],
            &["4", "某县教育局", ""],
        ]));
        assert_eq!(with_header.names, ["某县教育局", "某县财政局"]);
        let plain = Roster::from_rows(&rows(&[&["某县教育局"], &["1"], &["  某县财政局 "]]));
        assert_eq!(plain.names, ["某县教育局", "某县财政局"]);
        assert_eq!(
            csv_fields("1,\"某县教育局,本级\",张三"),
            ["1", "某县教育局,本级", "张三"]
        );
    }

    #[test]
    fn names_keys_and_places() {
        assert_eq!(name_key("卫东区卫健委2024年报告"), "卫东区卫健委");
        assert_eq!(
            name_key("卫东区 卫生健康委员会（２０２４年度）"),
            "卫东区卫生健康委员会"
        );
        assert_eq!(without_region("卫东区卫生健康委员会"), "卫生健康委员会");
        assert_eq!(without_region("某某市卫东区财政局"), "财政局");
        // 县市场监督管理局: the 县 is the place (a one-character prefix is not a place name).
        assert_eq!(without_region("县市场监督管理局"), "县市场监督管理局");
        assert_eq!(without_region("卫东区市场监督管理局"), "市场监督管理局");
        assert_eq!(without_region("卫东区"), "卫东区");
    }

    #[test]
    fn matching_by_org_name_place_and_spelling() {
        let r = roster(&[
            "卫东区卫生健康委员会",
            "卫东区财政局",
            "卫东区教育局",
            "卫东区自然资源局",
            "卫东区水利局",
        ]);
        let units = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(n, o)| (n.to_string(), o.to_string()))
                .collect()
        };
        let got = match_units(
            &r,
            &units(&[
                ("卫健委", "卫东区卫生健康委员会"),
                ("财政局2024", ""),
                ("ｊｙｊ", "教育局"),
                ("自然资源", "卫东区自然资原局"),
                ("某镇", "某镇人民政府"),
            ]),
        );
        let how: Vec<Option<(usize, MatchHow)>> = got
            .iter()
            .map(|m| m.as_ref().map(|m| (m.entry, m.how)))
            .collect();
        assert_eq!(
            how,
            [
                Some((0, MatchHow::Org)),
                Some((1, MatchHow::WithoutRegion)),
                Some((2, MatchHow::WithoutRegion)),
                Some((3, MatchHow::Close)),
                None,
            ]
        );
        // Two units of one 机关 both match it.
        let twice = match_units(&r, &units(&[("a", "卫东区财政局"), ("b", "卫东区财政局")]));
        assert!(
            twice
                .iter()
                .all(|m| m.as_ref().is_some_and(|m| m.entry == 1))
        );
    }
}
