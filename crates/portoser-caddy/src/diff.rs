//! A unified diff of two Caddyfiles (what plan shows in the Caddy node, `caddy diff`).

use similar::TextDiff;

/// Empty when the texts are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn diff_names_both_sides_and_marks_lines() {
        let d = super::unified("a\nb\n", "a\nc\n", "applied", "new");
        assert!(d.starts_with("--- applied\n+++ new\n"), "{d}");
        assert!(d.contains("-b\n+c\n"), "{d}");
        assert_eq!(super::unified("a\n", "a\n", "x", "y"), "");
    }
}
