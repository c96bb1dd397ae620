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
//! a fixed entry order, a fixed timestamp and Deflate.

use std::io::{Cursor, Write};

use quick_xml::escape::escape;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::DocxError;
use crate::typeset::{Face, LATIN_FACE};
use crate::xmltree::{self, Element, Node};

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

/// Applies every fix to one WordprocessingML part (document or footer). `header_rows` gives,
/// for each `w:tbl` of the body in order, how many leading rows repeat on each page.
pub(crate) fn normalize_part(xml: &[u8], header_rows: &[usize]) -> Result<Vec<u8>, DocxError> {
    let mut root = xmltree::parse(xml).map_err(DocxError::Internal)?;
    root.walk_mut(&mut |e: &mut Element| {
        e.attrs
            .retain(|(k, _)| k != "w14:paraId" && k != "w14:textId");
        if e.name == "w:gridCol" {
            e.attrs.retain(|(k, _)| k != "w:type");
        }
        e.children.retain(|n| match n {
            Node::Element(c) => !(c.name == "w:rPr" && c.children.is_empty() && c.attrs.is_empty()),
            Node::Text(_) => true,
        });
    });
    mark_header_rows(&mut root, header_rows);
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

/// Adds `w:tblHeader` to the first `n` rows of each body table.
fn mark_header_rows(root: &mut Element, header_rows: &[usize]) {
    let Some(body) = root.elements_mut().find(|e| e.name == "w:body") else {
        return;
    };
    let tables = body.elements_mut().filter(|e| e.name == "w:tbl");
    for (table, &rows) in tables.zip(header_rows) {
        for row in table.elements_mut().filter(|e| e.name == "w:tr").take(rows) {
            let has_trpr = row.elements().any(|e| e.name == "w:trPr");
            if !has_trpr {
                // trPr follows the optional tblPrEx and precedes the cells.
                let at = usize::from(row.elements().next().is_some_and(|e| e.name == "w:tblPrEx"));
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

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n";

/// Assembles the archive: fixed entry order, fixed timestamps, Deflate.
pub(crate) fn assemble(
    info: &PackageInfo<'_>,
    document: Vec<u8>,
    footers: Vec<Vec<u8>>,
) -> Result<Vec<u8>, DocxError> {
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), content_types(footers.len())),
        ("_rels/.rels".into(), package_rels()),
        ("docProps/core.xml".into(), core_properties(info)),
        ("docProps/app.xml".into(), app_properties()),
        ("word/document.xml".into(), document),
        (
            "word/_rels/document.xml.rels".into(),
            document_rels(footers.len()),
        ),
        ("word/styles.xml".into(), styles()),
        ("word/settings.xml".into(), settings(info.even_and_odd)),
        (
            "word/fontTable.xml".into(),
            font_table(info.faces, info.fallback_fonts),
        ),
    ];
    for (i, footer) in footers.into_iter().enumerate() {
        parts.push((format!("word/footer{}.xml", i + 1), footer));
    }
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in parts {
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

fn content_types(footers: usize) -> Vec<u8> {
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
    for i in 1..=footers {
        s.push_str(&format!(
            "<Override PartName=\"/word/footer{i}.xml\" ContentType=\"{wml}.footer+xml\"/>"
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
/// `w:footerReference`s resolve.
fn document_rels(footers: usize) -> Vec<u8> {
    let mut s = format!(
        "{DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"{R_NS}/styles\" Target=\"styles.xml\"/>\
<Relationship Id=\"rId2\" Type=\"{R_NS}/settings\" Target=\"settings.xml\"/>\
<Relationship Id=\"rId3\" Type=\"{R_NS}/fontTable\" Target=\"fontTable.xml\"/>"
    );
    for i in 1..=footers {
        s.push_str(&format!(
            "<Relationship Id=\"rIdFooter{i}\" Type=\"{R_NS}/footer\" Target=\"footer{i}.xml\"/>"
        ));
    }
    s.push_str("</Relationships>");
    s.into_bytes()
}

fn core_properties(info: &PackageInfo<'_>) -> Vec<u8> {
    let title = escape(info.title);
    let creator = escape(info.creator);
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

/// Document defaults are the body text (仿宋_GB2312 三号, Times New Roman for Latin, black), so
/// text typed later in Word looks like the rest; every run also carries its own properties.
fn styles() -> Vec<u8> {
    let body = crate::typeset::BODY_FACE;
    format!(
        "{DECL}<w:styles xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\">\
<w:docDefaults><w:rPrDefault><w:rPr>\
<w:rFonts w:ascii=\"{LATIN_FACE}\" w:hAnsi=\"{LATIN_FACE}\" w:eastAsia=\"{body}\" w:cs=\"{LATIN_FACE}\"/>\
<w:color w:val=\"000000\"/><w:kern w:val=\"2\"/><w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/>\
<w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/>\
</w:rPr></w:rPrDefault>\
<w:pPrDefault><w:pPr><w:spacing w:before=\"0\" w:after=\"0\" w:line=\"560\" w:lineRule=\"exact\"/><w:jc w:val=\"both\"/></w:pPr></w:pPrDefault>\
</w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>\
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
