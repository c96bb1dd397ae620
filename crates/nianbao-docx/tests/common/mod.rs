//! Shared helpers: real-looking reports, and a small reader for the DOCX we write (zip +
//! quick-xml), independent of the crate's own post-processing code.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use nianbao_model::{Decimal, Format, Paragraph, ParagraphLevel, PartText, Report, ValueKey};
use quick_xml::Reader;
use quick_xml::events::Event;

pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path)
}

/// The 200 values of 淮安市人民政府's 2024 report, typed in from the published report.
pub fn huaian_values(report: &mut Report) {
    let format = Format::national_2021();
    let text = std::fs::read_to_string(fixture("values/huaian-2024.tsv")).unwrap();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cells = line.split('\t');
        let row = cells.next().unwrap();
        let table = format
            .tables
            .iter()
            .find(|t| t.row(row).is_some())
            .unwrap_or_else(|| panic!("unknown row {row}"));
        let fields: Vec<String> = table
            .value_cells()
            .iter()
            .filter(|v| v.key.row == row)
            .map(|v| v.key.field.clone())
            .collect();
        let values: Vec<&str> = cells.collect();
        assert_eq!(fields.len(), values.len(), "row {row}");
        for (field, value) in fields.iter().zip(values) {
            report.set(
                ValueKey::new(row, field),
                value.trim().parse().unwrap(),
                None,
            );
        }
    }
}

/// The Huaian report with its numbers and prose shaped like the published text.
pub fn huaian_report() -> Report {
    let mut report = Report::new("淮安市人民政府", 2024);
    report.meta.date = Some("2025-01-16".into());
    huaian_values(&mut report);
    assert_eq!(report.values.len(), 200);
    report.parts = vec![
        part(
            1,
            vec![
                Paragraph::body(
                    "2024年，我市坚持以习近平新时代中国特色社会主义思想为指导，严格落实《中华人民共和国政府信息公开条例》各项规定，圆满完成了各项任务。",
                ),
                run_in(
                    "（一）主动公开情况。",
                    "2024年，市政府网站主动公开各类政府信息5500余条，全年新增公开市政府规章1件。",
                ),
                run_in(
                    "（二）依申请公开情况。",
                    "2024年，全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复）。",
                ),
            ],
        ),
        part(2, vec![]),
        part(3, vec![]),
        part(4, vec![]),
        part(
            5,
            vec![Paragraph::body(
                "对照上级新要求和公众新期待，还有一些需要加强和改进的地方。",
            )],
        ),
        PartText {
            heading_as_written: Some("六、其他需要说明的事项".into()),
            ..part(
                6,
                vec![Paragraph::body(
                    "2024年，市政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费3940元。",
                )],
            )
        },
    ];
    report
}

/// A report of all zeros, as a small office with no applications files it.
pub fn zero_report() -> Report {
    let mut report = Report::new("卫东区行政审批和政务信息管理局", 2024);
    for key in Format::national_2021().value_keys() {
        report.set(key, Decimal::ZERO, None);
    }
    report.parts = vec![part(
        1,
        vec![
            Paragraph::heading(ParagraphLevel::Sub1, "（一）主动公开信息情况"),
            Paragraph::body(
                "2024年，我局依据《中华人民共和国政府信息公开条例》及相关政策要求，主动公开各类信息。",
            ),
        ],
    )];
    report
}

fn part(number: u8, paragraphs: Vec<Paragraph>) -> PartText {
    PartText {
        number,
        paragraphs,
        ..PartText::default()
    }
}

fn run_in(heading: &str, text: &str) -> Paragraph {
    Paragraph {
        level: ParagraphLevel::Sub1,
        run_in: Some(heading.into()),
        ..Paragraph::body(text)
    }
}

/// Every entry of a zip archive, by name.
pub fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        out.insert(file.name().to_string(), data);
    }
    out
}

/// An element of a parsed part, with unescaped text.
#[derive(Debug, Clone, Default)]
pub struct X {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub children: Vec<X>,
    /// Text directly inside this element.
    pub text: String,
}

impl X {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    pub fn child(&self, name: &str) -> Option<&X> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a X> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Every descendant (and self) with this name, in document order.
    pub fn all(&self, name: &str) -> Vec<&X> {
        let mut out = Vec::new();
        self.collect(name, &mut out);
        out
    }

    fn collect<'a>(&'a self, name: &str, out: &mut Vec<&'a X>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.collect(name, out);
        }
    }

    /// The text of all `w:t` below.
    pub fn text(&self) -> String {
        self.all("w:t").iter().map(|t| t.text.as_str()).collect()
    }

    /// `w:val` of a child of `w:pPr`/`w:rPr`-like property element.
    pub fn prop(&self, props: &str, name: &str, attr: &str) -> Option<String> {
        self.child(props)?
            .child(name)?
            .attr(attr)
            .map(str::to_string)
    }
}

pub fn parse(xml: &[u8]) -> X {
    let mut reader = Reader::from_reader(xml);
    let mut stack: Vec<X> = vec![X::default()];
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).unwrap() {
            Event::Start(s) => stack.push(element(&s)),
            Event::Empty(s) => {
                let e = element(&s);
                stack.last_mut().unwrap().children.push(e);
            }
            Event::End(_) => {
                let e = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(e);
            }
            Event::Text(t) => {
                let raw = String::from_utf8(t.to_vec()).unwrap();
                stack.last_mut().unwrap().text.push_str(&raw);
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8(r.to_vec()).unwrap();
                let text = quick_xml::escape::unescape(&format!("&{name};"))
                    .unwrap()
                    .into_owned();
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    stack.pop().unwrap().children.into_iter().next().unwrap()
}

fn element(s: &quick_xml::events::BytesStart<'_>) -> X {
    let mut x = X {
        name: String::from_utf8(s.name().as_ref().to_vec()).unwrap(),
        ..X::default()
    };
    for a in s.attributes() {
        let a = a.unwrap();
        let value = quick_xml::escape::unescape(std::str::from_utf8(&a.value).unwrap())
            .unwrap()
            .into_owned();
        x.attrs
            .insert(String::from_utf8(a.key.as_ref().to_vec()).unwrap(), value);
    }
    x
}

/// The document part of a DOCX, parsed.
pub fn document(docx: &[u8]) -> X {
    parse(&unzip(docx)["word/document.xml"])
}

/// The body's direct children.
/// The body's paragraphs (not those inside tables), in order.
pub fn body_paragraphs(doc: &X) -> Vec<&X> {
    body(doc).children_named("w:p").collect()
}

/// The first body paragraph whose text contains `text`.
pub fn paragraph_with<'a>(doc: &'a X, text: &str) -> &'a X {
    body_paragraphs(doc)
        .into_iter()
        .find(|p| p.text().contains(text))
        .unwrap_or_else(|| panic!("no paragraph with “{text}”"))
}

pub fn body(doc: &X) -> &X {
    doc.child("w:body").unwrap()
}

/// The drawn grid of a `w:tbl`: for each row, `(start column, gridSpan, vMerge, text)` of each
/// cell.
pub type DrawnCell = (usize, usize, Option<String>, String);

pub fn grid_of(tbl: &X) -> Vec<Vec<DrawnCell>> {
    tbl.children_named("w:tr")
        .map(|tr| {
            let mut col = 0;
            tr.children_named("w:tc")
                .map(|tc| {
                    let tcpr = tc.child("w:tcPr").unwrap();
                    let span = tcpr
                        .child("w:gridSpan")
                        .and_then(|g| g.attr("w:val"))
                        .map(|v| v.parse().unwrap())
                        .unwrap_or(1);
                    let merge = tcpr
                        .child("w:vMerge")
                        .map(|m| m.attr("w:val").unwrap_or("continue").to_string());
                    let cell = (col, span, merge, tc.text());
                    col += span;
                    cell
                })
                .collect()
        })
        .collect()
}

/// The style sheet of a DOCX, to read formatting as Word does: attribute by attribute, the
/// run's or paragraph's own properties first, then the paragraph's style and the styles it is
/// based on (the default paragraph style when it names none), then the document defaults.
pub struct Styles {
    sheet: X,
}

impl Styles {
    pub fn of(docx: &[u8]) -> Styles {
        Styles {
            sheet: parse(&unzip(docx)["word/styles.xml"]),
        }
    }

    fn style(&self, id: &str) -> Option<&X> {
        self.sheet
            .children_named("w:style")
            .find(|s| s.attr("w:styleId") == Some(id))
    }

    /// The paragraph's style and every style it is based on, nearest first.
    fn chain(&self, p: &X) -> Vec<&X> {
        let named = p.prop("w:pPr", "w:pStyle", "w:val");
        let mut next = match named {
            Some(id) => Some(
                self.style(&id)
                    .unwrap_or_else(|| panic!("paragraph style {id} is not defined")),
            ),
            None => self.sheet.children_named("w:style").find(|s| {
                s.attr("w:type") == Some("paragraph") && s.attr("w:default") == Some("1")
            }),
        };
        let mut chain = Vec::new();
        while let Some(style) = next {
            assert!(chain.len() < 10, "basedOn loop");
            chain.push(style);
            next = style
                .prop_direct("w:basedOn")
                .map(|id| self.style(&id).expect("basedOn names a style"));
        }
        chain
    }

    /// A property as Word resolves it: `own` (the paragraph's or run's `props`), else the style
    /// chain of paragraph `p`, else the document default (`default_kind`).
    fn resolve(
        &self,
        own: &X,
        p: &X,
        props: &str,
        default_kind: &str,
        name: &str,
        attr: &str,
    ) -> Option<String> {
        own.prop(props, name, attr)
            .or_else(|| {
                self.chain(p)
                    .into_iter()
                    .find_map(|s| s.prop(props, name, attr))
            })
            .or_else(|| {
                self.sheet
                    .child("w:docDefaults")?
                    .child(default_kind)?
                    .child(props)?
                    .child(name)?
                    .attr(attr)
                    .map(str::to_string)
            })
    }

    /// A paragraph property (`w:jc` / `w:val`) in effect.
    pub fn para(&self, p: &X, name: &str, attr: &str) -> Option<String> {
        self.resolve(p, p, "w:pPr", "w:pPrDefault", name, attr)
    }

    /// Whether an on/off paragraph property (`w:keepNext`) is in effect.
    pub fn para_flag(&self, p: &X, name: &str) -> bool {
        p.child("w:pPr").and_then(|pr| pr.child(name)).is_some()
            || self
                .chain(p)
                .into_iter()
                .any(|s| s.child("w:pPr").and_then(|pr| pr.child(name)).is_some())
    }

    /// A run property (`w:rFonts` / `w:eastAsia`) in effect for a run of paragraph `p`.
    pub fn run(&self, p: &X, run: &X, name: &str, attr: &str) -> Option<String> {
        self.resolve(run, p, "w:rPr", "w:rPrDefault", name, attr)
    }
}

impl X {
    /// `w:val` of a direct child (`w:basedOn`).
    pub fn prop_direct(&self, name: &str) -> Option<String> {
        self.child(name)?.attr("w:val").map(str::to_string)
    }
}
