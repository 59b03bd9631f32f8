//! A small line diff of the registry before and after an edit, for `--dry-run` and tests.

/// Lines of context shown around each change.
const CONTEXT: usize = 2;
/// Above this many differing lines on each side, the middle is shown as one replacement
/// instead of computing a quadratic longest common subsequence.
const LCS_LIMIT: usize = 2_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// Unified-diff-like text: `@@ line N @@` hunks, ` ` context, `-` removed, `+` added lines.
/// Empty when the texts are equal.
pub fn diff(before: &str, after: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let ops = line_ops(&a, &b);
    render(&ops)
}

/// Each line of the merged sequence with what happened to it.
fn line_ops<'t>(a: &[&'t str], b: &[&'t str]) -> Vec<(Op, &'t str)> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<(Op, &str)> = a[..prefix].iter().map(|l| (Op::Same, *l)).collect();
    if mid_a.len() <= LCS_LIMIT && mid_b.len() <= LCS_LIMIT {
        ops.extend(lcs(mid_a, mid_b));
    } else {
        ops.extend(mid_a.iter().map(|l| (Op::Del, *l)));
        ops.extend(mid_b.iter().map(|l| (Op::Add, *l)));
    }
    ops.extend(a[a.len() - suffix..].iter().map(|l| (Op::Same, *l)));
    ops
}

fn lcs<'t>(a: &[&'t str], b: &[&'t str]) -> Vec<(Op, &'t str)> {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: length of the LCS of a[i..] and b[j..].
    let mut table = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(n + m));
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((Op::Same, a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < n && (j == m || table[i + 1][j] >= table[i][j + 1]) {
            out.push((Op::Del, a[i]));
            i += 1;
        } else {
            out.push((Op::Add, b[j]));
            j += 1;
        }
    }
    out
}

fn render(ops: &[(Op, &str)]) -> String {
    let changed: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].0 != Op::Same).collect();
    let mut out = String::new();
    let mut shown_until = 0usize;
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT).max(shown_until);
        // Extend the hunk while the next change is within reach of its context.
        let mut last = changed[k];
        while k + 1 < changed.len() && changed[k + 1] <= last + 2 * CONTEXT + 1 {
            k += 1;
            last = changed[k];
        }
        let end = (last + CONTEXT + 1).min(ops.len());
        let old_line = 1 + ops[..start].iter().filter(|(o, _)| *o != Op::Add).count();
        out.push_str(&format!("@@ line {old_line} @@\n"));
        for (op, line) in &ops[start..end] {
            let mark = match op {
                Op::Same => ' ',
                Op::Del => '-',
                Op::Add => '+',
            };
            out.push(mark);
            out.push_str(line);
            out.push('\n');
        }
        shown_until = end;
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff;

    #[test]
    fn shows_changes_with_context() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nC\nd\ne\nf\ng\nh\ni\n";
        assert_eq!(
            diff(before, after),
            "@@ line 1 @@\n a\n b\n-c\n+C\n d\n e\n@@ line 7 @@\n g\n h\n+i\n"
        );
        assert_eq!(diff(before, before), "");
    }
}
