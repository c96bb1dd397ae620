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
use quick_xml::escape::escape;

use crate::DocxError;
use crate::package::normalize_part;
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
        let mut pieces = template.pieces.iter();
        if let Some(first) = pieces.next() {
            out.extend_from_slice(first);
        }
        for (piece, text) in pieces.zip(&self.texts) {
            out.extend_from_slice(escape(text.as_str()).as_bytes());
            out.extend_from_slice(piece);
        }
        Ok(())
    }
}

/// A shape's XML cut at its texts: `pieces[0]`, text 1, `pieces[1]`, … , `pieces[runs]`.
struct Template {
    pieces: Vec<Vec<u8>>,
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

/// The text standing for run `n` while a shape is drawn: private-use characters no XML
/// processing touches.
fn marker(n: usize) -> String {
    format!("\u{E000}{n}\u{E001}")
}

/// Draws a shape with docx-rs, markers for its texts, puts it through the post-processing pass,
/// and cuts the paragraph's XML at the markers.
fn draw(shape: &Shape) -> Result<Template, DocxError> {
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
        let run = Run::new().add_text(marker(n));
        paragraph = paragraph.add_run(match face {
            RunFace::Style => run,
            RunFace::EastAsia(name) => run.fonts(RunFonts::new().east_asia(*name)),
        });
    }
    let mut wrapped = b"<w:document><w:body>".to_vec();
    wrapped.extend_from_slice(&paragraph.build());
    wrapped.extend_from_slice(b"</w:body></w:document>");
    let normalized = normalize_part(&wrapped, &[])?;
    let broken = |why: &str| DocxError::Internal(format!("段落版式无法生成：{why}"));
    let start =
        find(&normalized, b"<w:body>", 0).ok_or_else(|| broken("没有 w:body"))? + b"<w:body>".len();
    let end = rfind(&normalized, b"</w:body>").ok_or_else(|| broken("w:body 未结束"))?;
    let xml = normalized
        .get(start..end)
        .ok_or_else(|| broken("w:body 为空"))?;
    let mut pieces = Vec::with_capacity(shape.runs.len() + 1);
    let mut at = 0;
    for n in 0..shape.runs.len() {
        let marker = marker(n);
        let found = find(xml, marker.as_bytes(), at).ok_or_else(|| broken("文字标记缺失"))?;
        pieces.push(xml[at..found].to_vec());
        at = found + marker.len();
    }
    pieces.push(xml[at..].to_vec());
    Ok(Template { pieces })
}

/// The paragraph as docx-rs draws it with its texts, in a document body (before the
/// post-processing pass): what the templates must reproduce.
#[cfg(test)]
pub(crate) fn raw_xml(para: &Para) -> Vec<u8> {
    let mut paragraph = Paragraph::new();
    if let Some(style) = para.shape.style {
        paragraph = paragraph.style(style);
    }
    if let Some(level) = para.shape.outline_level {
        paragraph = paragraph.outline_lvl(level);
    }
    if para.shape.keep_next {
        paragraph = paragraph.keep_next(true);
    }
    for (face, text) in para.shape.runs.iter().zip(&para.texts) {
        let run = Run::new().add_text(text);
        paragraph = paragraph.add_run(match face {
            RunFace::Style => run,
            RunFace::EastAsia(name) => run.fonts(RunFonts::new().east_asia(*name)),
        });
    }
    let mut wrapped = b"<w:document><w:body>".to_vec();
    wrapped.extend_from_slice(&paragraph.build());
    wrapped.extend_from_slice(b"</w:body></w:document>");
    wrapped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typeset::{KAITI, STYLE_HEADING_2};

    /// The paragraph as docx-rs draws it with its texts, through the same pass.
    fn drawn_directly(para: &Para) -> Vec<u8> {
        let normalized = normalize_part(&raw_xml(para), &[]).unwrap();
        let start = find(&normalized, b"<w:body>", 0).unwrap() + b"<w:body>".len();
        let end = rfind(&normalized, b"</w:body>").unwrap();
        normalized[start..end].to_vec()
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
        // An empty text is an empty element, as docx-rs's `<w:t xml:space="preserve"/>` is.
        let mut filled = Vec::new();
        Para::body().run("").write(&mut filled).unwrap();
        assert_eq!(
            String::from_utf8(filled).unwrap(),
            "<w:p><w:pPr/><w:r><w:t xml:space=\"preserve\"></w:t></w:r></w:p>"
        );
        // Each shape was drawn once: the same shape with other texts uses the kept template.
        let again = Para::body().run("另一段文字。");
        let mut filled = Vec::new();
        again.write(&mut filled).unwrap();
        assert_eq!(filled, drawn_directly(&again));
    }
}
