//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, and the GBK/GB18030 text that
//! Chinese offices' older tools still write. Anything else is refused, never shown as mojibake.

use std::sync::OnceLock;

use encoding_rs::{Encoding, GB18030, UTF_8};
use regex::bytes::Regex;

use crate::DocError;

/// Decodes a text or Markdown file.
pub(crate) fn decode_text(file: &str, bytes: &[u8]) -> Result<String, DocError> {
    let text = decode_with_fallback(file, bytes, None)?;
    if text.trim().is_empty() {
        return Err(DocError::Empty {
            file: file.to_string(),
        });
    }
    Ok(text)
}

/// Decodes an HTML page: the BOM, then the `<meta charset>` it declares, then UTF-8, then GBK.
pub(crate) fn decode_html(file: &str, bytes: &[u8]) -> Result<String, DocError> {
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
) -> Result<String, DocError> {
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

/// Refuses binary data that happens to decode: text files hold no control characters other
/// than tab, line breaks and form feed.
fn checked(text: String) -> Option<String> {
    let binary = text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'));
    (!binary).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_text_is_read() {
        let (bytes, _, _) = GB18030.encode("一、总体情况\n2024年，本机关");
        let text = decode_text("草稿.txt", &bytes).unwrap();
        assert_eq!(text, "一、总体情况\n2024年，本机关");
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
        let text = decode_html("页面.html", &body).unwrap();
        assert!(text.contains("规章"));
    }
}
