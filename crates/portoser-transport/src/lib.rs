//! Running commands on hosts. [`command`] is the only place that builds shell text; the
//! transports (local, SSH) carry those scripts to a host and bring back what happened.

pub mod command;

pub use command::{Cmd, CommandError, Script, quote};
