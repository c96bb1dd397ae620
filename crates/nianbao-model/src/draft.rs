//! What nianbao writes for a report beyond the office's own words, from the format's templates:
//! the outline of a new draft ([`draft_outline`], from which both `草稿.md` and `草稿.docx` are
//! made, so they say the same in the same order) and the 落款 of the filing document
//! ([`closing_lines`]).

use serde_json::{Map, Value};

use crate::format::{Format, TableSpec, chinese_numeral};
use crate::report::{Metadata, Report};
use crate::template::{self, TemplateError};
use crate::text::{parse_date_line, split_enumerator};

/// What a line of the draft outline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutlineKind {
    /// The title (`# `).
    Title,
    /// A note for the office (`> `): recognised when the draft is read, never filed.
    Note,
    /// A part heading (`## 一、总体情况`).
    Part,
    /// A line opening with a `（一）` enumerator: a sub-heading.
    SubHeading,
    /// A paragraph of text.
    Text,
    /// A line of the 落款, right-aligned.
    Closing,
}

/// One line of the draft outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineLine {
    pub kind: OutlineKind,
    pub text: String,
}

/// The outline of a new draft: the format's `draft.md.j2` rendered over the metadata, the parts
/// (each with its table's note, its draft text `part-<n>.j2` and its required items), then the
/// 落款 when the format asks for one or the date is known. Text naming a table value
/// (`{{ new_received.total }}`) stays as written: it is a placeholder for the office's draft.
pub fn draft_outline(format: &Format, meta: &Metadata) -> Result<Vec<OutlineLine>, TemplateError> {
    let report = Report {
        meta: meta.clone(),
        ..Report::default()
    };
    let meta_context = template::template_context(format, report.metadata_context());
    let mut context = meta_context.clone();
    if let Value::Object(root) = &mut context {
        root.insert(
            "title".into(),
            Value::from(format.title(&meta.org, meta.year)),
        );
        root.insert(
            "opening".into(),
            Value::from(format.render_template_keeping(template::OPENING, &meta_context)),
        );
        let mut parts: Vec<&crate::format::PartSpec> = format.parts.iter().collect();
        parts.sort_by_key(|p| p.number);
        let parts: Vec<Value> = parts
            .into_iter()
            .map(|part| {
                let mut p = Map::new();
                p.insert("number".into(), Value::from(part.number));
                p.insert("heading".into(), Value::from(part.heading.clone()));
                p.insert("full_heading".into(), Value::from(part.full_heading()));
                let table = part.table.as_deref().and_then(|id| format.table(id));
                p.insert(
                    "table".into(),
                    table.map_or(Value::Null, |t| {
                        let mut v = Map::new();
                        v.insert("name".into(), Value::from(t.name.clone()));
                        v.insert("title".into(), Value::from(t.title.clone()));
                        Value::Object(v)
                    }),
                );
                p.insert(
                    "example".into(),
                    table.and_then(example_value).unwrap_or(Value::Null),
                );
                let skeleton = format
                    .render_template_keeping(&template::part_skeleton(part.number), &meta_context);
                let lines: Vec<Value> = skeleton
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(Value::from)
                    .collect();
                p.insert("skeleton".into(), Value::Array(lines));
                let items: Vec<Value> = part
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let mut v = Map::new();
                        v.insert("numeral".into(), Value::from(chinese_numeral(i + 1)));
                        v.insert(
                            "heading".into(),
                            Value::from(item.heading_for(&meta_context)),
                        );
                        v.insert(
                            "skeleton".into(),
                            Value::from(template::render_text_keeping(
                                &item.skeleton,
                                &meta_context,
                            )),
                        );
                        Value::Object(v)
                    })
                    .collect();
                p.insert("items".into(), Value::Array(items));
                Value::Object(p)
            })
            .collect();
        root.insert("parts".into(), Value::Array(parts));
    }
    let text = format
        .render_template(template::DRAFT, &context)?
        .unwrap_or_default();
    let mut lines: Vec<OutlineLine> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(outline_line)
        .collect();
    if format.signature.is_some() || meta.date_chinese().is_some() {
        lines.extend(
            closing_lines(format, &report)?
                .into_iter()
                .map(|text| OutlineLine {
                    kind: OutlineKind::Closing,
                    text,
                }),
        );
    }
    Ok(lines)
}

/// The draft as Markdown: the outline with its marks (`# `, `## `, `> `), a blank line between
/// paragraphs.
pub fn draft_markdown(format: &Format, meta: &Metadata) -> Result<String, TemplateError> {
    let mut md = String::new();
    for line in draft_outline(format, meta)? {
        let mark = match line.kind {
            OutlineKind::Title => "# ",
            OutlineKind::Part => "## ",
            OutlineKind::Note => "> ",
            OutlineKind::SubHeading | OutlineKind::Text | OutlineKind::Closing => "",
        };
        md.push_str(mark);
        md.push_str(&line.text);
        md.push_str("\n\n");
    }
    Ok(md)
}

fn outline_line(line: &str) -> OutlineLine {
    let (kind, text) = if let Some(t) = line.strip_prefix("## ") {
        (OutlineKind::Part, t)
    } else if let Some(t) = line.strip_prefix("# ") {
        (OutlineKind::Title, t)
    } else if let Some(t) = line.strip_prefix("> ") {
        (OutlineKind::Note, t)
    } else if split_enumerator(line).0.is_some_and(|e| {
        e.starts_with('（')
            && e.chars()
                .nth(1)
                .is_some_and(|c| "一二三四五六七八九十".contains(c))
    }) {
        (OutlineKind::SubHeading, line)
    } else {
        (OutlineKind::Text, line)
    };
    OutlineLine {
        kind,
        text: text.trim().to_string(),
    }
}

/// How prose refers to a table value, for the draft's note: the first value of the table's last
/// field (its total, for tables 3 and 4) — `key` (`new_received.total`) and `label`.
fn example_value(spec: &TableSpec) -> Option<Value> {
    let last_field = spec.fields.last()?;
    let cells = spec.value_cells();
    let cell = cells
        .iter()
        .find(|v| v.key.field == last_field.key)
        .or(cells.first())?;
    let row = spec.row_display(&cell.key.row);
    let field = spec.field(&cell.key.field)?;
    let mut v = Map::new();
    v.insert("key".into(), Value::from(cell.key.to_string()));
    v.insert(
        "label".into(),
        Value::from(format!("{row}·{}", field.label)),
    );
    Some(Value::Object(v))
}

/// The 落款 of the filing document, one line per paragraph: the format's `closing.j2` over the
/// report's context with `signers` — the draft's own closing lines other than its date (a
/// department's two-line signature, say), or 机关名称 — and `date`, the 成文日期 of the metadata
/// (report.toml or the command line before the draft's own closing date). Empty when there is
/// nothing to sign: no date, no closing in the draft, and a format that does not ask for one.
pub fn closing_lines(format: &Format, report: &Report) -> Result<Vec<String>, TemplateError> {
    let date = report.meta.date_chinese();
    if date.is_none() && format.signature.is_none() && report.closing.is_empty() {
        return Ok(Vec::new());
    }
    let mut signers: Vec<String> = report
        .closing
        .iter()
        .flat_map(|p| {
            p.full_text()
                .lines()
                .map(|l| l.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|l| !l.is_empty())
        // The date is the metadata's: a date line of the draft is not signed twice.
        .filter(|l| date.is_none() || parse_date_line(l).is_none())
        .collect();
    if signers.is_empty() && !report.meta.org.trim().is_empty() {
        signers.push(report.meta.org.trim().to_string());
    }
    let mut context = template::template_context(format, report.metadata_context());
    if let Value::Object(root) = &mut context {
        root.insert("signers".into(), Value::from(signers));
    }
    let text = format
        .render_template(template::CLOSING, &context)?
        .unwrap_or_default();
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Paragraph;

    fn meta(date: Option<&str>) -> Metadata {
        Metadata {
            org: "某某县自然资源局".into(),
            year: 2024,
            date: date.map(str::to_string),
            ..Metadata::default()
        }
    }

    #[test]
    fn the_closing_is_signed_with_the_metadata_date() {
        let national = Format::national_2021();
        let mut report = Report {
            meta: meta(Some("2025-01-20")),
            ..Report::default()
        };
        assert_eq!(
            closing_lines(national, &report).unwrap(),
            vec!["某某县自然资源局", "2025年1月20日"]
        );
        // The draft's own closing: its signature lines stay, its date gives way to report.toml's.
        report.closing = vec![
            Paragraph::body("某某县自然资源局"),
            Paragraph::body("办公室"),
            Paragraph::body("2025年1月16日"),
        ];
        assert_eq!(
            closing_lines(national, &report).unwrap(),
            vec!["某某县自然资源局", "办公室", "2025年1月20日"]
        );
        // Nothing to sign.
        let bare = Report {
            meta: meta(None),
            ..Report::default()
        };
        assert!(closing_lines(national, &bare).unwrap().is_empty());
    }

    #[test]
    fn markdown_and_outline_say_the_same() {
        let format = Format::national_2021();
        let outline = draft_outline(format, &meta(None)).unwrap();
        let md = draft_markdown(format, &meta(None)).unwrap();
        for line in &outline {
            assert!(md.contains(&line.text), "{line:?}");
        }
        let parts: Vec<&str> = outline
            .iter()
            .filter(|l| l.kind == OutlineKind::Part)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[0], "一、总体情况");
        // Every note for the office is one the reader recognises and never files.
        for note in outline.iter().filter(|l| l.kind == OutlineKind::Note) {
            assert!(format.is_template_note(&note.text), "{}", note.text);
        }
        assert!(md.contains("{{ new_received.total }}"), "{md}");
        assert!(
            md.contains("本年度某某县自然资源局未收取信息处理费"),
            "{md}"
        );
    }
}
