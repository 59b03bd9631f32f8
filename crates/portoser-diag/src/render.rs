//! The one human renderer: ariadne, with byte offsets (chumsky and our YAML spans are bytes).

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap};
use ariadne::{Cache, Color, Config, IndexType, Label, Report, ReportKind, Source};
use std::fmt;

#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// Colour only on a terminal and when `NO_COLOR` is unset; the CLI decides.
    pub color: bool,
}

struct MapCache<'a> {
    map: &'a SourceMap,
    sources: Vec<Option<Source<std::sync::Arc<str>>>>,
}

impl Cache<FileId> for MapCache<'_> {
    type Storage = std::sync::Arc<str>;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<Self::Storage>, impl fmt::Debug> {
        let index = id.0 as usize;
        let Some(file) = self.map.get(*id) else {
            return Err(format!("unknown file id {}", id.0));
        };
        if self.sources.len() <= index {
            self.sources.resize_with(index + 1, || None);
        }
        Ok(self.sources[index].get_or_insert_with(|| Source::from(file.text.clone())))
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl fmt::Display + 'b> {
        self.map.get(*id).map(|f| f.name.clone())
    }
}

/// Renders one diagnostic as text (no trailing blank line).
pub fn render(map: &SourceMap, diagnostic: &Diagnostic, options: RenderOptions) -> String {
    let mut cache = MapCache {
        map,
        sources: Vec::new(),
    };
    render_with(&mut cache, diagnostic, options)
}

/// Renders many diagnostics, sharing the parsed sources between them.
pub fn render_all<'a>(
    map: &SourceMap,
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    options: RenderOptions,
) -> String {
    let mut cache = MapCache {
        map,
        sources: Vec::new(),
    };
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render_with(&mut cache, d, options));
        out.push('\n');
    }
    out
}

fn render_with(cache: &mut MapCache<'_>, d: &Diagnostic, options: RenderOptions) -> String {
    let Some(primary) = &d.primary else {
        return render_unlocated(d);
    };
    let (kind, color) = match d.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
    };
    // ariadne slices the text by these ranges: a range off a character boundary or past the
    // end would panic inside it, so every span is snapped to boundaries first.
    let map = cache.map;
    let span = |s: crate::Span| (s.file, snap(map, s));
    let config = Config::default()
        .with_index_type(IndexType::Byte)
        .with_color(options.color);
    // ariadne starts a new source block whenever a label sits on an earlier line than the
    // one before it: give it every label in file order so one file shows as one block.
    let mut labels: Vec<(crate::Span, &str, Color)> = vec![(primary.span, &primary.message, color)];
    labels.extend(
        d.labels
            .iter()
            .map(|l| (l.span, l.message.as_str(), Color::Blue)),
    );
    labels.sort_by_key(|(s, _, _)| (s.file, s.start, s.end));
    let mut report = Report::build(kind, span(primary.span))
        .with_config(config)
        .with_code(d.code)
        .with_message(&d.message);
    for (s, message, color) in labels {
        report = report.with_label(Label::new(span(s)).with_message(message).with_color(color));
    }
    for note in &d.notes {
        report = report.with_note(note);
    }
    if let Some(help) = &d.help {
        report = report.with_help(help);
    }
    let mut bytes = Vec::new();
    if report.finish().write(&mut *cache, &mut bytes).is_err() {
        return render_unlocated(d);
    }
    String::from_utf8_lossy(&bytes).trim_end().to_string()
}

/// The span's range widened to character boundaries and clamped to the file.
fn snap(map: &SourceMap, span: crate::Span) -> std::ops::Range<usize> {
    let Some(file) = map.get(span.file) else {
        return 0..0;
    };
    let text = &file.text;
    let mut start = (span.start as usize).min(text.len());
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

fn render_unlocated(d: &Diagnostic) -> String {
    let kind = match d.severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    };
    let mut out = format!("[{}] {kind}: {}", d.code, d.message);
    for note in &d.notes {
        out.push_str(&format!("\n  note: {note}"));
    }
    if let Some(help) = &d.help {
        out.push_str(&format!("\n  help: {help}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Origin, Span};

    #[test]
    fn renders_code_message_labels_and_help_without_colour() {
        let mut map = SourceMap::new();
        let id = map.add(
            "registry.yml",
            "services:\n  api:\n    port: 99999\n",
            Origin::Project,
        );
        let d = Diagnostic::error("E0105", "port 99999 is out of range")
            .at(Span::new(id, 27, 32), "not a port")
            .with_help("use a port between 1 and 65535");
        let text = render(&map, &d, RenderOptions::default());
        assert!(
            text.contains("[E0105] Error: port 99999 is out of range"),
            "{text}"
        );
        assert!(text.contains("registry.yml:3:11"), "{text}");
        assert!(text.contains("not a port"), "{text}");
        assert!(text.contains("use a port between 1 and 65535"), "{text}");
        assert!(!text.contains('\u{1b}'), "no colour codes: {text}");
    }

    #[test]
    fn spans_inside_characters_or_past_the_end_do_not_panic() {
        let mut map = SourceMap::new();
        let id = map.add("x.pbk", "é\u{fffd}x", Origin::Project);
        for (start, end) in [(1, 2), (3, 4), (0, 99), (50, 60)] {
            let d = Diagnostic::error("E0201", "m").at(Span::new(id, start, end), "here");
            assert!(render(&map, &d, RenderOptions::default()).contains("E0201"));
        }
    }
}
