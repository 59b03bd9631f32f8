//! Shared test support: hostile values and a private sshd.

// Each test binary uses part of the harness (ssh_lost.rs alone kills sessions).
#[allow(dead_code)]
pub mod hostile;
#[allow(dead_code)]
pub mod sshd;
