//! A small client for the Vault HTTP API (OpenBao speaks the same): KV v2, AppRole, ACL
//! policies, health. Written on reqwest + rustls rather than `vaultrs` so that the trust
//! store is exactly the CA file the registry names (`tls_certs_only`) and no second TLS or
//! HTTP stack is compiled; see docs/dependencies.md.
//!
//! Secret values are [`SecretValue`]s: they never print, and are zeroed on drop.

mod approle;
mod approle_file;
mod client;
pub mod envfile;
mod error;
mod kv;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod testing;
mod value;

pub use approle::{SecretId, host_policy};
pub use approle_file::{APPROLE_FILE, HostCredentials};
pub use client::{Client, Config};
pub use error::VaultError;
pub use kv::KvSecret;
pub use value::SecretValue;

/// The AppRole and policy name of a host: `portoser-<host>`.
pub fn role_name(host: &str) -> String {
    format!("portoser-{host}")
}
