//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, and the GBK/GB18030 text that
//! Chinese offices' older tools still write. Anything else is refused, never shown as mojibake.
//!
//! A few control characters in otherwise good text (a vertical tab from Word's Shift+Enter, an
//! ESC or NUL pasted from another program) are dropped, and said once ([`Dropped`]); text where
//! they are a sizeable share of the characters is binary data or UTF-16 without its mark, and is
//! refused as before. Tab, line breaks and form feed (pdftotext's page break) are kept.
//!
//! A copy in traditional characters (a mirror site converts a mainland report) is read in
//! simplified characters, converted character for character (lines and places stay), and said
//! once ([`Traditional`]): every label, heading and title of the format is simplified, and the
//! filed report must be too. A few traditional characters in a simplified page (a logo's
//! `開`) change nothing.

use std::sync::OnceLock;

use encoding_rs::{Encoding, GB18030, UTF_8};
use regex::bytes::Regex;

use crate::DocError;

/// Decoded text, and the control characters that were dropped from it.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub text: String,
    pub dropped: Option<Dropped>,
    pub traditional: Option<Traditional>,
}

/// A text written in traditional characters, converted to simplified: how many characters
/// changed, a few of them as written and as read, and the line of the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Traditional {
    pub count: usize,
    pub examples: Vec<(char, char)>,
    pub first_line: usize,
    /// Where the first converted character stands, when the text was not read by lines (a
    /// DOCX paragraph or table).
    pub place: Option<nianbao_model::Location>,
}

/// A text is in traditional characters when at least this many of its characters, and
/// [`TRADITIONAL_SHARE`] of its Chinese characters, are traditional forms.
const TRADITIONAL_MIN: usize = 12;
/// One in ten: running traditional text changes about a third of its characters, a simplified
/// text none or a stray few.
const TRADITIONAL_SHARE: usize = 10;

/// The text in simplified characters, when it is written in traditional ones.
fn simplified(text: &str) -> Option<(String, Traditional)> {
    let converted = fast2s::convert(text);
    let han = text
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    let mut count = 0usize;
    let mut examples: Vec<(char, char)> = Vec::new();
    let mut first_line = None;
    let mut line = 1usize;
    for (written, read) in text.chars().zip(converted.chars()) {
        if written == '\n' {
            line += 1;
        }
        if written != read {
            count += 1;
            first_line.get_or_insert(line);
            if examples.len() < 5 && !examples.iter().any(|(w, _)| *w == written) {
                examples.push((written, read));
            }
        }
    }
    // The conversion is character for character; a text it would lengthen is left as it is.
    let same_length = text.chars().count() == converted.chars().count();
    (same_length && count >= TRADITIONAL_MIN && count * TRADITIONAL_SHARE >= han).then(|| {
        (
            converted,
            Traditional {
                count,
                examples,
                first_line: first_line.unwrap_or(1),
                place: None,
            },
        )
    })
}

/// Control characters dropped from a text: how many, and the first one with its line (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dropped {
    pub count: usize,
    pub first: char,
    pub first_line: usize,
}

impl Dropped {
    /// The first character as people know it (`垂直制表符（U+000B）`).
    pub fn first_name(&self) -> String {
        let name = match self.first {
            '\u{0}' => "空字符 NUL",
            '\u{b}' => "垂直制表符",
            '\u{1b}' => "转义符 ESC",
            '\u{7f}' => "删除符 DEL",
            '\u{8}' => "退格符",
            _ => "控制字符",
        };
        format!("{name}（U+{:04X}）", self.first as u32)
    }
}

/// A DOCX document's paragraphs and table cells in simplified characters, when they are
/// written in traditional ones (the same test and conversion as for a text): converted in
/// place, and what was converted.
pub(crate) fn simplify_blocks(blocks: &mut [crate::structure::Block]) -> Option<Traditional> {
    use crate::structure::Block;
    let mut all = String::new();
    for block in blocks.iter() {
        match block {
            Block::Para(p) | Block::TitleHint(p) => all.push_str(&p.text),
            Block::Table(grid) => grid.cells.iter().for_each(|c| all.push_str(&c.text)),
        }
        all.push('\n');
    }
    let (_, mut traditional) = simplified(&all)?;
    // Whether the text changed. Character for character, as the test above: a text the
    // conversion would lengthen stays.
    let convert = |text: &mut String| {
        let converted = fast2s::convert(text);
        let changed = converted != *text && converted.chars().count() == text.chars().count();
        if changed {
            *text = converted;
        }
        changed
    };
    for block in blocks.iter_mut() {
        match block {
            Block::Para(p) | Block::TitleHint(p) => {
                if convert(&mut p.text) && traditional.place.is_none() {
                    traditional.place = Some(p.loc.clone());
                }
            }
            Block::Table(grid) => grid.cells.iter_mut().for_each(|c| {
                convert(&mut c.text);
            }),
        }
    }
    Some(traditional)
}

/// Decodes a text or Markdown file.
pub(crate) fn decode_text(file: &str, bytes: &[u8]) -> Result<Decoded, DocError> {
    let decoded = decode_with_fallback(file, bytes, None)?;
    if decoded.text.trim().is_empty() {
        return Err(DocError::Empty {
            file: file.to_string(),
        });
    }
    Ok(decoded)
}

/// Decodes an HTML page: the BOM, then the `<meta charset>` it declares, then UTF-8, then GBK.
pub(crate) fn decode_html(file: &str, bytes: &[u8]) -> Result<Decoded, DocError> {
    static META: OnceLock<Option<Regex>> = OnceLock::new();
    let meta = META.get_or_init(|| {
        Regex::new(r#"(?i)<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_\-]+)"#).ok()
    });
    let head = &bytes[..bytes.len().min(4096)];
    let declared = meta
        .as_ref()
        .and_then(|re| re.captures(head))
        .and_then(|c| c.get(1))
        .and_then(|m| Encoding::for_label(m.as_bytes()));
    decode_with_fallback(file, bytes, declared)
}

fn decode_with_fallback(
    file: &str,
    bytes: &[u8],
    declared: Option<&'static Encoding>,
) -> Result<Decoded, DocError> {
    let refuse = || DocError::Encoding {
        file: file.to_string(),
    };
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or_default();
        let (text, had_errors) = encoding.decode_without_bom_handling(rest);
        return if had_errors {
            Err(refuse())
        } else {
            checked(text.into_owned()).ok_or_else(refuse)
        };
    }
    let mut candidates: Vec<&'static Encoding> = Vec::new();
    if let Some(d) = declared {
        candidates.push(d);
    }
    candidates.push(UTF_8);
    // GB18030 is a superset of GBK and GB2312: one decoder reads all three.
    candidates.push(GB18030);
    for encoding in candidates {
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        if !had_errors && let Some(text) = checked(text.into_owned()) {
            return Ok(text);
        }
    }
    Err(refuse())
}

/// A character text files hold only by accident.
fn is_stray_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')
}

/// Refuses binary data that happens to decode (control characters more than one in eight of
/// its characters), and drops the few control characters of a real text.
fn checked(text: String) -> Option<Decoded> {
    let mut total = 0usize;
    let mut dropped: Option<Dropped> = None;
    let mut line = 1usize;
    for c in text.chars() {
        total += 1;
        if c == '\n' {
            line += 1;
        } else if is_stray_control(c) {
            match &mut dropped {
                Some(d) => d.count += 1,
                None => {
                    dropped = Some(Dropped {
                        count: 1,
                        first: c,
                        first_line: line,
                    })
                }
            }
        }
    }
    let text = match dropped {
        None => text,
        Some(d) if d.count.saturating_mul(8) > total => return None,
        Some(_) => text.chars().filter(|c| !is_stray_control(*c)).collect(),
    };
    let (text, traditional) = match simplified(&text) {
        Some((converted, traditional)) => (converted, Some(traditional)),
        None => (text, None),
    };
    Some(Decoded {
        text,
        dropped,
        traditional,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_text_is_read() {
        let (bytes, _, _) = GB18030.encode("一、总体情况\n2024年，本机关");
        let decoded = decode_text("草稿.txt", &bytes).unwrap();
        assert_eq!(decoded.text, "一、总体情况\n2024年，本机关");
        assert_eq!(decoded.dropped, None);
    }

    #[test]
    fn binary_is_refused() {
        let bytes: Vec<u8> = (0u8..=255).cycle().take(600).collect();
        let err = decode_text("乱码.txt", &bytes).unwrap_err().to_string();
        assert!(err.contains("乱码.txt") && err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn html_meta_charset_is_honoured() {
        let (body, _, _) =
            GB18030.encode("<html><head><meta charset=\"gb2312\"></head><body>规章</body></html>");
        let decoded = decode_html("页面.html", &body).unwrap();
        assert!(decoded.text.contains("规章"));
    }

    #[test]
    fn a_few_control_characters_are_dropped_and_told() {
        let text = "一、总体情况\n本机关\u{b}全年\u{1b}主动公开\u{7f}政府信息\u{0}一千余条。\t完\n";
        let decoded = decode_text("草稿.txt", text.as_bytes()).unwrap();
        assert_eq!(
            decoded.text,
            "一、总体情况\n本机关全年主动公开政府信息一千余条。\t完\n"
        );
        let dropped = decoded.dropped.unwrap();
        assert_eq!((dropped.count, dropped.first_line), (4, 2));
        assert_eq!(dropped.first_name(), "垂直制表符（U+000B）");
    }

    #[test]
    fn a_traditional_copy_is_read_in_simplified_characters() {
        let text = "第二十條第(一)項\n信息內容 | 本年新製作數量 | 對外公開總數量\n規章 | 0 | 0\n規範性檔案 | 2 | 19\n行政許可 | 8 | 93\n現將我局2020年度政府信息公開情況報告如下。\n";
        let decoded = decode_text("繁体.txt", text.as_bytes()).unwrap();
        assert!(
            decoded
                .text
                .starts_with("第二十条第(一)项\n信息内容 | 本年新制作数量"),
            "{}",
            decoded.text
        );
        assert_eq!(decoded.text.lines().count(), text.lines().count());
        let traditional = decoded.traditional.unwrap();
        assert_eq!(traditional.first_line, 1);
        assert_eq!(traditional.examples.first(), Some(&('條', '条')));
    }

    #[test]
    fn a_traditional_docx_is_read_in_simplified_characters() {
        use crate::structure::{Block, Grid, GridCell, Para};
        let para = |text: &str, n: usize| {
            Block::Para(Para {
                text: text.into(),
                loc: nianbao_model::Location::paragraph("繁体.docx", n),
            })
        };
        let mut blocks = vec![
            para("武漢市生態環境局2020年政府信息公開工作年度報告", 1),
            para(
                "根據市政務服務和大數據管理局轉發的通知有關要求，現將我局2020年度政府信息公開情況報告如下。",
                2,
            ),
            Block::Table(Grid {
                index: 1,
                slots: vec![vec![Some(0), Some(1)]],
                cells: vec![
                    GridCell {
                        r: 0,
                        c: 0,
                        rowspan: 1,
                        text: "規範性檔案".into(),
                    },
                    GridCell {
                        r: 0,
                        c: 1,
                        rowspan: 1,
                        text: "2".into(),
                    },
                ],
                lines: Vec::new(),
            }),
        ];
        let traditional = simplify_blocks(&mut blocks).unwrap();
        assert_eq!(
            traditional.place,
            Some(nianbao_model::Location::paragraph("繁体.docx", 1))
        );
        let texts: Vec<String> = blocks
            .iter()
            .map(|b| match b {
                Block::Para(p) | Block::TitleHint(p) => p.text.clone(),
                Block::Table(g) => g.cells.iter().map(|c| c.text.clone()).collect(),
            })
            .collect();
        assert_eq!(texts[0], "武汉市生态环境局2020年政府信息公开工作年度报告");
        assert_eq!(texts[2], "规范性档案2");
    }

    #[test]
    fn a_simplified_text_with_a_stray_traditional_character_stays_as_written() {
        let text =
            "一、总体情况\n本机关全年主动公开政府信息一千余条，網站栏目运行正常。\n".repeat(3);
        let decoded = decode_text("简体.txt", text.as_bytes()).unwrap();
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.traditional, None);
    }

    #[test]
    fn utf16_without_its_mark_is_still_refused() {
        let bytes: Vec<u8> = "annual report text"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(decode_text("无标记.txt", &bytes).is_err());
    }
}
