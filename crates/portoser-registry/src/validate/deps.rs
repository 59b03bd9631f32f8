//! Dependencies: unknown names, and cycles reported as whole circles.

use super::Index;
use crate::model::Registry;
use portoser_diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use std::collections::{HashSet, VecDeque};

/// Edges of the dependency graph: for service i, (j, span of the name j in i's list).
type Graph = Vec<Vec<(usize, Span)>>;

pub(super) fn check(registry: &Registry, index: &Index<'_>, diags: &mut Diagnostics) {
    let names = || registry.services.iter().map(|s| s.name.value.as_str());
    let mut graph: Graph = vec![Vec::new(); registry.services.len()];
    for (i, service) in registry.services.iter().enumerate() {
        for dep in &service.dependencies {
            match index.services.get(dep.value.as_str()) {
                Some(&j) => graph[i].push((j, dep.span)),
                None => diags.push(
                    Diagnostic::error(
                        "E0102",
                        format!(
                            "service `{}` depends on unknown service `{}`",
                            service.name.value, dep.value
                        ),
                    )
                    .at(dep.span, "no service with this name in `services`")
                    .with_suggestion(did_you_mean(&dep.value, names())),
                ),
            }
        }
    }
    for component in strongly_connected(&graph) {
        let cyclic = component.len() > 1
            || component
                .first()
                .is_some_and(|&n| graph[n].iter().any(|(t, _)| *t == n));
        if cyclic && let Some(circle) = circle(&graph, &component) {
            report(registry, &circle, diags);
        }
    }
}

/// One circle through the component's first node (in file order): the shortest way back.
/// Each element is (from, to, span of `to` in from's dependencies).
fn circle(graph: &Graph, component: &[usize]) -> Option<Vec<(usize, usize, Span)>> {
    let members: HashSet<usize> = component.iter().copied().collect();
    let start = *component.iter().min()?;
    let mut parent: Vec<Option<(usize, Span)>> = vec![None; graph.len()];
    let mut queue = VecDeque::from([start]);
    let mut seen = HashSet::from([start]);
    while let Some(node) = queue.pop_front() {
        for &(next, span) in &graph[node] {
            if next == start {
                let mut edges = vec![(node, start, span)];
                let mut at = node;
                while at != start {
                    let (from, s) = parent[at]?;
                    edges.push((from, at, s));
                    at = from;
                }
                edges.reverse();
                return Some(edges);
            }
            if members.contains(&next) && seen.insert(next) {
                parent[next] = Some((node, span));
                queue.push_back(next);
            }
        }
    }
    None
}

fn report(registry: &Registry, circle: &[(usize, usize, Span)], diags: &mut Diagnostics) {
    let name = |i: usize| {
        registry
            .services
            .get(i)
            .map_or("?", |s| s.name.value.as_str())
    };
    let Some(&(first_from, first_to, first_span)) = circle.first() else {
        return;
    };
    let mut path: Vec<&str> = circle.iter().map(|(from, _, _)| name(*from)).collect();
    path.push(name(first_from));
    let mut d = Diagnostic::error("E0109", format!("dependency cycle: {}", path.join(" → "))).at(
        first_span,
        format!("`{}` depends on `{}`", name(first_from), name(first_to)),
    );
    for &(from, to, span) in circle.iter().skip(1) {
        d = d.with_label(span, format!("`{}` depends on `{}`", name(from), name(to)));
    }
    diags.push(d.with_help("remove one of these dependencies; services must start in some order"));
}

/// Tarjan's strongly connected components, iterative so deep chains cannot overflow the stack.
fn strongly_connected(graph: &Graph) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = graph.len();
    let (mut index, mut low) = (vec![UNSEEN; n], vec![0; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut out, mut next_index) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, position in its edge list)
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[v] == UNSEEN {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&(w, _)) = graph[v].get(*edge) {
                *edge += 1;
                if index[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(edges: &[(usize, usize)], n: usize) -> Graph {
        let mut graph: Graph = vec![Vec::new(); n];
        for &(a, b) in edges {
            graph[a].push((b, Span::default()));
        }
        graph
    }

    #[test]
    fn finds_components_and_circles() {
        let graph = g(&[(0, 1), (1, 2), (2, 0), (2, 3), (3, 3)], 5);
        let mut comps: Vec<Vec<usize>> = strongly_connected(&graph)
            .into_iter()
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        comps.sort();
        assert_eq!(comps, vec![vec![0, 1, 2], vec![3], vec![4]]);
        let circle = circle(&graph, &[2, 1, 0]).expect("a circle");
        let path: Vec<(usize, usize)> = circle.iter().map(|(a, b, _)| (*a, *b)).collect();
        assert_eq!(path, vec![(0, 1), (1, 2), (2, 0)]);
    }

    #[test]
    fn long_chains_do_not_overflow() {
        let n = 200_000;
        let edges: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        assert_eq!(strongly_connected(&g(&edges, n)).len(), n);
    }
}
