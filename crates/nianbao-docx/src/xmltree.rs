//! A minimal, lossless XML tree: the parts of an office's reference DOCX (`reference`) are read
//! and changed with it, and in tests the tree form of the post-processing pass is the reference
//! the streaming pass in `package` must match byte for byte.
//!
//! Text and attribute values are kept exactly as escaped in the source, so writing a tree back
//! never changes a character we did not mean to touch. Only what OOXML parts contain is
//! supported (elements, text, entity references, one declaration); comments and processing
//! instructions are dropped, which Word parts never need.

use quick_xml::Reader;
use quick_xml::events::Event;

/// A node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Element(Element),
    /// Text as escaped in the source (`a &amp; b`).
    Text(String),
}

/// An element with its qualified name (`w:rPr`), raw attributes and children.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element {
    pub name: String,
    /// `(qualified name, escaped value)` in source order.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    /// The value of an attribute, as escaped in the source.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child element of a name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    pub fn new(name: &str) -> Element {
        Element {
            name: name.to_string(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element> {
        self.children.iter_mut().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Visits this element and every descendant, parents before children.
    pub fn walk_mut(&mut self, visit: &mut dyn FnMut(&mut Element)) {
        visit(self);
        for child in self.elements_mut() {
            child.walk_mut(visit);
        }
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            out.push_str(v);
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for child in &self.children {
            match child {
                Node::Element(e) => e.write(out),
                Node::Text(t) => out.push_str(t),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// How deep elements may nest: Word parts nest a few dozen levels; a foreign file nesting
/// deeper is refused rather than recursed through (writing and dropping a tree recurse).
const MAX_DEPTH: usize = 256;

/// Parses a part into its root element. The declaration is not kept: [`to_xml`] writes the
/// standard one.
pub(crate) fn parse(xml: &[u8]) -> Result<Element, String> {
    let text = std::str::from_utf8(xml).map_err(|e| format!("不是 UTF-8 文本：{e}"))?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML 解析失败（位置 {}）：{e}", reader.buffer_position()))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err("根元素之后还有内容".to_string());
            }
            Event::Start(_) if stack.len() >= MAX_DEPTH => {
                return Err(format!("元素嵌套超过 {MAX_DEPTH} 层"));
            }
            Event::Start(start) => stack.push(element_of(&start)?),
            Event::Empty(start) => {
                let element = element_of(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(element)),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or("多余的结束标记")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(element)),
                    None => root = Some(element),
                }
            }
            Event::Text(t) => {
                if let Some(parent) = stack.last_mut() {
                    push_text(parent, &String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(parent) = stack.last_mut() {
                    push_text(parent, &format!("&{};", String::from_utf8_lossy(&r)));
                }
            }
            Event::CData(c) => {
                if let Some(parent) = stack.last_mut() {
                    let escaped = quick_xml::escape::escape(String::from_utf8_lossy(&c));
                    push_text(parent, &escaped);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("元素未闭合".to_string());
    }
    root.ok_or_else(|| "没有根元素".to_string())
}

fn push_text(parent: &mut Element, text: &str) {
    if let Some(Node::Text(last)) = parent.children.last_mut() {
        last.push_str(text);
    } else {
        parent.children.push(Node::Text(text.to_string()));
    }
}

fn element_of(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let mut element = Element::new(&String::from_utf8_lossy(start.name().as_ref()));
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("属性无法解析：{e}"))?;
        element.attrs.push((
            String::from_utf8_lossy(attr.key.as_ref()).into_owned(),
            String::from_utf8_lossy(&attr.value).into_owned(),
        ));
    }
    Ok(element)
}

/// Writes a part with the standard declaration.
pub(crate) fn to_xml(root: &Element) -> Vec<u8> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n");
    root.write(&mut out);
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_escapes_and_attributes() {
        let xml = r#"<?xml version="1.0"?><w:p a="x &amp; y"><w:t xml:space="preserve">a &lt; b&#xA;c</w:t><w:br/></w:p>"#;
        let root = parse(xml.as_bytes()).unwrap();
        let out = String::from_utf8(to_xml(&root)).unwrap();
        assert!(out.ends_with(
            r#"<w:p a="x &amp; y"><w:t xml:space="preserve">a &lt; b&#xA;c</w:t><w:br/></w:p>"#
        ));
    }

    #[test]
    fn broken_xml_is_an_error_not_a_panic() {
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"<a>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(&[0xff, 0xfe]).is_err());
    }
}
