//! Where output goes and how it looks: results on stdout, diagnostics and progress on stderr,
//! colour only on a terminal unless asked.

use super::args::ColorChoice;
use crate::compile::Compiled;
use portoser_diag::{RenderOptions, render_all};
use std::io::{IsTerminal, Write};

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

    /// Renders every diagnostic of a compile to stderr, sorted by place.
    pub fn diagnostics(&self, compiled: &Compiled) {
        let sorted = compiled.diags.clone().into_sorted();
        if sorted.is_empty() {
            return;
        }
        let options = RenderOptions {
            color: self.color_stderr,
        };
        self.stderr(&render_all(&compiled.map, &sorted, options));
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
