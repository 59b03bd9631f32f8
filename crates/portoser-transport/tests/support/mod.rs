//! Shared test support: hostile values and a private sshd.

pub mod hostile;
pub mod sshd;
