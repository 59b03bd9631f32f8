//! The Caddy ingress in front of the services (docs/caddy.md).
//!
//! - [`build`]: registry → [`Caddyfile`] (pure: which sites, upstreams, TLS, health checks,
//!   which services are left out and why);
//! - [`render`]: [`Caddyfile`] → text, formatted as `caddy fmt` writes it;
//! - [`diff`]: a unified diff of two renderings (plan, `portoser caddy diff`);
//! - [`probe`]: is Caddy installed and its admin API up on the ingress host (`hosts check`);
//! - [`reload`]: validate with `caddy adapt` and load through the admin API on the ingress host,
//!   over the run's transport.

mod admin;
pub mod applied;
pub mod build;
pub mod diff;
pub mod model;
pub mod probe;
pub mod reload;
pub mod render;

pub use applied::{read_applied, write_applied};
pub use build::build;
pub use diff::unified;
pub use model::{Caddyfile, Global, HealthCheck, LocalFile, Site, Skipped, Tls, UpstreamTls};
pub use reload::{ReloadError, ReloadJob, reload};
pub use render::render;

/// Where portoser keeps the Caddyfile it last loaded, relative to the project directory: plan
/// diffs against it.
pub const APPLIED_PATH: &str = ".portoser/caddy/Caddyfile.applied";
