//! `add_host` and `add_service`: a new block after the last entry of the section.

use super::text::{self, Patch, scalar};
use super::{Doc, EditError, ensure, field, host_names, open, reopen, service_names};
use crate::model::{Arch, Connection, Engine};
use crate::yaml::{Node, Value};

/// The fields of a new host; `None` fields are not written.
#[derive(Clone, Debug, Default)]
pub struct HostFields {
    pub connection: Option<Connection>,
    pub ip: Option<String>,
    pub ssh_user: Option<String>,
    pub ssh_port: Option<u16>,
    pub ssh_key: Option<String>,
    pub path: Option<String>,
    pub arch: Option<String>,
}

/// The fields of a new service; `None` fields are not written.
#[derive(Clone, Debug)]
pub struct ServiceFields {
    pub current_host: String,
    pub deployment_type: Engine,
    pub docker_compose: Option<String>,
    pub service_file: Option<String>,
    pub command: Option<String>,
    pub working_dir: Option<String>,
    pub hostname: Option<String>,
    pub port: Option<u16>,
    pub dependencies: Vec<String>,
}

impl ServiceFields {
    pub fn new(current_host: impl Into<String>, deployment_type: Engine) -> Self {
        ServiceFields {
            current_host: current_host.into(),
            deployment_type,
            docker_compose: None,
            service_file: None,
            command: None,
            working_dir: None,
            hostname: None,
            port: None,
            dependencies: Vec::new(),
        }
    }
}

/// `key: value` lines of a new entry, values already written as YAML.
type Lines = Vec<(&'static str, String)>;

fn host_lines(f: &HostFields) -> Lines {
    let mut lines: Lines = Vec::new();
    if let Some(c) = f.connection {
        lines.push(("connection", c.as_str().to_string()));
    }
    let strings = [("ip", &f.ip), ("ssh_user", &f.ssh_user)];
    for (key, value) in strings {
        if let Some(v) = value {
            lines.push((key, scalar(v)));
        }
    }
    // A port is a number in YAML, not a string.
    if let Some(port) = f.ssh_port {
        lines.push(("ssh_port", port.to_string()));
    }
    let strings = [
        ("ssh_key", &f.ssh_key),
        ("path", &f.path),
        ("arch", &f.arch),
    ];
    for (key, value) in strings {
        if let Some(v) = value {
            lines.push((key, scalar(v)));
        }
    }
    lines
}

fn service_lines(f: &ServiceFields) -> Lines {
    let mut lines: Lines = vec![
        ("current_host", scalar(&f.current_host)),
        ("deployment_type", f.deployment_type.as_str().to_string()),
    ];
    let optional = [
        ("docker_compose", &f.docker_compose),
        ("service_file", &f.service_file),
        ("command", &f.command),
        ("working_dir", &f.working_dir),
        ("hostname", &f.hostname),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            lines.push((key, scalar(v)));
        }
    }
    if let Some(port) = f.port {
        lines.push(("port", port.to_string()));
    }
    if !f.dependencies.is_empty() {
        let items: Vec<String> = f.dependencies.iter().map(|d| scalar(d)).collect();
        lines.push(("dependencies", format!("[{}]", items.join(", "))));
    }
    lines
}

/// Adds host `name` at the end of `hosts:`. Refused (with the diagnostics of the edited
/// text) when the result would not check: a duplicate name, a bad address ...
pub fn add_host(text: &str, name: &str, fields: &HostFields) -> Result<String, EditError> {
    let doc = open(text)?;
    let edited = append_entry(&doc, "hosts", name, &host_lines(fields))?;
    let after = reopen(&edited)?;
    let mut expected = host_names(&doc.registry);
    expected.push(name);
    ensure(host_names(&after.registry) == expected, "host names")?;
    let host = after.registry.host(name);
    let same = |got: Option<&str>, want: &Option<String>| got == want.as_deref();
    ensure(
        host.is_some_and(|h| {
            same(h.ip.as_deref().map(String::as_str), &fields.ip)
                && same(h.ssh_user.as_deref().map(String::as_str), &fields.ssh_user)
                && same(h.ssh_key.as_deref().map(String::as_str), &fields.ssh_key)
                && same(h.path.as_deref().map(String::as_str), &fields.path)
                && h.ssh_port.as_ref().map(|p| p.value) == fields.ssh_port
                && h.connection.as_ref().map(|c| c.value) == fields.connection
                && h.arch.as_ref().map(|a| a.value) == fields.arch.as_deref().and_then(Arch::parse)
        }),
        "the new host's fields",
    )?;
    Ok(edited)
}

/// Adds service `name` at the end of `services:`. Refused when the result would not
/// check: an unknown host or dependency, a port already used on that host, a duplicate ...
pub fn add_service(text: &str, name: &str, fields: &ServiceFields) -> Result<String, EditError> {
    let doc = open(text)?;
    let edited = append_entry(&doc, "services", name, &service_lines(fields))?;
    let after = reopen(&edited)?;
    let mut expected = service_names(&doc.registry);
    expected.push(name);
    ensure(service_names(&after.registry) == expected, "service names")?;
    let service = after.registry.service(name);
    let text_of = |v: &Option<crate::model::SString>| v.as_ref().map(|s| s.value.clone());
    ensure(
        service.is_some_and(|s| {
            text_of(&s.current_host).as_deref() == Some(fields.current_host.as_str())
                && s.deployment_type.as_ref().map(|e| e.value) == Some(fields.deployment_type)
                && text_of(&s.docker_compose) == fields.docker_compose
                && text_of(&s.service_file) == fields.service_file
                && text_of(&s.command) == fields.command
                && text_of(&s.working_dir) == fields.working_dir
                && text_of(&s.hostname) == fields.hostname
                && s.port.as_ref().map(|p| p.value) == fields.port
                && s.dependencies
                    .iter()
                    .map(|d| d.value.as_str())
                    .eq(fields.dependencies.iter().map(String::as_str))
        }),
        "the new service's fields",
    )?;
    Ok(edited)
}

/// Where and how deep new entries go in a section.
struct Place {
    at: usize,
    entry_indent: usize,
    field_indent: usize,
    /// A `null`/`~` value to clear first (`hosts: ~`).
    clear: Option<std::ops::Range<usize>>,
    /// The section key itself must be written (the file has no such section yet).
    header: bool,
}

fn append_entry(
    doc: &Doc<'_>,
    section: &str,
    name: &str,
    lines: &Lines,
) -> Result<String, EditError> {
    let t = doc.text;
    let place = place(doc, section)?;
    let nl = text::newline(t);
    let mut block = String::new();
    if place.at == t.len() && !t.is_empty() && !t.ends_with('\n') {
        block.push_str(nl);
    }
    if place.header {
        block.push_str(&format!("{section}:{nl}"));
    }
    let pad = " ".repeat(place.entry_indent);
    let field_pad = " ".repeat(place.entry_indent + place.field_indent);
    if lines.is_empty() {
        block.push_str(&format!("{pad}{}: {{}}{nl}", scalar(name)));
    } else {
        block.push_str(&format!("{pad}{}:{nl}", scalar(name)));
        for (key, value) in lines {
            block.push_str(&format!("{field_pad}{key}: {value}{nl}"));
        }
    }
    let mut patch = Patch::default();
    if let Some(range) = place.clear {
        patch.replace(range, "");
    }
    patch.insert(place.at, block);
    patch
        .apply(t)
        .ok_or_else(|| EditError::Unsupported("overlapping edits".to_string()))
}

fn place(doc: &Doc<'_>, section: &str) -> Result<Place, EditError> {
    let t = doc.text;
    if t.trim_start().starts_with('{') {
        return Err(flow(section));
    }
    let Some((key, value)) = field(&doc.root, section) else {
        return Ok(Place {
            at: t.len(),
            entry_indent: 2,
            field_indent: 2,
            clear: None,
            header: true,
        });
    };
    let base = text::indent_at(t, key.span.start as usize);
    match &value.value {
        Value::Null => Ok(Place {
            at: text::line_end(t, value.span.end as usize),
            entry_indent: base + 2,
            field_indent: 2,
            // `hosts: ~` → `hosts:` (with the spaces before the `~`).
            clear: (!value.span.is_empty()).then(|| {
                let start = value.span.start as usize;
                let spaces = t
                    .get(..start)
                    .map_or(0, |b| b.len() - b.trim_end_matches(' ').len());
                start - spaces..value.span.end as usize
            }),
            header: false,
        }),
        Value::Map(_)
            if t.get(value.span.range())
                .is_some_and(|v| v.starts_with('{')) =>
        {
            Err(flow(section))
        }
        Value::Map(entries) => {
            let Some((first, _)) = entries.first() else {
                return Err(flow(section));
            };
            let end = entries
                .iter()
                .map(|(k, v)| k.span.end.max(v.span.end) as usize)
                .max()
                .unwrap_or(value.span.end as usize);
            let entry_indent = text::indent_at(t, first.span.start as usize);
            Ok(Place {
                at: text::line_end(t, text::content_end(t, end)),
                entry_indent,
                field_indent: field_indent(t, entries, entry_indent),
                clear: None,
                header: false,
            })
        }
        _ => Err(EditError::Unsupported(format!("`{section}` is not a map"))),
    }
}

/// How much deeper than its entry a field sits, copied from the first block-style entry.
fn field_indent(t: &str, entries: &[(Node, Node)], entry_indent: usize) -> usize {
    entries
        .iter()
        .find_map(|(_, v)| match &v.value {
            Value::Map(fields) => fields.first().and_then(|(k, _)| {
                let at = k.span.start as usize;
                let indent = text::indent_at(t, at);
                (text::starts_line(t, at) && indent > entry_indent).then(|| indent - entry_indent)
            }),
            _ => None,
        })
        .unwrap_or(2)
}

fn flow(section: &str) -> EditError {
    EditError::Unsupported(format!(
        "`{section}` is written in flow style (`{{...}}`); portoser adds entries to block-style \
         maps only: write `{section}:` with one entry per indented block"
    ))
}
