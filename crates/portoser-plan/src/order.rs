//! A deterministic topological order (ties by id), and the whole circle when there is a
//! cycle (the registry checks reject dependency cycles first; this is the guard that keeps
//! the planner from looping or panicking if one slips through).

use crate::model::Node;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use portoser_diag::{Diagnostic, Span};
use portoser_registry::Registry;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Returns the order (indices into `nodes`) and, on a cycle, an E0401 diagnostic. Nodes on
/// or behind a cycle are appended in id order so every node still appears once.
pub(crate) fn topological(
    nodes: &[Node],
    deps: &[Vec<usize>],
    registry: &Registry,
) -> (Vec<usize>, Vec<Diagnostic>) {
    let n = nodes.len();
    let mut dependents = vec![Vec::new(); n];
    let mut waiting = vec![0usize; n];
    for (i, ds) in deps.iter().enumerate() {
        waiting[i] = ds.len();
        for &d in ds {
            dependents[d].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<(&str, usize)>> = (0..n)
        .filter(|&i| waiting[i] == 0)
        .map(|i| Reverse((nodes[i].id.as_str(), i)))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &j in &dependents[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push(Reverse((nodes[j].id.as_str(), j)));
            }
        }
    }
    if order.len() == n {
        return (order, Vec::new());
    }
    let mut rest: Vec<usize> = (0..n).filter(|&i| waiting[i] > 0).collect();
    rest.sort_by(|&a, &b| nodes[a].id.cmp(&nodes[b].id));
    order.extend(rest);
    (order, vec![cycle_diagnostic(nodes, deps, registry)])
}

fn cycle_diagnostic(nodes: &[Node], deps: &[Vec<usize>], registry: &Registry) -> Diagnostic {
    let circle = find_circle(nodes, deps);
    let mut path: Vec<&str> = circle.iter().map(|&i| nodes[i].id.as_str()).collect();
    if let Some(first) = path.first().copied() {
        path.push(first);
    }
    let mut services: Vec<&str> = circle
        .iter()
        .filter_map(|&i| nodes[i].service.as_deref())
        .collect();
    services.dedup();
    let spans: Vec<Span> = services
        .iter()
        .filter_map(|s| registry.service(s).map(|s| s.name.span))
        .collect();
    let mut diag = Diagnostic::error(
        "E0401",
        format!("the plan graph has a cycle: {}", path.join(" → ")),
    )
    .with_note("every step in the circle waits for the one before it, so none can start")
    .with_help("remove one of the dependencies (or hooks) that close the circle");
    if let Some((first, others)) = spans.split_first() {
        diag = diag.at(*first, "this service is part of the cycle");
        for span in others {
            diag = diag.with_label(*span, "and this one");
        }
    }
    diag
}

/// The nodes of one cycle, in dependency order, starting at the smallest id.
fn find_circle(nodes: &[Node], deps: &[Vec<usize>]) -> Vec<usize> {
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(nodes.len(), 0);
    let idx: Vec<NodeIndex> = (0..nodes.len()).map(|i| graph.add_node(i)).collect();
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            graph.add_edge(idx[d], idx[i], ());
        }
    }
    let scc = tarjan_scc(&graph)
        .into_iter()
        .filter(|c| c.len() > 1 || c.first().is_some_and(|&n| graph.contains_edge(n, n)))
        .min_by(|a, b| smallest(a, nodes).cmp(smallest(b, nodes)));
    let Some(scc) = scc else { return Vec::new() };
    let members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
    let Some(&start) = members
        .iter()
        .min_by(|&&a, &&b| nodes[a].id.cmp(&nodes[b].id))
    else {
        return Vec::new();
    };
    walk(start, &members, nodes, &graph, &idx)
}

fn smallest<'a>(c: &[NodeIndex], nodes: &'a [Node]) -> &'a str {
    c.iter()
        .map(|n| nodes[n.index()].id.as_str())
        .min()
        .unwrap_or("")
}

/// Breadth-first from `start` inside the component back to `start`: the shortest circle.
fn walk(
    start: usize,
    members: &[usize],
    nodes: &[Node],
    graph: &DiGraph<usize, ()>,
    idx: &[NodeIndex],
) -> Vec<usize> {
    let mut parent: Vec<Option<usize>> = vec![None; nodes.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        let mut next: Vec<usize> = graph.neighbors(idx[at]).map(|n| graph[n]).collect();
        next.sort_by(|&a, &b| nodes[a].id.cmp(&nodes[b].id));
        for to in next.into_iter().filter(|t| members.contains(t)) {
            if to == start {
                let mut circle = vec![at];
                while let Some(p) = parent[*circle.last().unwrap_or(&start)] {
                    circle.push(p);
                }
                if circle.last() != Some(&start) {
                    circle.push(start);
                }
                circle.reverse();
                return circle;
            }
            if parent[to].is_none() && to != start {
                parent[to] = Some(at);
                queue.push_back(to);
            }
        }
    }
    vec![start]
}
