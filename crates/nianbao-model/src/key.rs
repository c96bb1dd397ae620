//! Stable value keys: `row.field` (`new_received.natural_person`, `review.total`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Identifies one value of the report: a row (or table 4 block) and a field (column).
///
/// Keys are a public interface: JSON output, placeholders in drafts and plugin rules use them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValueKey {
    pub row: String,
    pub field: String,
}

impl ValueKey {
    pub fn new(row: &str, field: &str) -> ValueKey {
        ValueKey {
            row: row.to_string(),
            field: field.to_string(),
        }
    }

    /// Parses `row.field`; `None` unless both parts are non-empty identifiers.
    pub fn parse(text: &str) -> Option<ValueKey> {
        let (row, field) = text.split_once('.')?;
        let ident =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        (ident(row) && ident(field)).then(|| ValueKey::new(row, field))
    }
}

impl fmt::Display for ValueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.row, self.field)
    }
}

impl Serialize for ValueKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ValueKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ValueKey::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("不是有效的数值键：{text}")))
    }
}
