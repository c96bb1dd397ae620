//! The post-processing pass and the package.
//!
//! docx-rs writes the body and the footers; everything it gets wrong for Word is fixed here:
//! - child elements of `w:rPr`, `w:pPr`, `w:sectPr`, `w:tcPr`, `w:tblPr`, `w:trPr` are put in
//!   the order of the OOXML schema (Word asks to "recover" or drops formatting otherwise);
//! - `w:type` on `w:gridCol` (not in the schema) and empty `w:rPr` are removed;
//! - the process-global `w14:paraId` counters are removed, so two writes are byte-identical;
//! - `w:tblHeader` is added to the header rows of each table (docx-rs has no builder for it).
//!
//! The small package parts (content types, relationships, core and app properties, styles,
//! settings, font table) are written here directly: docx-rs writes them with a fixed creator,
//! out-of-order settings and a font table without the faces we use. The archive is written with
//! a fixed entry order, a fixed timestamp, and Deflate for the parts large enough to gain from it.

use std::io::{Cursor, Write};

use quick_xml::Reader;
use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::DocxError;
use crate::reference::{Media, SectionPart};
use crate::typeset::{Face, LATIN_FACE};

/// `w:rPr` children in schema order (CT_RPr / CT_ParaRPr).
const RPR_ORDER: &[&str] = &[
    "w:ins",
    "w:del",
    "w:moveFrom",
    "w:moveTo",
    "w:rStyle",
    "w:rFonts",
    "w:b",
    "w:bCs",
    "w:i",
    "w:iCs",
    "w:caps",
    "w:smallCaps",
    "w:strike",
    "w:dstrike",
    "w:outline",
    "w:shadow",
    "w:emboss",
    "w:imprint",
    "w:noProof",
    "w:snapToGrid",
    "w:vanish",
    "w:webHidden",
    "w:color",
    "w:spacing",
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
    "w:rPrChange",
];

/// `w:pPr` children in schema order (CT_PPr).
const PPR_ORDER: &[&str] = &[
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
];

/// `w:sectPr` children in schema order (CT_SectPr).
const SECTPR_ORDER: &[&str] = &[
    "w:headerReference",
    "w:footerReference",
    "w:footnotePr",
    "w:endnotePr",
    "w:type",
    "w:pgSz",
    "w:pgMar",
    "w:paperSrc",
    "w:pgBorders",
    "w:lnNumType",
    "w:pgNumType",
    "w:cols",
    "w:formProt",
    "w:vAlign",
    "w:noEndnote",
    "w:titlePg",
    "w:textDirection",
    "w:bidi",
    "w:rtlGutter",
    "w:docGrid",
    "w:printerSettings",
    "w:sectPrChange",
];

/// `w:tcPr` children in schema order (CT_TcPr).
const TCPR_ORDER: &[&str] = &[
    "w:cnfStyle",
    "w:tcW",
    "w:gridSpan",
    "w:hMerge",
    "w:vMerge",
    "w:tcBorders",
    "w:shd",
    "w:noWrap",
    "w:tcMar",
    "w:textDirection",
    "w:tcFitText",
    "w:vAlign",
    "w:hideMark",
];

/// `w:tblPr` children in schema order (CT_TblPr).
const TBLPR_ORDER: &[&str] = &[
    "w:tblStyle",
    "w:tblpPr",
    "w:tblOverlap",
    "w:bidiVisual",
    "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize",
    "w:tblW",
    "w:jc",
    "w:tblCellSpacing",
    "w:tblInd",
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
];

/// `w:trPr` children in the order Word writes them.
const TRPR_ORDER: &[&str] = &[
    "w:cnfStyle",
    "w:divId",
    "w:gridBefore",
    "w:gridAfter",
    "w:wBefore",
    "w:wAfter",
    "w:cantSplit",
    "w:trHeight",
    "w:tblHeader",
    "w:tblCellSpacing",
    "w:jc",
    "w:hidden",
];

/// Child order for an element name, if it is one we keep in schema order.
pub(crate) fn schema_order(parent: &str) -> Option<&'static [&'static str]> {
    Some(match parent {
        "w:rPr" => RPR_ORDER,
        "w:pPr" => PPR_ORDER,
        "w:sectPr" => SECTPR_ORDER,
        "w:tcPr" => TCPR_ORDER,
        "w:tblPr" => TBLPR_ORDER,
        "w:trPr" => TRPR_ORDER,
        _ => return None,
    })
}

/// The place of the `n`th text while a template (a table, a shape of paragraph) is drawn with
/// docx-rs, in private-use characters that no XML processing touches; the template is then cut
/// at the markers.
pub(crate) fn text_marker(n: usize) -> String {
    format!("\u{E000}{n}\u{E001}")
}

/// An element of the body (a paragraph, a table) in a document body, as the pass takes it.
pub(crate) fn in_body(element: &[u8]) -> Vec<u8> {
    let mut xml = b"<w:document><w:body>".to_vec();
    xml.extend_from_slice(element);
    xml.extend_from_slice(b"</w:body></w:document>");
    xml
}

/// An element of the body as the pass finishes it: put in a document body ([`in_body`]), passed
/// (marking a table's `header_rows`), and taken out again.
pub(crate) fn finish_in_body(element: &[u8], header_rows: &[usize]) -> Result<Vec<u8>, DocxError> {
    let normalized = normalize_part(&in_body(element), header_rows)?;
    let broken = |why: &str| DocxError::Internal(format!("正文元素无法生成：{why}"));
    let start = crate::table::find(&normalized, b"<w:body>", 0)
        .ok_or_else(|| broken("没有 w:body"))?
        + b"<w:body>".len();
    let end =
        crate::table::rfind(&normalized, b"</w:body>").ok_or_else(|| broken("w:body 未结束"))?;
    normalized
        .get(start..end)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| broken("w:body 为空"))
}

/// Applies every fix to one WordprocessingML part (document or footer). `header_rows` gives,
/// for each `w:tbl` of the body in order, how many leading rows repeat on each page.
///
/// One streaming pass over the quick-xml events, writing as it reads: a sorted element's
/// children are recorded as byte ranges of the output and put in schema order when the element
/// ends; an empty `w:rPr` is cut off the output again when it ends. Text and attribute values
/// are copied as escaped in the source; comments and processing instructions are dropped and
/// the standard declaration is written.
pub(crate) fn normalize_part(xml: &[u8], header_rows: &[usize]) -> Result<Vec<u8>, DocxError> {
    let text = std::str::from_utf8(xml)
        .map_err(|e| DocxError::Internal(format!("不是 UTF-8 文本：{e}")))?;
    let mut pass = Pass {
        out: Vec::with_capacity(DECL.len() + xml.len()),
        stack: Vec::new(),
        spare: Vec::new(),
        scratch: Vec::new(),
        header_rows,
    };
    pass.out.extend_from_slice(DECL.as_bytes());
    pass.run(text).map_err(DocxError::Internal)?;
    Ok(pass.out)
}

/// Where an element sits with respect to the header rows: the root, its (first) `w:body`, a
/// body table with header rows, one of its header rows, and that row's first `w:trPr`.
#[derive(Clone, Copy)]
enum Role {
    Root { body_seen: bool },
    Body { tables: usize },
    Table { header_rows: usize, rows: usize },
    HeaderRow { has_trpr: bool },
    HeaderTrPr { has_tbl_header: bool },
    Other,
}

/// A direct child written to the output: `out[start..end]`, with its rank in the parent's order.
#[derive(Clone, Copy)]
struct Child {
    start: usize,
    end: usize,
    rank: usize,
    /// Text (text with no element between it in the source is one child) or `w:tblPrEx`:
    /// these decide where a header row's new `w:trPr` goes. Text ranks after every name.
    text: bool,
    tbl_pr_ex: bool,
}

/// An element whose start tag has been written and whose end has not been read yet.
struct Frame {
    /// Output length before anything of this element was written (also before the `>` that
    /// closed the parent's start tag), to cut an empty `w:rPr` off again.
    mark: usize,
    parent_tag_open: bool,
    /// Where the `<` of the start tag is, and the name's length.
    start: usize,
    name_len: usize,
    /// The start tag lacks its `>`: no child has been written yet (ends as `/>`).
    tag_open: bool,
    /// What the source had, before any fix: the empty-`w:rPr` rule looks at the source.
    had_attrs: bool,
    had_children: bool,
    last_was_text: bool,
    is_rpr: bool,
    tbl_pr_ex: bool,
    /// Rank of this element in its parent's schema order.
    rank: usize,
    order: Option<&'static [&'static str]>,
    role: Role,
    /// Direct children, kept only for sorted elements and header rows.
    children: Vec<Child>,
}

impl Frame {
    fn keeps_children(&self) -> bool {
        self.order.is_some() || matches!(self.role, Role::HeaderRow { .. })
    }
}

struct Pass<'h> {
    out: Vec<u8>,
    stack: Vec<Frame>,
    /// Emptied child lists, reused.
    spare: Vec<Vec<Child>>,
    scratch: Vec<u8>,
    header_rows: &'h [usize],
}

impl Pass<'_> {
    fn run(&mut self, text: &str) -> Result<(), String> {
        let mut reader = Reader::from_str(text);
        let mut root_done = false;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| format!("XML 解析失败（位置 {}）：{e}", reader.buffer_position()))?;
            match event {
                Event::Start(_) | Event::Empty(_) if root_done => {
                    return Err("根元素之后还有内容".to_string());
                }
                Event::Start(start) => self.start(&start)?,
                Event::Empty(start) => {
                    self.start(&start)?;
                    root_done = self.end();
                }
                Event::End(_) => {
                    if self.stack.is_empty() {
                        return Err("多余的结束标记".to_string());
                    }
                    root_done = self.end();
                }
                Event::Text(t) => self.text(&t),
                Event::GeneralRef(r) => {
                    let mut t = Vec::with_capacity(r.len() + 2);
                    t.push(b'&');
                    t.extend_from_slice(&r);
                    t.push(b';');
                    self.text(&t);
                }
                Event::CData(c) => {
                    let escaped = escape(String::from_utf8_lossy(&c));
                    self.text(escaped.as_bytes());
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if !self.stack.is_empty() {
            return Err("元素未闭合".to_string());
        }
        if !root_done {
            return Err("没有根元素".to_string());
        }
        Ok(())
    }

    /// Closes the parent's start tag, if still open, before a child is written.
    fn open_parent(&mut self) {
        if let Some(parent) = self.stack.last_mut()
            && parent.tag_open
        {
            self.out.push(b'>');
            parent.tag_open = false;
        }
    }

    fn text(&mut self, t: &[u8]) {
        let Some(parent) = self.stack.last() else {
            return;
        };
        let merge = parent.last_was_text;
        self.open_parent();
        let start = self.out.len();
        self.out.extend_from_slice(t);
        let end = self.out.len();
        let parent = self.stack.last_mut().expect("checked above");
        parent.had_children = true;
        parent.last_was_text = true;
        if parent.keeps_children() {
            match parent.children.last_mut() {
                Some(last) if merge => last.end = end,
                _ => parent.children.push(Child {
                    start,
                    end,
                    rank: parent.order.map_or(0, <[_]>::len),
                    text: true,
                    tbl_pr_ex: false,
                }),
            }
        }
    }

    fn start(&mut self, start: &BytesStart<'_>) -> Result<(), String> {
        let name = start.name();
        let name = name.as_ref();
        let mark = self.out.len();
        let mut rank = 0;
        let mut role = Role::Root { body_seen: false };
        let parent_tag_open = self.stack.last().is_some_and(|p| p.tag_open);
        if let Some(parent) = self.stack.last_mut() {
            parent.had_children = true;
            parent.last_was_text = false;
            if let Some(order) = parent.order {
                rank = order
                    .iter()
                    .position(|o| o.as_bytes() == name)
                    .unwrap_or(order.len());
            }
            role = child_role(&mut parent.role, name, self.header_rows);
        }
        self.open_parent();
        let tag_start = self.out.len();
        self.out.push(b'<');
        self.out.extend_from_slice(name);
        let raw_attrs = start.attributes_raw().trim_ascii_end();
        let mut had_attrs = !raw_attrs.is_empty();
        let keeps_every_attr = name != b"w:gridCol" && !raw_attrs.windows(4).any(|w| w == b"w14:");
        if keeps_every_attr && is_canonical(raw_attrs) {
            // Already as this pass writes attributes (docx-rs writes them so): copied as they
            // are, without taking them apart.
            self.out.extend_from_slice(raw_attrs);
        } else {
            had_attrs = self.copy_attributes(start, name)?;
        }
        let order = std::str::from_utf8(name).ok().and_then(schema_order);
        self.stack.push(Frame {
            mark,
            parent_tag_open,
            start: tag_start,
            name_len: name.len(),
            tag_open: true,
            had_attrs,
            had_children: false,
            last_was_text: false,
            is_rpr: name == b"w:rPr",
            tbl_pr_ex: name == b"w:tblPrEx",
            rank,
            order,
            role,
            children: self.spare.pop().unwrap_or_default(),
        });
        Ok(())
    }

    /// Writes the attributes of a start tag one by one as ` key="value"` (value as escaped in the
    /// source), leaving out docx-rs's process-global ids and `w:type` on `w:gridCol`. Returns
    /// whether the tag had attributes.
    fn copy_attributes(&mut self, start: &BytesStart<'_>, name: &[u8]) -> Result<bool, String> {
        let mut had_attrs = false;
        for attr in start.attributes() {
            let attr = attr.map_err(|e| format!("属性无法解析：{e}"))?;
            had_attrs = true;
            let key = attr.key.as_ref();
            if key == b"w14:paraId"
                || key == b"w14:textId"
                || (name == b"w:gridCol" && key == b"w:type")
            {
                continue;
            }
            self.out.push(b' ');
            self.out.extend_from_slice(key);
            self.out.extend_from_slice(b"=\"");
            self.out.extend_from_slice(&attr.value);
            self.out.push(b'"');
        }
        Ok(had_attrs)
    }

    /// Ends the innermost element; true when it was the root.
    fn end(&mut self) -> bool {
        let mut frame = self.stack.pop().expect("an element is open");
        if frame.is_rpr && !frame.had_attrs && !frame.had_children && !self.stack.is_empty() {
            // An empty w:rPr: its parent drops it.
            self.out.truncate(frame.mark);
            let parent = self.stack.last_mut().expect("checked above");
            parent.tag_open = frame.parent_tag_open;
            self.recycle(frame.children);
            return false;
        }
        match frame.role {
            Role::HeaderTrPr {
                has_tbl_header: false,
            } => self.push_child(&mut frame, b"<w:tblHeader/>", "w:tblHeader"),
            Role::HeaderRow { has_trpr: false } => self.insert_trpr(&mut frame),
            _ => {}
        }
        if frame.order.is_some() {
            self.sort_children(&mut frame.children);
        }
        if frame.tag_open {
            self.out.extend_from_slice(b"/>");
        } else {
            self.out.extend_from_slice(b"</");
            let name = frame.start + 1..frame.start + 1 + frame.name_len;
            self.out.extend_from_within(name);
            self.out.push(b'>');
        }
        let end = self.out.len();
        let child = Child {
            start: frame.start,
            end,
            rank: frame.rank,
            text: false,
            tbl_pr_ex: frame.tbl_pr_ex,
        };
        self.recycle(frame.children);
        match self.stack.last_mut() {
            Some(parent) => {
                if parent.keeps_children() {
                    parent.children.push(child);
                }
                false
            }
            None => true,
        }
    }

    /// Appends an empty element as the last child of `frame` (still open in the output).
    fn push_child(&mut self, frame: &mut Frame, tag: &[u8], name: &str) {
        if frame.tag_open {
            self.out.push(b'>');
            frame.tag_open = false;
        }
        let start = self.out.len();
        self.out.extend_from_slice(tag);
        let rank = frame.order.map_or(0, |order| {
            order.iter().position(|o| *o == name).unwrap_or(order.len())
        });
        frame.children.push(Child {
            start,
            end: self.out.len(),
            rank,
            text: false,
            tbl_pr_ex: false,
        });
    }

    /// A header row without `w:trPr` gets `<w:trPr><w:tblHeader/></w:trPr>`: it follows the
    /// optional `w:tblPrEx` and precedes the cells.
    fn insert_trpr(&mut self, row: &mut Frame) {
        const TRPR: &[u8] = b"<w:trPr><w:tblHeader/></w:trPr>";
        let first_element = row.children.iter().find(|c| !c.text);
        let at = usize::from(first_element.is_some_and(|c| c.tbl_pr_ex));
        if row.tag_open {
            self.out.push(b'>');
            row.tag_open = false;
        }
        let pos = row.children.get(at).map_or(self.out.len(), |c| c.start);
        self.out.splice(pos..pos, TRPR.iter().copied());
        // Row children are not sorted, so the ranges after the insertion need no update.
    }

    /// Puts the children (`out[children[0].start..]`, contiguous) in rank order, stably.
    fn sort_children(&mut self, children: &mut [Child]) {
        if children.is_sorted_by_key(|c| c.rank) {
            return;
        }
        let base = children[0].start;
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.out[base..]);
        children.sort_by_key(|c| c.rank);
        self.out.truncate(base);
        for c in children.iter() {
            self.out
                .extend_from_slice(&self.scratch[c.start - base..c.end - base]);
        }
    }

    fn recycle(&mut self, mut children: Vec<Child>) {
        children.clear();
        self.spare.push(children);
    }
}

/// Whether the attributes of a start tag (the bytes after its name, trailing space trimmed) are
/// already in the form [`Pass::copy_attributes`] writes: ` key="value"` each, one space apart,
/// no key twice. Anything else (single quotes, line breaks, a repeated key) takes the careful
/// path, which also refuses what is not well-formed.
fn is_canonical(raw: &[u8]) -> bool {
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut rest = raw;
    while let Some(after_space) = rest.strip_prefix(b" ") {
        let Some(eq) = after_space.iter().position(|&b| b == b'=') else {
            return false;
        };
        let key = &after_space[..eq];
        if key.is_empty()
            || key
                .iter()
                .any(|&b| b.is_ascii_whitespace() || b == b'"' || b == b'\'' || b == b'<')
            || keys.contains(&key)
        {
            return false;
        }
        keys.push(key);
        let Some(value) = after_space[eq + 1..].strip_prefix(b"\"") else {
            return false;
        };
        let Some(close) = value.iter().position(|&b| b == b'"') else {
            return false;
        };
        if value[..close].contains(&b'<') {
            return false;
        }
        rest = &value[close + 1..];
    }
    rest.is_empty()
}

/// The role of a new child named `name`, updating what the parent has seen.
fn child_role(parent: &mut Role, name: &[u8], header_rows: &[usize]) -> Role {
    match parent {
        Role::Root { body_seen } if !*body_seen && name == b"w:body" => {
            *body_seen = true;
            Role::Body { tables: 0 }
        }
        Role::Body { tables } if name == b"w:tbl" => {
            let table = *tables;
            *tables += 1;
            match header_rows.get(table) {
                Some(&header_rows) => Role::Table {
                    header_rows,
                    rows: 0,
                },
                None => Role::Other,
            }
        }
        Role::Table { header_rows, rows } if name == b"w:tr" => {
            let row = *rows;
            *rows += 1;
            if row < *header_rows {
                Role::HeaderRow { has_trpr: false }
            } else {
                Role::Other
            }
        }
        Role::HeaderRow { has_trpr } if !*has_trpr && name == b"w:trPr" => {
            *has_trpr = true;
            Role::HeaderTrPr {
                has_tbl_header: false,
            }
        }
        Role::HeaderTrPr { has_tbl_header } if name == b"w:tblHeader" => {
            *has_tbl_header = true;
            Role::Other
        }
        _ => Role::Other,
    }
}

/// What the package needs besides the parts docx-rs wrote.
pub(crate) struct PackageInfo<'a> {
    pub title: &'a str,
    pub creator: &'a str,
    /// W3CDTF timestamp used for both created and modified.
    pub timestamp: &'a str,
    /// Whether even pages have their own footer (switches on `w:evenAndOddHeaders`).
    pub even_and_odd: bool,
    pub fallback_fonts: bool,
    /// The faces the document uses, for the font table.
    pub faces: &'a [Face],
}

pub(crate) const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n";

/// Parts of at least this many bytes are deflated; smaller ones are stored.
const DEFLATE_MIN_BYTES: usize = 4096;

/// What goes into the package besides the document: the footers (nianbao's page numbers, or
/// the reference's), the reference's headers and their pictures, and the style sheet's styles.
pub(crate) struct Parts<'a> {
    pub headers: &'a [SectionPart],
    pub footers: &'a [SectionPart],
    pub media: &'a [Media],
    /// The paragraph styles and document defaults (`typeset::style_definitions`, with a
    /// reference's styles applied).
    pub style_definitions: &'a str,
}

/// Assembles the archive: fixed entry order, fixed timestamps, Deflate for the large parts.
pub(crate) fn assemble(
    info: &PackageInfo<'_>,
    document: Vec<u8>,
    extra: &Parts<'_>,
) -> Result<Vec<u8>, DocxError> {
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), content_types(extra)),
        ("_rels/.rels".into(), package_rels()),
        ("docProps/core.xml".into(), core_properties(info)),
        ("docProps/app.xml".into(), app_properties()),
        ("word/document.xml".into(), document),
        ("word/_rels/document.xml.rels".into(), document_rels(extra)),
        ("word/styles.xml".into(), styles(extra.style_definitions)),
        ("word/settings.xml".into(), settings(info.even_and_odd)),
        (
            "word/fontTable.xml".into(),
            font_table(info.faces, info.fallback_fonts),
        ),
    ];
    for (what, list) in [("footer", extra.footers), ("header", extra.headers)] {
        for (i, part) in list.iter().enumerate() {
            parts.push((format!("word/{what}{}.xml", i + 1), part.xml.clone()));
            if let Some(rels) = &part.rels {
                parts.push((format!("word/_rels/{what}{}.xml.rels", i + 1), rels.clone()));
            }
        }
    }
    for m in extra.media {
        parts.push((m.path.clone(), m.bytes.clone()));
    }
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    // The fastest level: the body compresses well at any level (77 KB → 6 KB at the default,
    // → 9 KB at 1), and the default level cost more than building the XML.
    let deflated = stored
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, bytes) in parts {
        // Deflating a part of a few hundred bytes saves a few hundred bytes and costs a fresh
        // compressor (hundreds of KB of tables to clear): only the large parts are compressed.
        let options = if bytes.len() >= DEFLATE_MIN_BYTES {
            deflated
        } else {
            stored
        };
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(&bytes)
            .map_err(|e| DocxError::Package(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(zip_error)?;
    Ok(cursor.into_inner())
}

fn zip_error(e: zip::result::ZipError) -> DocxError {
    DocxError::Package(e.to_string())
}

fn content_types(extra: &Parts<'_>) -> Vec<u8> {
    let wml = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    let mut s = format!(
        "{DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"{wml}.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"{wml}.styles+xml\"/>\
<Override PartName=\"/word/settings.xml\" ContentType=\"{wml}.settings+xml\"/>\
<Override PartName=\"/word/fontTable.xml\" ContentType=\"{wml}.fontTable+xml\"/>"
    );
    for (what, list) in [("footer", extra.footers), ("header", extra.headers)] {
        for i in 1..=list.len() {
            s.push_str(&format!(
                "<Override PartName=\"/word/{what}{i}.xml\" ContentType=\"{wml}.{what}+xml\"/>"
            ));
        }
    }
    for m in extra.media {
        s.push_str(&format!(
            "<Override PartName=\"/{}\" ContentType=\"{}\"/>",
            m.path, m.content_type
        ));
    }
    s.push_str(
        "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>\
</Types>",
    );
    s.into_bytes()
}

fn package_rels() -> Vec<u8> {
    format!(
        "{DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"{R_NS}/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
<Relationship Id=\"rId3\" Type=\"{R_NS}/extended-properties\" Target=\"docProps/app.xml\"/>\
</Relationships>"
    )
    .into_bytes()
}

/// Relationship ids of the footers follow docx-rs (`rIdFooter1`, …) so the section's
/// `w:footerReference`s resolve; a reference's headers are `rIdHeader1`, ….
fn document_rels(extra: &Parts<'_>) -> Vec<u8> {
    let mut s = format!(
        "{DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"{R_NS}/styles\" Target=\"styles.xml\"/>\
<Relationship Id=\"rId2\" Type=\"{R_NS}/settings\" Target=\"settings.xml\"/>\
<Relationship Id=\"rId3\" Type=\"{R_NS}/fontTable\" Target=\"fontTable.xml\"/>"
    );
    for (what, id, list) in [
        ("footer", "Footer", extra.footers),
        ("header", "Header", extra.headers),
    ] {
        for i in 1..=list.len() {
            s.push_str(&format!(
                "<Relationship Id=\"rId{id}{i}\" Type=\"{R_NS}/{what}\" Target=\"{what}{i}.xml\"/>"
            ));
        }
    }
    s.push_str("</Relationships>");
    s.into_bytes()
}

fn core_properties(info: &PackageInfo<'_>) -> Vec<u8> {
    // The title and creator come from the report (机关名称): escaped as body text is.
    let text = |s: &str| {
        let mut out = Vec::new();
        crate::para::escape_text(s, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    let title = text(info.title);
    let creator = text(info.creator);
    let ts = escape(info.timestamp);
    format!(
        "{DECL}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
<dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{creator}</cp:lastModifiedBy>\
<cp:revision>1</cp:revision>\
<dcterms:created xsi:type=\"dcterms:W3CDTF\">{ts}</dcterms:created>\
<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{ts}</dcterms:modified>\
</cp:coreProperties>"
    )
    .into_bytes()
}

fn app_properties() -> Vec<u8> {
    format!(
        "{DECL}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
<Application>nianbao</Application><DocSecurity>0</DocSecurity></Properties>"
    )
    .into_bytes()
}

/// The style sheet: document defaults and paragraph styles from `typeset::style_definitions`
/// (the defaults are the body text, so text typed later in Word looks like the rest), plus
/// Word's default character and table styles.
fn styles(definitions: &str) -> Vec<u8> {
    format!(
        "{DECL}<w:styles xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\">{definitions}\
<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\"><w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/><w:unhideWhenUsed/></w:style>\
<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/><w:uiPriority w:val=\"99\"/><w:semiHidden/><w:unhideWhenUsed/>\
<w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>\
</w:styles>"
    )
    .into_bytes()
}

fn settings(even_and_odd: bool) -> Vec<u8> {
    let even = if even_and_odd {
        "<w:evenAndOddHeaders/>"
    } else {
        ""
    };
    format!(
        "{DECL}<w:settings xmlns:w=\"{W_NS}\">\
<w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"420\"/>{even}\
<w:characterSpacingControl w:val=\"compressPunctuation\"/>\
<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/>\
<w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>\
<w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/>\
</w:compat></w:settings>"
    )
    .into_bytes()
}

/// The font table names every face the document uses. With `fallback` each official face
/// carries `w:altName` (仿宋_GB2312 → 仿宋, …) plus the GB2312 charset, family and pitch: Word
/// and WPS use these to pick a substitute on a machine without the official face, and
/// LibreOffice reads `w:altName` as a replacement name.
fn font_table(faces: &[Face], fallback: bool) -> Vec<u8> {
    let mut s = format!("{DECL}<w:fonts xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\">");
    s.push_str(&format!(
        "<w:font w:name=\"{LATIN_FACE}\"><w:panose1 w:val=\"02020603050405020304\"/><w:charset w:val=\"00\"/><w:family w:val=\"roman\"/><w:pitch w:val=\"variable\"/></w:font>"
    ));
    for face in faces {
        s.push_str(&format!("<w:font w:name=\"{}\">", face.name));
        if fallback && let Some(alt) = face.fallback {
            s.push_str(&format!("<w:altName w:val=\"{alt}\"/>"));
        }
        s.push_str(&format!(
            "<w:panose1 w:val=\"{}\"/><w:charset w:val=\"86\"/><w:family w:val=\"{}\"/><w:pitch w:val=\"{}\"/></w:font>",
            face.panose, face.family, face.pitch
        ));
    }
    s.push_str("</w:fonts>");
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmltree::{self, Element, Node};

    /// The tree pass the streaming pass replaced (parse, fix, write back), kept as the
    /// reference the streaming pass must match byte for byte.
    fn tree_pass(xml: &[u8], header_rows: &[usize]) -> Result<Vec<u8>, String> {
        let mut root = xmltree::parse(xml)?;
        root.walk_mut(&mut |e: &mut Element| {
            e.attrs
                .retain(|(k, _)| k != "w14:paraId" && k != "w14:textId");
            if e.name == "w:gridCol" {
                e.attrs.retain(|(k, _)| k != "w:type");
            }
            e.children.retain(|n| match n {
                Node::Element(c) => {
                    !(c.name == "w:rPr" && c.children.is_empty() && c.attrs.is_empty())
                }
                Node::Text(_) => true,
            });
        });
        if let Some(body) = root.elements_mut().find(|e| e.name == "w:body") {
            let tables = body.elements_mut().filter(|e| e.name == "w:tbl");
            for (table, &rows) in tables.zip(header_rows) {
                for row in table.elements_mut().filter(|e| e.name == "w:tr").take(rows) {
                    if !row.elements().any(|e| e.name == "w:trPr") {
                        let at = usize::from(
                            row.elements().next().is_some_and(|e| e.name == "w:tblPrEx"),
                        );
                        row.children
                            .insert(at, Node::Element(Element::new("w:trPr")));
                    }
                    if let Some(trpr) = row.elements_mut().find(|e| e.name == "w:trPr")
                        && !trpr.elements().any(|e| e.name == "w:tblHeader")
                    {
                        trpr.children
                            .push(Node::Element(Element::new("w:tblHeader")));
                    }
                }
            }
        }
        root.walk_mut(&mut |e: &mut Element| {
            if let Some(order) = schema_order(&e.name) {
                let rank = |n: &Node| match n {
                    Node::Element(c) => order
                        .iter()
                        .position(|o| *o == c.name)
                        .unwrap_or(order.len()),
                    Node::Text(_) => order.len(),
                };
                e.children.sort_by_key(rank);
            }
        });
        Ok(xmltree::to_xml(&root))
    }

    fn assert_same_as_tree_pass(xml: &[u8], header_rows: &[usize]) {
        let streamed = normalize_part(xml, header_rows).map_err(|e| match e {
            DocxError::Internal(m) => m,
            other => panic!("{other}"),
        });
        let tree = tree_pass(xml, header_rows);
        let show = |r: &Result<Vec<u8>, String>| match r {
            Ok(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Err(e) => format!("error: {e}"),
        };
        assert!(
            streamed == tree,
            "input {}\nstreamed {}\ntree     {}",
            String::from_utf8_lossy(xml),
            show(&streamed),
            show(&tree)
        );
    }

    #[test]
    fn streaming_pass_matches_the_tree_pass_on_written_parts() {
        use nianbao_model::{Decimal, Format, Report};
        let format = Format::national_2021();
        let mut report = Report::new("某市人民政府办公室", 2024);
        for (i, key) in format.value_keys().into_iter().enumerate() {
            report.set(key, Decimal::from(i as i64 * 7), None);
        }
        use crate::typeset::{KAITI, body_paragraph, closing_line, part_heading, title_line};
        use docx_rs::BuildXML;
        // The section (with the content's marker paragraph), paragraphs of each kind, each table
        // as its template is made (header rows marked), and the footers.
        let doc = crate::Document::new(format, &report.meta);
        let section = doc
            .section
            .add_paragraph(docx_rs::Paragraph::new().style(crate::CONTENT_MARKER));
        assert_same_as_tree_pass(&section.build(), &[]);
        for para in [
            title_line("某市人民政府办公室2024年政府信息公开工作年度报告"),
            part_heading("一、总体情况"),
            body_paragraph().run("第一段 & <正文>"),
            body_paragraph()
                .outline_level(1)
                .run_in_face("（一）主动公开。", &KAITI)
                .run("正文"),
            body_paragraph().keep_next().run("1.依申请公开"),
            closing_line("2025年1月16日"),
        ] {
            assert_same_as_tree_pass(&in_body(&crate::para::drawn_with_texts(&para)), &[]);
        }
        assert!(format.tables.iter().any(|t| t.header_rows > 0));
        for spec in &format.tables {
            let (drawn, _) = crate::table::TableTemplate::drawn(spec);
            assert_same_as_tree_pass(&in_body(&drawn), &[spec.header_rows]);
        }
        let (odd, even) = crate::typeset::page_number_footers(format.page_number);
        for footer in std::iter::once(odd).chain(even) {
            assert_same_as_tree_pass(&footer.build(), &[]);
        }
    }

    #[test]
    fn only_attributes_in_the_written_form_are_copied_as_they_are() {
        assert!(is_canonical(b""));
        assert!(is_canonical(br#" w:w="8845" w:type="dxa""#));
        assert!(is_canonical(
            br#" w:ascii="Times New Roman" w:val="a &amp; b""#
        ));
        for odd in [
            &br#" a='1'"#[..],
            br#"  a="1""#,
            br#" a="1"  b="2""#,
            br#" a="1"b="2""#,
            b" a=\"1\"\n b=\"2\"",
            br#" a="1" a="2""#,
            br#" a="1"#,
            br#" a=1"#,
            br#" ="1""#,
            br#" a="<""#,
        ] {
            assert!(!is_canonical(odd), "{}", String::from_utf8_lossy(odd));
        }
    }

    #[test]
    fn streaming_pass_matches_the_tree_pass_on_odd_input() {
        let cases: &[(&str, &[usize])] = &[
            // Empty rPr: removed when empty in the source, wherever it sits.
            (r#"<w:p><w:rPr></w:rPr></w:p>"#, &[]),
            (r#"<w:p>a<w:rPr/>b<w:r><w:rPr/></w:r></w:p>"#, &[]),
            (
                r#"<w:p><w:rPr w14:paraId="1"/><w:rPr><w:rPr/></w:rPr></w:p>"#,
                &[],
            ),
            (r#"<w:rPr/>"#, &[]),
            (
                r#"<w:rPr><w:sz/>x<w:b/><w:rPr/><!-- c -->y<?pi?></w:rPr>"#,
                &[],
            ),
            // Escapes, references, CDATA, attributes.
            (
                r#"<?xml version="1.0"?><w:p a='x &amp; "y"' w14:textId="2"><w:t>a &lt; b&#xA;<![CDATA[<&>]]></w:t></w:p>"#,
                &[],
            ),
            (
                r#"<w:tblGrid><w:gridCol w:w="1" w:type="dxa"/><w:x w:type="y"/></w:tblGrid>"#,
                &[],
            ),
            // Header rows: tblPrEx, existing trPr and tblHeader, empty rows, stray text.
            (
                r#"<w:document><w:body><w:tbl><w:tr><w:tblPrEx/><w:tc/></w:tr><w:tr/><w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr></w:tr><w:tr><w:tc/></w:tr></w:tbl><w:p/><w:tbl><w:tr>t<w:tblPrEx/><w:tc/></w:tr><w:tr><w:trPr/><w:trPr/></w:tr></w:tbl><w:tbl><w:tr/></w:tbl></w:body><w:body><w:tbl><w:tr/></w:tbl></w:body></w:document>"#,
                &[3, 2],
            ),
            (r#"<w:document><w:tbl><w:tr/></w:tbl></w:document>"#, &[1]),
            (r#"<w:body><w:tbl><w:tr/></w:tbl></w:body>"#, &[1]),
            // Sorted elements with text and unknown children.
            (
                r#"<w:sectPr><w:pgMar/>t<w:zz/><w:pgSz/><w:footerReference a="1"/><w:footerReference a="2"/></w:sectPr>"#,
                &[],
            ),
            // Broken input fails the same way.
            ("<a><b></a>", &[]),
            ("<a>", &[]),
            ("", &[]),
            ("<a/><b/>", &[]),
            ("text only", &[]),
            ("<a x='1' x='2'/>", &[]),
        ];
        for (xml, header_rows) in cases {
            assert_same_as_tree_pass(xml.as_bytes(), header_rows);
        }
        assert_same_as_tree_pass(&[0xff, 0xfe], &[]);
    }

    #[test]
    fn run_properties_are_put_in_schema_order() {
        let xml = br#"<w:document xmlns:w="x" xmlns:w14="y"><w:body><w:p w14:paraId="00000007"><w:pPr><w:rPr/><w:jc w:val="both"/><w:ind w:firstLine="640"/><w:spacing w:line="560"/></w:pPr><w:r><w:rPr><w:sz w:val="32"/><w:color w:val="000000"/><w:rFonts w:eastAsia="A"/></w:rPr><w:t>x</w:t></w:r></w:p></w:body></w:document>"#;
        let out = String::from_utf8(normalize_part(xml, &[]).unwrap()).unwrap();
        assert!(out.contains(
            r#"<w:pPr><w:spacing w:line="560"/><w:ind w:firstLine="640"/><w:jc w:val="both"/></w:pPr>"#
        ), "{out}");
        assert!(out.contains(
            r#"<w:rPr><w:rFonts w:eastAsia="A"/><w:color w:val="000000"/><w:sz w:val="32"/></w:rPr>"#
        ), "{out}");
        assert!(!out.contains("paraId"), "{out}");
    }

    #[test]
    fn header_rows_get_tbl_header() {
        let xml = br#"<w:document xmlns:w="x"><w:body><w:tbl><w:tr><w:tc/></w:tr><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc/></w:tr><w:tr><w:tc/></w:tr></w:tbl><w:tbl><w:tr><w:tc/></w:tr></w:tbl></w:body></w:document>"#;
        let out = String::from_utf8(normalize_part(xml, &[2, 0]).unwrap()).unwrap();
        assert_eq!(out.matches("<w:tblHeader/>").count(), 2, "{out}");
        assert!(
            out.contains("<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"),
            "{out}"
        );
    }
}
