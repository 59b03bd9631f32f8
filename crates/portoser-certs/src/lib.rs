//! The project's certificate authority (docs/certs.md).
//!
//! A PKI store local to the machine running portoser (`<project>/.portoser/pki/`): the CA,
//! one server certificate per service that asks for one (`tls: auto`), client certificates
//! for mTLS (people's, and services' with `client_cert: auto`). Certificates are
//! short-lived (90 days by default, never more than 398: Apple's limit) and renewed by the
//! plan when they near expiry or their names no longer match.
//!
//! The API other parts of portoser use:
//! - [`Pki::for_project`] / [`Pki::at`]: where the store is; [`Pki::ca_cert_path`] is the CA
//!   file Caddy's `client_auth` trusts.
//! - [`Pki::init_ca`]: create the CA (refuses to replace one unless forced).
//! - [`Pki::issue_server`] / [`Pki::issue_client`] / [`Pki::issue_service_client`]: issue and
//!   store a certificate, returning its [`Paths`]; [`Pki::server_paths`] /
//!   [`Pki::client_paths`] / [`Pki::service_client_paths`] say where they are.
//! - [`inspect`] / [`check`]: read a certificate back and find what is wrong with it.
//!
//! Nothing here prints or exits; errors are [`CertError`] values the CLI turns into
//! diagnostics. Keys are written with mode 0600 in a 0700 directory, atomically.

mod check;
mod error;
mod inspect;
mod issue;
mod store;
mod verify;
mod write;

pub use check::{Finding, check, check_key_mode, expiry};
pub use error::CertError;
pub use inspect::{CertInfo, inspect, inspect_file, utc_text};
pub use issue::{Issued, Lifetime, NewCa};
pub use store::{CaKeyHome, Paths, Pki};

/// Default lifetime of server and client certificates, in days.
pub const DEFAULT_LIFETIME_DAYS: u64 = 90;
/// Renew when a certificate expires within this many days (default).
pub const DEFAULT_RENEW_BEFORE_DAYS: u64 = 30;
/// The longest leaf lifetime accepted: Apple platforms reject TLS server certificates valid
/// for more than 398 days (since 2020-09-01).
pub const MAX_LIFETIME_DAYS: u64 = 398;
/// Lifetime of the CA certificate, in days (5 years): the CA is not a TLS server
/// certificate, so the 398-day limit does not apply; re-creating it means re-issuing all.
pub const CA_LIFETIME_DAYS: u64 = 5 * 365;
