//! Text-level helpers: lines, indentation, YAML scalars, and a patch of byte-range
//! replacements applied together.

use std::ops::Range;

/// Start of the line holding byte `at`.
pub(super) fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// Just past the end of the line holding byte `at` (after its `\n`, or the text end).
pub(super) fn line_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| at + i + 1)
}

/// The end of the last non-whitespace byte before `end`: spans of block scalars run into
/// the blank lines and indentation after them.
pub(super) fn content_end(text: &str, end: usize) -> usize {
    text.get(..end).map_or(end, |t| t.trim_end().len())
}

/// Columns of leading spaces of the line holding `at`.
pub(super) fn indent_at(text: &str, at: usize) -> usize {
    let start = line_start(text, at);
    text.get(start..at)
        .map_or(0, |t| t.len() - t.trim_start_matches(' ').len())
}

/// Whether only spaces precede `at` on its line (a block key, not a flow one).
pub(super) fn starts_line(text: &str, at: usize) -> bool {
    let start = line_start(text, at);
    text.get(start..at)
        .is_some_and(|t| t.bytes().all(|b| b == b' '))
}

/// The line at `range` (a whole line, including its newline) without its newline.
pub(super) fn line(text: &str, start: usize) -> &str {
    let end = line_end(text, start);
    text.get(start..end)
        .unwrap_or("")
        .trim_end_matches(['\n', '\r'])
}

pub(super) fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

pub(super) fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The line ending the file uses (`\r\n` if any line has it).
pub(super) fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// A string as a YAML scalar that reads back as exactly that string: plain when that is
/// unambiguous, double-quoted otherwise.
pub fn scalar(value: &str) -> String {
    if is_plain_safe(value) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Plain scalars that YAML reads as this very string: names, paths, IPv4 addresses, DNS
/// names. Anything that could read as null, a boolean or a number is quoted.
fn is_plain_safe(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
    ];
    let first_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '/');
    let chars_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | '@'));
    let lower = value.to_ascii_lowercase();
    let numeric = value.replace('_', "").parse::<f64>().is_ok()
        || ["0x", "0o", "0b"].iter().any(|p| lower.starts_with(p));
    first_ok && chars_ok && !numeric && !WORDS.contains(&lower.as_str())
}

/// Replacements of byte ranges of one text, applied together (back to front).
#[derive(Default)]
pub(super) struct Patch {
    edits: Vec<(Range<usize>, String)>,
}

impl Patch {
    pub fn replace(&mut self, range: Range<usize>, with: impl Into<String>) {
        self.edits.push((range, with.into()));
    }

    pub fn insert(&mut self, at: usize, with: impl Into<String>) {
        self.replace(at..at, with);
    }

    /// The edited text; None when two edits overlap or a range is not in the text (a bug
    /// in the caller, reported as an unsupported layout rather than a panic).
    pub fn apply(mut self, text: &str) -> Option<String> {
        self.edits.sort_by_key(|(r, _)| (r.start, r.end));
        let mut out = String::with_capacity(text.len() + 256);
        let mut at = 0;
        for (range, with) in &self.edits {
            if range.start < at || range.end < range.start {
                return None;
            }
            out.push_str(text.get(at..range.start)?);
            out.push_str(with);
            at = range.end;
        }
        out.push_str(text.get(at..)?);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_plain_only_when_unambiguous() {
        assert_eq!(scalar("web-1"), "web-1");
        assert_eq!(scalar("10.0.0.1"), "10.0.0.1");
        assert_eq!(scalar("api/docker-compose.yml"), "api/docker-compose.yml");
        assert_eq!(scalar("null"), "\"null\"");
        assert_eq!(scalar("No"), "\"No\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar("1e5"), "\"1e5\"");
        assert_eq!(scalar("::1"), "\"::1\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("a \"b\"\n"), "\"a \\\"b\\\"\\n\"");
        assert_eq!(scalar("uv run app --port 1"), "\"uv run app --port 1\"");
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let mut p = Patch::default();
        p.replace(0..3, "x");
        p.replace(2..4, "y");
        assert_eq!(p.apply("abcdef"), None);
        let mut p = Patch::default();
        p.replace(4..6, "Z");
        p.insert(0, "<");
        assert_eq!(p.apply("abcdef").as_deref(), Some("<abcdZ"));
    }
}
