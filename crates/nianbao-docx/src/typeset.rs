//! GB/T 9704-2012 typesetting as constants, named paragraph styles and builders: faces, sizes,
//! the page, the style sheet, and one builder per kind of paragraph ([`Para`]).

use docx_rs::{AlignmentType, FieldCharType, Footer, InstrPAGE, InstrText, Paragraph, Run};
use nianbao_model::format::PageNumberStyle;

use crate::para::Para;
use nianbao_model::text::split_enumerator;

/// Face for Latin letters and digits in every run.
pub(crate) const LATIN_FACE: &str = "Times New Roman";
/// 仿宋_GB2312: body text and `1.`/`（1）` headings.
pub(crate) const BODY_FACE: &str = "仿宋_GB2312";

/// A Chinese face the document names, with its fallback and font-table facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Face {
    pub name: &'static str,
    /// The face Windows ships that looks closest (written as `w:altName`).
    pub fallback: Option<&'static str>,
    pub panose: &'static str,
    pub family: &'static str,
    pub pitch: &'static str,
}

/// 方正小标宋简体 (title), falling back to 宋体.
pub(crate) const TITLE: Face = Face {
    name: "方正小标宋简体",
    fallback: Some("宋体"),
    panose: "02000000000000000000",
    family: "auto",
    pitch: "variable",
};
/// 仿宋_GB2312 (body), falling back to 仿宋.
pub(crate) const FANGSONG: Face = Face {
    name: BODY_FACE,
    fallback: Some("仿宋"),
    panose: "02010609030101010101",
    family: "modern",
    pitch: "fixed",
};
/// 楷体_GB2312 (`（一）` headings), falling back to 楷体.
pub(crate) const KAITI: Face = Face {
    name: "楷体_GB2312",
    fallback: Some("楷体"),
    panose: "02010609030101010101",
    family: "modern",
    pitch: "fixed",
};
/// 黑体 (`一、` headings); ships with Windows, so no fallback.
pub(crate) const HEITI: Face = Face {
    name: "黑体",
    fallback: Some("SimHei"),
    panose: "02010609060101010101",
    family: "modern",
    pitch: "fixed",
};
/// 宋体 (tables, page numbers).
pub(crate) const SONGTI: Face = Face {
    name: "宋体",
    fallback: Some("SimSun"),
    panose: "02010600030101010101",
    family: "auto",
    pitch: "variable",
};

/// Every face, in the order of the font table.
pub(crate) const ALL_FACES: [Face; 5] = [TITLE, FANGSONG, KAITI, HEITI, SONGTI];

/// Sizes in half-points.
pub(crate) const SIZE_TITLE: usize = 44; // 二号 22 pt
pub(crate) const SIZE_BODY: usize = 32; // 三号 16 pt
pub(crate) const SIZE_PAGE_NUMBER: usize = 28; // 四号 14 pt
pub(crate) const SIZE_TABLE_NARROW: usize = 24; // 小四 12 pt, tables of up to 4 columns
pub(crate) const SIZE_TABLE_WIDE: usize = 21; // 五号 10.5 pt, wider tables

/// A4 in twips.
pub(crate) const PAGE_WIDTH: u32 = 11906;
pub(crate) const PAGE_HEIGHT: u32 = 16838;
/// Margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
pub(crate) const MARGIN_TOP: i32 = 2098;
pub(crate) const MARGIN_BOTTOM: i32 = 1984;
pub(crate) const MARGIN_LEFT: i32 = 1588;
pub(crate) const MARGIN_RIGHT: i32 = 1474;
/// Footer distance from the paper edge: the page-number line (the em dashes sit at mid-height
/// of a 四号 line, about 3 mm above its bottom) lands 7 mm below the text block: 35 − 7 − 3 =
/// 25 mm.
pub(crate) const FOOTER_DISTANCE: i32 = 1417;
pub(crate) const HEADER_DISTANCE: i32 = 851;
/// The text block width, 156 mm.
pub(crate) const TEXT_WIDTH: usize = 8845;

/// Body lines: exact 28 pt (22 lines on the 225 mm block, as GB/T 9704 asks).
const LINE_BODY: i32 = 560;
/// Title lines: exact 35 pt, so the 二号 face has room above and below.
const LINE_TITLE: i32 = 700;
/// Two 三号 characters: the first-line indent of every body paragraph.
const INDENT_TWO_CHARS: i32 = 640;
/// One 四号 character: how far page numbers sit in from the margin.
const INDENT_PAGE_NUMBER: i32 = 280;
/// A title of at most this many character widths fits one line (156 mm / 7.76 mm for 二号).
pub(crate) const TITLE_ONE_LINE_MAX: usize = 20;

/// The paragraph styles of the document. Formatting lives in these named styles, not on every
/// run: an office that edits the filing copy keeps the look by picking 标题 1 or 表格文字, the
/// navigation pane shows the part headings, and the document is a third of the size it would be
/// with the same fonts repeated on every run (which also made writing it slow).
pub(crate) const STYLE_NORMAL: &str = "Normal";
pub(crate) const STYLE_TITLE: &str = "Title";
pub(crate) const STYLE_HEADING_1: &str = "Heading1";
pub(crate) const STYLE_HEADING_2: &str = "Heading2";
pub(crate) const STYLE_TABLE: &str = "TableText";
pub(crate) const STYLE_TABLE_SMALL: &str = "TableTextSmall";
pub(crate) const STYLE_CLOSING: &str = "Closing";
pub(crate) const STYLE_FOOTER: &str = "Footer";

/// The document defaults and the paragraph styles, as `styles.xml` children (schema order inside
/// every `w:pPr` and `w:rPr`). The default (正文, `Normal`) is the body: 仿宋_GB2312 三号 with
/// Times New Roman for Latin and digits and the East Asian hint (quotes and dashes take the
/// Chinese face), black, justified, two-character first-line indent, exact 28 pt lines.
pub(crate) fn style_definitions() -> String {
    let exact = |line: i32| {
        format!("<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"{line}\" w:lineRule=\"exact\"/>")
    };
    let single = "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/>";
    let east_asia = |face: &Face| format!("<w:rFonts w:eastAsia=\"{}\"/>", face.name);
    let size = |half_points: usize| {
        format!("<w:sz w:val=\"{half_points}\"/><w:szCs w:val=\"{half_points}\"/>")
    };
    let style = |id: &str, name: &str, based_on: &str, extra: &str, ppr: &str, rpr: &str| {
        let ppr = if ppr.is_empty() {
            String::new()
        } else {
            format!("<w:pPr>{ppr}</w:pPr>")
        };
        let rpr = if rpr.is_empty() {
            String::new()
        } else {
            format!("<w:rPr>{rpr}</w:rPr>")
        };
        format!(
            "<w:style w:type=\"paragraph\" w:styleId=\"{id}\"><w:name w:val=\"{name}\"/>\
<w:basedOn w:val=\"{based_on}\"/>{extra}{ppr}{rpr}</w:style>"
        )
    };
    let next_normal = "<w:next w:val=\"Normal\"/><w:qFormat/>";
    let no_indent = "<w:ind w:firstLine=\"0\"/>";
    let page_fonts = format!(
        "<w:rFonts w:ascii=\"{f}\" w:hAnsi=\"{f}\" w:eastAsia=\"{f}\" w:cs=\"{f}\"/>",
        f = SONGTI.name
    );
    let mut xml = format!(
        "<w:docDefaults><w:rPrDefault><w:rPr>\
<w:rFonts w:ascii=\"{LATIN_FACE}\" w:hAnsi=\"{LATIN_FACE}\" w:eastAsia=\"{body}\" w:cs=\"{LATIN_FACE}\" w:hint=\"eastAsia\"/>\
<w:color w:val=\"000000\"/><w:kern w:val=\"2\"/>{size}\
<w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/>\
</w:rPr></w:rPrDefault>\
<w:pPrDefault><w:pPr>{spacing}<w:jc w:val=\"both\"/></w:pPr></w:pPrDefault>\
</w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/>\
<w:pPr><w:ind w:firstLine=\"{INDENT_TWO_CHARS}\"/></w:pPr></w:style>",
        body = FANGSONG.name,
        size = size(SIZE_BODY),
        spacing = exact(LINE_BODY),
    );
    xml.push_str(&style(
        STYLE_TITLE,
        "Title",
        "Normal",
        next_normal,
        &format!("{}{no_indent}<w:jc w:val=\"center\"/>", exact(LINE_TITLE)),
        &format!("{}{}", east_asia(&TITLE), size(SIZE_TITLE)),
    ));
    xml.push_str(&style(
        STYLE_HEADING_1,
        "heading 1",
        "Normal",
        next_normal,
        "<w:keepNext/><w:outlineLvl w:val=\"0\"/>",
        &east_asia(&HEITI),
    ));
    xml.push_str(&style(
        STYLE_HEADING_2,
        "heading 2",
        "Normal",
        next_normal,
        "<w:keepNext/><w:outlineLvl w:val=\"1\"/>",
        &east_asia(&KAITI),
    ));
    xml.push_str(&style(
        STYLE_TABLE,
        "表格文字",
        "Normal",
        "<w:qFormat/>",
        &format!(
            "{single}<w:ind w:left=\"0\" w:right=\"0\" w:firstLine=\"0\"/><w:jc w:val=\"center\"/>"
        ),
        &format!("{}{}", east_asia(&SONGTI), size(SIZE_TABLE_NARROW)),
    ));
    xml.push_str(&style(
        STYLE_TABLE_SMALL,
        "表格文字（五号）",
        STYLE_TABLE,
        "<w:qFormat/>",
        "",
        &size(SIZE_TABLE_WIDE),
    ));
    xml.push_str(&style(
        STYLE_CLOSING,
        "落款",
        "Normal",
        "<w:qFormat/>",
        &format!(
            "<w:ind w:right=\"{INDENT_TWO_CHARS}\" w:firstLine=\"0\"/><w:jc w:val=\"right\"/>"
        ),
        "",
    ));
    xml.push_str(&style(
        STYLE_FOOTER,
        "footer",
        "Normal",
        "",
        &format!("{single}{no_indent}"),
        &format!("{page_fonts}{}", size(SIZE_PAGE_NUMBER)),
    ));
    xml
}

/// A run in the paragraph style's face and size (a table cell's text).
pub(crate) fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

/// One title line, centred.
pub(crate) fn title_line(text: &str) -> Para {
    Para::styled(STYLE_TITLE).run(text)
}

/// An empty body line (below the title, above the signature).
pub(crate) fn blank_line() -> Para {
    Para::body()
}

/// A body paragraph (正文).
pub(crate) fn body_paragraph() -> Para {
    Para::body()
}

/// A part heading (`一、总体情况`) in 黑体, kept with what follows.
pub(crate) fn part_heading(text: &str) -> Para {
    Para::styled(STYLE_HEADING_1).run(text)
}

/// A `（一）` heading on its own line, in 楷体, kept with what follows.
pub(crate) fn sub_heading(text: &str) -> Para {
    Para::styled(STYLE_HEADING_2).run(text)
}

/// The face of a heading written as text: `一、` 黑体, `（一）` 楷体, `1.`/`（1）` 仿宋.
pub(crate) fn heading_face(text: &str) -> &'static Face {
    match split_enumerator(text).0 {
        Some(e) if e.ends_with('、') && e.chars().next().is_some_and(is_chinese_digit) => &HEITI,
        Some(e)
            if (e.starts_with('（') || e.starts_with('('))
                && e.chars().nth(1).is_some_and(is_chinese_digit) =>
        {
            &KAITI
        }
        _ => &FANGSONG,
    }
}

/// A paragraph with a run in the face a heading's enumerator asks for.
pub(crate) fn with_heading_run(para: Para, text: &str, face: &Face) -> Para {
    if face == &FANGSONG {
        para.run(text)
    } else {
        para.run_in_face(text, face)
    }
}

fn is_chinese_digit(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// A right-aligned line of the closing block (signature, date), two characters in from the
/// right margin.
pub(crate) fn closing_line(text: &str) -> Para {
    Para::styled(STYLE_CLOSING).run(text)
}

/// The footers for a page-number style: `(default footer, even footer)`.
pub(crate) fn page_number_footers(style: PageNumberStyle) -> (Footer, Option<Footer>) {
    match style {
        PageNumberStyle::EmDashOddEven => (
            Footer::new().add_paragraph(page_number(
                "— ",
                " —",
                AlignmentType::Right,
                Some(INDENT_PAGE_NUMBER),
                None,
            )),
            Some(Footer::new().add_paragraph(page_number(
                "— ",
                " —",
                AlignmentType::Left,
                None,
                Some(INDENT_PAGE_NUMBER),
            ))),
        ),
        PageNumberStyle::EmDashCentered => (
            Footer::new().add_paragraph(page_number("— ", " —", AlignmentType::Center, None, None)),
            None,
        ),
        PageNumberStyle::HyphenCentered => (
            Footer::new().add_paragraph(page_number("-", "-", AlignmentType::Center, None, None)),
            None,
        ),
    }
}

/// `— {PAGE} —` in 四号 宋体 (the footer style), the field built from runs so that the number
/// carries the face.
fn page_number(
    before: &str,
    after: &str,
    align: AlignmentType,
    right: Option<i32>,
    left: Option<i32>,
) -> Paragraph {
    Paragraph::new()
        .style(STYLE_FOOTER)
        .align(align)
        .indent(left, None, right, None)
        .add_run(run(before))
        .add_run(Run::new().add_field_char(FieldCharType::Begin, false))
        .add_run(Run::new().add_instr_text(InstrText::PAGE(InstrPAGE::new())))
        .add_run(Run::new().add_field_char(FieldCharType::Separate, false))
        .add_run(run("1"))
        .add_run(Run::new().add_field_char(FieldCharType::End, false))
        .add_run(run(after))
}

/// Display width of a title in full-width characters: ASCII digits and letters count half.
pub(crate) fn display_width(text: &str) -> usize {
    let halves: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    halves.div_ceil(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_faces_follow_the_enumerator() {
        assert_eq!(heading_face("一、总体情况").name, "黑体");
        assert_eq!(heading_face("（一）主动公开").name, "楷体_GB2312");
        assert_eq!(heading_face("(二)依申请公开").name, "楷体_GB2312");
        assert_eq!(heading_face("1.信息处理费").name, "仿宋_GB2312");
        assert_eq!(heading_face("（1）某项").name, "仿宋_GB2312");
        assert_eq!(heading_face("本年度").name, "仿宋_GB2312");
    }

    #[test]
    fn title_width_counts_digits_as_half() {
        assert_eq!(display_width("2024年政府信息公开工作年度报告"), 15);
        assert_eq!(display_width("淮安市人民政府"), 7);
    }
}
