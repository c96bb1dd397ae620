//! The filing document of nianbao (年报): a DOCX of the 政府信息公开工作年度报告 typeset to
//! GB/T 9704-2012, and the draft skeleton that `nianbao init` hands to an office.
//!
//! What the document holds, in order: the title (方正小标宋简体 二号, on two centred lines —
//! 机关名称 / `2024年政府信息公开工作年度报告` — unless it fits one line of 20 characters), the
//! opening paragraph, the six parts under their official headings (`PartSpec::full_heading`,
//! never the wording a draft used), the statistics tables after parts 二, 三 and 四, and the
//! 落款 (`nianbao_model::draft::closing_lines`, the format's `closing.j2`) when the date is known,
//! the draft has a closing or the format asks for one. The opening, when the draft has none, is
//! the format's `opening.j2`.
//!
//! Typesetting: A4, margins 37/35/28/26 mm, body 仿宋_GB2312 三号 with a two-character
//! first-line indent and exact 28 pt lines, `一、` headings 黑体, `（一）` headings 楷体_GB2312,
//! Latin and digits in Times New Roman, all text black; tables 宋体 (小四 up to four columns,
//! 五号 beyond) on a fixed grid of 156 mm with the official merges, header rows repeated across
//! pages and rows that never split; page numbers `— 1 —` in 四号 宋体, odd pages right and
//! even pages left. The official faces are named; the font table gives each a fallback
//! (`w:altName`: 仿宋, 楷体, 宋体) for machines without them. This formatting lives in named
//! paragraph styles (正文, 标题, 标题 1, 标题 2, 表格文字, 落款, 页脚), so an office editing the
//! filing copy keeps it by choosing a style.
//!
//! Values print exactly as held (`96171.6`, `3119`); a missing value prints as an empty cell,
//! never as 0: the validator has already warned about it, and the document must not state a
//! figure the office did not give.
//!
//! Output is byte-identical for the same input: docx-rs draws the document, and a
//! post-processing pass (module `package`) puts properties in schema order, removes docx-rs's
//! process-global ids, adds what docx-rs cannot write, and zips with a fixed order and
//! timestamp. What depends on the format or the typesetting alone is drawn and post-processed
//! once and filled for each report: the tables with their values (module `table`), each shape of
//! paragraph with its texts (module `para`). An office's own Word template ([`reference`](mod@reference)) gives
//! the page setup, the named styles and the headers and footers. [`render`] converts DOCX files
//! to PDF with LibreOffice (`--pdf`) and PDFs to PNG pages and text.

mod package;
mod para;
pub mod reference;
pub mod render;
mod table;
mod typeset;
mod xmltree;

use std::sync::Arc;

use docx_rs::{BuildXML, Footer, PageMargin, PageSize, Paragraph as DocxParagraph};
use nianbao_model::draft::{self, OutlineKind};
use nianbao_model::format::PartSpec;
use nianbao_model::template::{self, TemplateError};
use nianbao_model::{Format, Metadata, Paragraph, ParagraphLevel, Report};

use crate::para::Para;
pub use crate::reference::ReferenceDocx;
use crate::reference::SectionPart;
use crate::typeset::{
    KAITI, blank_line, body_paragraph, closing_line, heading_face, part_heading, sub_heading,
    title_line, with_heading_run,
};

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// A template of the format (opening paragraph, 落款, draft outline) could not be expanded.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The DOCX package could not be assembled.
    #[error("生成 DOCX 文件失败：{0}")]
    Package(String),
    /// The post-processing pass met XML it could not read (a defect, not a user error).
    #[error("生成 DOCX 文件时内部处理出错：{0}")]
    Internal(String),
    /// The office's reference DOCX cannot be used.
    #[error("本单位模板“{file}”无法使用：{reason}")]
    Reference { file: String, reason: String },
    /// Rendering with LibreOffice or poppler failed.
    #[error("排版预览失败：{0}")]
    Render(String),
}

/// Options for writing the document.
#[derive(Debug, Clone)]
pub struct DocxOptions {
    /// Name a fallback face for each official face in the font table (`仿宋_GB2312` → `仿宋`),
    /// so machines without the official faces still show Chinese text in a similar style.
    /// Default: true.
    pub fallback_fonts: bool,
    /// The office's own Word template: page setup, named styles, headers and footers
    /// ([`reference`](mod@reference)). Default: none (GB/T 9704 as built in).
    pub reference: Option<Arc<ReferenceDocx>>,
}

impl Default for DocxOptions {
    fn default() -> Self {
        DocxOptions {
            fallback_fonts: true,
            reference: None,
        }
    }
}

/// The filing DOCX of a report under a format. Byte-identical for the same input.
pub fn write_report_docx(
    format: &Format,
    report: &Report,
    options: &DocxOptions,
) -> Result<Vec<u8>, DocxError> {
    let mut doc = Document::new(format, &report.meta);
    doc.title();
    if report.opening.is_empty() {
        let context = template::template_context(format, report.template_context());
        if let Some(text) = format.render_template(template::OPENING, &context)? {
            doc.body_text(&text);
        }
    } else {
        for p in &report.opening {
            doc.paragraph(p);
        }
    }
    let mut parts: Vec<&PartSpec> = format.parts.iter().collect();
    parts.sort_by_key(|p| p.number);
    for part in parts {
        doc.push(part_heading(&part.full_heading()));
        if let Some(text) = report.part(part.number) {
            for p in &text.paragraphs {
                doc.paragraph(p);
            }
        }
        if let Some(spec) = part.table.as_deref().and_then(|id| format.table(id)) {
            doc.table(spec, Some(report));
        }
    }
    doc.closing(&draft::closing_lines(format, report)?);
    doc.finish(options)
}

/// The DOCX draft for `nianbao init`: the lines of the format's draft outline
/// ([`draft::draft_outline`], the same the Markdown draft is made of) in the filing document's
/// typesetting — title, notes and text as body paragraphs, part headings, `（一）` sub-headings,
/// the 落款.
pub fn write_draft_skeleton(format: &Format, meta: &Metadata) -> Result<Vec<u8>, DocxError> {
    let mut doc = Document::new(format, meta);
    let mut closing = Vec::new();
    for line in draft::draft_outline(format, meta)? {
        match line.kind {
            OutlineKind::Title => doc.title(),
            OutlineKind::Part => doc.push(part_heading(&line.text)),
            OutlineKind::SubHeading => {
                doc.paragraph(&Paragraph::heading(ParagraphLevel::Sub1, line.text))
            }
            OutlineKind::Note | OutlineKind::Text => doc.body_text(&line.text),
            OutlineKind::Closing => closing.push(line.text),
        }
    }
    doc.closing(&closing);
    doc.finish(&DocxOptions::default())
}

/// A starting reference DOCX (`nianbao init --reference-docx`): a short document in nianbao's
/// own page setup, styles and page-number footers, one paragraph in each named style saying
/// what it is for, for an office to change in Word or WPS (修改样式, 页面设置, 页眉) and give back
/// as `--reference-docx`.
pub fn write_reference_template(format: &Format) -> Result<Vec<u8>, DocxError> {
    let meta = Metadata {
        org: "（机关名称）".to_string(),
        year: 2024,
        ..Metadata::default()
    };
    let mut doc = Document::new(format, &meta);
    doc.push(title_line("本单位模板（标题）"));
    doc.push(blank_line());
    doc.body_text(
        "本文件是 nianbao 的参考模板（正文）。请在 Word 或 WPS 中修改下列样式（开始 › 样式 › 修改）、页面设置和页眉页脚，保存后在生成报告时加 --reference-docx 本文件，或在 report.toml 中写 reference_docx = \"本文件名.docx\"。报告的结构、表格和数值不受模板影响；模板中没有设置的，仍按 GB/T 9704 排版。",
    );
    doc.push(part_heading("一、标题 1：部分标题（黑体）"));
    doc.push(sub_heading("（一）标题 2：小标题（楷体）"));
    doc.body_text("正文：仿宋_GB2312 三号，首行缩进两字，行距固定值 28 磅。");
    doc.push(
        Para::styled(typeset::STYLE_TABLE).run("表格文字：统计表单元格中的文字（宋体小四）。"),
    );
    doc.push(
        Para::styled(typeset::STYLE_TABLE_SMALL)
            .run("表格文字（五号）：列数较多的统计表（表三）中的文字。"),
    );
    doc.closing(&["落款：机关名称".to_string(), "2025年1月16日".to_string()]);
    doc.finish(&DocxOptions::default())
}

/// The document being built: the body's finished XML, paragraph by paragraph and table by table
/// (both made from templates: [`para`], [`table::TableTemplates`]), and the section (page size
/// and margins) docx-rs writes around it. Only the section and the footers come from docx-rs
/// directly; the package's other parts are written by `package`.
struct Document<'a> {
    format: &'a Format,
    meta: &'a Metadata,
    section: docx_rs::Document,
    /// The body's content, finished XML in document order.
    content: Vec<u8>,
    /// The first problem met while making a paragraph or table (a defect, reported by `finish`).
    error: Option<DocxError>,
}

impl<'a> Document<'a> {
    fn new(format: &'a Format, meta: &'a Metadata) -> Document<'a> {
        let section = docx_rs::Document::new()
            .page_size(PageSize::new().size(typeset::PAGE_WIDTH, typeset::PAGE_HEIGHT))
            .page_margin(
                PageMargin::new()
                    .top(typeset::MARGIN_TOP)
                    .bottom(typeset::MARGIN_BOTTOM)
                    .left(typeset::MARGIN_LEFT)
                    .right(typeset::MARGIN_RIGHT)
                    .header(typeset::HEADER_DISTANCE)
                    .footer(typeset::FOOTER_DISTANCE)
                    .gutter(0),
            );
        Document {
            format,
            meta,
            section,
            content: Vec::new(),
            error: None,
        }
    }

    fn push(&mut self, p: Para) {
        if let Err(e) = p.write(&mut self.content) {
            self.error.get_or_insert(e);
        }
    }

    /// The title on one line when it is short, else 机关名称 / second line; then a blank line.
    fn title(&mut self) {
        let year = self.meta.year;
        let full = self.format.title(&self.meta.org, year);
        if typeset::display_width(&full) <= typeset::TITLE_ONE_LINE_MAX
            || self.meta.org.trim().is_empty()
        {
            self.push(title_line(&full));
        } else {
            self.push(title_line(&self.meta.org));
            self.push(title_line(&self.format.title_second_line(year)));
        }
        self.push(blank_line());
    }

    /// Body text; a line break in the text starts a new paragraph (one `w:p` per paragraph).
    fn body_text(&mut self, text: &str) {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            self.push(body_paragraph().run(line));
        }
    }

    /// A paragraph of the report: a `（一）` heading line in 标题 2; otherwise a body paragraph
    /// whose run-in heading takes the face of its level and whose text is 仿宋.
    fn paragraph(&mut self, p: &Paragraph) {
        let mut first = true;
        let lines: Vec<&str> = p.text.lines().collect();
        let lines = if lines.is_empty() { vec![""] } else { lines };
        for line in lines {
            let run_in = if first { p.run_in.as_deref() } else { None };
            first = false;
            if line.trim().is_empty() && run_in.is_none_or(|r| r.trim().is_empty()) {
                continue;
            }
            if p.level == ParagraphLevel::Sub1 && run_in.is_none() {
                self.push(sub_heading(line));
                continue;
            }
            let mut para = body_paragraph();
            if p.level == ParagraphLevel::Sub1 {
                para = para.outline_level(1);
            }
            if p.level != ParagraphLevel::Body && run_in.is_none() {
                para = para.keep_next();
            }
            if let Some(heading) = run_in {
                let face = match p.level {
                    ParagraphLevel::Sub1 => &KAITI,
                    ParagraphLevel::Sub2 | ParagraphLevel::Sub3 => &typeset::FANGSONG,
                    ParagraphLevel::Body => heading_face(heading),
                };
                para = with_heading_run(para, heading, face);
            }
            if !line.is_empty() {
                para = para.run(line);
            }
            self.push(para);
        }
    }

    /// A statistics table: its XML made from the format's template and the report's values.
    fn table(&mut self, spec: &nianbao_model::format::TableSpec, report: Option<&Report>) {
        match table::TableTemplates::of(self.format).fill(spec, report) {
            Ok(xml) => self.content.extend_from_slice(&xml),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }

    /// The 落款 lines, right-aligned, after a blank line.
    fn closing(&mut self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        self.push(blank_line());
        for line in lines {
            self.push(closing_line(line));
        }
    }

    fn finish(self, options: &DocxOptions) -> Result<Vec<u8>, DocxError> {
        let (odd, even) = typeset::page_number_footers(self.format.page_number);
        // Footers in the order of their relationship ids (`footer1.xml` is the default footer).
        let footers: Vec<Footer> = std::iter::once(odd).chain(even).collect();
        // The section with one marker paragraph where the content goes.
        let mut body = self
            .section
            .add_paragraph(DocxParagraph::new().style(CONTENT_MARKER));
        for (i, footer) in footers.iter().enumerate() {
            let rid = docx_rs::create_footer_rid(i + 1);
            body = if i == 0 {
                body.footer(footer.clone(), &rid)
            } else {
                body.even_footer(footer.clone(), &rid)
            };
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut section = package::normalize_part(&body.build(), &[])?;
        let mut footer_parts: Vec<SectionPart> = footers
            .iter()
            .zip(["default", "even"])
            .map(|(f, kind)| {
                Ok(SectionPart {
                    kind: kind.to_string(),
                    xml: package::normalize_part(&f.build(), &[])?,
                    rels: None,
                })
            })
            .collect::<Result<_, DocxError>>()?;
        let mut header_parts: Vec<SectionPart> = Vec::new();
        let mut media: &[reference::Media] = &[];
        let mut style_definitions = typeset::style_definitions();
        if let Some(reference) = &options.reference {
            // The office's footers replace the page numbers only when it has footers.
            if reference.has_footers() {
                footer_parts = reference.footers.clone();
            }
            header_parts = reference.headers.clone();
            media = &reference.media;
            style_definitions = reference.apply_to_styles(&style_definitions)?;
            section = reference.apply_to_section(&section, &header_parts, &footer_parts)?;
        }
        let even_and_odd = footer_parts
            .iter()
            .chain(&header_parts)
            .any(|p| p.kind == "even");
        let document = put_content(section, &self.content)?;
        let title = self.format.title(&self.meta.org, self.meta.year);
        let timestamp = document_timestamp(self.meta);
        package::assemble(
            &package::PackageInfo {
                title: &title,
                creator: &self.meta.org,
                timestamp: &timestamp,
                even_and_odd,
                fallback_fonts: options.fallback_fonts,
                faces: &typeset::ALL_FACES,
            },
            document,
            &package::Parts {
                headers: &header_parts,
                footers: &footer_parts,
                media,
                style_definitions: &style_definitions,
            },
        )
    }
}

/// The paragraph style id of the marker paragraph standing for the content in the section. The
/// section holds no report text (the content is put in after), so the marker is found once.
const CONTENT_MARKER: &str = "nianbao-content";

/// Replaces the marker paragraph in the finished section with the content.
fn put_content(document: Vec<u8>, content: &[u8]) -> Result<Vec<u8>, DocxError> {
    let missing = || DocxError::Internal("正文内容的位置标记未找到".to_string());
    let style = format!("w:val=\"{CONTENT_MARKER}\"");
    let found = table::find(&document, style.as_bytes(), 0).ok_or_else(missing)?;
    let para_start = table::rfind(&document[..found], b"<w:p>").ok_or_else(missing)?;
    let para_end = table::find(&document, b"</w:p>", found).ok_or_else(missing)? + b"</w:p>".len();
    let mut out = Vec::with_capacity(document.len() + content.len());
    out.extend_from_slice(&document[..para_start]);
    out.extend_from_slice(content);
    out.extend_from_slice(&document[para_end..]);
    Ok(out)
}

/// The document's created/modified time: the 成文日期 when known, else 1 January of the year
/// after the reported year (when reports are written). Never the clock.
fn document_timestamp(meta: &Metadata) -> String {
    if meta.date_chinese().is_some()
        && let Some(date) = meta.date.as_deref()
    {
        let mut it = date.split('-').filter_map(|p| p.parse::<u32>().ok());
        if let (Some(y), Some(m), Some(d)) = (it.next(), it.next(), it.next()) {
            return format!("{y:04}-{m:02}-{d:02}T00:00:00Z");
        }
    }
    format!(
        "{:04}-01-01T00:00:00Z",
        meta.year.saturating_add(1).clamp(0, 9999)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_comes_from_the_date_or_the_year() {
        let mut meta = Metadata {
            org: "某局".into(),
            year: 2024,
            ..Metadata::default()
        };
        assert_eq!(document_timestamp(&meta), "2025-01-01T00:00:00Z");
        meta.date = Some("2025-1-16".into());
        assert_eq!(document_timestamp(&meta), "2025-01-16T00:00:00Z");
        meta.date = Some("2025-13-16".into());
        assert_eq!(document_timestamp(&meta), "2025-01-01T00:00:00Z");
    }
}
