//! Where output goes and how it looks: results on stdout, diagnostics and progress on stderr,
//! colour only on a terminal unless asked.

use super::args::ColorChoice;
use crate::compile::Compiled;
use portoser_diag::{RenderOptions, render_all};
use std::io::{IsTerminal, Write};

/// How many diagnostics the human output renders before it only counts.
pub const MAX_RENDERED: usize = 200;

pub struct Output {
    pub color_stdout: bool,
    pub color_stderr: bool,
}

impl Output {
    pub fn new(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Output {
            color_stdout: decide(std::io::stdout().is_terminal()),
            color_stderr: decide(std::io::stderr().is_terminal()),
        }
    }

    pub fn stdout(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`portoser plan | head`) is not an error worth a panic.
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    pub fn stderr(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = err.write_all(b"\n");
        }
    }

    /// Bytes as they come from a host (`logs`): no newline added, flushed at once.
    pub fn stdout_raw(&self, bytes: &[u8]) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(bytes);
        let _ = out.flush();
    }

    pub fn stderr_raw(&self, bytes: &[u8]) {
        let _ = std::io::stderr().lock().write_all(bytes);
    }

    /// Renders diagnostics that did not come from a full compile.
    pub fn diagnostics_of(
        &self,
        map: &portoser_diag::SourceMap,
        diags: portoser_diag::Diagnostics,
    ) {
        let sorted = diags.into_sorted();
        let options = RenderOptions {
            color: self.color_stderr,
        };
        self.stderr(&render_all(map, &sorted, options));
    }

    /// Renders the diagnostics of a compile to stderr, sorted by place: the first
    /// [`MAX_RENDERED`], then a count of the rest (a hostile file can produce 100,000 errors;
    /// `--format json` still has them all).
    pub fn diagnostics(&self, compiled: &Compiled) {
        let sorted = compiled.diags.clone().into_sorted();
        if sorted.is_empty() {
            return;
        }
        let options = RenderOptions {
            color: self.color_stderr,
        };
        let shown = sorted.len().min(MAX_RENDERED);
        self.stderr(&render_all(&compiled.map, &sorted[..shown], options));
        if sorted.len() > shown {
            self.stderr(&format!(
                "... and {} more (`portoser check --format json` lists them all)",
                sorted.len() - shown
            ));
        }
    }
}

/// "2 errors, 1 warning" with the right plurals.
pub fn count_problems(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Left-aligned columns separated by two spaces; the first row is the header.
pub fn columns(rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(max) => *max = (*max).max(w),
                None => widths.push(w),
            }
        }
    }
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
