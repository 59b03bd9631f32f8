//! `portoser vault …`: per-machine AppRoles (`setup-approles`, `rotate HOST`) and the
//! operator's view of a service's secrets (`put`, `get`, `list`). Values are read from stdin
//! (never argv: other users see argv in `ps`) and printed only by `get SERVICE VAR`.

use super::Exit;
use super::apply::ConnectArgs;
use super::output::Output;
use crate::compile::compile;
use crate::fleet;
use crate::project::ProjectPaths;
use clap::Subcommand;
use portoser_registry::{Registry, Service};
use portoser_transport::{Cmd, ExecOptions, Script, Transport};
use portoser_vault::{APPROLE_FILE, Client, HostCredentials, SecretValue, host_policy, role_name};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

/// Lifetime of the tokens a host's AppRole login gets: one apply.
const TOKEN_TTL_SECS: u32 = 900;
const QUICK: Duration = Duration::from_secs(30);

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// One policy and one AppRole per host, reading only the secrets of the services placed
    /// on it; delivers role-id + secret-id to <host path>/.portoser/vault-approle (0600)
    SetupApproles {
        #[command(flatten)]
        token: TokenArgs,
        #[command(flatten)]
        connect: ConnectArgs,
    },
    /// Issue a new secret-id for HOST, replace its file, destroy the old secret-id
    Rotate {
        host: String,
        #[command(flatten)]
        token: TokenArgs,
        #[command(flatten)]
        connect: ConnectArgs,
    },
    /// Write one secret of SERVICE (its `secrets:` entry VAR); the value is read from stdin
    Put {
        service: String,
        var: String,
        #[command(flatten)]
        token: TokenArgs,
    },
    /// Print the value of one secret of SERVICE (only when asked for exactly one VAR)
    Get {
        service: String,
        var: String,
        #[command(flatten)]
        token: TokenArgs,
    },
    /// SERVICE's secrets: variable, reference, current version, present or missing. No values
    List {
        service: String,
        #[command(flatten)]
        token: TokenArgs,
    },
    /// Import SERVICE's .env into Vault and add its variables to `secrets:` in registry.yml
    Migrate {
        service: String,
        /// The file to import [default: <project>/<working_dir or SERVICE>/.env]
        #[arg(long, value_name = "FILE")]
        env_file: Option<PathBuf>,
        /// The KV path the values go to [default: SERVICE]
        #[arg(long, value_name = "PATH")]
        path: Option<String>,
        #[command(flatten)]
        token: TokenArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// File holding the operator token [default: $VAULT_TOKEN, else $PORTOSER_VAULT_TOKEN_FILE]
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

pub fn run(paths: &ProjectPaths, cmd: &VaultCommand, out: &Output) -> Exit {
    match run_inner(paths, cmd, out) {
        Ok(exit) => exit,
        Err(message) => {
            out.stderr(&format!("error: {message}"));
            Exit::Problems
        }
    }
}

fn run_inner(paths: &ProjectPaths, cmd: &VaultCommand, out: &Output) -> Result<Exit, String> {
    let compiled = compile(paths);
    if compiled.diags.has_errors() {
        out.diagnostics(&compiled);
        return Ok(Exit::Problems);
    }
    let registry = compiled
        .registry
        .as_ref()
        .ok_or("the registry did not load")?;
    let token = match cmd {
        VaultCommand::SetupApproles { token, .. }
        | VaultCommand::Rotate { token, .. }
        | VaultCommand::Put { token, .. }
        | VaultCommand::Get { token, .. }
        | VaultCommand::List { token, .. }
        | VaultCommand::Migrate { token, .. } => token,
    };
    let (client, mount) = crate::vault::client(registry, paths)?;
    let operator = crate::vault::operator_token(token.token_file.as_deref())?.ok_or(
        "no operator token: set VAULT_TOKEN or pass --token-file (never put it in the registry)",
    )?;
    let root = client.with_token(operator);
    let runtime = fleet::runtime().map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let ctx = Ctx {
        paths,
        registry,
        root: &root,
        mount: &mount,
        out,
    };
    runtime.block_on(async {
        match cmd {
            VaultCommand::SetupApproles { connect, .. } => {
                let pool = fleet::pool(registry, paths, &connect.options());
                ctx.setup(&pool).await
            }
            VaultCommand::Rotate { host, connect, .. } => {
                let pool = fleet::pool(registry, paths, &connect.options());
                ctx.rotate(&pool, host).await
            }
            VaultCommand::Put { service, var, .. } => ctx.put(service, var).await,
            VaultCommand::Get { service, var, .. } => ctx.get(service, var).await,
            VaultCommand::List { service, .. } => ctx.list(service).await,
            VaultCommand::Migrate {
                service,
                env_file,
                path,
                ..
            } => {
                ctx.migrate(service, env_file.as_deref(), path.as_deref())
                    .await
            }
        }
    })
}

struct Ctx<'a> {
    paths: &'a ProjectPaths,
    registry: &'a Registry,
    root: &'a Client,
    mount: &'a str,
    out: &'a Output,
}

impl Ctx<'_> {
    /// Per host: the policy (exactly its services' paths), the role, a secret-id delivered
    /// to the host; a secret-id the host had before is destroyed once the new one is there.
    async fn setup(&self, pool: &portoser_transport::Pool) -> Result<Exit, String> {
        let v = |e: portoser_vault::VaultError| e.to_string();
        self.root.health().await.map_err(v)?;
        self.root.enable_approle().await.map_err(v)?;
        let mut rows = vec![vec![
            "HOST".to_string(),
            "ROLE".to_string(),
            "PATHS".to_string(),
            "FILE".to_string(),
        ]];
        for (host, paths) in paths_by_host(self.registry) {
            let role = role_name(&host);
            let policy = host_policy(self.mount, &paths).map_err(v)?;
            self.root.write_policy(&role, &policy).await.map_err(v)?;
            self.root
                .write_role(&role, &role, TOKEN_TTL_SECS)
                .await
                .map_err(v)?;
            let file = self.deliver(pool, &host, &role).await?;
            rows.push(vec![host, role, paths.len().to_string(), file]);
        }
        self.out.stdout(&super::output::columns(&rows));
        Ok(Exit::Ok)
    }

    async fn rotate(&self, pool: &portoser_transport::Pool, host: &str) -> Result<Exit, String> {
        if self.registry.host(host).is_none() {
            return Err(format!("`{host}` is not a host of the registry"));
        }
        let role = role_name(host);
        let file = self.deliver(pool, host, &role).await?;
        self.out.stdout(&format!(
            "`{host}`: new secret-id in {file}; the previous one is destroyed"
        ));
        Ok(Exit::Ok)
    }

    /// Issues a secret-id for `role`, uploads the host's file atomically (0600), then
    /// destroys the secret-id the old file held (if any).
    async fn deliver(
        &self,
        pool: &portoser_transport::Pool,
        host: &str,
        role: &str,
    ) -> Result<String, String> {
        let v = |e: portoser_vault::VaultError| e.to_string();
        let base = base_dir(self.registry, host)?;
        let path = format!("{base}/{APPROLE_FILE}");
        let t = pool.get(host).await.map_err(|e| e.to_string())?;
        let old = read_file(&t, &path).await;
        let role_id = self.root.role_id(role).await.map_err(v)?;
        let issued = self.root.new_secret_id(role).await.map_err(v)?;
        let creds = HostCredentials {
            role: role.to_string(),
            role_id,
            secret_id: issued.secret_id,
            accessor: issued.accessor,
        };
        let mkdir = Cmd::new("mkdir").arg("-p").arg(format!("{base}/.portoser"));
        t.exec(&Script::from(mkdir), ExecOptions::with_timeout(QUICK))
            .await
            .map_err(|e| e.to_string())?;
        t.upload(&path, &creds.to_bytes(), 0o600, QUICK)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(old) = old.and_then(|b| HostCredentials::parse(&b, host).ok())
            && old.role == role
            && old.accessor != creds.accessor
        {
            // Already gone (expired, or Vault was reset) is fine: it cannot be used anyway.
            match self.root.destroy_secret_id(role, &old.accessor).await {
                Ok(()) | Err(portoser_vault::VaultError::Status { .. }) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(path)
    }

    async fn put(&self, service: &str, var: &str) -> Result<Exit, String> {
        let (path, key) = reference(self.registry, service, var)?;
        let mut value = String::new();
        std::io::stdin()
            .read_to_string(&mut value)
            .map_err(|e| format!("cannot read the value from stdin: {e}"))?;
        let value = SecretValue::new(value.strip_suffix('\n').unwrap_or(&value));
        let mut data = match self.root.kv_read(self.mount, &path, None).await {
            Ok(current) => current.data,
            Err(portoser_vault::VaultError::NotFound { .. }) => BTreeMap::new(),
            Err(e) => return Err(e.to_string()),
        };
        data.insert(key.clone(), value);
        let version = self
            .root
            .kv_write(self.mount, &path, &data)
            .await
            .map_err(|e| e.to_string())?;
        self.out
            .stdout(&format!("{var}: wrote `{path}#{key}` (version {version})"));
        Ok(Exit::Ok)
    }

    async fn get(&self, service: &str, var: &str) -> Result<Exit, String> {
        let (path, key) = reference(self.registry, service, var)?;
        let secret = self
            .root
            .kv_read(self.mount, &path, None)
            .await
            .map_err(|e| e.to_string())?;
        let value = secret.get(&path, &key).map_err(|e| e.to_string())?;
        self.out
            .stdout_raw(format!("{}\n", value.expose()).as_bytes());
        Ok(Exit::Ok)
    }

    async fn list(&self, service: &str) -> Result<Exit, String> {
        let s = find_service(self.registry, service)?;
        let mut rows = vec![vec![
            "VAR".to_string(),
            "REFERENCE".to_string(),
            "VERSION".to_string(),
            "STATE".to_string(),
        ]];
        for (var, r) in &s.secrets {
            let (version, state) = match self.root.kv_read(self.mount, &r.value.path, None).await {
                Ok(secret) if secret.data.contains_key(&r.value.key) => {
                    (secret.version.to_string(), "present".to_string())
                }
                Ok(secret) => (secret.version.to_string(), "key missing".to_string()),
                Err(portoser_vault::VaultError::NotFound { .. }) => {
                    ("-".to_string(), "path missing".to_string())
                }
                Err(e) => ("-".to_string(), e.to_string()),
            };
            rows.push(vec![var.value.clone(), r.value.to_string(), version, state]);
        }
        self.out.stdout(&super::output::columns(&rows));
        Ok(Exit::Ok)
    }
}

impl Ctx<'_> {
    /// The registry edit is made (and checked) first, then the values go to Vault (merged
    /// with what the path holds), then registry.yml is written atomically: a refused edit
    /// or a Vault failure leaves both as they were.
    async fn migrate(
        &self,
        service: &str,
        env_file: Option<&std::path::Path>,
        path: Option<&str>,
    ) -> Result<Exit, String> {
        let s = find_service(self.registry, service)?;
        let file = match env_file {
            Some(f) => f.to_path_buf(),
            None => {
                let dir = s.working_dir.as_ref().map_or(service, |w| w.value.as_str());
                self.paths.registry_dir().join(dir).join(".env")
            }
        };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let vars = super::vault_env::parse(&text)
            .map_err(|line| format!("`{}` line {line} is not `NAME=value`", file.display()))?;
        if vars.is_empty() {
            return Err(format!("`{}` defines no variable", file.display()));
        }
        let path = path.unwrap_or(service);
        let entries: Vec<(String, String)> = vars
            .iter()
            .map(|(k, _)| (k.clone(), format!("{path}#{k}")))
            .collect();
        let before = std::fs::read_to_string(&self.paths.registry)
            .map_err(|e| format!("cannot read the registry: {e}"))?;
        let after = portoser_registry::edit::add_secrets(&before, service, &entries)
            .map_err(|e| format!("{e}; registry.yml and Vault are unchanged"))?;
        let mut data = match self.root.kv_read(self.mount, path, None).await {
            Ok(current) => current.data,
            Err(portoser_vault::VaultError::NotFound { .. }) => BTreeMap::new(),
            Err(e) => return Err(e.to_string()),
        };
        data.extend(vars);
        let version = self
            .root
            .kv_write(self.mount, path, &data)
            .await
            .map_err(|e| format!("{e}; registry.yml is unchanged"))?;
        crate::atomic::write(&self.paths.registry, after.as_bytes())
            .map_err(|e| format!("the values are in Vault (version {version}) but registry.yml could not be written: {e}"))?;
        let names: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        self.out.stdout(&format!(
            "imported {} variable(s) into `{path}` (version {version}); registry.yml: secrets {} of `{service}`\n\
             `{}` is unchanged: delete it once `{service}` runs with its secrets (`portoser apply`)",
            names.len(),
            names.join(", "),
            file.display()
        ));
        Ok(Exit::Ok)
    }
}

/// The KV paths each host's services reference, for hosts with at least one.
fn paths_by_host(registry: &Registry) -> BTreeMap<String, Vec<String>> {
    let mut by_host: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &registry.services {
        let Some(host) = &s.current_host else {
            continue;
        };
        for (_, r) in &s.secrets {
            by_host
                .entry(host.value.clone())
                .or_default()
                .push(r.value.path.clone());
        }
    }
    by_host
}

fn base_dir(registry: &Registry, host: &str) -> Result<String, String> {
    let h = registry
        .host(host)
        .ok_or_else(|| format!("`{host}` is not a host of the registry"))?;
    h.path
        .as_ref()
        .or(registry.defaults.path.as_ref())
        .map(|p| p.value.trim_end_matches('/').to_string())
        .ok_or_else(|| format!("host `{host}` has no `path` (and `defaults.path` is not set)"))
}

async fn read_file(t: &Transport, path: &str) -> Option<Vec<u8>> {
    let script = Script::from(Cmd::new("cat").arg("--").arg(path));
    let out = t
        .exec(&script, ExecOptions::with_timeout(QUICK))
        .await
        .ok()?;
    out.success().then_some(out.stdout)
}

fn find_service<'r>(registry: &'r Registry, name: &str) -> Result<&'r Service, String> {
    registry
        .service(name)
        .ok_or_else(|| format!("`{name}` is not a service of the registry"))
}

fn reference(registry: &Registry, service: &str, var: &str) -> Result<(String, String), String> {
    let s = find_service(registry, service)?;
    s.secrets
        .iter()
        .find(|(v, _)| v.value == var)
        .map(|(_, r)| (r.value.path.clone(), r.value.key.clone()))
        .ok_or_else(|| {
            format!("`{service}` has no secret `{var}` (add it under `secrets:` in the registry)")
        })
}
