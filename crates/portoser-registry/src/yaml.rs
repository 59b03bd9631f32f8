//! YAML → a spanned generic tree. serde stops at the first error, but portoser reports every
//! problem at once, so serde-saphyr only builds this tree (keeping every key and value with
//! its location); the typed model is read from the tree by hand in `load`.

use portoser_diag::{Diagnostic, FileId, SourceFile, Span};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Location, Spanned as SaphyrSpanned};
use std::fmt;

/// A YAML value with its byte span. Containers span from their first to their last token.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// In file order; duplicates are kept here and reported by the loader.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What a user would call this kind of value, for "expected X, found Y" messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a number",
            Value::Float(_) => "a decimal number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

impl Node {
    /// A scalar as text (`8080`, `true`, `web`), the way a user wrote it; None for containers.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }
}

/// What serde-saphyr gives us: its own spanned values, in characters (and bytes for strings).
enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<SaphyrSpanned<Raw>>),
    Map(Vec<(SaphyrSpanned<Raw>, SaphyrSpanned<Raw>)>),
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Int(i128::try_from(v).unwrap_or(i128::MAX)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

/// Limits that keep hostile files (alias bombs, deep nesting, huge documents) fast and small.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    // A registry nests about 5 levels; serde recursion per level is deep in debug builds,
    // so a low limit keeps hostile nesting an error instead of a stack overflow.
    budget.max_depth = 24;
    budget.max_nodes = 2_000_000;
    budget.max_events = 4_000_000;
    budget.max_documents = 1;
    budget.max_aliases = 10_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    // Duplicates reach our visitor, so the loader can point at both places.
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    options.alias_limits.max_total_replayed_events = 50_000;
    options.alias_limits.max_alias_expansions_per_anchor = 1_000;
    options.alias_limits.max_replay_stack_depth = 16;
    options
}

/// The outcome of parsing: a tree, an empty document, or a located syntax error.
pub enum Parsed {
    Tree(Node),
    Empty,
}

/// Parses `file`'s text. A syntax error or a budget breach is one located E0101 diagnostic.
pub fn parse(source: &SourceFile, file: FileId) -> Result<Parsed, Box<Diagnostic>> {
    let text: &str = &source.text;
    if text.trim().is_empty() {
        return Ok(Parsed::Empty);
    }
    match serde_saphyr::from_str_with_options::<SaphyrSpanned<Raw>>(text, options()) {
        Ok(raw) => {
            let conv = Converter { source, file };
            let node = conv.node(raw);
            if node.value == Value::Null {
                return Ok(Parsed::Empty);
            }
            Ok(Parsed::Tree(node))
        }
        Err(err) => Err(Box::new(syntax_error(source, file, &err))),
    }
}

fn syntax_error(source: &SourceFile, file: FileId, err: &serde_saphyr::Error) -> Diagnostic {
    let mut options = serde_saphyr::RenderOptions::default();
    options.snippets = serde_saphyr::SnippetMode::Off;
    let full = err.render_with_options(options);
    // The first line is the message; locations are shown by our own renderer.
    let first = full.lines().next().unwrap_or("invalid YAML").trim();
    let message = strip_location_suffix(first);
    let diagnostic = Diagnostic::error("E0101", format!("invalid YAML: {message}"));
    match err.location() {
        Some(loc) if loc != Location::UNKNOWN => {
            let start = byte_start(source, &loc);
            let end = next_char_end(&source.text, start);
            diagnostic.at(Span::new(file, start, end), "here")
        }
        _ => diagnostic.at(Span::new(file, 0, 0), "somewhere in this file"),
    }
}

/// serde-saphyr appends ` at line X column Y`; our renderer shows that itself.
fn strip_location_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn next_char_end(text: &str, start: usize) -> usize {
    text.get(start..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8())
}

/// Byte offset of a saphyr location. Saphyr counts characters; it also records bytes for
/// string input, and when it does not we go through line and column (both in characters).
fn byte_start(source: &SourceFile, loc: &Location) -> usize {
    if let Some(b) = loc.span().byte_offset() {
        return clamp(source, b);
    }
    let line = usize::try_from(loc.line()).unwrap_or(0);
    let col = usize::try_from(loc.column()).unwrap_or(0);
    source.offset_of(line, col).unwrap_or(0)
}

fn clamp(source: &SourceFile, b: u64) -> usize {
    let mut b = usize::try_from(b)
        .unwrap_or(usize::MAX)
        .min(source.text.len());
    while !source.text.is_char_boundary(b) {
        b -= 1;
    }
    b
}

struct Converter<'a> {
    source: &'a SourceFile,
    file: FileId,
}

impl Converter<'_> {
    fn scalar_span(&self, loc: &Location) -> (usize, usize) {
        let start = byte_start(self.source, loc);
        let len = loc.span().byte_len().unwrap_or(0);
        let end = clamp(self.source, (start as u64).saturating_add(len));
        (start, end.max(start))
    }

    fn node(&self, raw: SaphyrSpanned<Raw>) -> Node {
        let (start, own_end) = self.scalar_span(&raw.referenced);
        let (value, end) = match raw.value {
            Raw::Null => (Value::Null, own_end),
            Raw::Bool(b) => (Value::Bool(b), own_end),
            Raw::Int(i) => (Value::Int(i), own_end),
            Raw::Float(f) => (Value::Float(f), own_end),
            Raw::Str(s) => (Value::Str(s), own_end),
            Raw::Seq(items) => {
                let items: Vec<Node> = items.into_iter().map(|i| self.node(i)).collect();
                let end = items
                    .iter()
                    .map(|n| n.span.end as usize)
                    .fold(own_end, usize::max);
                (Value::Seq(items), end)
            }
            Raw::Map(entries) => {
                let entries: Vec<(Node, Node)> = entries
                    .into_iter()
                    .map(|(k, v)| (self.node(k), self.node(v)))
                    .collect();
                let end = entries
                    .iter()
                    .map(|(k, v)| (k.span.end as usize).max(v.span.end as usize))
                    .fold(own_end, usize::max);
                (Value::Map(entries), end)
            }
        };
        Node {
            value,
            span: Span::new(self.file, start, end),
        }
    }
}

#[cfg(test)]
mod tests;
