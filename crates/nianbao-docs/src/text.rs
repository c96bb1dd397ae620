//! Plain text and Markdown to numbered lines. Markdown markup that only changes the look
//! (`#` headings, `**bold**`, quotes) is removed; pipe tables become tab-separated rows, the
//! form text copied from a web page already has. Page footers of PDF text (`-4-`, `— 4 —`,
//! `第 4 页`) are marked so that they neither end paragraphs nor break tables.

use std::sync::OnceLock;

use regex::Regex;

/// One line of the source, numbered from 1.
#[derive(Debug, Clone)]
pub(crate) struct SourceLine {
    pub no: usize,
    pub text: String,
    /// A page footer or page number line (ignored).
    pub footer: bool,
}

impl SourceLine {
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Whether the line starts with indentation (pdftotext's paragraph starts).
    pub fn is_indented(&self) -> bool {
        let lead: String = self
            .text
            .chars()
            .take_while(|c| *c == ' ' || *c == '\u{3000}' || *c == '\u{a0}')
            .collect();
        lead.contains('\u{3000}') || lead.chars().count() >= 2
    }

    /// A row of a table whose cells are separated by tabs.
    pub fn is_tab_row(&self) -> bool {
        self.text.trim_matches([' ', '\u{3000}']).contains('\t')
    }
}

/// The lines of a text or Markdown file.
#[derive(Debug, Clone)]
pub(crate) struct Lines {
    pub lines: Vec<SourceLine>,
    /// Markdown: consecutive lines form one paragraph; blank lines separate paragraphs.
    pub markdown: bool,
}

fn footer_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$").ok()
    })
    .as_ref()
}

fn md_separator_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$").ok())
        .as_ref()
}

/// Removes Markdown's HTML comments (`<!-- … -->`, also over several lines) from one line;
/// `open` says whether a comment is still open from the lines before. A comment is a note to
/// the writer (the template's own notes are such comments) and never text of the report.
fn without_comments(line: &str, open: &mut bool) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        if *open {
            match rest.find("-->") {
                Some(end) => {
                    rest = &rest[end + 3..];
                    *open = false;
                }
                None => return out,
            }
        }
        match rest.find("<!--") {
            Some(start) => {
                out.push_str(&rest[..start]);
                rest = &rest[start + 4..];
                *open = true;
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

pub(crate) fn read_lines(source: &str, markdown: bool) -> Lines {
    let mut lines = Vec::new();
    let mut in_comment = false;
    for (i, raw) in source.lines().enumerate() {
        let mut text = raw.trim_end_matches(['\r', '\u{c}']).replace('\u{c}', "");
        if markdown {
            let had_comment = in_comment || text.contains("<!--");
            text = without_comments(&text, &mut in_comment);
            let only_comment = had_comment && text.trim().is_empty();
            if only_comment || md_separator_re().is_some_and(|re| re.is_match(&text)) {
                text.clear();
            } else {
                text = strip_markdown(&text);
            }
        }
        let footer = footer_re().is_some_and(|re| re.is_match(&text));
        lines.push(SourceLine {
            no: i + 1,
            text,
            footer,
        });
    }
    Lines { lines, markdown }
}

/// Removes Markdown that carries no words: heading marks, emphasis, block quotes, list bullets;
/// a pipe-table row becomes tab-separated cells.
fn strip_markdown(line: &str) -> String {
    let trimmed = line.trim();
    if trimmed.starts_with('|') && trimmed.ends_with('|') && trimmed.len() > 1 {
        let inner = &trimmed[1..trimmed.len() - 1];
        return inner
            .split('|')
            .map(|c| strip_emphasis(c.trim()))
            .collect::<Vec<_>>()
            .join("\t");
    }
    let mut t = trimmed;
    t = t.trim_start_matches('>').trim_start();
    let hashes = t.chars().take_while(|c| *c == '#').count();
    if hashes > 0 && t[hashes..].starts_with(' ') {
        t = t[hashes..].trim_start();
    }
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(bullet) {
            t = rest;
        }
    }
    strip_emphasis(t)
}

fn strip_emphasis(text: &str) -> String {
    text.replace("**", "").replace("__", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_comments_are_not_text() {
        let lines = read_lines(
            "甲<!-- 注 -->乙\n<!-- 多行\n注释 -->\n丙 <!-- a --> 丁 <!-- b\n-->戊\n",
            true,
        );
        let texts: Vec<&str> = lines.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["甲乙", "", "", "丙  丁", "戊"]);
        // In plain text the same characters are text.
        let plain = read_lines("<!-- 注 -->", false);
        assert_eq!(plain.lines[0].text, "<!-- 注 -->");
    }

    #[test]
    fn markdown_is_reduced_to_words() {
        let lines = read_lines(
            "# 一、总体情况\n**（一）主动公开情况。**2024年\n| 规章 | 1 | 0 | 11 |\n|---|---|---|---|\n- 1.重复申请",
            true,
        );
        let texts: Vec<&str> = lines.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "一、总体情况",
                "（一）主动公开情况。2024年",
                "规章\t1\t0\t11",
                "",
                "1.重复申请"
            ]
        );
    }

    #[test]
    fn page_footers_are_marked() {
        let lines = read_lines("正文\n   -4-\n— 5 —\n第 6 页\n2024", false);
        let footers: Vec<bool> = lines.lines.iter().map(|l| l.footer).collect();
        assert_eq!(footers, vec![false, true, true, true, false]);
    }
}
