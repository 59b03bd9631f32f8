//! Validate and load a Caddyfile on the ingress host, over the run's transport:
//!
//! 1. copy the TLS files it names and the candidate (`<caddyfile_path>.portoser-new`),
//!    each atomically;
//! 2. `caddy adapt` the candidate on the host: Caddy's own parser says whether it is valid;
//! 3. `POST /load` (`Content-Type: text/caddyfile`) to the admin API through a direct-tcpip
//!    channel of the SSH connection (the host needs no curl);
//! 4. only then rename the candidate over `caddyfile_path`.
//!
//! A config Caddy rejects at 2 or 3 changes nothing that serves: the running config stays,
//! the file at `caddyfile_path` stays, the candidate is removed.

use crate::admin::{self, AdminError};
use portoser_transport::{Cmd, ExecOptions, Script, Transport, TransportError};
use std::fmt;
use std::time::Duration;

const STEP: Duration = Duration::from_secs(60);

/// Everything a reload needs, file contents read already.
#[derive(Clone)]
pub struct ReloadJob {
    /// `127.0.0.1:2019` on the ingress host.
    pub admin: String,
    /// The `caddy` program on the ingress host (a command name or an absolute path, E0175).
    pub binary: String,
    pub caddyfile_path: String,
    pub text: String,
    /// (remote path, contents, private key?) of each TLS file.
    pub files: Vec<(String, Vec<u8>, bool)>,
}

impl fmt::Debug for ReloadJob {
    // File contents include private keys: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReloadJob")
            .field("admin", &self.admin)
            .field("binary", &self.binary)
            .field("caddyfile_path", &self.caddyfile_path)
            .field(
                "files",
                &self.files.iter().map(|f| &f.0).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub enum ReloadError {
    Transport(TransportError),
    /// `caddy adapt` refused the candidate: Caddy's message.
    Invalid(String),
    /// The admin API refused to load it: Caddy's message.
    Rejected(String),
    /// A step on the host failed (mkdir, rename, no `caddy` binary).
    Host {
        step: String,
        message: String,
    },
    /// `admin_api` is not `127.0.0.1:PORT` / `localhost:PORT`.
    Admin(String),
}

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloadError::Transport(e) => write!(f, "{e}"),
            ReloadError::Invalid(m) => write!(f, "caddy adapt rejected the Caddyfile: {m}"),
            ReloadError::Rejected(m) => write!(f, "Caddy's admin API rejected the config: {m}"),
            ReloadError::Host { step, message } => write!(f, "{step} failed: {message}"),
            ReloadError::Admin(a) => write!(
                f,
                "admin_api `{a}` is not a loopback address with a port (127.0.0.1:PORT)"
            ),
        }
    }
}

impl std::error::Error for ReloadError {}

impl From<TransportError> for ReloadError {
    fn from(e: TransportError) -> Self {
        ReloadError::Transport(e)
    }
}

/// The admin API's port; only loopback addresses are accepted (the API has no auth).
pub fn admin_port(admin: &str) -> Result<u16, ReloadError> {
    let bad = || ReloadError::Admin(admin.to_string());
    let (host, port) = admin.rsplit_once(':').ok_or_else(bad)?;
    if !matches!(host, "127.0.0.1" | "localhost" | "") {
        return Err(bad());
    }
    port.parse().map_err(|_| bad())
}

pub async fn reload(t: &Transport, job: &ReloadJob) -> Result<(), ReloadError> {
    let port = admin_port(&job.admin)?;
    let candidate = format!("{}.portoser-new", job.caddyfile_path);
    let mut mkdir = Cmd::new("mkdir").arg("-p").arg(parent(&job.caddyfile_path));
    for (remote, _, _) in &job.files {
        mkdir = mkdir.arg(parent(remote));
    }
    run(t, Script::from(mkdir), "mkdir").await?;
    // The TLS files are replaced in place (the candidate names them), so the ones they
    // replace are kept aside until Caddy accepted the candidate: a rejected config must not
    // leave a running Caddy with files it cannot read at its next start.
    keep_aside(t, job).await?;
    let result = validate_and_load(t, job, port, &candidate).await;
    let finish = match &result {
        Ok(()) => forget_aside(job),
        Err(_) => restore_aside(job),
    };
    run(t, finish, "restore the TLS files").await?;
    result
}

async fn validate_and_load(
    t: &Transport,
    job: &ReloadJob,
    port: u16,
    candidate: &str,
) -> Result<(), ReloadError> {
    for (remote, contents, private) in &job.files {
        let mode = if *private { 0o600 } else { 0o644 };
        t.upload(remote, contents, mode, STEP).await?;
    }
    t.upload(candidate, job.text.as_bytes(), 0o644, STEP)
        .await?;
    let adapt = Cmd::new(&job.binary)
        .arg("adapt")
        .arg("--config")
        .arg(candidate)
        .arg("--adapter")
        .arg("caddyfile");
    let out = t
        .exec(&Script::from(adapt), ExecOptions::with_timeout(STEP))
        .await?;
    if !out.success() {
        remove(t, candidate).await;
        let message = caddy_message(&out.stderr_text());
        return Err(match out.status {
            Some(127) => ReloadError::Host {
                step: "caddy adapt".to_string(),
                message: format!(
                    "`{}` is not installed on `{}` (or not on the SSH user's PATH: set \
                     `caddy.binary` to its absolute path)",
                    job.binary,
                    t.host()
                ),
            },
            _ => ReloadError::Invalid(message),
        });
    }
    if let Err(e) = load(t, port, &job.admin, &job.text).await {
        remove(t, candidate).await;
        return Err(e);
    }
    let mv = Cmd::new("mv")
        .arg("-f")
        .arg(candidate)
        .arg(&job.caddyfile_path);
    run(t, Script::from(mv), "rename the Caddyfile").await
}

const ASIDE: &str = ".portoser-old";

/// `cp -p f f.portoser-old` for each TLS file that exists.
async fn keep_aside(t: &Transport, job: &ReloadJob) -> Result<(), ReloadError> {
    let mut script = Script::new();
    for (remote, _, _) in &job.files {
        let old = format!("{remote}{ASIDE}");
        script = script
            .then(Cmd::new("rm").arg("-f").arg(&old))
            .then(Cmd::new("test").arg("!").arg("-e").arg(remote))
            .or(Cmd::new("cp").arg("-p").arg(remote).arg(&old));
    }
    if script.is_empty() {
        return Ok(());
    }
    run(t, script.then(Cmd::new("true")), "keep the TLS files aside").await
}

fn forget_aside(job: &ReloadJob) -> Script {
    let mut rm = Cmd::new("rm").arg("-f");
    for (remote, _, _) in &job.files {
        rm = rm.arg(format!("{remote}{ASIDE}"));
    }
    Script::from(rm)
}

/// Puts back the files kept aside; a file that did not exist before is removed.
fn restore_aside(job: &ReloadJob) -> Script {
    let mut script = Script::new();
    for (remote, _, _) in &job.files {
        let old = format!("{remote}{ASIDE}");
        script = script
            .then(Cmd::new("test").arg("-e").arg(&old))
            .and(Cmd::new("mv").arg("-f").arg(&old).arg(remote))
            .or(Cmd::new("rm").arg("-f").arg(remote));
    }
    script.then(Cmd::new("true"))
}

async fn run(t: &Transport, script: Script, step: &str) -> Result<(), ReloadError> {
    let out = t.exec(&script, ExecOptions::with_timeout(STEP)).await?;
    if out.success() {
        return Ok(());
    }
    Err(ReloadError::Host {
        step: step.to_string(),
        message: out.stderr_text().trim().to_string(),
    })
}

async fn remove(t: &Transport, path: &str) {
    let rm = Cmd::new("rm").arg("-f").arg(path);
    // Best effort: a leftover candidate is harmless, the next reload overwrites it.
    let _ = t
        .exec(&Script::from(rm), ExecOptions::with_timeout(STEP))
        .await;
}

/// `POST /load` with the Caddyfile; Caddy adapts it, and on any error keeps the running
/// config and answers 4xx with `{"error": "..."}`. `Cache-Control: must-revalidate` (what
/// `caddy reload --force` sends) makes Caddy load it even when the text is the one running:
/// a renewed certificate keeps its path, and only a real load reads the new file.
async fn load(t: &Transport, port: u16, admin: &str, text: &str) -> Result<(), ReloadError> {
    let stream = t.connect_tcp(port, Duration::from_secs(10)).await?;
    let head = format!(
        "POST /load HTTP/1.1\r\nHost: {admin}\r\nContent-Type: text/caddyfile\r\n\
         Cache-Control: must-revalidate\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        text.len()
    );
    admin::exchange(stream, &head, text.as_bytes(), STEP)
        .await
        .map_err(|e| match e {
            AdminError::Silent(message) => ReloadError::Host {
                step: "POST /load".to_string(),
                message: format!("the admin API: {message}"),
            },
            AdminError::Refused(message) => ReloadError::Rejected(message),
        })
}

/// Caddy's stderr is JSON log lines and an `Error: ...` line: keep the error.
fn caddy_message(stderr: &str) -> String {
    stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("Error: "))
        .map(str::to_string)
        .unwrap_or_else(|| stderr.trim().to_string())
}

fn parent(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((dir, _)) => dir.to_string(),
        None => ".".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_must_be_loopback() {
        assert_eq!(admin_port("127.0.0.1:2019").unwrap(), 2019);
        assert_eq!(admin_port("localhost:1").unwrap(), 1);
        assert!(admin_port("0.0.0.0:2019").is_err());
        assert!(admin_port("10.0.0.1:2019").is_err());
        assert!(admin_port("127.0.0.1").is_err());
    }

    #[test]
    fn caddy_errors_are_extracted() {
        assert_eq!(
            caddy_message("{\"level\":\"info\"}\nError: adapting config: wrong\n"),
            "adapting config: wrong"
        );
    }
}
