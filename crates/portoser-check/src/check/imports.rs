//! `import "x.pbk"`: which files a file imports, missing targets, and cycles (reported as
//! the whole circle, once).

use portoser_diag::{Diagnostic, Diagnostics, SourceMap, Span};
use portoser_syntax::ast::{self, ItemKind};
use std::collections::{HashMap, HashSet};

/// `import "x.pbk"` targets of a file as written, so the CLI can load them (resolve each
/// against the importing file's name with [`resolve_import`]).
pub fn imports(file: &ast::File) -> Vec<(String, Span)> {
    file.items
        .iter()
        .filter_map(|item| match &item.kind {
            ItemKind::Import(i) => Some((i.path.clone(), i.path_span)),
            _ => None,
        })
        .collect()
}

/// The project-relative name of `target` imported from the file named `importer`:
/// `resolve_import("playbooks/api.pbk", "../common/tls.pbk") == "common/tls.pbk"`.
pub fn resolve_import(importer: &str, target: &str) -> String {
    let importer = importer.replace('\\', "/");
    let dir = importer.rsplit_once('/').map_or("", |(d, _)| d);
    let joined = match (target.starts_with('/'), dir.is_empty()) {
        (true, _) | (false, true) => target.to_string(),
        (false, false) => format!("{dir}/{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let root = if joined.starts_with('/') { "/" } else { "" };
    format!("{root}{}", parts.join("/"))
}

struct Graph {
    names: Vec<String>,
    /// For each file: (target file, span of the import's path).
    edges: Vec<Vec<(usize, Span)>>,
}

pub(crate) fn check(files: &[ast::File], map: &SourceMap, diags: &mut Diagnostics) {
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            map.get(f.file)
                .map(|s| s.name.replace('\\', "/"))
                .unwrap_or_default()
        })
        .collect();
    let by_name: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut edges = vec![Vec::new(); files.len()];
    for (i, file) in files.iter().enumerate() {
        for (target, span) in imports(file) {
            let resolved = resolve_import(names.get(i).map_or("", String::as_str), &target);
            match by_name.get(resolved.as_str()) {
                Some(&j) => edges[i].push((j, span)),
                None => diags.push(
                    Diagnostic::error("E0321", format!("cannot find `{target}`"))
                        .at(span, "no such playbook file")
                        .with_note(format!(
                            "looked for `{resolved}` (imports are relative to the importing file)"
                        )),
                ),
            }
        }
    }
    let graph = Graph { names, edges };
    let mut reported: HashSet<Vec<usize>> = HashSet::new();
    let mut state = vec![0u8; files.len()]; // 0 new, 1 on the stack, 2 done
    for start in 0..files.len() {
        let mut stack = Vec::new();
        visit(&graph, start, &mut state, &mut stack, &mut reported, diags);
    }
}

fn visit(
    g: &Graph,
    node: usize,
    state: &mut [u8],
    stack: &mut Vec<(usize, Span)>,
    reported: &mut HashSet<Vec<usize>>,
    diags: &mut Diagnostics,
) {
    if state.get(node).copied() != Some(0) {
        return;
    }
    state[node] = 1;
    for &(next, span) in g.edges.get(node).into_iter().flatten() {
        stack.push((node, span));
        match state.get(next).copied() {
            Some(1) => report_cycle(g, next, stack, reported, diags),
            Some(0) => visit(g, next, state, stack, reported, diags),
            _ => {}
        }
        stack.pop();
    }
    state[node] = 2;
}

/// `stack` holds the import edges walked so far; the cycle is the part from `back_to`.
fn report_cycle(
    g: &Graph,
    back_to: usize,
    stack: &[(usize, Span)],
    reported: &mut HashSet<Vec<usize>>,
    diags: &mut Diagnostics,
) {
    let Some(from) = stack.iter().position(|(n, _)| *n == back_to) else {
        return;
    };
    let cycle = stack.get(from..).unwrap_or_default();
    let mut key: Vec<usize> = cycle.iter().map(|(n, _)| *n).collect();
    key.sort_unstable();
    if !reported.insert(key) {
        return;
    }
    let name = |i: usize| g.names.get(i).map_or("?", String::as_str);
    let mut circle: Vec<&str> = cycle.iter().map(|(n, _)| name(*n)).collect();
    circle.push(name(back_to));
    let Some(((first_node, first_span), rest)) = cycle.split_first() else {
        return;
    };
    let next_of = |k: usize| cycle.get(k + 1).map_or(back_to, |(n, _)| *n);
    let mut d = Diagnostic::error("E0320", format!("import cycle: {}", circle.join(" → "))).at(
        *first_span,
        format!("`{}` imports `{}`", name(*first_node), name(next_of(0))),
    );
    for (k, (node, span)) in rest.iter().enumerate() {
        d = d.with_label(
            *span,
            format!("`{}` imports `{}`", name(*node), name(next_of(k + 1))),
        );
    }
    diags.push(
        d.with_help("remove one of these imports; items are visible across files without a cycle"),
    );
}

#[cfg(test)]
mod tests {
    use super::resolve_import;

    #[test]
    fn imports_resolve_relative_to_the_importer() {
        assert_eq!(
            resolve_import("playbooks/api.pbk", "common/tls.pbk"),
            "playbooks/common/tls.pbk"
        );
        assert_eq!(
            resolve_import("playbooks/api.pbk", "../common/tls.pbk"),
            "common/tls.pbk"
        );
        assert_eq!(resolve_import("a.pbk", "./b.pbk"), "b.pbk");
        assert_eq!(resolve_import("/p/playbooks/a.pbk", "../c.pbk"), "/p/c.pbk");
    }
}
