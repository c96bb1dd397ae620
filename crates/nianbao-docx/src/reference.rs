//! The office's own Word template (`--reference-docx 本单位模板.docx`), as pandoc users know it.
//!
//! From the reference document nianbao takes: the page setup of its (last) section (`w:pgSz`,
//! `w:pgMar`, a different first page), the named paragraph styles nianbao uses — 正文 (`Normal`),
//! 标题 (`Title`), 标题 1 / 标题 2 (`heading 1/2`), 表格文字, 表格文字（五号）, 落款, 页脚
//! (`footer`), found by name (Chinese or Word's English) or by id — and its headers and footers
//! (an office's header line, with their pictures), plus the styles those use. A style's
//! paragraph and run properties replace nianbao's one by one, so what the reference does not
//! set keeps the GB/T 9704 default; the document's structure, its tables and its values never
//! come from the reference. Without footers of its own the reference keeps nianbao's page
//! numbers.
//!
//! The file is foreign: it is read as a zip with a bound on every part, its XML with a bound on
//! nesting, inside `catch_unwind`; anything that cannot be used is an error in Chinese, never a
//! panic. The result depends on the file's bytes alone, so the output stays byte-deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};

use crate::DocxError;
use crate::xmltree::{self, Element, Node};

/// The largest reference DOCX read (the same bound as any document input).
pub const MAX_REFERENCE_BYTES: u64 = 64 * 1024 * 1024;
/// The largest XML part read from it (styles, document, a header).
const MAX_PART_BYTES: u64 = 16 * 1024 * 1024;
/// The most bytes of pictures taken for its headers and footers.
const MAX_MEDIA_BYTES: u64 = 32 * 1024 * 1024;

/// nianbao's paragraph styles: (style id, the names it is known by in Word, WPS and LibreOffice).
const OUR_STYLES: [(&str, &[&str]); 8] = [
    (
        crate::typeset::STYLE_NORMAL,
        &["normal", "正文", "default paragraph style", "默认段落样式"],
    ),
    (crate::typeset::STYLE_TITLE, &["title", "标题"]),
    (
        crate::typeset::STYLE_HEADING_1,
        &["heading 1", "标题 1", "标题1"],
    ),
    (
        crate::typeset::STYLE_HEADING_2,
        &["heading 2", "标题 2", "标题2"],
    ),
    (crate::typeset::STYLE_TABLE, &["表格文字", "table contents"]),
    (crate::typeset::STYLE_TABLE_SMALL, &["表格文字（五号）"]),
    (
        crate::typeset::STYLE_CLOSING,
        &["落款", "closing", "signature"],
    ),
    (crate::typeset::STYLE_FOOTER, &["footer", "页脚"]),
];

/// A header or footer part of the reference, ready to go into the package.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SectionPart {
    /// `default`, `even` or `first`.
    pub kind: String,
    pub xml: Vec<u8>,
    /// Its relationships (pictures), with targets renamed into the package.
    pub rels: Option<Vec<u8>>,
}

/// A picture a header or footer shows: its path in the package and content type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Media {
    pub path: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What nianbao takes from an office's reference DOCX ([`ReferenceDocx::parse`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReferenceDocx {
    /// The reference's style for each of nianbao's style ids that it defines.
    styles: BTreeMap<String, Element>,
    /// Styles its headers and footers use that nianbao does not define.
    extra_styles: Vec<Element>,
    /// `w:pgSz` and `w:pgMar` of its section.
    page: Vec<Element>,
    title_page: bool,
    pub(crate) headers: Vec<SectionPart>,
    pub(crate) footers: Vec<SectionPart>,
    pub(crate) media: Vec<Media>,
}

impl ReferenceDocx {
    /// Reads a reference DOCX from its bytes. `file` names it in messages.
    pub fn parse(bytes: &[u8], file: &str) -> Result<ReferenceDocx, DocxError> {
        let error = |reason: String| DocxError::Reference {
            file: file.to_string(),
            reason,
        };
        match std::panic::catch_unwind(|| read_reference(bytes)) {
            Ok(Ok(reference)) => Ok(reference),
            Ok(Err(reason)) => Err(error(reason)),
            Err(_) => Err(error("文件结构异常，无法读取".to_string())),
        }
    }

    /// Which of nianbao's styles the reference sets, by style id (for messages and tests).
    pub fn styles_taken(&self) -> Vec<&str> {
        self.styles.keys().map(String::as_str).collect()
    }

    /// Whether the reference brings headers / footers of its own.
    pub fn has_headers(&self) -> bool {
        !self.headers.is_empty()
    }

    pub fn has_footers(&self) -> bool {
        !self.footers.is_empty()
    }

    /// nianbao's style sheet children with the reference's styles applied: each of our styles
    /// takes the reference's `w:pPr`/`w:rPr` children in place of its own of the same name, then
    /// the extra styles follow.
    pub(crate) fn apply_to_styles(&self, ours: &str) -> Result<String, DocxError> {
        let wrapped = format!(
            "<w:styles xmlns:w=\"{}\">{ours}</w:styles>",
            crate::package::W_NS
        );
        let mut root = xmltree::parse(wrapped.as_bytes()).map_err(DocxError::Internal)?;
        for style in root.elements_mut() {
            let Some(id) = style.attr("w:styleId").map(str::to_string) else {
                continue;
            };
            if let Some(theirs) = self.styles.get(&id) {
                for props in ["w:pPr", "w:rPr"] {
                    if let Some(their_props) = theirs.child(props) {
                        merge_properties(style, props, their_props);
                    }
                }
            }
        }
        for extra in &self.extra_styles {
            root.children.push(Node::Element(extra.clone()));
        }
        // Through the pass, so the merged properties are in schema order; then without the
        // wrapper again.
        let normalized = crate::package::normalize_part(&xmltree::to_xml(&root), &[])?;
        let text = String::from_utf8_lossy(&normalized);
        let inner = text
            .find("<w:styles")
            .and_then(|start| text[start..].find('>').map(|end| start + end + 1))
            .zip(text.rfind("</w:styles>"))
            .and_then(|(start, end)| text.get(start..end))
            .ok_or_else(|| DocxError::Internal("样式表无法合并".to_string()))?;
        Ok(inner.to_string())
    }

    /// The body section (`w:sectPr` of a finished section part) with the reference's page setup
    /// and references to the given headers and footers (`rIdHeader<n>`, `rIdFooter<n>` in the
    /// order given).
    pub(crate) fn apply_to_section(
        &self,
        section: &[u8],
        headers: &[SectionPart],
        footers: &[SectionPart],
    ) -> Result<Vec<u8>, DocxError> {
        let mut root = xmltree::parse(section).map_err(DocxError::Internal)?;
        let mut found = false;
        root.walk_mut(&mut |e| {
            if e.name != "w:sectPr" {
                return;
            }
            found = true;
            let replaced: BTreeSet<&str> = self.page.iter().map(|p| p.name.as_str()).collect();
            e.children.retain(|c| match c {
                Node::Element(c) => {
                    !replaced.contains(c.name.as_str())
                        && c.name != "w:headerReference"
                        && c.name != "w:footerReference"
                        && c.name != "w:titlePg"
                }
                Node::Text(_) => false,
            });
            let mut refs = Vec::new();
            for (what, parts) in [("header", headers), ("footer", footers)] {
                for (i, part) in parts.iter().enumerate() {
                    let mut r = Element::new(&format!("w:{what}Reference"));
                    r.attrs.push(("w:type".into(), part.kind.clone()));
                    r.attrs
                        .push(("r:id".into(), format!("rId{}{}", capitalised(what), i + 1)));
                    refs.push(Node::Element(r));
                }
            }
            refs.append(&mut e.children);
            e.children = refs;
            e.children
                .extend(self.page.iter().cloned().map(Node::Element));
            if self.title_page {
                e.children.push(Node::Element(Element::new("w:titlePg")));
            }
        });
        if !found {
            return Err(DocxError::Internal("正文的节属性未找到".to_string()));
        }
        // Back through the pass: the section's children in schema order again.
        crate::package::normalize_part(&xmltree::to_xml(&root), &[])
    }
}

/// An element of the reference with only WordprocessingML in it: child elements and attributes
/// in other namespaces (`w14:`, `mc:`…) are left out, because nianbao's style sheet and section
/// do not declare them (and a prefix without its declaration makes the part unreadable).
fn wordprocessing_only(element: &Element) -> Element {
    let mut copy = Element::new(&element.name);
    copy.attrs = element
        .attrs
        .iter()
        .filter(|(k, _)| k.starts_with("w:") || k.starts_with("xml:"))
        .cloned()
        .collect();
    copy.children = element
        .children
        .iter()
        .filter_map(|c| match c {
            Node::Element(e) if e.name.starts_with("w:") => {
                Some(Node::Element(wordprocessing_only(e)))
            }
            Node::Element(_) => None,
            Node::Text(t) => Some(Node::Text(t.clone())),
        })
        .collect();
    copy
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Puts `theirs`' children into the `props` child of `style` (made if missing), each replacing
/// ours of the same name.
fn merge_properties(style: &mut Element, props: &str, theirs: &Element) {
    if !style.elements().any(|e| e.name == props) {
        style.children.push(Node::Element(Element::new(props)));
    }
    if let Some(ours) = style.elements_mut().find(|e| e.name == props) {
        for their_child in theirs.elements() {
            // A change-tracking record of the reference is not a property of the style.
            if their_child.name.ends_with("Change") {
                continue;
            }
            ours.children
                .retain(|c| !matches!(c, Node::Element(c) if c.name == their_child.name));
            ours.children.push(Node::Element(their_child.clone()));
        }
    }
}

/// The reference's parts, read with bounds.
struct Package {
    zip: zip::ZipArchive<Cursor<Vec<u8>>>,
}

impl Package {
    fn open(bytes: &[u8]) -> Result<Package, String> {
        if bytes.len() as u64 > MAX_REFERENCE_BYTES {
            return Err(format!(
                "文件过大（{} 字节，上限 {MAX_REFERENCE_BYTES} 字节）",
                bytes.len()
            ));
        }
        let zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).map_err(|_| {
            "不是 Word 文档（.docx）：无法作为压缩包打开；WPS 或旧版 Word 的 .doc/.wps 文件请先另存为 .docx"
                .to_string()
        })?;
        Ok(Package { zip })
    }

    /// A part's bytes, or `None` when the package has no such part.
    fn read(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, String> {
        let name = name.trim_start_matches('/');
        let mut entry = match self.zip.by_name(name) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(_) => return Err(format!("其中的 {name} 已损坏")),
        };
        if entry.size() > limit {
            return Err(format!("其中的 {name} 过大（上限 {limit} 字节）"));
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| format!("其中的 {name} 已损坏，无法解压"))?;
        if bytes.len() as u64 > limit {
            return Err(format!("其中的 {name} 过大（上限 {limit} 字节）"));
        }
        Ok(Some(bytes))
    }

    fn read_xml(&mut self, name: &str) -> Result<Option<Element>, String> {
        match self.read(name, MAX_PART_BYTES)? {
            Some(bytes) => xmltree::parse(&bytes)
                .map(Some)
                .map_err(|e| format!("其中的 {name} 不是有效的 XML（{e}）")),
            None => Ok(None),
        }
    }
}

/// The relationships of a part: id → (type, target, external).
fn relationships(rels: Option<&Element>) -> BTreeMap<String, (String, String, bool)> {
    rels.map(|root| {
        root.elements()
            .filter(|e| e.name == "Relationship")
            .filter_map(|e| {
                Some((
                    e.attr("Id")?.to_string(),
                    (
                        e.attr("Type").unwrap_or_default().to_string(),
                        e.attr("Target")?.to_string(),
                        e.attr("TargetMode") == Some("External"),
                    ),
                ))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The package path of a target relative to `word/`.
fn word_path(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("word/{}", target.trim_start_matches("./")),
    }
}

/// The content type of a picture by its extension.
fn image_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "emf" => "image/x-emf",
        "wmf" => "image/x-wmf",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

fn read_reference(bytes: &[u8]) -> Result<ReferenceDocx, String> {
    let mut package = Package::open(bytes)?;
    let document = package
        .read_xml("word/document.xml")?
        .ok_or("不是 Word 文档（.docx）：缺少正文部分 word/document.xml")?;
    let document_rels = package.read_xml("word/_rels/document.xml.rels")?;
    let document_rels = relationships(document_rels.as_ref());
    let mut reference = ReferenceDocx::default();

    // The body's own section properties (the last section: the one that holds the body's end).
    let section = document
        .child("w:body")
        .and_then(|body| body.child("w:sectPr"));
    let mut media_bytes = 0u64;
    let mut used_styles: BTreeSet<String> = BTreeSet::new();
    if let Some(section) = section {
        for name in ["w:pgSz", "w:pgMar"] {
            if let Some(e) = section.child(name) {
                reference.page.push(wordprocessing_only(e));
            }
        }
        reference.title_page = section
            .child("w:titlePg")
            .is_some_and(|e| e.attr("w:val").is_none_or(|v| v != "0" && v != "false"));
        for reference_element in section.elements() {
            let is_header = reference_element.name == "w:headerReference";
            if !is_header && reference_element.name != "w:footerReference" {
                continue;
            }
            let kind = reference_element.attr("w:type").unwrap_or("default");
            if !["default", "even", "first"].contains(&kind) {
                continue;
            }
            let Some((_, target, false)) = reference_element
                .attr("r:id")
                .and_then(|id| document_rels.get(id))
            else {
                continue;
            };
            let path = word_path(target);
            let Some(xml) = package.read(&path, MAX_PART_BYTES)? else {
                continue;
            };
            let tree =
                xmltree::parse(&xml).map_err(|e| format!("其中的 {path} 不是有效的 XML（{e}）"))?;
            collect_styles(&tree, &mut used_styles);
            let list = if is_header {
                &mut reference.headers
            } else {
                &mut reference.footers
            };
            let number = list.len() + 1;
            let what = if is_header { "header" } else { "footer" };
            let rels = part_rels(
                &mut package,
                &path,
                &format!("{what}{number}"),
                &mut reference.media,
                &mut media_bytes,
            )?;
            list.push(SectionPart {
                kind: kind.to_string(),
                xml,
                rels,
            });
        }
    }

    if let Some(styles) = package.read_xml("word/styles.xml")? {
        let paragraph_styles: Vec<&Element> =
            styles.elements().filter(|e| e.name == "w:style").collect();
        let name_of = |e: &Element| {
            e.child("w:name")
                .and_then(|n| n.attr("w:val"))
                .map(|n| n.trim().to_lowercase())
        };
        for (id, names) in OUR_STYLES {
            let by_name = paragraph_styles.iter().find(|s| {
                s.attr("w:type").is_none_or(|t| t == "paragraph")
                    && name_of(s).is_some_and(|n| names.contains(&n.as_str()))
            });
            let by_id = || {
                paragraph_styles.iter().find(|s| {
                    s.attr("w:type").is_none_or(|t| t == "paragraph")
                        && s.attr("w:styleId") == Some(id)
                })
            };
            if let Some(style) = by_name.or_else(by_id) {
                reference
                    .styles
                    .insert(id.to_string(), wordprocessing_only(style));
            }
        }
        // The styles the headers and footers use that are not ours, with what they are based on.
        let ours: BTreeSet<&str> = OUR_STYLES.iter().map(|(id, _)| *id).collect();
        let mut wanted: Vec<String> = used_styles.into_iter().collect();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        while let Some(id) = wanted.pop() {
            if ours.contains(id.as_str()) || !taken.insert(id.clone()) || taken.len() > 64 {
                continue;
            }
            if let Some(style) = paragraph_styles
                .iter()
                .find(|s| s.attr("w:styleId") == Some(id.as_str()))
            {
                let mut style = wordprocessing_only(style);
                // Only one default style per type: ours.
                style.attrs.retain(|(k, _)| k != "w:default");
                if let Some(base) = style.child("w:basedOn").and_then(|b| b.attr("w:val")) {
                    wanted.push(base.to_string());
                }
                reference.extra_styles.push(style);
            }
        }
        reference
            .extra_styles
            .sort_by(|a, b| a.attr("w:styleId").cmp(&b.attr("w:styleId")));
    }
    Ok(reference)
}

/// The style ids a header or footer uses.
fn collect_styles(element: &Element, out: &mut BTreeSet<String>) {
    if matches!(
        element.name.as_str(),
        "w:pStyle" | "w:rStyle" | "w:tblStyle"
    ) && let Some(v) = element.attr("w:val")
    {
        out.insert(v.to_string());
    }
    for child in element.elements() {
        collect_styles(child, out);
    }
}

/// A header's or footer's relationships, its pictures copied into the package under names of
/// their own (`media/header1-1.png`); relationships to anything else inside the package are
/// dropped (external links stay).
fn part_rels(
    package: &mut Package,
    part_path: &str,
    new_name: &str,
    media: &mut Vec<Media>,
    media_bytes: &mut u64,
) -> Result<Option<Vec<u8>>, String> {
    let (dir, file) = part_path.rsplit_once('/').unwrap_or(("", part_path));
    let rels_path = format!("{dir}/_rels/{file}.rels");
    let Some(rels) = package.read_xml(&rels_path)? else {
        return Ok(None);
    };
    let mut root = Element::new("Relationships");
    root.attrs = rels.attrs.clone();
    for (i, rel) in rels
        .elements()
        .filter(|e| e.name == "Relationship")
        .enumerate()
    {
        let (Some(id), Some(kind), Some(target)) =
            (rel.attr("Id"), rel.attr("Type"), rel.attr("Target"))
        else {
            continue;
        };
        if rel.attr("TargetMode") == Some("External") {
            root.children.push(Node::Element(rel.clone()));
            continue;
        }
        // Headers and footers live in `word/`: their targets are relative to it.
        let path = word_path(target);
        let Some(content_type) = image_type(&path).filter(|_| kind.ends_with("/image")) else {
            continue;
        };
        let limit = MAX_MEDIA_BYTES.saturating_sub(*media_bytes);
        let Some(bytes) = package.read(&path, limit)? else {
            continue;
        };
        *media_bytes += bytes.len() as u64;
        let ext = path
            .rsplit('.')
            .next()
            .unwrap_or("bin")
            .to_ascii_lowercase();
        let name = format!("media/{new_name}-{}.{ext}", i + 1);
        media.push(Media {
            path: format!("word/{name}"),
            content_type: content_type.to_string(),
            bytes,
        });
        let mut copy = Element::new("Relationship");
        copy.attrs = vec![
            ("Id".into(), id.to_string()),
            ("Type".into(), kind.to_string()),
            ("Target".into(), name),
        ];
        root.children.push(Node::Element(copy));
    }
    Ok(Some(xmltree::to_xml(&root)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_file_is_an_error_in_chinese_not_a_panic() {
        for bytes in [&b""[..], b"PK\x03\x04garbage", b"hello", &[0xffu8; 100]] {
            let err = ReferenceDocx::parse(bytes, "本单位模板.docx").unwrap_err();
            let text = err.to_string();
            assert!(text.contains("本单位模板.docx"), "{text}");
            assert!(!text.is_ascii(), "{text}");
        }
    }

    /// A DOCX package of the given parts.
    fn package(parts: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    const DOC_RELS: &str = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"h1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"header7.xml\"/></Relationships>";

    #[test]
    fn a_header_picture_comes_along_under_a_name_of_its_own() {
        let document = format!(
            "<w:document xmlns:w=\"{}\" xmlns:r=\"r\"><w:body><w:p/><w:sectPr><w:headerReference w:type=\"default\" r:id=\"h1\"/><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1800\" w:bottom=\"1440\" w:left=\"1440\" w:right=\"1440\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>",
            crate::package::W_NS
        );
        let header = "<w:hdr xmlns:w=\"w\" xmlns:r=\"r\"><w:p><w:r><w:drawing><a:blip r:embed=\"img\"/></w:drawing><w:t>红头</w:t></w:r></w:p></w:hdr>";
        let header_rels = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"img\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/logo.PNG\"/><Relationship Id=\"x\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject\" Target=\"embeddings/a.bin\"/></Relationships>";
        let bytes = package(&[
            ("word/document.xml", document.as_bytes()),
            ("word/_rels/document.xml.rels", DOC_RELS.as_bytes()),
            ("word/header7.xml", header.as_bytes()),
            ("word/_rels/header7.xml.rels", header_rels.as_bytes()),
            ("word/media/logo.PNG", b"\x89PNG not really"),
        ]);
        let reference = ReferenceDocx::parse(&bytes, "t.docx").unwrap();
        assert_eq!(reference.headers.len(), 1);
        assert_eq!(reference.media.len(), 1);
        assert_eq!(reference.media[0].path, "word/media/header1-1.png");
        assert_eq!(reference.media[0].content_type, "image/png");
        let rels = String::from_utf8_lossy(reference.headers[0].rels.as_deref().unwrap());
        assert!(rels.contains("Target=\"media/header1-1.png\""), "{rels}");
        // What is not a picture is not carried into the package.
        assert!(!rels.contains("oleObject"), "{rels}");
        assert_eq!(reference.page.len(), 2);

        // Written into a report: the header, its picture, their content types and references.
        let options = crate::DocxOptions {
            reference: Some(std::sync::Arc::new(reference)),
            ..crate::DocxOptions::default()
        };
        let report = nianbao_model::Report::new("某局", 2024);
        let docx =
            crate::write_report_docx(nianbao_model::Format::national_2021(), &report, &options)
                .unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(docx)).unwrap();
        let mut read = |name: &str| {
            let mut text = String::new();
            zip.by_name(name)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap_or_default();
            text
        };
        assert!(read("word/header1.xml").contains("红头"));
        assert!(read("word/_rels/header1.xml.rels").contains("media/header1-1.png"));
        assert!(
            read("[Content_Types].xml")
                .contains("/word/media/header1-1.png\" ContentType=\"image/png\"")
        );
        let document = read("word/document.xml");
        assert!(
            document.contains("<w:headerReference w:type=\"default\" r:id=\"rIdHeader1\"/>"),
            "{document}"
        );
        assert!(document.contains("w:top=\"1800\""), "{document}");
        assert!(read("word/_rels/document.xml.rels").contains("Id=\"rIdHeader1\""));
    }

    #[test]
    fn only_wordprocessingml_is_taken_from_a_style() {
        let style = xmltree::parse(
            br#"<w:style w:styleId="Normal" w14:x="1"><w:rPr><w:rFonts w:eastAsia="KaiTi"/><w14:ligatures w14:val="all"/></w:rPr></w:style>"#,
        )
        .unwrap();
        let kept = String::from_utf8(xmltree::to_xml(&wordprocessing_only(&style))).unwrap();
        assert!(kept.ends_with(
            r#"<w:style w:styleId="Normal"><w:rPr><w:rFonts w:eastAsia="KaiTi"/></w:rPr></w:style>"#
        ));
    }

    #[test]
    fn oversized_and_deeply_nested_parts_are_refused() {
        let deep = format!(
            "<w:document>{}{}</w:document>",
            "<w:p>".repeat(1000),
            "</w:p>".repeat(1000)
        );
        let err = ReferenceDocx::parse(
            &package(&[("word/document.xml", deep.as_bytes())]),
            "t.docx",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("嵌套"), "{err}");
        let err = ReferenceDocx::parse(&package(&[("word/styles.xml", b"<a/>")]), "t.docx")
            .unwrap_err()
            .to_string();
        assert!(err.contains("缺少正文"), "{err}");
    }

    #[test]
    fn nianbao_s_own_template_is_read_back_with_every_style() {
        let bytes =
            crate::write_reference_template(nianbao_model::Format::national_2021()).unwrap();
        let reference = ReferenceDocx::parse(&bytes, "t.docx").unwrap();
        assert_eq!(reference.styles_taken().len(), OUR_STYLES.len());
        assert!(reference.has_footers());
        assert!(!reference.has_headers());
    }
}
