//! Diagnostic codes are stable: once published, a code keeps its meaning. Each stage owns
//! a range and exports its table (`CODES`); the CLI joins them for `portoser explain`, and a
//! test checks that every code has a doc in `docs/errors/`, a fixture and no duplicate.
//!
//! Ranges: `E00xx`/`W00xx` input files (this crate and the CLI), `E01xx`/`W01xx` registry,
//! `E02xx` playbook syntax, `E03xx`/`W03xx` playbook names and types, `E04xx`/`W04xx` plan
//! and state.

use crate::diagnostic::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    pub severity: Severity,
    /// One line, lower case, no final period: what the code is about.
    pub summary: &'static str,
}

impl CodeInfo {
    pub const fn error(code: &'static str, summary: &'static str) -> Self {
        CodeInfo {
            code,
            severity: Severity::Error,
            summary,
        }
    }

    pub const fn warning(code: &'static str, summary: &'static str) -> Self {
        CodeInfo {
            code,
            severity: Severity::Warning,
            summary,
        }
    }
}

/// Looks a code up in several tables, case-insensitively (`e0201` finds `E0201`).
pub fn find_code<'a>(tables: &[&'a [CodeInfo]], code: &str) -> Option<&'a CodeInfo> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|c| c.code.eq_ignore_ascii_case(code))
}
