//! `report.toml`: the report folder's settings (metadata, format, which files to read).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nianbao_model::{AdminLevel, Metadata};
use serde::{Deserialize, Serialize};

/// The contents of `report.toml`. Every field is optional: what is missing comes from the files
/// (the workbook's 基本信息 sheet, the draft's title) or the command line.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// 机关名称
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// 年度
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// 行政级别: 省级 / 市级 / 县级 / 乡镇 / 部门 (or province, city, county, town, department)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// 地区
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// 成文日期, `YYYY-MM-DD`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Contact lines printed in the opening paragraph.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    /// Format id (`national-2021`, `shandong`, `beijing`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The statistics workbook, relative to the folder (found by extension when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workbook: Option<PathBuf>,
    /// The narrative draft, relative to the folder (found by extension when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<PathBuf>,
    /// Last year's report (any readable form), for the cross-year checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PathBuf>,
    /// Blank value cells count as 0 (the office's explicit choice; by default they are 未填写).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank_as_zero: Option<bool>,
    /// The office's own Word template (page setup, named styles, header and footer), relative
    /// to the folder; `--reference-docx` on the command line goes first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_docx: Option<PathBuf>,
}

pub const CONFIG_FILE: &str = "report.toml";

/// The largest `report.toml` read: a few lines of settings.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A TOML error in Chinese, after the file's name: the line, the key, and what was wrong
/// (`第3行：org 应为文字，实为列表`). serde's and toml's own English is never shown.
fn toml_error_zh(text: &str, e: &toml::de::Error) -> String {
    let message = e.message();
    let start = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
    let line_no = text.get(..start).map_or(1, |t| t.matches('\n').count() + 1);
    let line = text.lines().nth(line_no - 1).unwrap_or_default();
    // `org = [1]`, or a table header `[org]`.
    let key = line
        .split_once('=')
        .map(|(k, _)| k)
        .or_else(|| line.trim().strip_prefix('[')?.strip_suffix(']'))
        .map(|k| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty());
    let at = format!(" 第{line_no}行");
    let key_text = key.clone().unwrap_or_else(|| "该设置".to_string());
    // A whole number too large for any integer type: out of range, whatever serde calls it.
    let message = if message.starts_with("invalid type: integer") && message.contains(" as i128") {
        message.replacen("invalid type: ", "invalid value: ", 1)
    } else {
        message.to_string()
    };
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "{at}：{key_text} 应为{}，实为{}",
            toml_expected_zh(expected),
            toml_found_zh(found)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "{at}：{key_text} 的值{}超出范围（应为{}）",
            toml_found_zh(found),
            toml_expected_zh(expected)
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!(
            "{at}：无法识别的设置项“{name}”；可用的设置项：org、year、level、region、date、contact、format、workbook、draft、previous、reference_docx"
        );
    }
    if message.starts_with("duplicate key") {
        return format!("{at}：设置项 {key_text} 重复出现，请只保留一处");
    }
    format!(
        "{at}不符合 TOML 格式：“{}”；每行应写作 名称 = 值，文字用英文双引号括住，如 org = \"某某局\"",
        line.trim()
    )
}

/// What serde expected, in Chinese.
fn toml_expected_zh(expected: &str) -> &'static str {
    match expected {
        "a string" => "文字（用英文双引号括住）",
        "path string" => "文件路径（用英文双引号括住，如 \"统计表.xlsx\"）",
        "i32" | "i64" | "u32" | "an integer" => "整数（如年度 2024）",
        "a sequence" => "列表（如 [\"电话：…\", \"地址：…\"]）",
        "a boolean" => "true 或 false",
        _ => "另一种类型",
    }
}

/// What was found, in Chinese (`integer `5`` → `整数 5`, `sequence` → `列表`).
fn toml_found_zh(found: &str) -> String {
    let kind = found.split(['`', '"']).next().unwrap_or_default().trim();
    let kind_zh = match kind {
        "sequence" => "列表",
        "map" => "表或日期（未加引号）",
        "string" => "文字",
        "integer" => "整数",
        "floating point" => "小数",
        "boolean" => "真假值",
        _ => "其他类型",
    };
    // The value as written, between serde's backticks or quotes (`integer `5` as i128`).
    let value = found
        .split_once(['`', '"'])
        .and_then(|(_, rest)| rest.split(['`', '"']).next())
        .unwrap_or_default();
    let short: String = value.chars().take(40).collect();
    if short.is_empty() {
        kind_zh.to_string()
    } else {
        format!("{kind_zh} {short}")
    }
}

impl ReportConfig {
    /// Reads `report.toml` (a regular file of at most [`MAX_CONFIG_BYTES`]); every error is one
    /// Chinese sentence naming the file, and for a wrong setting its line, key and what it
    /// should be.
    pub fn read(path: &Path) -> Result<ReportConfig> {
        let bytes =
            nianbao_fs::read_regular(path, MAX_CONFIG_BYTES).map_err(|e| anyhow::anyhow!("{e}"))?;
        ReportConfig::from_bytes(&bytes, &path.display().to_string())
    }

    /// `report.toml` from bytes already in hand (an upload); `shown` names it in errors.
    pub fn from_bytes(bytes: &[u8], shown: &str) -> Result<ReportConfig> {
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            anyhow::bail!("{shown} 过大（超过 1 MB），不是报告设置文件");
        }
        let text = std::str::from_utf8(bytes).map_err(|_| {
            anyhow::anyhow!(
                "{shown} 不是 UTF-8 编码的文字（可能以 GBK/ANSI 编码保存），无法读取；请用记事本或 WPS 打开后“另存为” UTF-8 编码"
            )
        })?;
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{shown}{}", toml_error_zh(text, &e)))
    }

    /// Applies the settings that are present onto metadata.
    pub fn apply(&self, meta: &mut Metadata) -> Result<()> {
        if let Some(org) = &self.org {
            meta.org = org.trim().to_string();
        }
        if let Some(year) = self.year {
            meta.year = year;
        }
        if let Some(level) = &self.level {
            meta.level = Some(AdminLevel::parse(level).with_context(|| {
                format!("{CONFIG_FILE} 中行政级别 level = \"{level}\" 无法识别，可填：省级、市级、县级（区）、乡镇（街道）、部门")
            })?);
        }
        if let Some(region) = &self.region {
            meta.region = Some(region.clone());
        }
        if let Some(date) = &self.date {
            // A date the 落款 cannot print is refused here, not dropped from the document.
            let iso = nianbao_model::text::parse_date(date).with_context(|| {
                format!(
                    "{CONFIG_FILE} 中 date = \"{date}\" 不是有效的成文日期：请写作 date = \"2025-01-16\" 或 date = \"2025年1月16日\""
                )
            })?;
            meta.date = Some(iso);
        }
        if !self.contact.is_empty() {
            meta.contact = self.contact.clone();
        }
        if let Some(format) = &self.format {
            meta.format = format.clone();
        }
        Ok(())
    }

    /// The TOML text of a config, with a comment header for people editing it by hand.
    pub fn to_commented_toml(&self) -> Result<String> {
        let body = toml::to_string(self).context("无法生成 report.toml")?;
        Ok(format!(
            "# nianbao 报告设置。机关名称、年度等也可以在统计表的“基本信息”工作表中填写。\n\
             # level 可填：省级、市级、县级、乡镇、部门；date 为成文日期（YYYY-MM-DD）；\n\
             # previous 可指向上一年度报告（文件夹、xlsx、docx、html 或 txt），用于跨年度核对；\n\
             # reference_docx 可指向本单位的 Word 模板（页面设置、样式、页眉页脚），如 \"本单位模板.docx\"。\n\
             # 文稿：草稿.docx 和 草稿.md 任选其一撰写，自动采用已撰写的一份；也可写 draft = \"草稿.md\" 指定。\n\
             # blank_as_zero = true：统计表中留空的数值按 0 处理（默认按“未填写”处理）。\n\n{body}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        let e = toml::from_str::<ReportConfig>(text).unwrap_err();
        toml_error_zh(text, &e)
    }

    #[test]
    fn wrong_types_name_the_line_the_key_and_the_types() {
        assert_eq!(
            error_of("year = 2024\n\norg = [1]\n"),
            " 第3行：org 应为文字（用英文双引号括住），实为列表"
        );
        let e = error_of("year = 99999999999\n");
        assert!(
            e.contains("第1行") && e.contains("year") && e.contains("超出范围"),
            "{e}"
        );
        let e = error_of("year = \"二〇二四\"\n");
        assert!(
            e.contains("应为整数") && e.contains("实为文字 二〇二四"),
            "{e}"
        );
        let e = error_of("orgg = \"某局\"\n");
        assert!(e.contains("无法识别的设置项“orgg”"), "{e}");
        let e = error_of("org = \n");
        assert!(e.contains("不符合 TOML 格式"), "{e}");
        for text in [
            "org = [1]",
            "year = 1.5",
            "org = \"a\"\norg = \"b\"",
            "contact = \"x\"",
        ] {
            let e = error_of(text);
            assert!(!e.contains("invalid") && !e.contains("expected"), "{e}");
        }
    }
}
