//! GB/T 9704-2012 typesetting as constants and docx-rs builders: faces, sizes, the page, and one
//! builder per kind of paragraph.

use docx_rs::{
    AlignmentType, FieldCharType, Footer, InstrPAGE, InstrText, LineSpacing, LineSpacingType,
    Paragraph, Run, RunFonts, SpecialIndentType,
};
use nianbao_model::format::PageNumberStyle;
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

/// Run fonts for a Chinese face, with Times New Roman for Latin and digits, and the East Asian
/// hint so that quotes and dashes take the Chinese face.
pub(crate) fn fonts(face: &Face) -> RunFonts {
    RunFonts::new()
        .ascii(LATIN_FACE)
        .hi_ansi(LATIN_FACE)
        .cs(LATIN_FACE)
        .east_asia(face.name)
        .hint("eastAsia")
}

/// A run of text in a face and size, black.
pub(crate) fn run(text: &str, face: &Face, size: usize) -> Run {
    Run::new()
        .add_text(text)
        .fonts(fonts(face))
        .size(size)
        .color("000000")
}

/// Single line spacing with no space before or after (tables, page numbers): the body's exact
/// 28 pt default would not fit them.
pub(crate) fn single_spacing() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240)
        .before(0)
        .after(0)
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line)
        .before(0)
        .after(0)
}

/// A body-shaped paragraph: justified, first line indented two characters, exact 28 pt.
pub(crate) fn indented_paragraph() -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(INDENT_TWO_CHARS)),
            None,
            None,
        )
        .line_spacing(exact(LINE_BODY))
}

/// One title line, centred.
pub(crate) fn title_line(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(exact(LINE_TITLE))
        .add_run(run(text, &TITLE, SIZE_TITLE))
}

/// An empty body line (below the title, above the signature).
pub(crate) fn blank_line() -> Paragraph {
    Paragraph::new().line_spacing(exact(LINE_BODY))
}

/// A part heading (`一、总体情况`) in 黑体, kept with what follows.
pub(crate) fn part_heading(text: &str) -> Paragraph {
    indented_paragraph()
        .keep_next(true)
        .outline_lvl(0)
        .add_run(run(text, &HEITI, SIZE_BODY))
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

fn is_chinese_digit(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// A right-aligned line of the closing block (signature, date), two characters in from the
/// right margin.
pub(crate) fn closing_line(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Right)
        .indent(None, None, Some(INDENT_TWO_CHARS), None)
        .line_spacing(exact(LINE_BODY))
        .add_run(run(text, &FANGSONG, SIZE_BODY))
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

/// `— {PAGE} —` in 四号 宋体, the field built from runs so that the number carries the face.
fn page_number(
    before: &str,
    after: &str,
    align: AlignmentType,
    right: Option<i32>,
    left: Option<i32>,
) -> Paragraph {
    let page_fonts = || {
        RunFonts::new()
            .ascii(SONGTI.name)
            .hi_ansi(SONGTI.name)
            .east_asia(SONGTI.name)
            .cs(SONGTI.name)
            .hint("eastAsia")
    };
    let styled = |r: Run| r.fonts(page_fonts()).size(SIZE_PAGE_NUMBER).color("000000");
    // Single spacing: the body's exact 28 pt default would move the number off its line.
    Paragraph::new()
        .align(align)
        .indent(left, None, right, None)
        .line_spacing(single_spacing())
        .add_run(styled(Run::new().add_text(before)))
        .add_run(styled(
            Run::new().add_field_char(FieldCharType::Begin, false),
        ))
        .add_run(styled(
            Run::new().add_instr_text(InstrText::PAGE(InstrPAGE::new())),
        ))
        .add_run(styled(
            Run::new().add_field_char(FieldCharType::Separate, false),
        ))
        .add_run(styled(Run::new().add_text("1")))
        .add_run(styled(Run::new().add_field_char(FieldCharType::End, false)))
        .add_run(styled(Run::new().add_text(after)))
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
