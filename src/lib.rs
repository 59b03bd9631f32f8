//! portoser: typed, parallel deployments for fleets of plain SSH hosts.
//!
//! The library crates do the work (`portoser-registry`, `-syntax`, `-check`, `-plan`,
//! `-state`); this crate reads the project from disk ([`project`]), runs the stages in order
//! ([`compile`]) and is the only place that prints or exits ([`cli`]).

pub mod atomic;
pub mod caddy;
pub mod certs;
pub mod cli;
pub mod compile;
pub mod explain;
pub mod fleet;
pub mod heal;
pub mod hooks;
pub mod planning;
pub mod project;
pub mod sources;
pub mod vault;

/// Codes of this crate: problems with the input files themselves (E00xx), and failures on
/// hosts during a run (E05xx, located at the registry entry behind the failing node).
pub mod codes {
    use portoser_diag::CodeInfo;

    pub const UNREADABLE: &str = "E0001";
    pub const NOT_UTF8: &str = "E0002";
    pub const TOO_LARGE: &str = "E0003";
    pub const SERVICE_FILE_REMOTE: &str = "W0001";
    pub const COMPOSE_FILE_REMOTE: &str = "W0002";

    pub const CODES: &[CodeInfo] = &[
        CodeInfo::error(UNREADABLE, "a project file cannot be read"),
        CodeInfo::error(NOT_UTF8, "a project file is not valid UTF-8"),
        CodeInfo::error(TOO_LARGE, "a project file is larger than portoser accepts"),
        CodeInfo::error("E0501", "a host cannot be reached over SSH"),
        CodeInfo::error("E0502", "a host refused portoser's SSH key or user"),
        CodeInfo::error("E0503", "a host's key is not in known_hosts"),
        CodeInfo::error("E0504", "a host's key differs from the one in known_hosts"),
        CodeInfo::error("E0505", "the docker daemon does not answer on a host"),
        CodeInfo::error("E0506", "a program an engine needs is missing on a host"),
        CodeInfo::error("E0507", "a file an engine needs is missing on a host"),
        CodeInfo::error("E0508", "a service did not become healthy in time"),
        CodeInfo::error("E0509", "a filesystem on a host is full"),
        CodeInfo::error(
            "E0510",
            "the SSH user may not write or run what a step needs",
        ),
        CodeInfo::error("E0511", "a command failed on a host"),
        CodeInfo::error("E0512", "the plan needs something portoser does not do yet"),
        CodeInfo::error("E0540", "Caddy rejected the rendered config"),
        CodeInfo::error(
            "E0560",
            "a certificate cannot be issued from the project CA",
        ),
        CodeInfo::error("E0561", "a certificate has expired"),
        CodeInfo::error(
            "E0562",
            "a certificate expires within the renewal threshold",
        ),
        CodeInfo::error("E0563", "a certificate's names do not match the registry"),
        CodeInfo::error("E0564", "a private key file is readable by others"),
        CodeInfo::error(
            "E0565",
            "a certificate does not fit its key or the project CA",
        ),
        CodeInfo::error("E0566", "the project already has a CA"),
        CodeInfo::error("E0570", "Vault cannot be reached"),
        CodeInfo::error("E0571", "Vault denied a host's AppRole a secret"),
        CodeInfo::error(
            "E0572",
            "a secret is not in Vault or cannot go in an env file",
        ),
        CodeInfo::error("E0573", "a host has no Vault AppRole credentials"),
        CodeInfo::warning(
            COMPOSE_FILE_REMOTE,
            "a compose file is not in the project and must already be on the host",
        ),
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
