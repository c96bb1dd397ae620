//! The one label index every importer looks labels up in: a table's row labels, its column
//! headers, their aliases and 2019 spellings, each in normal form ([`normalize_label`]) with the
//! key it names.
//!
//! A text names a key in one of three ways, tried in order, the same for workbooks, DOCX, HTML
//! and text:
//! 1. **exactly**, after normalisation;
//! 2. by **containing** an official label of at least [`MIN_CONTAINED_CHARS`] characters (a
//!    group and its item in one cell, a provincial note after the label: `行政许可（含…）`); the
//!    longest contained label wins. Short labels (`其他`, `总计`, `规章`) name a key only whole
//!    (the recogniser tries a cell once more without a trailing note in brackets);
//! 3. by a **close spelling** ([`CLOSE_SIMILARITY`] of normalised Levenshtein similarity: one
//!    wrong character in a label of ten, `申清` for `申请`), unless the text is itself one of the
//!    index's protected texts (a column header is never a misspelt row label).
//!
//! Where two different keys match equally well, the answer is [`Found::Ambiguous`] with both:
//! the caller reports it and places nothing.
//!
//! [`normalize_label`]: crate::text::normalize_label

use std::collections::{HashMap, HashSet};

/// Shortest official label that names a key when a longer text contains it.
pub const MIN_CONTAINED_CHARS: usize = 4;
/// Least normalised Levenshtein similarity of a close spelling.
pub const CLOSE_SIMILARITY: f64 = 0.8;

/// How a text was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Exact,
    Contained,
    Close,
}

/// The answer of [`LabelIndex::find`].
#[derive(Debug, Clone, PartialEq)]
pub enum Found<'i, K> {
    /// One key: the entry's key and how it was matched.
    One(&'i K, How),
    /// Two or more keys match equally well (the first two, in index order).
    Ambiguous(&'i K, &'i K),
}

impl<'i, K> Found<'i, K> {
    /// The key, when there is exactly one.
    pub fn one(self) -> Option<&'i K> {
        match self {
            Found::One(key, _) => Some(key),
            Found::Ambiguous(..) => None,
        }
    }
}

struct Entry<K> {
    norm: String,
    chars: usize,
    key: K,
}

/// Labels in normal form with the keys they name. `K` is what the caller needs back (a row key,
/// a row key with its 2019 mapping, a target index).
pub struct LabelIndex<K> {
    entries: Vec<Entry<K>>,
    /// Normal form → the first entry with it.
    exact: HashMap<String, usize>,
    /// Texts never matched by close spelling (the column headers, for a row index).
    protected: HashSet<String>,
}

impl<K: PartialEq> LabelIndex<K> {
    /// `entries`: (normal form, key) in order of preference; where two share a normal form the
    /// first is kept. Blank labels are left out.
    pub fn new(entries: impl IntoIterator<Item = (String, K)>) -> Self {
        let mut index = LabelIndex {
            entries: Vec::new(),
            exact: HashMap::new(),
            protected: HashSet::new(),
        };
        for (norm, key) in entries {
            if norm.is_empty() || index.exact.contains_key(&norm) {
                continue;
            }
            index.exact.insert(norm.clone(), index.entries.len());
            index.entries.push(Entry {
                chars: norm.chars().count(),
                norm,
                key,
            });
        }
        index
    }

    /// The same index, never matching these texts (normal forms) by close spelling.
    pub fn protecting(mut self, texts: impl IntoIterator<Item = String>) -> Self {
        self.protected.extend(texts);
        self
    }

    /// Every label (normal form) with its key, in order of preference.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &K)> {
        self.entries.iter().map(|e| (e.norm.as_str(), &e.key))
    }

    /// Whether the index has no labels.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key a normalised text names, matched `up_to` the given way (exact only, exact or
    /// contained, or all three).
    pub fn find(&self, norm: &str, up_to: How) -> Option<Found<'_, K>> {
        if norm.is_empty() {
            return None;
        }
        if let Some(&i) = self.exact.get(norm) {
            return self.entries.get(i).map(|e| Found::One(&e.key, How::Exact));
        }
        if up_to == How::Exact {
            return None;
        }
        let wanted_chars = norm.chars().count();
        let contained = self
            .entries
            .iter()
            .filter(|e| {
                e.chars >= MIN_CONTAINED_CHARS && e.chars < wanted_chars && norm.contains(&e.norm)
            })
            .fold(None::<Vec<&Entry<K>>>, |best, e| match best {
                Some(mut list) if list.first().is_some_and(|b| b.chars == e.chars) => {
                    list.push(e);
                    Some(list)
                }
                Some(list) if list.first().is_some_and(|b| b.chars > e.chars) => Some(list),
                _ => Some(vec![e]),
            });
        if let Some(list) = contained {
            return Some(decide(&list, How::Contained));
        }
        if up_to != How::Close || self.protected.contains(norm) {
            return None;
        }
        // The edit distance is at least the difference in length: a label whose length alone
        // puts it below the threshold is not compared.
        let close_in_length = |chars: usize| {
            1.0 - (chars.abs_diff(wanted_chars) as f64) / (chars.max(wanted_chars) as f64)
                >= CLOSE_SIMILARITY
        };
        let mut best: Vec<&Entry<K>> = Vec::new();
        let mut best_score = CLOSE_SIMILARITY;
        for e in self.entries.iter().filter(|e| close_in_length(e.chars)) {
            let score = strsim::normalized_levenshtein(&e.norm, norm);
            if score > best_score + f64::EPSILON {
                best_score = score;
                best = vec![e];
            } else if (score - best_score).abs() <= f64::EPSILON && score >= CLOSE_SIMILARITY {
                best.push(e);
            }
        }
        (!best.is_empty()).then(|| decide(&best, How::Close))
    }
}

/// One key when all the equally good entries name it, else the first two different ones.
fn decide<'i, K: PartialEq>(list: &[&'i Entry<K>], how: How) -> Found<'i, K> {
    let first = list[0];
    match list.iter().find(|e| e.key != first.key) {
        Some(other) => Found::Ambiguous(&first.key, &other.key),
        None => Found::One(&first.key, how),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize_label;

    fn index() -> LabelIndex<&'static str> {
        LabelIndex::new(
            [
                ("一、本年新收政府信息公开申请数量", "new_received"),
                ("1.本机关不掌握相关政府信息", "unable_not_held"),
                ("3.其他", "other_other"),
                ("规章", "regulations"),
                ("（七）总计", "processed_total"),
            ]
            .map(|(l, k)| (normalize_label(l), k)),
        )
        .protecting(["其他".to_string(), "总计".to_string()])
    }

    #[test]
    fn exact_contained_and_close() {
        let index = index();
        let find = |text: &str| match index.find(&normalize_label(text), How::Close) {
            Some(Found::One(key, how)) => Some((*key, how)),
            Some(Found::Ambiguous(..)) => Some(("ambiguous", How::Exact)),
            None => None,
        };
        assert_eq!(find("(七) 总计"), Some(("processed_total", How::Exact)));
        assert_eq!(
            find("（四）无法提供 1.本机关不掌握相关政府信息"),
            Some(("unable_not_held", How::Contained))
        );
        assert_eq!(
            find("一、本年新收政府信息公开申清数量"),
            Some(("new_received", How::Close))
        );
        assert_eq!(
            find("1.本机关不掌握相关的政府信息"),
            Some(("unable_not_held", How::Close))
        );
        // Short labels only whole; a protected text never by close spelling.
        assert_eq!(find("规章制度建设"), None);
        assert_eq!(find("部门总计"), None);
    }

    #[test]
    fn two_keys_alike_are_ambiguous() {
        let index = LabelIndex::new([
            (normalize_label("本年新收申请数量"), "a"),
            (normalize_label("本年新发申请数量"), "b"),
        ]);
        assert_eq!(
            index.find(&normalize_label("本年新x申请数量"), How::Close),
            Some(Found::Ambiguous(&"a", &"b"))
        );
    }
}
