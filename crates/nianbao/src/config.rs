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
}

pub const CONFIG_FILE: &str = "report.toml";

impl ReportConfig {
    /// Reads `report.toml`; a syntax error names the file and the line.
    pub fn read(path: &Path) -> Result<ReportConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取 {}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{} 格式有误：{e}", path.display()))
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
                format!("行政级别“{level}”无法识别，可填：省级、市级、县级、乡镇、部门")
            })?);
        }
        if let Some(region) = &self.region {
            meta.region = Some(region.clone());
        }
        if let Some(date) = &self.date {
            meta.date = Some(date.clone());
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
             # previous 可指向上一年度报告（文件夹、xlsx、docx、html 或 txt），用于跨年度核对。\n\n{body}"
        ))
    }
}
