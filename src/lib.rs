//! portoser: typed, parallel deployments for fleets of plain SSH hosts.
//!
//! The library crates do the work (`portoser-registry`, `-syntax`, `-check`, `-plan`,
//! `-state`); this crate reads the project from disk ([`project`]), runs the stages in order
//! ([`compile`]) and is the only place that prints or exits ([`cli`]).

pub mod atomic;
pub mod cli;
pub mod compile;
pub mod explain;
pub mod fleet;
pub mod hooks;
pub mod planning;
pub mod project;
pub mod sources;

/// Codes of this crate: problems with the input files themselves, before any stage runs.
pub mod codes {
    use portoser_diag::CodeInfo;

    pub const UNREADABLE: &str = "E0001";
    pub const NOT_UTF8: &str = "E0002";
    pub const TOO_LARGE: &str = "E0003";
    pub const SERVICE_FILE_REMOTE: &str = "W0001";

    pub const CODES: &[CodeInfo] = &[
        CodeInfo::error(UNREADABLE, "a project file cannot be read"),
        CodeInfo::error(NOT_UTF8, "a project file is not valid UTF-8"),
        CodeInfo::error(TOO_LARGE, "a project file is larger than portoser accepts"),
        CodeInfo::warning(
            SERVICE_FILE_REMOTE,
            "a service file is not in the project and will be checked at plan time on its host",
        ),
    ];
}

/// Every code table, for `explain` and the code-coverage test.
pub fn all_codes() -> [&'static [portoser_diag::CodeInfo]; 5] {
    [
        codes::CODES,
        portoser_registry::CODES,
        portoser_syntax::CODES,
        portoser_check::CODES,
        portoser_plan::CODES,
    ]
}
