//! What a rule can read without observing anything: the registry's view of services and
//! hosts (resolved once per run), and the failure that woke the loop.

use portoser_engine::ServiceSpec;
use portoser_registry::Registry;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct ServiceInfo {
    pub name: String,
    pub host: String,
    pub port: Option<u16>,
    /// `docker`, `local`, `native` or a project engine's name.
    pub engine: String,
    pub hostname: Option<String>,
    pub tls: bool,
    pub dependencies: Vec<String>,
    pub tags: Vec<String>,
    /// Where the service is deployed on its host (`deploy_dir(service)`).
    pub deploy_dir: String,
    /// The local engine's run directory (its `pid` file), inside the host's base directory.
    pub run_dir: String,
    /// The host's base directory: every path a heal touches stays inside it.
    pub base_dir: String,
}

#[derive(Clone, Debug, Default)]
pub struct HostInfo {
    pub name: String,
    pub ip: String,
    pub user: String,
    pub path: String,
    pub arch: String,
    /// The host's `docker_start` command, if the registry sets one.
    pub docker_start: Option<String>,
}

/// The registry as the healing loop sees it, plus each service's engine spec.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub services: BTreeMap<String, ServiceInfo>,
    pub hosts: BTreeMap<String, HostInfo>,
    pub specs: BTreeMap<String, ServiceSpec>,
}

impl World {
    pub fn from_registry(registry: &Registry) -> World {
        let mut world = World::default();
        let default_user = registry
            .defaults
            .ssh_user
            .as_ref()
            .map(|u| u.value.clone())
            .unwrap_or_default();
        for h in &registry.hosts {
            let info = HostInfo {
                name: h.name.value.clone(),
                ip: h.ip.as_ref().map(|s| s.value.clone()).unwrap_or_default(),
                user: h
                    .ssh_user
                    .as_ref()
                    .map(|s| s.value.clone())
                    .unwrap_or_else(|| default_user.clone()),
                path: h.path.as_ref().map(|s| s.value.clone()).unwrap_or_default(),
                arch: h
                    .arch
                    .as_ref()
                    .map(|a| a.value.as_str().to_string())
                    .unwrap_or_default(),
                docker_start: h.docker_start.as_ref().map(|s| s.value.clone()),
            };
            world.hosts.insert(info.name.clone(), info);
        }
        for s in &registry.services {
            let Ok(spec) = ServiceSpec::from_registry(registry, s) else {
                continue;
            };
            let info = ServiceInfo {
                name: spec.name.clone(),
                host: spec.host.clone(),
                port: spec.port,
                engine: spec.engine.as_str().to_string(),
                hostname: s.hostname.as_ref().map(|h| h.value.clone()),
                tls: s.tls_cert.is_some(),
                dependencies: s.dependencies.iter().map(|d| d.value.clone()).collect(),
                tags: s.tags.iter().map(|t| t.value.clone()).collect(),
                deploy_dir: spec.service_dir.clone(),
                run_dir: spec.run_dir(),
                base_dir: spec.base_dir.clone(),
            };
            world.services.insert(info.name.clone(), info);
            world.specs.insert(spec.name.clone(), spec);
        }
        world
    }

    pub fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.services.get(name)
    }

    pub fn host(&self, name: &str) -> Option<&HostInfo> {
        self.hosts.get(name)
    }

    /// A service a rule or an action names, which must be one of the registry.
    pub fn known_service(&self, name: &str) -> Result<&ServiceInfo, String> {
        self.service(name)
            .ok_or_else(|| format!("`{name}` is not a service of the registry"))
    }

    /// A host a rule names, which must be one of the registry.
    pub fn known_host(&self, name: &str) -> Result<&HostInfo, String> {
        self.host(name)
            .ok_or_else(|| format!("`{name}` is not a host of the registry"))
    }
}

/// The failure that woke the loop (`failure` in a rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// A `FailureKind` variant name of the language (`port_in_use`).
    pub kind: String,
    pub message: String,
    pub exit_status: Option<i64>,
    /// The node id (`api/health`).
    pub step: String,
    /// The lifecycle event (`deploy`, `health`, `sync`, ...).
    pub event: String,
}
