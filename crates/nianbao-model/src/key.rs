//! Stable value keys: `row.field` (`new_received.natural_person`, `review.total`).

use std::collections::BTreeMap;
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

/// A fixed list of value keys (a table's cells, a format's rule terms), found in a report's
/// values together: one pass over both in key order, instead of a search per key. Made once per
/// format and used for every report.
#[derive(Debug, Clone)]
pub struct KeyLookup {
    /// The distinct keys, sorted.
    sorted: Vec<ValueKey>,
    /// For each key of the list, in the list's order, its position in `sorted`.
    positions: Vec<usize>,
}

impl KeyLookup {
    pub fn new<'k>(keys: impl IntoIterator<Item = &'k ValueKey>) -> KeyLookup {
        let list: Vec<&ValueKey> = keys.into_iter().collect();
        let mut sorted: Vec<ValueKey> = list.iter().map(|k| (*k).clone()).collect();
        sorted.sort();
        sorted.dedup();
        // Every key of the list is in `sorted`, which was made from the list.
        let positions = list
            .iter()
            .map(|k| sorted.binary_search(k).unwrap_or_default())
            .collect();
        KeyLookup { sorted, positions }
    }

    /// How many keys the list has (a key may be listed more than once).
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// What `values` holds under each key of the list, in the list's order.
    pub fn find<'v, V>(&self, values: &'v BTreeMap<ValueKey, V>) -> Vec<Option<&'v V>> {
        let mut entries = values.iter().peekable();
        let found: Vec<Option<&V>> = self
            .sorted
            .iter()
            .map(|key| {
                while entries.next_if(|(k, _)| *k < key).is_some() {}
                entries.next_if(|(k, _)| *k == key).map(|(_, v)| v)
            })
            .collect();
        self.positions
            .iter()
            .map(|&p| found.get(p).copied().flatten())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_finds_each_key_of_its_list_in_order() {
        let key = |r: &str, f: &str| ValueKey::new(r, f);
        let list = [
            key("review", "total"),
            key("new_received", "total"),
            key("review", "total"),
            key("absent", "total"),
            key("new_received", "natural_person"),
        ];
        let values: BTreeMap<ValueKey, i32> = [
            (key("new_received", "natural_person"), 1),
            (key("new_received", "total"), 2),
            (key("other", "x"), 3),
            (key("review", "total"), 4),
        ]
        .into_iter()
        .collect();
        let lookup = KeyLookup::new(&list);
        let expected: Vec<Option<&i32>> = list.iter().map(|k| values.get(k)).collect();
        assert_eq!(lookup.find(&values), expected);
        assert_eq!(
            lookup.find(&values),
            vec![Some(&4), Some(&2), Some(&4), None, Some(&1)]
        );
        assert_eq!(
            lookup.find(&BTreeMap::<ValueKey, i32>::new()),
            vec![None; 5]
        );
    }
}
