//! The critical path of a run: the longest chain of durations through the dependency edges.
//! One implementation for the apply report and the recorded history.

use std::collections::HashMap;

/// One node as the critical path sees it: its id, what it waited for, how long it took.
pub struct Timed<'a> {
    pub id: &'a str,
    pub depends_on: &'a [String],
    pub duration_ms: u64,
}

/// The ids on the longest chain (in run order) and its total. `nodes` are in plan order
/// (every dependency before its dependents); a dependency that is not earlier is ignored.
pub fn critical_path(nodes: &[Timed<'_>]) -> (Vec<String>, u64) {
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    // best[i] = (longest chain ending at i, its predecessor)
    let mut best: Vec<(u64, Option<usize>)> = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let mut chosen: (u64, Option<usize>) = (0, None);
        for dep in node.depends_on {
            if let Some(&d) = index.get(dep.as_str())
                && d < i
                && let Some(&(total, _)) = best.get(d)
                && (chosen.1.is_none() || total > chosen.0)
            {
                chosen = (total, Some(d));
            }
        }
        best.push((chosen.0 + node.duration_ms, chosen.1));
    }
    // Longest first; among equals the earliest node, for a stable answer.
    let Some((mut at, &(total, _))) = best
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(&a.0)))
    else {
        return (Vec::new(), 0);
    };
    let mut chain = vec![nodes[at].id.to_string()];
    while let Some(prev) = best[at].1 {
        at = prev;
        chain.push(nodes[at].id.to_string());
    }
    chain.reverse();
    (chain, total)
}

#[cfg(test)]
mod tests {
    use super::{Timed, critical_path};

    #[test]
    fn follows_the_longest_chain_not_the_longest_node() {
        let deps = |d: &[&str]| d.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, b, c, d) = (deps(&[]), deps(&["a"]), deps(&[]), deps(&["b", "c"]));
        let nodes = [
            Timed {
                id: "a",
                depends_on: &a,
                duration_ms: 300,
            },
            Timed {
                id: "b",
                depends_on: &b,
                duration_ms: 300,
            },
            Timed {
                id: "c",
                depends_on: &c,
                duration_ms: 500,
            },
            Timed {
                id: "d",
                depends_on: &d,
                duration_ms: 100,
            },
        ];
        assert_eq!(
            critical_path(&nodes),
            (vec!["a".into(), "b".into(), "d".into()], 700)
        );
        assert_eq!(critical_path(&[]), (Vec::new(), 0));
    }
}
