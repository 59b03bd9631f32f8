//! Reading one YAML map by hand: every problem is reported and the rest still read.
//! Unknown keys are warnings with did-you-mean; duplicates are errors pointing at both keys.

use crate::model::{Duration, SString};
use crate::yaml::{Node, Value};
use portoser_diag::{Diagnostic, Diagnostics, Span, Spanned, did_you_mean};
use std::collections::HashMap;

/// One `key: value` of a map whose key is a string.
pub(crate) struct Entry<'n> {
    pub key: &'n Node,
    pub name: &'n str,
    pub value: &'n Node,
}

/// The keys of one map, looked up by name (first occurrence wins; later ones are reported).
pub(crate) struct Fields<'n> {
    entries: HashMap<&'n str, (&'n Node, &'n Node)>,
}

/// Reports "expected X, found Y" at `node`.
pub(crate) fn type_error(diags: &mut Diagnostics, node: &Node, what: &str, expected: &str) {
    diags.push(
        Diagnostic::error("E0103", format!("{what} must be {expected}"))
            .at(node.span, format!("this is {}", node.value.kind())),
    );
}

/// The entries of a map node in file order, with duplicate and non-string keys reported.
/// Returns None (after an E0103) when `node` is not a map; `null` reads as an empty map.
pub(crate) fn entries<'n>(
    node: &'n Node,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<Entry<'n>>> {
    let list = match &node.value {
        Value::Map(list) => list,
        Value::Null => return Some(Vec::new()),
        _ => {
            type_error(diags, node, what, "a map");
            return None;
        }
    };
    let mut seen: HashMap<&str, Span> = HashMap::with_capacity(list.len());
    let mut out = Vec::with_capacity(list.len());
    for (key, value) in list {
        let Value::Str(name) = &key.value else {
            type_error(diags, key, &format!("a key in {what}"), "a name");
            continue;
        };
        if let Some(first) = seen.get(name.as_str()) {
            diags.push(
                Diagnostic::error("E0106", format!("`{name}` is defined twice in {what}"))
                    .at(key.span, "defined again here")
                    .with_label(*first, "first defined here")
                    .with_help("remove one of the two entries"),
            );
            continue;
        }
        seen.insert(name, key.span);
        out.push(Entry {
            key,
            name: name.as_str(),
            value,
        });
    }
    Some(out)
}

impl<'n> Fields<'n> {
    /// Reads a map whose valid keys are `allowed`; unknown keys are W0101 warnings.
    pub(crate) fn new(
        node: &'n Node,
        what: &str,
        allowed: &[&'static str],
        diags: &mut Diagnostics,
    ) -> Option<Fields<'n>> {
        let list = entries(node, what, diags)?;
        let mut map = HashMap::with_capacity(list.len());
        for e in list {
            if !allowed.contains(&e.name) {
                let suggestion = did_you_mean(e.name, allowed.iter().copied());
                diags.push(
                    Diagnostic::warning("W0101", format!("unknown key `{}` in {what}", e.name))
                        .at(e.key.span, "portoser does not know this key and ignores it")
                        .with_suggestion(suggestion),
                );
                continue;
            }
            map.insert(e.name, (e.key, e.value));
        }
        Some(Fields { entries: map })
    }

    /// The value of `key`, unless absent or written as nothing (`key:`).
    pub(crate) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .get(key)
            .map(|(_, v)| *v)
            .filter(|v| v.value != Value::Null)
    }

    pub(crate) fn string(&self, key: &str, diags: &mut Diagnostics) -> Option<SString> {
        let node = self.get(key)?;
        string(node, &format!("`{key}`"), diags)
    }

    pub(crate) fn port(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<u16>> {
        port(self.get(key)?, &format!("`{key}`"), diags)
    }

    pub(crate) fn count(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<u32>> {
        let node = self.get(key)?;
        match &node.value {
            Value::Int(i) if (0..=i128::from(u32::MAX)).contains(i) => {
                Some(Spanned::new(*i as u32, node.span))
            }
            Value::Int(_) => {
                invalid(
                    diags,
                    node,
                    &format!("`{key}` is out of range"),
                    "not a count",
                );
                None
            }
            _ => {
                type_error(diags, node, &format!("`{key}`"), "a whole number");
                None
            }
        }
    }

    pub(crate) fn boolean(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<bool>> {
        let node = self.get(key)?;
        match &node.value {
            Value::Bool(b) => Some(Spanned::new(*b, node.span)),
            _ => {
                type_error(diags, node, &format!("`{key}`"), "`true` or `false`");
                None
            }
        }
    }

    pub(crate) fn duration(&self, key: &str, diags: &mut Diagnostics) -> Option<Spanned<Duration>> {
        let node = self.get(key)?;
        let parsed = match &node.value {
            Value::Int(i) => u64::try_from(*i).ok().and_then(|s| s.checked_mul(1000)),
            Value::Str(s) => Duration::parse(s).map(|d| d.millis),
            _ => None,
        };
        match parsed {
            Some(millis) => Some(Spanned::new(Duration { millis }, node.span)),
            None => {
                diags.push(
                    Diagnostic::error("E0127", format!("`{key}` is not a duration"))
                        .at(node.span, "not a duration")
                        .with_help("write a duration such as `500ms`, `10s`, `2m` or `1h`"),
                );
                None
            }
        }
    }

    pub(crate) fn strings(&self, key: &str, diags: &mut Diagnostics) -> Vec<SString> {
        let Some(node) = self.get(key) else {
            return Vec::new();
        };
        let what = format!("`{key}`");
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|i| string(i, &what, diags))
                .collect(),
            _ => {
                type_error(diags, node, &what, "a list of names");
                Vec::new()
            }
        }
    }

    /// A closed set of words (`deployment_type`, `on_failure` ...), reported with `code`.
    pub(crate) fn choice<T: Copy>(
        &self,
        key: &str,
        noun: &str,
        code: &'static str,
        valid: &[(T, &'static str)],
        diags: &mut Diagnostics,
    ) -> Option<Spanned<T>> {
        let text = self.string(key, diags)?;
        if let Some((value, _)) = valid.iter().find(|(_, name)| *name == text.value) {
            return Some(Spanned::new(*value, text.span));
        }
        let names: Vec<&str> = valid.iter().map(|(_, n)| *n).collect();
        diags.push(
            Diagnostic::error(code, format!("unknown {noun} `{}`", text.value))
                .at(text.span, format!("not one of {}", names.join(", ")))
                .with_suggestion(did_you_mean(&text.value, names.iter().copied())),
        );
        None
    }
}

pub(crate) fn invalid(diags: &mut Diagnostics, node: &Node, message: &str, label: &str) {
    diags.push(Diagnostic::error("E0127", message.to_string()).at(node.span, label.to_string()));
}

/// A string; plain numbers are read as their text (`mount: 2`), other kinds are errors.
pub(crate) fn string(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<SString> {
    match &node.value {
        Value::Str(s) => Some(Spanned::new(s.clone(), node.span)),
        Value::Int(i) => Some(Spanned::new(i.to_string(), node.span)),
        _ => {
            type_error(diags, node, what, "a string");
            None
        }
    }
}

/// A TCP port: a number or a numeric string between 1 and 65535.
pub(crate) fn port(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<Spanned<u16>> {
    let number = match &node.value {
        Value::Int(i) => Some(*i),
        Value::Str(s)
            if !s.is_empty() && s.len() <= 30 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse::<i128>().ok()
        }
        Value::Float(f) if f.is_finite() && *f >= 1.0 => Some(i128::MAX),
        _ => None,
    };
    match number {
        Some(n) if (1..=65535).contains(&n) => Some(Spanned::new(n as u16, node.span)),
        Some(_) => {
            let text = node.scalar_text().unwrap_or_default();
            diags.push(
                Diagnostic::error("E0105", format!("{what} {text} is out of range"))
                    .at(node.span, "not a port")
                    .with_help("use a port between 1 and 65535"),
            );
            None
        }
        None => {
            type_error(diags, node, what, "a port number");
            None
        }
    }
}
