//! The words nianbao writes for a format, as templates, and the one template environment.
//!
//! Every text nianbao writes of its own — the opening paragraph, the standard sentences of a
//! part (the part-六 fee sentence), the 落款, the draft outline that both `草稿.md` and
//! `草稿.docx` are made from, the workbook's 填写说明 — is a template file under
//! `templates/<format id>/` at the top of the workspace. `build.rs` compiles them into the crate
//! ([`builtin`]), so the program runs from anywhere. A [`crate::Format`] holds its templates by
//! name ([`crate::Format::template`]); a regional overlay adds or replaces some
//! (`FormatOverlay::templates`; its older `opening` and part `skeleton` fields are shorthands for
//! [`OPENING`] and [`part_skeleton`]).
//!
//! One environment ([`environment`]) renders all of them and the draft's placeholders: undefined
//! names are errors (strict), nothing is HTML-escaped, every render runs with a fuel limit, and a
//! statement on a line of its own leaves no blank line (`trim_blocks`, `lstrip_blocks`). Each
//! format compiles its templates into its own instance once ([`crate::Format::derived`]).

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::{Map, Value};

use crate::format::{Format, chinese_numeral};

include!(concat!(env!("OUT_DIR"), "/builtin_templates.rs"));

/// The opening paragraph of the filing document, over the report's context.
pub const OPENING: &str = "opening.j2";
/// The 落款: `signers` (lines) and `date`, one line per paragraph.
pub const CLOSING: &str = "closing.j2";
/// The outline of a new draft (Markdown; the DOCX draft is drawn from the same lines).
pub const DRAFT: &str = "draft.md.j2";
/// The 填写说明 of the workbook's 基本信息 sheet.
pub const WORKBOOK_NOTES: &str = "workbook-notes.j2";

/// The draft text of part `number` (`part-6.j2`: the fee sentence), over the metadata.
pub fn part_skeleton(number: u8) -> String {
    format!("part-{number}.j2")
}

/// Instructions one render may execute. The longest template (the draft outline over six parts
/// and their items) needs a few thousand; a draft paragraph of placeholders a few dozen. A
/// template that loops without end stops here.
pub const FUEL: u64 = 50_000;

/// The template environment every text of nianbao is rendered with (see the module docs).
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(FUEL));
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env
}

/// The built-in templates of a format (`national-2021`), by name, from `templates/<id>/`.
pub fn builtin(format_id: &str) -> BTreeMap<String, String> {
    BUILTIN_TEMPLATES
        .iter()
        .filter(|(format, _, _)| *format == format_id)
        .map(|(_, name, text)| (name.to_string(), text.to_string()))
        .collect()
}

/// Every built-in template: (format id, name, text), in name order.
pub fn builtin_all() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    BUILTIN_TEMPLATES.iter().copied()
}

/// A template of a format that could not be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("格式“{format}”的模板 {name} 无法展开：{message}")]
pub struct TemplateError {
    pub format: String,
    pub name: String,
    pub message: String,
}

/// A format's templates compiled into an environment, made once per format.
pub(crate) struct Compiled {
    env: Environment<'static>,
    /// Templates that do not compile, with the reason (reported by `Format::check`).
    pub(crate) problems: Vec<String>,
}

impl Compiled {
    pub(crate) fn new(templates: &BTreeMap<String, String>) -> Compiled {
        let mut env = environment();
        let mut problems = Vec::new();
        for (name, text) in templates {
            if let Err(e) = env.add_template_owned(name.clone(), text.clone()) {
                problems.push(format!("模板 {name} 有误：{}", reason(&e)));
            }
        }
        Compiled { env, problems }
    }
}

/// A minijinja error in a sentence (its detail and line when it has them).
fn reason(e: &minijinja::Error) -> String {
    let detail = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.to_string());
    match e.line() {
        Some(line) => format!("第{line}行：{detail}"),
        None => detail,
    }
}

impl Format {
    /// The text of one of the format's templates.
    pub fn template(&self, name: &str) -> Option<&str> {
        self.templates.get(name).map(String::as_str)
    }

    /// Renders a template of the format over `context` (see [`template_context`]). `Ok(None)`
    /// when the format has no template of that name. The text has no trailing line breaks.
    pub fn render_template(
        &self,
        name: &str,
        context: &Value,
    ) -> Result<Option<String>, TemplateError> {
        if !self.templates.contains_key(name) {
            return Ok(None);
        }
        let compiled = self.derived(|f| Compiled::new(&f.templates));
        let error = |message: String| TemplateError {
            format: self.id.clone(),
            name: name.to_string(),
            message,
        };
        let template = compiled
            .env
            .get_template(name)
            .map_err(|e| error(reason(&e)))?;
        let text = template.render(context).map_err(|e| error(reason(&e)))?;
        Ok(Some(text.trim_end().to_string()))
    }

    /// Renders a template whose text may name table values the context does not have yet (a
    /// draft's `{{ new_received.total }}`): such a text is kept as written, for the office's
    /// draft. Empty when the format has no such template.
    pub fn render_template_keeping(&self, name: &str, context: &Value) -> String {
        match self.render_template(name, context) {
            Ok(text) => text.unwrap_or_default(),
            Err(_) => self
                .template(name)
                .unwrap_or_default()
                .trim_end()
                .to_string(),
        }
    }
}

/// Renders a text the format holds as data (an item's heading or draft text from a plugin) in
/// the one environment; a text that does not render (it names a value not known yet) is kept
/// as written.
pub fn render_text_keeping(text: &str, context: &Value) -> String {
    if !text.contains("{{") && !text.contains("{%") {
        return text.to_string();
    }
    environment()
        .render_str(text, context)
        .unwrap_or_else(|_| text.to_string())
}

/// The context every template sees: the report's ([`crate::Report::template_context`]: `org`,
/// `year`, `date`, `region`, `contact` and the values) plus `format` (`id`, `name`) and
/// `parts` (each `number`, `numeral`, `heading`, `full_heading`).
pub fn template_context(format: &Format, mut report_context: Value) -> Value {
    let parts: Vec<Value> = format
        .parts
        .iter()
        .map(|p| {
            let mut part = Map::new();
            part.insert("number".into(), Value::from(p.number));
            part.insert(
                "numeral".into(),
                Value::from(chinese_numeral(p.number as usize)),
            );
            part.insert("heading".into(), Value::from(p.heading.clone()));
            part.insert("full_heading".into(), Value::from(p.full_heading()));
            Value::Object(part)
        })
        .collect();
    if let Value::Object(root) = &mut report_context {
        let mut f = Map::new();
        f.insert("id".into(), Value::from(format.id.clone()));
        f.insert("name".into(), Value::from(format.name.clone()));
        root.insert("format".into(), Value::Object(f));
        root.insert("parts".into(), Value::Array(parts));
    }
    report_context
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_templates_are_built_in() {
        let names: Vec<String> = builtin(crate::NATIONAL_2021).into_keys().collect();
        for name in [OPENING, CLOSING, DRAFT, WORKBOOK_NOTES, "part-6.j2"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        assert!(builtin("no-such-format").is_empty());
    }

    #[test]
    fn strict_and_fuel_limited() {
        let env = environment();
        assert!(env.render_str("{{ nothing }}", ()).is_err());
        let looping =
            "{% for i in range(100000) %}{% for j in range(100) %}x{% endfor %}{% endfor %}";
        let err = env.render_str(looping, ()).map(|_| ()).unwrap_err();
        assert_eq!(err.kind(), minijinja::ErrorKind::OutOfFuel);
        assert_eq!(
            env.render_str("<{{ a }}>", minijinja::context! { a => "&" })
                .ok()
                .as_deref(),
            Some("<&>")
        );
    }
}
