//! From the registry to live connections: host configurations for the transport pool, SSH
//! options (known_hosts), the async runtime. Shared by apply, status, lifecycle, logs, hosts.

use crate::project::ProjectPaths;
use portoser_registry::{DEFAULT_KNOWN_HOSTS, Host, Registry, local_path};
use portoser_transport::{HostConfig, Pool, SshOptions};
use std::path::{Path, PathBuf};

/// Connection flags shared by every command that reaches hosts.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// `--known-hosts FILE`: overrides `defaults.known_hosts` and `~/.ssh/known_hosts`.
    pub known_hosts: Option<PathBuf>,
    /// `--trust-new-host-keys`: record unknown host keys (never a changed one).
    pub trust_new_host_keys: bool,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// The SSH user when neither the host nor `defaults` names one: the local user, as `ssh` does.
fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".to_string())
}

pub fn host_config(registry: &Registry, host: &Host, registry_dir: &Path) -> HostConfig {
    let d = &registry.defaults;
    let address = host
        .ssh_hostname
        .as_ref()
        .or(host.ip.as_ref())
        .map(|s| s.value.clone())
        .unwrap_or_else(|| host.name.value.clone());
    HostConfig {
        name: host.name.value.clone(),
        address,
        port: host.ssh_port.or(d.ssh_port).map_or(22, |p| p.value),
        user: host
            .ssh_user
            .as_ref()
            .or(d.ssh_user.as_ref())
            .map_or_else(local_user, |u| u.value.clone()),
        key: host
            .ssh_key(d)
            .map(|k| local_path(&k.value, registry_dir, home().as_deref())),
        local: host.is_local(),
    }
}

pub fn known_hosts(registry: &Registry, paths: &ProjectPaths, options: &ConnectOptions) -> PathBuf {
    if let Some(path) = &options.known_hosts {
        return path.clone();
    }
    let configured = registry
        .defaults
        .known_hosts
        .as_ref()
        .map_or(DEFAULT_KNOWN_HOSTS, |k| k.value.as_str());
    local_path(configured, &paths.registry_dir(), home().as_deref())
}

pub fn ssh_options(
    registry: &Registry,
    paths: &ProjectPaths,
    options: &ConnectOptions,
) -> SshOptions {
    SshOptions {
        known_hosts: known_hosts(registry, paths, options),
        trust_new_host_keys: options.trust_new_host_keys,
        ..SshOptions::default()
    }
}

/// One pool for the whole command: one connection per host, opened on first use.
pub fn pool(registry: &Registry, paths: &ProjectPaths, options: &ConnectOptions) -> Pool {
    let dir = paths.registry_dir();
    let hosts = registry
        .hosts
        .iter()
        .map(|h| host_config(registry, h, &dir))
        .collect();
    Pool::new(hosts, ssh_options(registry, paths, options))
}

/// The runtime for commands that reach hosts: two workers match the machines portoser runs
/// on; the work is waiting on hosts, not computing.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}
