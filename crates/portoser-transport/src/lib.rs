//! Running commands on hosts. [`command`] is the only place that builds shell text; the
//! transports (local, SSH, fake) carry those scripts to a host and bring back what happened.
//! See docs/transport.md.

pub mod command;
mod error;
mod fake;
mod local;
mod pool;
pub mod ssh;
mod transport;
mod upload;

pub use command::{Cmd, CommandError, Script, quote};
pub use error::TransportError;
pub use fake::{FakeTransport, Upload};
pub use local::LocalTransport;
pub use pool::{HostConfig, Pool};
pub use ssh::{ScannedKey, SshOptions, SshTransport, record_host_key, scan_host_key};
pub use transport::{ExecOptions, ExecOutput, ExecStream, HostStream, OutputChunk, Transport};
