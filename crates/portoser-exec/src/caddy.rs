//! The `caddy/reload` node: the rendered Caddyfile validated and loaded on the ingress host
//! (portoser_caddy::reload), then kept locally as the applied one (what plan diffs against).

use crate::engine_runner::{EngineRunner, transport_failure};
use crate::{FailureKind, NodeFailure, NodeOutput};
use portoser_caddy::{ReloadError, ReloadJob};
use std::path::PathBuf;

/// What the runner needs for the reload, prepared by the CLI.
#[derive(Clone, Debug)]
pub struct CaddyJob {
    pub ingress_host: String,
    pub admin: String,
    /// `caddy.binary`: the program run on the ingress host.
    pub binary: String,
    pub caddyfile_path: String,
    /// The rendered Caddyfile.
    pub text: String,
    /// (local path, path on the ingress host, private key?) of each TLS file, read when the
    /// reload runs: a `tls: auto` certificate is issued earlier in the same apply.
    pub files: Vec<(PathBuf, String, bool)>,
    /// `.portoser/caddy/Caddyfile.applied` of the project: written after a successful load.
    pub applied_path: PathBuf,
}

impl CaddyJob {
    /// The reload with the TLS files' contents.
    pub fn read(&self) -> Result<ReloadJob, String> {
        let mut files = Vec::new();
        for (local, remote, private) in &self.files {
            let bytes = std::fs::read(local)
                .map_err(|e| format!("cannot read `{}` for Caddy: {e}", local.display()))?;
            files.push((remote.clone(), bytes, *private));
        }
        Ok(ReloadJob {
            admin: self.admin.clone(),
            binary: self.binary.clone(),
            caddyfile_path: self.caddyfile_path.clone(),
            text: self.text.clone(),
            files,
        })
    }
}

impl EngineRunner {
    pub(crate) async fn caddy_reload(&self) -> Result<NodeOutput, NodeFailure> {
        let job = match &self.caddy {
            Some(Ok(job)) => job,
            Some(Err(why)) => return Err(NodeFailure::new(why.clone())),
            // A runner built without `with_caddy` (a library user, a test) has nothing to load.
            None => return Err(NodeFailure::new("no Caddyfile was prepared for this run")),
        };
        let reload = job.read().map_err(|e| {
            NodeFailure::new(e).with_note("nothing was sent: the running config keeps serving")
        })?;
        let t = self.transport(&job.ingress_host).await?;
        portoser_caddy::reload(&t, &reload)
            .await
            .map_err(reload_failure)?;
        // The ingress serves it now; a failure to keep the local copy only makes the next
        // plan's diff larger than it is, so it is a note, not a failed node.
        let sites = job.text.matches("\treverse_proxy").count();
        let mut out =
            NodeOutput::message(format!("loaded on `{}`: {sites} site(s)", job.ingress_host));
        if let Err(e) = portoser_caddy::write_applied(&job.applied_path, &job.text) {
            out = NodeOutput::message(format!(
                "loaded on `{}`: {sites} site(s); could not keep {}: {e}",
                job.ingress_host,
                job.applied_path.display()
            ));
        }
        Ok(out)
    }
}

fn rejected(stage: &str, message: &str) -> NodeFailure {
    NodeFailure::new(format!(
        "Caddy rejected the new config ({stage}): {message}"
    ))
    .with_note("the running config is unchanged and keeps serving")
    .kind(FailureKind::CaddyRejected)
}

fn reload_failure(e: ReloadError) -> NodeFailure {
    match e {
        ReloadError::Transport(t) => transport_failure(t),
        ReloadError::Invalid(m) => rejected("caddy adapt", &m),
        ReloadError::Rejected(m) => rejected("admin API", &m),
        other => NodeFailure::new(other.to_string()),
    }
}
