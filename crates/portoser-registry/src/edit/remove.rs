//! `move_service` (replace the `current_host` value) and `remove_service` (delete the
//! entry's lines, and with `force` its name from other services' dependencies).

use super::text::{self, Patch, scalar};
use super::{
    Doc, EditError, ensure, field, first_field_line, host_names, no_such_service, open, reopen,
    service_names,
};
use crate::model::Service;
use crate::yaml::{Node, Value};
use std::ops::Range;

/// Puts service `name` on host `to`. The result must check: the host must exist (E0108) and
/// the service's port must be free there (E0110). Moving a service to where it already is
/// returns the text unchanged.
pub fn move_service(text: &str, name: &str, to: &str) -> Result<String, EditError> {
    let doc = open(text)?;
    let service = doc
        .registry
        .service(name)
        .ok_or_else(|| no_such_service(&doc.registry, name))?;
    let mut patch = Patch::default();
    match &service.current_host {
        Some(h) if h.value == to => return Ok(text.to_string()),
        Some(h) => patch.replace(h.span.range(), scalar(to)),
        None => {
            let (at, line) = first_field_line(&doc, name, "current_host")?;
            patch.insert(
                at,
                format!("{line}current_host: {}{}", scalar(to), text::newline(text)),
            );
        }
    }
    let edited = apply(patch, text)?;
    let after = reopen(&edited)?;
    ensure(
        service_names(&after.registry) == service_names(&doc.registry)
            && host_names(&after.registry) == host_names(&doc.registry),
        "names",
    )?;
    let placed = after
        .registry
        .service(name)
        .and_then(|s| s.current_host.as_ref())
        .is_some_and(|h| h.value == to);
    ensure(placed, "the new current_host")?;
    Ok(edited)
}

/// Deletes service `name`. Services that depend on it make this an error naming them,
/// unless `force`, which also removes `name` from their `dependencies`.
pub fn remove_service(text: &str, name: &str, force: bool) -> Result<String, EditError> {
    let doc = open(text)?;
    let service = doc
        .registry
        .service(name)
        .ok_or_else(|| no_such_service(&doc.registry, name))?;
    let dependents: Vec<&Service> = doc
        .registry
        .services
        .iter()
        .filter(|s| s.name.value != name && s.dependencies.iter().any(|d| d.value == name))
        .collect();
    if !dependents.is_empty() && !force {
        return Err(EditError::HasDependents {
            name: name.to_string(),
            dependents: dependents.iter().map(|s| s.name.value.clone()).collect(),
        });
    }
    let mut patch = Patch::default();
    patch.replace(entry_lines(text, service.span.range(), name)?, "");
    for dependent in &dependents {
        for range in dependency_items(&doc, &dependent.name.value, name)? {
            patch.replace(range, "");
        }
    }
    let edited = apply(patch, text)?;
    let after = reopen(&edited)?;
    let mut expected = service_names(&doc.registry);
    expected.retain(|s| *s != name);
    ensure(
        service_names(&after.registry) == expected
            && host_names(&after.registry) == host_names(&doc.registry),
        "names",
    )?;
    Ok(edited)
}

fn apply(patch: Patch, text: &str) -> Result<String, EditError> {
    patch
        .apply(text)
        .ok_or_else(|| EditError::Unsupported("overlapping edits".to_string()))
}

/// The lines of one block-style entry (`span` = key start .. value end), with the comment
/// lines that belong to it (module docs), and one of two blank lines it sat between.
fn entry_lines(t: &str, span: Range<usize>, name: &str) -> Result<Range<usize>, EditError> {
    if !text::starts_line(t, span.start) {
        return Err(EditError::Unsupported(format!(
            "`{name}` is written inside a flow-style map (`{{...}}`); remove it by hand"
        )));
    }
    let indent = text::indent_at(t, span.start);
    let mut start = text::line_start(t, span.start);
    while start > 0 {
        let above = text::line_start(t, start - 1);
        let line = text::line(t, above);
        if !(text::is_comment(line) && indent_of(line) == indent) {
            break;
        }
        start = above;
    }
    let mut end = text::line_end(t, text::content_end(t, span.end));
    while end < t.len() {
        let line = text::line(t, end);
        if !(text::is_comment(line) && indent_of(line) > indent) {
            break;
        }
        end = text::line_end(t, end);
    }
    // Keep the spacing of what remains: no doubled blank line where the entry was, none
    // left dangling at the end of the file or at the top of the section.
    let above = (start > 0).then(|| text::line(t, text::line_start(t, start - 1)));
    let blank_above = above.is_some_and(text::is_blank);
    let parent_above = above.is_some_and(|l| !text::is_blank(l) && indent_of(l) < indent);
    if (blank_above || parent_above) && end < t.len() && text::is_blank(text::line(t, end)) {
        end = text::line_end(t, end);
    } else if blank_above && end == t.len() {
        start = text::line_start(t, start - 1);
    }
    Ok(start..end)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The text to delete so `dependent`'s dependencies no longer list `name`: a whole line in a
/// block list, the item and one separator in a flow list (`[a, b]`).
fn dependency_items(
    doc: &Doc<'_>,
    dependent: &str,
    name: &str,
) -> Result<Vec<Range<usize>>, EditError> {
    let t = doc.text;
    let list = field(&doc.root, "services")
        .and_then(|(_, services)| field(services, dependent))
        .and_then(|(_, entry)| field(entry, "dependencies"))
        .map(|(_, list)| list);
    let Some(Node {
        value: Value::Seq(items),
        ..
    }) = list
    else {
        return Err(EditError::Unsupported(format!(
            "the dependencies of `{dependent}` are not a list"
        )));
    };
    let is_name = |n: &Node| matches!(&n.value, Value::Str(s) if s == name);
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if !is_name(item) {
            continue;
        }
        let span = item.span.range();
        let before = t
            .get(text::line_start(t, span.start)..span.start)
            .unwrap_or("");
        let block_item = before
            .trim_start()
            .strip_prefix('-')
            .is_some_and(|rest| rest.trim().is_empty());
        if block_item {
            out.push(text::line_start(t, span.start)..text::line_end(t, span.end));
        } else if let Some(next) = items.get(i + 1) {
            out.push(span.start..next.span.start as usize);
        } else if let Some(prev) = i.checked_sub(1).and_then(|p| items.get(p)) {
            out.push(prev.span.end as usize..span.end);
        } else {
            out.push(span);
        }
    }
    Ok(out)
}
