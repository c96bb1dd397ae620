//! Body paragraphs, drawn by docx-rs once per shape and filled with each paragraph's text.
//!
//! A paragraph of the body is its shape (style, outline level, keep-with-next, and the face of
//! each run) and its texts. docx-rs and the post-processing pass give the same XML around the
//! texts for the same shape, so each shape is drawn once per process, with markers for the
//! texts, and kept as pieces; a paragraph is its shape's pieces joined with its texts, escaped.
//! The tables are made the same way ([`crate::table::TableTemplates`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use docx_rs::{BuildXML, Paragraph, Run, RunFonts};

use crate::DocxError;
use crate::package::{finish_in_body, text_marker};
use crate::table::{find, rfind};
use crate::typeset::Face;

/// The face of a run: the paragraph style's, or another Chinese face (a run-in heading in 楷体
/// or 黑体).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RunFace {
    Style,
    EastAsia(&'static str),
}

/// What a body paragraph is made of, its texts aside.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Shape {
    style: Option<&'static str>,
    outline_level: Option<usize>,
    keep_next: bool,
    runs: Vec<RunFace>,
}

/// A paragraph of the body: its shape and the text of each of its runs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Para {
    shape: Shape,
    texts: Vec<String>,
}

impl Para {
    /// A paragraph in the body style (正文), without runs.
    pub(crate) fn body() -> Para {
        Para::default()
    }

    /// A paragraph in a named paragraph style, without runs.
    pub(crate) fn styled(style: &'static str) -> Para {
        let mut para = Para::default();
        para.shape.style = Some(style);
        para
    }

    pub(crate) fn outline_level(mut self, level: usize) -> Para {
        self.shape.outline_level = Some(level);
        self
    }

    pub(crate) fn keep_next(mut self) -> Para {
        self.shape.keep_next = true;
        self
    }

    /// A run in the paragraph style's face and size.
    pub(crate) fn run(mut self, text: &str) -> Para {
        self.shape.runs.push(RunFace::Style);
        self.texts.push(text.to_string());
        self
    }

    /// A run in another Chinese face than the paragraph's.
    pub(crate) fn run_in_face(mut self, text: &str, face: &Face) -> Para {
        self.shape.runs.push(RunFace::EastAsia(face.name));
        self.texts.push(text.to_string());
        self
    }

    /// The paragraph's finished XML (`<w:p>…</w:p>`), appended to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), DocxError> {
        let template = template(&self.shape)?;
        for ((piece, tag), text) in template
            .pieces
            .iter()
            .zip(&template.text_tags)
            .zip(&self.texts)
        {
            out.extend_from_slice(piece);
            out.extend_from_slice(tag);
            let text_start = out.len();
            escape_text(text, out);
            if out.len() == text_start {
                // No text: an empty element, as the post-processing pass writes one.
                out.pop();
                out.extend_from_slice(b"/>");
            } else {
                out.extend_from_slice(b"</w:t>");
            }
        }
        if let Some(rest) = template.pieces.last() {
            out.extend_from_slice(rest);
        }
        Ok(())
    }
}

/// Writes a run's text escaped as docx-rs and the post-processing pass leave it (`&`, `<`, `>`,
/// quotes as entities; line breaks dropped — a paragraph's lines are paragraphs of their own), so
/// that a filled template is what docx-rs draws — except that characters XML does not allow
/// (other C0 controls, U+FFFE, U+FFFF) are left out too: docx-rs would write them, and Word
/// refuses a document holding one.
pub(crate) fn escape_text(text: &str, out: &mut Vec<u8>) {
    let mut buf = [0u8; 4];
    for c in text.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\'' => out.extend_from_slice(b"&apos;"),
            '\t' => out.push(b'\t'),
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
}

/// A shape's XML cut at its runs' text elements: `pieces[0]`, the first run's `w:t` start tag
/// (`text_tags[0]`), its text and `</w:t>`, `pieces[1]`, … , and `pieces[runs]` to the end.
struct Template {
    pieces: Vec<Vec<u8>>,
    text_tags: Vec<Vec<u8>>,
}

/// The template of a shape, drawn on first use and kept for the process (shapes do not depend on
/// the format).
fn template(shape: &Shape) -> Result<Arc<Template>, DocxError> {
    static TEMPLATES: OnceLock<Mutex<BTreeMap<Shape, Arc<Template>>>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(Mutex::default);
    if let Some(found) = templates
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(shape)
    {
        return Ok(Arc::clone(found));
    }
    // Drawn without holding the lock; a template another thread drew meanwhile is the same.
    let drawn = Arc::new(draw(shape)?);
    let mut templates = templates.lock().unwrap_or_else(|p| p.into_inner());
    Ok(Arc::clone(templates.entry(shape.clone()).or_insert(drawn)))
}

/// The shape as a docx-rs paragraph, run `n` holding `text(n)`.
fn build(shape: &Shape, text: impl Fn(usize) -> String) -> Paragraph {
    let mut paragraph = Paragraph::new();
    if let Some(style) = shape.style {
        paragraph = paragraph.style(style);
    }
    if let Some(level) = shape.outline_level {
        paragraph = paragraph.outline_lvl(level);
    }
    if shape.keep_next {
        paragraph = paragraph.keep_next(true);
    }
    for (n, face) in shape.runs.iter().enumerate() {
        let run = Run::new().add_text(text(n));
        paragraph = paragraph.add_run(match face {
            RunFace::Style => run,
            RunFace::EastAsia(name) => run.fonts(RunFonts::new().east_asia(*name)),
        });
    }
    paragraph
}

/// Draws a shape with docx-rs, markers for its texts, puts it through the post-processing pass,
/// and cuts the paragraph's XML at the markers' text elements.
fn draw(shape: &Shape) -> Result<Template, DocxError> {
    let finished = finish_in_body(&build(shape, text_marker).build(), &[])?;
    let xml = finished.as_slice();
    let broken = |why: &str| DocxError::Internal(format!("段落版式无法生成：{why}"));
    let mut template = Template {
        pieces: Vec::with_capacity(shape.runs.len() + 1),
        text_tags: Vec::with_capacity(shape.runs.len()),
    };
    let mut at = 0;
    for n in 0..shape.runs.len() {
        let marker = text_marker(n);
        let text = find(xml, marker.as_bytes(), at).ok_or_else(|| broken("文字标记缺失"))?;
        let before = xml.get(at..text).unwrap_or_default();
        let tag = rfind(before, b"<w:t").ok_or_else(|| broken("文字不在 w:t 中"))?;
        let after = text + marker.len();
        if !xml.get(after..).unwrap_or_default().starts_with(b"</w:t>") {
            return Err(broken("w:t 中不止有文字"));
        }
        template.pieces.push(before[..tag].to_vec());
        template.text_tags.push(before[tag..].to_vec());
        at = after + b"</w:t>".len();
    }
    template
        .pieces
        .push(xml.get(at..).unwrap_or_default().to_vec());
    Ok(template)
}

/// The paragraph as docx-rs draws it with its texts (before the post-processing pass): what the
/// templates must reproduce.
#[cfg(test)]
pub(crate) fn drawn_with_texts(para: &Para) -> Vec<u8> {
    build(&para.shape, |n| {
        para.texts.get(n).cloned().unwrap_or_default()
    })
    .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typeset::{KAITI, STYLE_HEADING_2};

    /// The paragraph as docx-rs draws it with its texts, through the same pass.
    fn drawn_directly(para: &Para) -> Vec<u8> {
        finish_in_body(&drawn_with_texts(para), &[]).unwrap()
    }

    #[test]
    fn a_filled_template_is_the_paragraph_docx_rs_draws() {
        let paragraphs = [
            Para::body(),
            Para::body().run("全年主动公开政府信息1200余条。"),
            Para::styled(STYLE_HEADING_2).run("（二）依申请公开"),
            Para::body()
                .outline_level(1)
                .run_in_face("（一）主动公开情况。", &KAITI)
                .run("本年制发规范性文件8件，废止3件。"),
            Para::body().keep_next().run_in_face("1.", &KAITI),
            Para::body().run("A&B <规定> \"引号\" '单引号'"),
            Para::styled(STYLE_HEADING_2).run("两行\n标题\r\t制表"),
            Para::body()
                .run_in_face("", &KAITI)
                .run("run-in heading left empty"),
            Para::body().run(""),
        ];
        for para in &paragraphs {
            let mut filled = Vec::new();
            para.write(&mut filled).unwrap();
            assert_eq!(
                String::from_utf8(filled).unwrap(),
                String::from_utf8(drawn_directly(para)).unwrap(),
                "{para:?}"
            );
        }
        // The same shape with other texts fills the template kept from its first use.
        let shape = &Para::body().run("另一段文字。").shape;
        assert!(Arc::ptr_eq(
            &template(shape).unwrap(),
            &template(shape).unwrap()
        ));
    }

    #[test]
    fn characters_xml_does_not_allow_are_left_out() {
        // docx-rs would write them (a draft in HTML, or a DOCX with character references, can
        // hold them), and Word refuses a document holding one.
        let mut filled = Vec::new();
        Para::body()
            .run("控制\u{1}字符\u{b}\u{1b}[31m\u{FFFF}")
            .write(&mut filled)
            .unwrap();
        let mut clean = Vec::new();
        Para::body().run("控制字符[31m").write(&mut clean).unwrap();
        assert_eq!(filled, clean);
        // A text of nothing else is an empty text.
        let mut filled = Vec::new();
        Para::body().run("\u{1}\u{2}").write(&mut filled).unwrap();
        assert_eq!(filled, drawn_directly(&Para::body().run("")));
    }
}
