//! Findings: what a check found, where, how bad, and what to do.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// 错误: the report must not be filed like this.
    Error,
    /// 警告: probably wrong, or against official practice; review it.
    Warning,
    /// 提示: for information.
    Info,
}

impl Severity {
    /// The Chinese name (`错误`, `警告`, `提示`).
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where something is: a file and a place in it, or a value of the report.
///
/// Printed as `统计表.xlsx › 表三 › F12`, `草稿.docx › 第12段`, `报告.txt › 第40行`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// A1-style cell address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// 1-based paragraph number in a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<usize>,
    /// 1-based line number in a text file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// A table in a document (1-based) and a cell in it (row, column, 1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_cell: Option<(usize, usize)>,
    /// The report value concerned (`processed_total.natural_person`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// A human name for the value or place (`表三（七）总计·自然人`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The value was not written as a cell of its own but worked out: digits of a row run
    /// together (`640020470`) split in the one way the format's equations allow.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: Some(file.into()),
            ..Location::default()
        }
    }

    pub fn sheet_cell(
        file: impl Into<String>,
        sheet: impl Into<String>,
        cell: impl Into<String>,
    ) -> Location {
        Location {
            file: Some(file.into()),
            sheet: Some(sheet.into()),
            cell: Some(cell.into()),
            ..Location::default()
        }
    }

    pub fn paragraph(file: impl Into<String>, paragraph: usize) -> Location {
        Location {
            file: Some(file.into()),
            paragraph: Some(paragraph),
            ..Location::default()
        }
    }

    pub fn line(file: impl Into<String>, line: usize) -> Location {
        Location {
            file: Some(file.into()),
            line: Some(line),
            ..Location::default()
        }
    }

    /// The same place, naming the report value it holds.
    pub fn with_value(mut self, key: impl Into<String>, label: impl Into<String>) -> Location {
        self.key = Some(key.into());
        self.label = Some(label.into());
        self
    }

    /// Whether the location names a place in a file (not only a value).
    pub fn has_place(&self) -> bool {
        self.file.is_some()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(file) = &self.file {
            parts.push(file.clone());
        }
        if let Some(sheet) = &self.sheet {
            parts.push(sheet.clone());
        }
        if let Some(cell) = &self.cell {
            parts.push(cell.clone());
        }
        if let Some(t) = self.table {
            match self.table_cell {
                Some((r, c)) => parts.push(format!("第{t}个表格第{r}行第{c}列")),
                None => parts.push(format!("第{t}个表格")),
            }
        }
        if let Some(p) = self.paragraph {
            parts.push(format!("第{p}段"));
        }
        if let Some(l) = self.line {
            parts.push(format!("第{l}行"));
        }
        if self.inferred {
            parts.push("由连写数字拆分".to_string());
        }
        let place = parts.join(" › ");
        match (&self.label, place.is_empty()) {
            (Some(label), true) => f.write_str(label),
            (Some(label), false) => write!(f, "{place}（{label}）"),
            (None, _) => f.write_str(&place),
        }
    }
}

/// One finding of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id (`t3.row_total`, `import.unreadable_value`).
    pub rule: String,
    pub severity: Severity,
    /// What is wrong, in Chinese, naming the values and numbers.
    pub message: String,
    /// Every place involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Finding {
    pub fn new(rule: impl Into<String>, severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            locations: Vec::new(),
            expected: None,
            found: None,
            hint: None,
        }
    }

    pub fn error(rule: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(rule, Severity::Error, message)
    }

    pub fn warning(rule: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(rule, Severity::Warning, message)
    }

    pub fn info(rule: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(rule, Severity::Info, message)
    }

    pub fn at(mut self, location: Location) -> Finding {
        self.locations.push(location);
        self
    }

    pub fn at_all(mut self, locations: impl IntoIterator<Item = Location>) -> Finding {
        self.locations.extend(locations);
        self
    }

    pub fn expected_found(
        mut self,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Finding {
        self.expected = Some(expected.into());
        self.found = Some(found.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} {}", self.severity, self.rule, self.message)?;
        for loc in &self.locations {
            write!(f, "\n    位置：{loc}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n    建议：{hint}")?;
        }
        Ok(())
    }
}

/// Sorts findings for display: errors first, then by rule, then by first location.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.severity, &a.rule, a.locations.first()).cmp(&(b.severity, &b.rule, b.locations.first()))
    });
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
            }
        }
        c
    }
}
