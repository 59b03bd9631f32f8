//! The real [`NodeRunner`]: each plan node kind mapped to engine and transport calls through
//! one [`Pool`] (one connection per host per run, opened on first use).

use crate::hooks::{HookStep, run_hook};
use crate::{CancelToken, FailureKind, NodeFailure, NodeOutput, NodeRunner};
use portoser_diag::{Span, Spanned};
use portoser_engine::custom::Custom;
use portoser_engine::sync::{ServiceSources, SyncOutcome};
use portoser_engine::{Engine, EngineError, HealthError, ServiceSpec, wait_healthy};
use portoser_plan::{Node, NodeKind, Recorded, ServiceConfig, service_config};
use portoser_registry::{Engine as EngineKind, Registry, Service};
use portoser_transport::{Cmd, ExecOptions, Pool, Script, Transport, TransportError};
use std::collections::HashMap;
use std::time::Duration;

/// How long a prepare/sync check may take on a host.
const QUICK: Duration = Duration::from_secs(60);
/// `uv sync` may download and build.
const INSTALL: Duration = Duration::from_secs(900);

pub struct EngineRunner {
    pool: Pool,
    /// The desired spec of every registry service (or why it cannot be built).
    pub(crate) specs: HashMap<String, Result<ServiceSpec, String>>,
    /// The recorded instance of every recorded service (stop-old and remove act on it).
    pub(crate) old_specs: HashMap<String, Result<ServiceSpec, String>>,
    /// The instance an unfinished migration left on its old host (recorded `deployed` with
    /// a `previous_host`): the recorded configuration on that host.
    stale_specs: HashMap<String, Result<ServiceSpec, String>>,
    pub(crate) configs: HashMap<String, ServiceConfig>,
    /// The TLS files each service's `certs` node removes ([`portoser_plan::retired_tls_files`]).
    pub(crate) retired_tls: HashMap<String, Vec<&'static str>>,
    /// The services recorded `applied` (an update of one can roll back to it).
    pub(crate) applied: std::collections::HashSet<String>,
    hooks: HashMap<String, Vec<HookStep>>,
    /// The project files of each service that has some (the CLI reads them).
    sources: HashMap<String, ServiceSources>,
    /// Engines defined by an `engine` block, evaluated per service by the checker.
    custom: HashMap<String, Custom>,
    routed: bool,
    /// The Caddy reload (rendered Caddyfile, TLS files), or why it cannot be prepared.
    pub(crate) caddy: Option<Result<crate::caddy::CaddyJob, String>>,
    /// Vault, for the `secrets` nodes (None: the registry has no `vault:`).
    pub(crate) vault: Option<crate::secrets::VaultAccess>,
    /// The TLS files of each `tls: auto` service, for its `certs` node.
    pub(crate) certs: HashMap<String, crate::certs::CertFiles>,
}

impl EngineRunner {
    /// Everything a run needs, computed once: specs from `registry`, the old instances from
    /// `recorded`, connections from `pool`.
    pub fn new(registry: &Registry, recorded: &Recorded, pool: Pool) -> Self {
        let mut specs = HashMap::new();
        let mut configs = HashMap::new();
        for service in &registry.services {
            let name = service.name.value.clone();
            specs.insert(name.clone(), ServiceSpec::from_registry(registry, service));
            configs.insert(name, service_config(registry, service));
        }
        let old_specs = recorded
            .services
            .iter()
            .map(|(name, applied)| {
                let old = recorded_service(name, &applied.config);
                (name.clone(), ServiceSpec::from_registry(registry, &old))
            })
            .collect();
        let stale_specs = recorded
            .services
            .iter()
            .filter_map(|(name, applied)| {
                let host = applied.previous_host.as_ref()?;
                let config = ServiceConfig {
                    host: host.clone(),
                    ..applied.config.clone()
                };
                let old = recorded_service(name, &config);
                Some((name.clone(), ServiceSpec::from_registry(registry, &old)))
            })
            .collect();
        let retired_tls = registry
            .services
            .iter()
            .filter_map(|service| {
                let name = &service.name.value;
                let old = &recorded.services.get(name)?.config;
                let host = &configs.get(name)?.host;
                let files = portoser_plan::retired_tls_files(
                    old,
                    host,
                    portoser_plan::TlsKinds::of_service(service),
                );
                (!files.is_empty()).then(|| (name.clone(), files))
            })
            .collect();
        let routed = configs.values().any(|c| c.hostname.is_some());
        let applied = recorded
            .services
            .iter()
            .filter(|(_, a)| a.status == portoser_plan::AppliedStatus::Applied)
            .map(|(name, _)| name.clone())
            .collect();
        EngineRunner {
            pool,
            specs,
            old_specs,
            stale_specs,
            configs,
            retired_tls,
            applied,
            hooks: HashMap::new(),
            sources: HashMap::new(),
            custom: HashMap::new(),
            routed,
            caddy: None,
            vault: None,
            certs: HashMap::new(),
        }
    }

    /// The TLS files the `certs` nodes put on the hosts, by service name.
    pub fn with_certs(
        mut self,
        certs: impl IntoIterator<Item = (String, crate::certs::CertFiles)>,
    ) -> Self {
        self.certs.extend(certs);
        self
    }

    /// The Vault the `secrets` nodes read from, as each host's AppRole.
    pub fn with_vault(mut self, vault: crate::secrets::VaultAccess) -> Self {
        self.vault = Some(vault);
        self
    }

    /// The Caddy reload the `caddy/reload` node performs (the CLI renders it and reads the
    /// TLS files), or why it could not be prepared (the node then fails with that).
    pub fn with_caddy(mut self, job: Result<crate::caddy::CaddyJob, String>) -> Self {
        self.caddy = Some(job);
        self
    }

    /// The typed steps of a hook node (by node id, `api/after-deploy`), from the checked
    /// playbooks. A hook node without steps here fails as not supported yet.
    pub fn with_hook(mut self, node_id: &str, steps: Vec<HookStep>) -> Self {
        self.hooks.insert(node_id.to_string(), steps);
        self
    }

    /// The `engine` block definitions of the services that use one, by service name.
    pub fn with_custom_engines(
        mut self,
        engines: impl IntoIterator<Item = (String, Custom)>,
    ) -> Self {
        self.custom.extend(engines);
        self
    }

    /// The engine that runs `spec`: its `engine` block when it has one, else the built-in.
    pub(crate) fn engine(&self, spec: &ServiceSpec) -> Engine {
        match self.custom.get(&spec.name) {
            Some(def) => Engine::Custom(def.clone()),
            None => Engine::for_spec(spec),
        }
    }

    /// The project files `sync` puts on each service's host, by service name. A service
    /// without an entry has nothing to copy: its sync checks that the files are there.
    pub fn with_sources(
        mut self,
        sources: impl IntoIterator<Item = (String, ServiceSources)>,
    ) -> Self {
        self.sources.extend(sources);
        self
    }

    fn spec(&self, node: &Node) -> Result<&ServiceSpec, NodeFailure> {
        self.spec_named(service_of(node)?)
    }

    pub(crate) fn spec_named(&self, name: &str) -> Result<&ServiceSpec, NodeFailure> {
        match self.specs.get(name) {
            Some(Ok(spec)) => Ok(spec),
            Some(Err(why)) => Err(NodeFailure::new(why.clone())),
            None => Err(NodeFailure::new(format!(
                "service `{name}` is not in the registry"
            ))),
        }
    }

    /// The recorded instance on the node's host: the recorded one, or the one an unfinished
    /// migration left on its old host.
    fn old_spec(&self, node: &Node) -> Result<&ServiceSpec, NodeFailure> {
        let name = service_of(node)?;
        let stale = self
            .stale_specs
            .get(name)
            .filter(|s| s.as_ref().is_ok_and(|s| s.host == node.host));
        match stale.or_else(|| self.old_specs.get(name)) {
            Some(Ok(spec)) => Ok(spec),
            Some(Err(why)) => Err(NodeFailure::new(format!(
                "the recorded instance of `{name}` cannot be reached: {why}"
            ))),
            None => Err(NodeFailure::new(format!(
                "service `{name}` has no recorded instance to stop"
            ))),
        }
    }

    pub(crate) async fn transport(&self, host: &str) -> Result<Transport, NodeFailure> {
        self.pool.get(host).await.map_err(transport_failure)
    }

    /// One node; `recover`: run a failed health gate's `on_failure` (the healing loop asks
    /// for it only when it gives up).
    async fn node(
        &self,
        node: &Node,
        cancel: &CancelToken,
        recover: bool,
    ) -> Result<NodeOutput, NodeFailure> {
        match node.kind {
            NodeKind::Prepare => {
                let spec = self.spec(node)?;
                let t = self.transport(&spec.host).await?;
                let mkdir = Cmd::new("mkdir").arg("-p").arg(&spec.service_dir);
                exec(&t, Script::from(mkdir), "mkdir", QUICK).await?;
                Ok(NodeOutput::default())
            }
            NodeKind::Sync => self.sync(node).await,
            NodeKind::Install => {
                let spec = self.spec(node)?;
                let t = self.transport(&spec.host).await?;
                let uv = portoser_engine::local::uv_sync(spec);
                exec(&t, Script::from(uv), "uv sync --frozen", INSTALL).await?;
                Ok(NodeOutput::default())
            }
            NodeKind::Secrets => self.write_secrets(node).await,
            NodeKind::Certs => self.put_certs(node).await,
            NodeKind::RetireCerts => self.retire_certs(node).await,
            NodeKind::Deploy => {
                let spec = self.spec(node)?;
                let t = self.transport(&spec.host).await?;
                let engine = self.engine(spec);
                engine.deploy(&t, spec).await.map_err(engine_failure)?;
                Ok(NodeOutput::default())
            }
            NodeKind::Health => {
                let spec = self.spec(node)?;
                let t = self.transport(&spec.host).await?;
                match health(&t, spec).await {
                    Err(f) if f.kind == FailureKind::Unhealthy && recover => {
                        Err(self.on_failure(node, &t, spec, f).await)
                    }
                    done => done,
                }
            }
            NodeKind::Hook => match self.hooks.get(&node.id) {
                Some(steps) => run_hook(self, steps, cancel).await,
                None => Err(NodeFailure::new(format!(
                    "running hooks is not supported yet ({})",
                    node.steps.join("; ")
                ))
                .kind(FailureKind::NotSupported)),
            },
            NodeKind::Caddy if !self.routed => Ok(NodeOutput::message("no service is routed")),
            NodeKind::Caddy => self.caddy_reload().await,
            NodeKind::StopOld | NodeKind::Remove => {
                let spec = self.old_spec(node)?;
                let t = self.transport(&spec.host).await?;
                let engine = self.engine(spec);
                engine.remove(&t, spec).await.map_err(engine_failure)?;
                Ok(NodeOutput::message(format!("removed from `{}`", spec.host)))
            }
        }
    }

    /// Copies the service's project files (unless the host has them already); a service
    /// without project files gets a check that what the engine needs is on the host, so a
    /// missing file fails here, named, not in deploy.
    async fn sync(&self, node: &Node) -> Result<NodeOutput, NodeFailure> {
        let spec = self.spec(node)?;
        if let Some(sources) = self.sources.get(&spec.name) {
            let t = self.transport(&spec.host).await?;
            let outcome = portoser_engine::sync::sync(&t, spec, sources)
                .await
                .map_err(engine_failure)?;
            return Ok(NodeOutput::message(match outcome {
                SyncOutcome::Unchanged => "files already on the host".to_string(),
                SyncOutcome::Copied { files, bytes } => {
                    format!("copied {files} file(s), {}", size(bytes))
                }
            }));
        }
        let (path, test) = match (&spec.engine, &spec.compose_file) {
            (EngineKind::Docker, Some(file)) => (file.clone(), "-f"),
            (EngineKind::Docker, None) => return Ok(NodeOutput::default()),
            _ => (spec.service_dir.clone(), "-d"),
        };
        let t = self.transport(&spec.host).await?;
        let script = Script::from(Cmd::new("test").arg(test).arg(&path));
        let out = t
            .exec(&script, ExecOptions::with_timeout(QUICK))
            .await
            .map_err(transport_failure)?;
        if out.success() {
            return Ok(NodeOutput::default());
        }
        Err(
            NodeFailure::new(format!("`{path}` does not exist on `{}`", spec.host)).with_note(
                "it is not in the project, so portoser cannot copy it: put it on the host, or \
                 use a path relative to the project directory",
            ),
        )
    }
}

impl NodeRunner for EngineRunner {
    async fn run(&self, node: &Node, cancel: &CancelToken) -> Result<NodeOutput, NodeFailure> {
        self.node(node, cancel, true).await
    }

    async fn run_unrecovered(
        &self,
        node: &Node,
        cancel: &CancelToken,
    ) -> Result<NodeOutput, NodeFailure> {
        self.node(node, cancel, false).await
    }

    async fn recover(&self, node: &Node, failure: NodeFailure) -> NodeFailure {
        if node.kind != NodeKind::Health || failure.kind != FailureKind::Unhealthy {
            return failure;
        }
        let Ok(spec) = self.spec(node) else {
            return failure;
        };
        match self.transport(&spec.host).await {
            Ok(t) => self.on_failure(node, &t, spec, failure).await,
            Err(_) => failure,
        }
    }
}

pub(crate) async fn health(t: &Transport, spec: &ServiceSpec) -> Result<NodeOutput, NodeFailure> {
    match wait_healthy(t, spec).await {
        Ok(took) => Ok(NodeOutput::message(format!(
            "healthy after {}",
            crate::render::secs(took)
        ))),
        Err(HealthError::NoCheck) => Ok(NodeOutput::message("no health check declared")),
        Err(e) => Err(NodeFailure::new(format!(
            "`{}` is not healthy on `{}`",
            spec.name, spec.host
        ))
        .with_note(e.to_string())
        .kind(FailureKind::Unhealthy)),
    }
}

pub(crate) async fn exec(
    t: &Transport,
    script: Script,
    what: &str,
    timeout: Duration,
) -> Result<String, NodeFailure> {
    let out = t
        .exec(&script, ExecOptions::with_timeout(timeout))
        .await
        .map_err(transport_failure)?;
    if out.success() {
        return Ok(out.stdout_text());
    }
    let status = out.status.map_or("a signal".to_string(), |s| s.to_string());
    let stderr = out.stderr_text();
    Err(
        NodeFailure::new(format!("`{what}` failed on `{}` (exit {status})", t.host()))
            .with_note(stderr.trim().to_string())
            .kind(FailureKind::from_output(&stderr)),
    )
}

/// `512 B`, `12.5 KiB`, `3.2 MiB`.
fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / KIB / KIB)
    }
}

fn service_of(node: &Node) -> Result<&str, NodeFailure> {
    node.service
        .as_deref()
        .ok_or_else(|| NodeFailure::new(format!("node `{}` belongs to no service", node.id)))
}

pub(crate) fn transport_failure(e: TransportError) -> NodeFailure {
    NodeFailure::new(e.to_string()).kind(FailureKind::of_transport(&e))
}

pub(crate) fn engine_failure(e: EngineError) -> NodeFailure {
    NodeFailure::new(e.to_string()).kind(FailureKind::of_engine(&e))
}

/// The recorded configuration as a registry entry, so the recorded instance (another host,
/// another engine, or a service that left the registry) gets a spec the same way.
fn recorded_service(name: &str, c: &ServiceConfig) -> Service {
    let name = Spanned::new(name.to_string(), Span::default());
    portoser_plan::with_config(Service::named(name), c)
}
