//! Word's automatic numbering, as a reader sees it on the page.
//!
//! Drafts made in Word or WPS often number their sub-headings with a list (`（%2）` in
//! `word/numbering.xml`) rather than typed text: the paragraph's own text is then `主动公开`, and
//! without its number it would be read as body text. [`Numbering`] holds the list definitions
//! (`w:abstractNum` levels with their start, number format and level text, `w:num` instances with
//! their start overrides) and the numbering of paragraph styles (`styles.xml`, a heading style
//! linked to a list), and counts as Word does: counters belong to the abstract list, so instances
//! of one list continue each other unless an instance restarts a level; a level's counter restarts
//! below a higher level. Bullets give no text (they are not enumerators).

use std::collections::BTreeMap;

use nianbao_model::format::chinese_numeral;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Word has nine list levels (`w:ilvl` 0–8).
const LEVELS: usize = 9;
/// Style inheritance deeper than this is a loop or a hostile file.
const MAX_STYLE_DEPTH: usize = 16;

/// One level of an abstract list.
#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: Option<String>,
}

/// A paragraph's list membership: `w:numId` and `w:ilvl`, either of which may come from the
/// paragraph's style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NumRef {
    pub num: Option<u32>,
    pub level: Option<u8>,
}

#[derive(Debug, Default)]
struct Style {
    based_on: Option<String>,
    num: NumRef,
}

/// The lists and styles of one document, and the counters of the paragraphs read so far.
#[derive(Debug, Default)]
pub(crate) struct Numbering {
    /// Abstract list id → its levels.
    abstracts: BTreeMap<u32, [Level; LEVELS]>,
    /// List instance id → (abstract list, start overrides by level).
    instances: BTreeMap<u32, (u32, BTreeMap<u8, u32>)>,
    styles: BTreeMap<String, Style>,
    /// Abstract list → current counter of each level (`None`: not yet used since its restart).
    counters: BTreeMap<u32, [Option<u32>; LEVELS]>,
    /// Instances whose start overrides have been applied.
    overridden: Vec<u32>,
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn val(e: &BytesStart) -> Option<String> {
    attr(e, b"val")
}

fn number(e: &BytesStart, name: &[u8]) -> Option<u32> {
    attr(e, name)?.trim().parse().ok()
}

impl Numbering {
    /// Reads `word/numbering.xml` and `word/styles.xml` (either may be missing). Damaged XML
    /// stops reading that part where it breaks: numbering is a help, never a reason to refuse.
    pub(crate) fn read(numbering_xml: Option<&[u8]>, styles_xml: Option<&[u8]>) -> Numbering {
        let mut numbering = Numbering::default();
        if let Some(xml) = numbering_xml {
            numbering.read_lists(xml);
        }
        if let Some(xml) = styles_xml {
            numbering.read_styles(xml);
        }
        numbering
    }

    fn read_lists(&mut self, xml: &[u8]) {
        let mut reader = Reader::from_reader(xml);
        let mut abstract_id: Option<u32> = None;
        let mut levels: [Level; LEVELS] = Default::default();
        let mut level: Option<usize> = None;
        let mut instance: Option<(u32, u32, BTreeMap<u8, u32>)> = None;
        let mut override_level: Option<u8> = None;
        while let Ok(event) = reader.read_event() {
            let (e, is_start) = match &event {
                Event::Start(e) => (e, true),
                Event::Empty(e) => (e, false),
                Event::End(e) => {
                    match e.local_name().as_ref() {
                        b"abstractNum" => {
                            if let Some(id) = abstract_id.take() {
                                self.abstracts.insert(id, std::mem::take(&mut levels));
                            }
                        }
                        b"lvl" => level = None,
                        b"num" => {
                            if let Some((id, abs, starts)) = instance.take() {
                                self.instances.insert(id, (abs, starts));
                            }
                        }
                        b"lvlOverride" => override_level = None,
                        _ => {}
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            match e.local_name().as_ref() {
                b"abstractNum" if is_start => {
                    abstract_id = number(e, b"abstractNumId");
                    levels = Default::default();
                }
                b"lvl" if is_start && abstract_id.is_some() => {
                    level = number(e, b"ilvl")
                        .map(|l| l as usize)
                        .filter(|l| *l < LEVELS);
                    if let Some(l) = level {
                        levels[l] = Level {
                            start: 1,
                            format: "decimal".into(),
                            text: None,
                        };
                    }
                }
                b"start" => {
                    if let (Some(l), Some(n)) = (level, val(e).and_then(|v| v.parse().ok())) {
                        levels[l].start = n;
                    }
                }
                b"numFmt" => {
                    if let (Some(l), Some(f)) = (level, val(e)) {
                        levels[l].format = f;
                    }
                }
                b"lvlText" => {
                    if let Some(l) = level {
                        levels[l].text = val(e);
                    }
                }
                b"num" if is_start => {
                    instance = number(e, b"numId").map(|id| (id, u32::MAX, BTreeMap::new()));
                }
                b"abstractNumId" => {
                    if let (Some(inst), Some(abs)) =
                        (instance.as_mut(), val(e).and_then(|v| v.parse().ok()))
                    {
                        inst.1 = abs;
                    }
                }
                b"lvlOverride" if is_start => {
                    override_level = number(e, b"ilvl")
                        .and_then(|l| u8::try_from(l).ok())
                        .filter(|l| usize::from(*l) < LEVELS);
                }
                b"startOverride" => {
                    if let (Some(inst), Some(l), Some(n)) = (
                        instance.as_mut(),
                        override_level,
                        val(e).and_then(|v| v.parse().ok()),
                    ) {
                        inst.2.insert(l, n);
                    }
                }
                _ => {}
            }
        }
    }

    fn read_styles(&mut self, xml: &[u8]) {
        let mut reader = Reader::from_reader(xml);
        let mut current: Option<(String, Style)> = None;
        while let Ok(event) = reader.read_event() {
            let (e, is_start) = match &event {
                Event::Start(e) => (e, true),
                Event::Empty(e) => (e, false),
                Event::End(e) if e.local_name().as_ref() == b"style" => {
                    if let Some((id, style)) = current.take() {
                        self.styles.insert(id, style);
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            match e.local_name().as_ref() {
                b"style" if is_start => {
                    current = attr(e, b"styleId").map(|id| (id, Style::default()));
                }
                b"basedOn" => {
                    if let Some((_, style)) = current.as_mut() {
                        style.based_on = val(e);
                    }
                }
                b"numId" => {
                    if let Some((_, style)) = current.as_mut() {
                        style.num.num = val(e).and_then(|v| v.parse().ok());
                    }
                }
                b"ilvl" => {
                    if let Some((_, style)) = current.as_mut() {
                        style.num.level = val(e).and_then(|v| v.parse().ok());
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether the document defines any list at all (most drafts do not: nothing to count).
    pub(crate) fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }

    /// The paragraph's list membership from its own `w:numPr` and its style's.
    fn resolve(&self, direct: NumRef, style: Option<&str>) -> Option<(u32, u8)> {
        let mut num = direct.num;
        let mut level = direct.level;
        let mut next = style.map(str::to_string);
        for _ in 0..MAX_STYLE_DEPTH {
            if num.is_some() && level.is_some() {
                break;
            }
            let Some(s) = next.as_deref().and_then(|id| self.styles.get(id)) else {
                break;
            };
            num = num.or(s.num.num);
            level = level.or(s.num.level);
            next = s.based_on.clone();
        }
        // numId 0 switches numbering off (a paragraph taken out of its style's list).
        let num = num.filter(|n| *n != 0)?;
        Some((num, level.unwrap_or(0)))
    }

    /// The number Word shows before a paragraph with this membership, counting it; `None` when
    /// the paragraph is not numbered or its list shows a bullet or nothing.
    pub(crate) fn label(&mut self, direct: NumRef, style: Option<&str>) -> Option<String> {
        let (num, level) = self.resolve(direct, style)?;
        let (abstract_id, starts) = self.instances.get(&num)?.clone();
        let levels = self.abstracts.get(&abstract_id)?.clone();
        let level = usize::from(level).min(LEVELS - 1);
        let counters = self.counters.entry(abstract_id).or_insert([None; LEVELS]);
        if !self.overridden.contains(&num) {
            self.overridden.push(num);
            for (l, start) in &starts {
                // The override takes effect at the level's next use.
                if let Some(c) = counters.get_mut(usize::from(*l)) {
                    *c = start.checked_sub(1);
                    if *start == 0 {
                        *c = None;
                    }
                }
            }
        }
        let spec = &levels[level];
        counters[level] = Some(match counters[level] {
            Some(n) => n.saturating_add(1),
            None => spec.start,
        });
        for deeper in counters.iter_mut().skip(level + 1) {
            *deeper = None;
        }
        if spec.format == "bullet" || spec.format == "none" {
            return None;
        }
        let template = spec.text.as_deref()?;
        let mut out = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek().and_then(|d| d.to_digit(10))) {
                ('%', Some(d @ 1..=9)) => {
                    chars.next();
                    let l = (d - 1) as usize;
                    let n = counters[l].unwrap_or(levels[l].start);
                    out.push_str(&formatted(n, &levels[l].format));
                }
                _ => out.push(c),
            }
        }
        let out = out.trim().to_string();
        (!out.is_empty()).then_some(out)
    }
}

/// A counter in one of Word's number formats (those Chinese documents use, and the Latin ones).
fn formatted(n: u32, format: &str) -> String {
    const TIANGAN: [char; 10] = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];
    const CIRCLED: &str = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "japaneseCounting"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand" => chinese_numeral(n as usize),
        "chineseLegalSimplified" => chinese_numeral(n as usize)
            .chars()
            .map(|c| match c {
                '一' => '壹',
                '二' => '贰',
                '三' => '叁',
                '四' => '肆',
                '五' => '伍',
                '六' => '陆',
                '七' => '柒',
                '八' => '捌',
                '九' => '玖',
                '十' => '拾',
                other => other,
            })
            .collect(),
        "ideographDigital" | "taiwaneseDigital" => n
            .to_string()
            .chars()
            .map(|d| {
                "〇一二三四五六七八九"
                    .chars()
                    .nth(d.to_digit(10).unwrap_or(0) as usize)
                    .unwrap_or(d)
            })
            .collect(),
        "ideographTraditional" => TIANGAN
            .get((n as usize).wrapping_sub(1))
            .map(|c| c.to_string())
            .unwrap_or_else(|| n.to_string()),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" => CIRCLED
            .chars()
            .nth((n as usize).wrapping_sub(1))
            .map(|c| c.to_string())
            .unwrap_or_else(|| n.to_string()),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|d| char::from_u32(d as u32 - '0' as u32 + '０' as u32).unwrap_or(d))
            .collect(),
        "decimalZero" if n < 10 => format!("0{n}"),
        "upperLetter" | "lowerLetter" => {
            let letter = char::from(b'A' + ((n.max(1) - 1) % 26) as u8);
            let repeat = ((n.max(1) - 1) / 26 + 1) as usize;
            let s: String = std::iter::repeat_n(letter, repeat).collect();
            if format == "lowerLetter" {
                s.to_lowercase()
            } else {
                s
            }
        }
        "upperRoman" | "lowerRoman" => {
            let s = roman(n);
            if format == "lowerRoman" {
                s.to_lowercase()
            } else {
                s
            }
        }
        _ => n.to_string(),
    }
}

fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    if n == 0 || n > 3999 {
        return n.to_string();
    }
    let mut out = String::new();
    for (value, digits) in TABLE {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTS: &str = r#"<w:numbering xmlns:w="w">
      <w:abstractNum w:abstractNumId="7">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
        <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
        <w:lvl w:ilvl="3"><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl>
      </w:abstractNum>
      <w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>
      <w:num w:numId="2"><w:abstractNumId w:val="7"/>
        <w:lvlOverride w:ilvl="1"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
    </w:numbering>"#;

    const STYLES: &str = r#"<w:styles xmlns:w="w">
      <w:style w:type="paragraph" w:styleId="2"><w:basedOn w:val="1"/>
        <w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
      <w:style w:type="paragraph" w:styleId="loop"><w:basedOn w:val="loop"/></w:style>
    </w:styles>"#;

    fn direct(num: u32, level: u8) -> NumRef {
        NumRef {
            num: Some(num),
            level: Some(level),
        }
    }

    #[test]
    fn counts_levels_as_word_shows_them() {
        let mut n = Numbering::read(Some(LISTS.as_bytes()), Some(STYLES.as_bytes()));
        let shown: Vec<Option<String>> = vec![
            n.label(direct(1, 0), None),
            n.label(NumRef::default(), Some("2")),
            n.label(NumRef::default(), Some("2")),
            n.label(direct(1, 2), None),
            n.label(direct(1, 3), None),
            n.label(direct(1, 0), None),
            n.label(NumRef::default(), Some("2")),
            // Another instance of the same list restarting level 2.
            n.label(direct(2, 1), None),
            n.label(NumRef::default(), Some("loop")),
            n.label(direct(0, 1), Some("2")),
        ];
        let expected = [
            Some("一、"),
            Some("（一）"),
            Some("（二）"),
            Some("1."),
            None,
            Some("二、"),
            Some("（一）"),
            Some("（一）"),
            None,
            None,
        ];
        assert_eq!(shown, expected.map(|s| s.map(str::to_string)).to_vec());
    }

    #[test]
    fn formats_of_chinese_documents() {
        assert_eq!(formatted(12, "chineseCounting"), "十二");
        assert_eq!(formatted(3, "ideographTraditional"), "丙");
        assert_eq!(formatted(2, "decimalEnclosedCircle"), "②");
        assert_eq!(formatted(3, "decimalFullWidth"), "３");
        assert_eq!(formatted(14, "upperRoman"), "XIV");
        assert_eq!(formatted(27, "lowerLetter"), "aa");
        assert_eq!(formatted(105, "ideographDigital"), "一〇五");
    }

    #[test]
    fn damaged_parts_give_what_was_read() {
        let mut n = Numbering::read(
            Some(b"<w:numbering><w:abstractNum w:abstractNumId=\"1\"><w:lvl"),
            None,
        );
        assert_eq!(n.label(direct(1, 0), None), None);
    }
}
