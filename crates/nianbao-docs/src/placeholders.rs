//! Placeholders in draft prose (`{{ new_received.total }}`, `{{ org }}`), rendered with the one
//! template environment (`nianbao_model::template::environment`) over `Report::template_context_of()` (the rows the placeholders name): strict about
//! undefined names, no HTML escaping.
//! A paragraph with any problem is left exactly as written and the problem is reported with the
//! paragraph's place and the placeholder's text.
//!
//! A draft is untrusted input, so only `{{ … }}` placeholders are accepted, each a name or a
//! `row.field` key, optionally followed by filters whose arguments are string literals or small
//! integers (`{{ contact | join("，") }}`). A filter the engine does not have is reported as
//! such (`draft.placeholder_filter`), not as missing data. Statements and comments (`{% … %}`, `{# … #}`) are
//! never run: a paragraph holding one is reported as `draft.placeholder_syntax` and left as
//! written. The engine also runs with a fuel limit, as a second guard against runaway templates.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use minijinja::{Environment, ErrorKind};
use nianbao_model::{Finding, Format, Paragraph, Report};
use regex::Regex;

/// The documented placeholder names of a format, with a Chinese description: the metadata,
/// then every table value as `row.field` in the format's order.
pub fn placeholder_names(format: &Format) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = [
        ("org", "机关名称"),
        ("year", "报告年度（如 2024）"),
        ("date", "成文日期（如“2025年1月16日”）"),
        ("region", "地区"),
        (
            "contact",
            "联系方式（多项，可写作 {{ contact | join(\"，\") }}）",
        ),
    ]
    .iter()
    .map(|(n, d)| (n.to_string(), d.to_string()))
    .collect();
    for key in format.value_keys() {
        names.push((key.to_string(), format.value_label(&key)));
    }
    names
}

/// The one template environment (strict, no escaping, fuel-limited: a template that loops is
/// stopped even if it got past the syntax check).
fn environment() -> Environment<'static> {
    nianbao_model::template::environment()
}

/// The one form a placeholder's expression may take: a name or `row.field`, then optional
/// filters with string or small-integer arguments.
fn allowed_expression_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        let name = r"[A-Za-z_][A-Za-z0-9_]*";
        let arg = r#"(?:"[^"\\]*"|'[^'\\]*'|-?[0-9]{1,3})"#;
        Regex::new(&format!(
            r"^{name}(?:\.{name})?(?:\s*\|\s*{name}(?:\(\s*(?:{arg}(?:\s*,\s*{arg})*)?\s*\))?)*$"
        ))
        .ok()
    })
    .as_ref()
}

/// The first statement or comment tag (`{% … %}`, `{# … #}`) in a text, as written (up to its
/// closing marker, or its first 40 characters when it is not closed).
fn first_block_tag(text: &str) -> Option<String> {
    let start = [text.find("{%"), text.find("{#")]
        .into_iter()
        .flatten()
        .min()?;
    let rest = text.get(start..)?;
    let closer = if rest.starts_with("{%") { "%}" } else { "#}" };
    let tag = match rest.get(2..).and_then(|r| r.find(closer)) {
        Some(end) => rest.get(..end + 4).unwrap_or(rest).to_string(),
        None => rest.chars().take(40).collect(),
    };
    Some(if tag.chars().count() > 60 {
        let head: String = tag.chars().take(60).collect();
        format!("{head}…")
    } else {
        tag
    })
}

fn expression_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{\{-?\s*(.*?)\s*-?\}\}").ok())
        .as_ref()
}

/// Renders placeholders in the report's prose (`{{ new_received.total }}`, `{{ org }}`,
/// `{{ year }}`, every `row.field` key of the format; the context is
/// `Report::template_context_of` the rows the placeholders name), in place. Strict: an unknown placeholder or a template syntax error is an error finding
/// (`draft.placeholder_unknown` / `draft.placeholder_syntax`) naming the paragraph (its `source`
/// location) and the placeholder; the paragraph is left as written. A placeholder whose value
/// is not filled in (`{{ date }}` without a date) is `draft.placeholder_empty`.
pub fn render_placeholders(report: &mut Report) -> Vec<Finding> {
    let templated: Vec<&str> = report
        .opening
        .iter()
        .chain(report.parts.iter().flat_map(|p| p.paragraphs.iter()))
        .chain(report.closing.iter())
        .flat_map(|p| p.run_in.iter().chain(std::iter::once(&p.text)))
        .map(String::as_str)
        .filter(|t| has_template(t))
        .collect();
    // Most drafts have no placeholder: then no context is built.
    if templated.is_empty() {
        return Vec::new();
    }
    // The context holds the values of only the rows the placeholders name (a draft names a few
    // dozen of the hundreds); the other values are not converted.
    let named: BTreeSet<&str> = templated
        .iter()
        .flat_map(|text| expressions(text))
        .map(|(_, expr)| root_name(expr))
        .collect();
    let context =
        minijinja::Value::from_serialize(report.template_context_of(|row| named.contains(row)));
    let env = environment();
    let mut findings = Vec::new();
    let paragraphs = report
        .opening
        .iter_mut()
        .chain(
            report
                .parts
                .iter_mut()
                .flat_map(|p| p.paragraphs.iter_mut()),
        )
        .chain(report.closing.iter_mut());
    for paragraph in paragraphs {
        render_paragraph(&env, &context, paragraph, &mut findings);
    }
    findings
}

/// The placeholders of a text: each as written (`{{ org }}`) and its expression (`org`).
fn expressions(text: &str) -> impl Iterator<Item = (&str, &str)> {
    expression_re()
        .into_iter()
        .flat_map(move |re| re.captures_iter(text))
        .filter_map(|caps| Some((caps.get(0)?.as_str(), caps.get(1)?.as_str())))
}

/// The name an expression starts from: `new_received` of `new_received.total | default(0)`.
fn root_name(expr: &str) -> &str {
    let name = expr.split('|').next().unwrap_or_default();
    name.split('.').next().unwrap_or_default().trim()
}

fn has_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

fn render_paragraph(
    env: &Environment,
    context: &minijinja::Value,
    paragraph: &mut Paragraph,
    findings: &mut Vec<Finding>,
) {
    let run_in = paragraph.run_in.clone().unwrap_or_default();
    if !has_template(&paragraph.text) && !has_template(&run_in) {
        return;
    }
    let mut problems: Vec<Finding> = Vec::new();
    if let Some(tag) = first_block_tag(&run_in).or_else(|| first_block_tag(&paragraph.text)) {
        // Template logic is never run: the paragraph is reported and left as written.
        problems.push(block_finding(&tag));
    } else {
        for part in [run_in.as_str(), paragraph.text.as_str()] {
            for (whole, expr) in expressions(part) {
                check_expression(env, context, whole, expr, &mut problems);
            }
        }
    }
    let mut rendered = Vec::new();
    if problems.is_empty() {
        for part in [run_in.as_str(), paragraph.text.as_str()] {
            match env.render_str(part, context) {
                Ok(text) => rendered.push(text),
                // Each placeholder was checked above and statements were refused; this catches
                // the rest (an unclosed `{{ org }`, a filter failing on its value, fuel).
                Err(e) => {
                    problems.push(problem_finding(&e, part));
                    break;
                }
            }
        }
    }
    if !problems.is_empty() {
        findings.extend(problems.into_iter().map(|f| match &paragraph.source {
            Some(loc) => f.at(loc.clone()),
            None => f,
        }));
        return;
    }
    let mut rendered = rendered.into_iter();
    let (new_run_in, new_text) = (rendered.next(), rendered.next());
    if paragraph.run_in.is_some() {
        paragraph.run_in = new_run_in;
    }
    if let Some(text) = new_text {
        paragraph.text = text;
    }
}

fn check_expression(
    env: &Environment,
    context: &minijinja::Value,
    whole: &str,
    expr: &str,
    problems: &mut Vec<Finding>,
) {
    let mut report = |f: Finding| problems.push(f);
    let name = expr.split('|').next().unwrap_or(expr).trim();
    if !allowed_expression_re().is_some_and(|re| re.is_match(expr.trim())) {
        report(form_finding(whole));
        return;
    }
    let compiled = match env.compile_expression(expr) {
        Ok(c) => c,
        Err(e) if e.kind() == ErrorKind::UnknownFilter => {
            report(filter_finding(env, whole, expr));
            return;
        }
        Err(e) => {
            report(syntax_finding(whole, &e));
            return;
        }
    };
    match compiled.eval(context) {
        Ok(v) if v.is_undefined() => report(unknown_finding(whole, name)),
        Ok(v) if v.is_none() => report(
            Finding::error(
                "draft.placeholder_empty",
                format!("占位符“{whole}”没有可用的值（“{name}”未填写），该段保持原样"),
            )
            .expected_found(format!("“{name}”的值"), format!("{whole}（未填写）"))
            .hint(if name.contains('.') {
                "该数值在统计表中未填写：请先在统计表中填写（没有发生的填 0）。"
            } else {
                "请在报告信息中填写该项（如成文日期 date），或删去该占位符。"
            }),
        ),
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::SyntaxError => report(syntax_finding(whole, &e)),
        // The data is there; what it is given to is not (`{{ org|truncate(5) }}`).
        Err(e) if e.kind() == ErrorKind::UnknownFilter => report(filter_finding(env, whole, expr)),
        Err(_) => report(unknown_finding(whole, name)),
    }
}

/// The first filter of an expression the engine does not have (`truncate` of
/// `org|truncate(5)`), found by trying each alone.
fn unknown_filter(env: &Environment, expr: &str) -> Option<String> {
    expr.split('|').skip(1).find_map(|filter| {
        let name = filter.split('(').next().unwrap_or_default().trim();
        let unknown = match env.compile_expression(&format!("none|{name}")) {
            Err(e) => e.kind() == ErrorKind::UnknownFilter,
            Ok(c) => c
                .eval(())
                .is_err_and(|e| e.kind() == ErrorKind::UnknownFilter),
        };
        unknown.then(|| name.to_string())
    })
}

/// A placeholder naming a filter that does not exist: the data is not to blame.
fn filter_finding(env: &Environment, whole: &str, expr: &str) -> Finding {
    let message = match unknown_filter(env, expr) {
        Some(f) => format!("占位符“{whole}”无法替换：没有名为“{f}”的过滤器，该段保持原样"),
        None => format!("占位符“{whole}”无法替换：其中的过滤器不存在，该段保持原样"),
    };
    Finding::error("draft.placeholder_filter", message)
        .expected_found(
            "已有的过滤器，如 join、upper、lower、default",
            whole.to_string(),
        )
        .hint(
            "过滤器写在“|”之后，如 {{ contact | join(\"，\") }}；不需要时删去“|”及其后的部分即可。",
        )
}

fn unknown_finding(whole: &str, name: &str) -> Finding {
    Finding::error(
        "draft.placeholder_unknown",
        format!(
            "占位符“{whole}”无法替换：没有名为“{name}”的数据（名称拼写有误，或该数值尚未导入），该段保持原样"
        ),
    )
    .expected_found("已知的占位符名称，如 org、year、new_received.total", whole.to_string())
    .hint("可用的名称为 org、year、date、region、contact 及各表数值的“行键.列键”（如 new_received.total、review.total）；请核对拼写并确认统计表已导入。")
}

fn syntax_finding(whole: &str, error: &minijinja::Error) -> Finding {
    let detail = error.detail().unwrap_or("无法解析").to_string();
    Finding::error(
        "draft.placeholder_syntax",
        format!("占位符“{whole}”写法有误（{detail}），该段保持原样"),
    )
    .expected_found("{{ 名称 }}，如 {{ new_received.total }}", whole.to_string())
    .hint("占位符用两对花括号括住名称，如 {{ org }}；花括号须成对、用半角字符。")
}

/// A placeholder that is not a name or `row.field` (an expression, a call, a non-ASCII name).
fn form_finding(whole: &str) -> Finding {
    Finding::error(
        "draft.placeholder_syntax",
        format!(
            "占位符“{whole}”写法有误（只能写名称或“行键.列键”，可加过滤器，不能写运算或函数调用），该段保持原样"
        ),
    )
    .expected_found("{{ 名称 }}，如 {{ new_received.total }}", whole.to_string())
    .hint("占位符用两对花括号括住名称，如 {{ org }}、{{ new_received.total }}；名称用半角英文字母、数字和下划线。")
}

/// A statement or comment tag: drafts may hold placeholders only, never template logic.
fn block_finding(tag: &str) -> Finding {
    Finding::error(
        "draft.placeholder_syntax",
        format!(
            "段落中含有模板语句“{tag}”：草稿中只能使用 {{{{ 名称 }}}} 形式的占位符，不能使用 {{% … %}} 语句或 {{# … #}} 注释，该段保持原样"
        ),
    )
    .expected_found("{{ 名称 }}，如 {{ new_received.total }}", tag.to_string())
    .hint("请删去该语句，需要随数据变化的文字请直接写成占位符或定稿后的文字。")
}

fn problem_finding(error: &minijinja::Error, text: &str) -> Finding {
    let excerpt: String = text.chars().take(40).collect();
    match error.kind() {
        ErrorKind::UnknownFilter => filter_finding(&environment(), &excerpt, ""),
        ErrorKind::UndefinedError | ErrorKind::UnknownFunction => {
            unknown_finding(&excerpt, error.detail().unwrap_or("未知名称"))
        }
        ErrorKind::OutOfFuel => Finding::error(
            "draft.placeholder_syntax",
            format!("段落“{excerpt}”中的占位符过于复杂，无法在限定步数内替换，该段保持原样"),
        )
        .expected_found("{{ 名称 }}，如 {{ new_received.total }}", excerpt.clone())
        .hint("占位符只写名称，如 {{ org }}、{{ new_received.total }}。"),
        _ => syntax_finding(&excerpt, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_filter_is_not_blamed_on_the_data() {
        let mut report = Report::new("某某县自然资源局", 2024);
        report.opening = vec![
            Paragraph::body("本机关为{{ org|truncate(5) }}。"),
            Paragraph::body("{{ org | upper | nosuch }}"),
        ];
        let findings = render_placeholders(&mut report);
        let messages: Vec<(&str, &str)> = findings
            .iter()
            .map(|f| (f.rule.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].0 == "draft.placeholder_filter"
                && messages[0].1.contains("没有名为“truncate”的过滤器")
                && !messages[0].1.contains("数据"),
            "{messages:?}"
        );
        assert!(messages[1].1.contains("“nosuch”"), "{messages:?}");
        // A known filter still renders.
        report.opening = vec![Paragraph::body("{{ org | upper }}")];
        assert!(render_placeholders(&mut report).is_empty());
    }
}
