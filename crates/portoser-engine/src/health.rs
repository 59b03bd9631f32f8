//! Health gates: a deploy is done only when its check passes.
//!
//! HTTP and TCP checks connect to `127.0.0.1:port` *on the host* through
//! [`Transport::connect_tcp`] (an SSH direct-tcpip channel), so hosts need no curl and a
//! service bound to loopback is reachable. Command checks run on the host as ONE argument to
//! `sh -c` (the original ran only the first word). Process checks ask the engine.

use crate::Engine;
use crate::error::EngineError;
use crate::spec::ServiceSpec;
use crate::status::State;
use portoser_transport::{Cmd, ExecOptions, Script, Transport, TransportError};
use std::fmt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The most of a response body read for a body match.
const MAX_RESPONSE: usize = 256 * 1024;
/// The first pause between probes; it doubles up to the interval.
const FIRST_PAUSE: Duration = Duration::from_millis(200);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthSpec {
    pub probe: Probe,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// GET `path` on the host's `127.0.0.1:port` with `Host: host_header`; passes on
    /// `expect_status` (default any 2xx) and, when set, a body containing `expect_body`.
    Http {
        port: u16,
        path: String,
        host_header: String,
        expect_status: Option<u16>,
        expect_body: Option<String>,
    },
    /// The same GET over TLS: the certificate is verified against the spec's `tls_ca` for the
    /// URL's host name (`localhost`, `127.0.0.1`: in every `tls: auto` certificate).
    Https {
        port: u16,
        path: String,
        host_header: String,
        expect_status: Option<u16>,
        expect_body: Option<String>,
    },
    /// A TCP connection to the host's `127.0.0.1:port` succeeds.
    Tcp { port: u16 },
    /// The engine reports the service running (local: the supervised process is alive).
    Process,
    /// `sh -c COMMAND` on the host, in the service directory, exits 0.
    Command { command: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HealthError {
    /// Every probe failed until the deadline; `last` is what the last one saw.
    Unhealthy {
        attempts: u32,
        waited: Duration,
        last: String,
    },
    /// The check could not run at all: the host is unreachable or its connection was lost
    /// (`TransportError::is_retryable` is false). Not "unhealthy yet": no retries follow.
    Transport {
        attempts: u32,
        error: TransportError,
    },
    /// The service declares no health check (callers decide whether that is fine).
    NoCheck,
}

impl fmt::Display for HealthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthError::Unhealthy {
                attempts,
                waited,
                last,
            } => write!(
                f,
                "not healthy after {attempts} checks in {:.1}s: {last}",
                waited.as_secs_f64()
            ),
            HealthError::Transport { attempts, error } => {
                write!(f, "the check could not run (check {attempts}): {error}")
            }
            HealthError::NoCheck => f.write_str("the service declares no health check"),
        }
    }
}

impl std::error::Error for HealthError {}

impl HealthSpec {
    /// How long the gate waits in all: `retries` probes spaced by `interval`.
    pub fn budget(&self) -> Duration {
        self.interval.saturating_mul(self.retries.max(1))
    }
}

/// Probes until the check passes or the budget (`interval × retries`) is spent. Probes
/// start at once and come faster than `interval` at first (200 ms, doubling), so a service
/// that is up in a second passes in a second; no pause is ever longer than `interval`.
/// Returns how long it took.
pub async fn wait_healthy(
    transport: &Transport,
    spec: &ServiceSpec,
) -> Result<Duration, HealthError> {
    let health = spec.health.as_ref().ok_or(HealthError::NoCheck)?;
    let start = Instant::now();
    let deadline = start + health.budget();
    let mut pause = FIRST_PAUSE.min(health.interval);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result =
            tokio::time::timeout(health.timeout, probe_once(transport, spec, &health.probe)).await;
        let problem = match result {
            Ok(Ok(())) => return Ok(start.elapsed()),
            Ok(Err(Miss::Retry(problem))) => problem,
            Ok(Err(Miss::Fatal(error))) => return Err(HealthError::Transport { attempts, error }),
            Err(_) => format!("the check timed out after {:?}", health.timeout),
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(HealthError::Unhealthy {
                attempts,
                waited: start.elapsed(),
                last: problem,
            });
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(health.interval);
    }
}

/// Why one probe did not pass.
enum Miss {
    /// Not healthy (yet): worth another probe.
    Retry(String),
    /// The host cannot be reached (lost connection, unreachable, refused credentials): no
    /// probe can pass in this run.
    Fatal(TransportError),
}

impl From<String> for Miss {
    fn from(problem: String) -> Self {
        Miss::Retry(problem)
    }
}

/// Sorts a transport error: a closed port reads as itself, other retryable ones get the
/// probe's context, the rest end the gate.
fn transport_miss(what: &str, e: TransportError) -> Miss {
    match e {
        e @ TransportError::PortClosed { .. } => Miss::Retry(e.to_string()),
        e if e.is_retryable() => Miss::Retry(format!("{what}: {e}")),
        e => Miss::Fatal(e),
    }
}

/// One probe; `Err` says what was wrong in words for the user.
pub async fn check_once(
    transport: &Transport,
    spec: &ServiceSpec,
    probe: &Probe,
) -> Result<(), String> {
    probe_once(transport, spec, probe)
        .await
        .map_err(|miss| match miss {
            Miss::Retry(problem) => problem,
            Miss::Fatal(e) => e.to_string(),
        })
}

async fn probe_once(transport: &Transport, spec: &ServiceSpec, probe: &Probe) -> Result<(), Miss> {
    match probe {
        Probe::Tcp { port } => transport
            .connect_tcp(*port, Duration::from_secs(5))
            .await
            .map(drop)
            .map_err(|e| transport_miss(&format!("tcp port {port}"), e)),
        Probe::Http { port, .. } => {
            let stream = transport
                .connect_tcp(*port, Duration::from_secs(5))
                .await
                .map_err(|e| transport_miss(&format!("http port {port}"), e))?;
            Ok(http_check(stream, probe).await?)
        }
        Probe::Https {
            port, host_header, ..
        } => {
            let stream = transport
                .connect_tcp(*port, Duration::from_secs(5))
                .await
                .map_err(|e| transport_miss(&format!("https port {port}"), e))?;
            let tls = crate::https::connect(stream, host_header, spec.tls_ca.as_deref()).await?;
            Ok(http_check(tls, probe).await?)
        }
        Probe::Command { command } => {
            let out = transport
                .exec(&command_script(spec, command), ExecOptions::default())
                .await
                .map_err(|e| transport_miss("the check command", e))?;
            if out.success() {
                Ok(())
            } else {
                Err(Miss::Retry(format!(
                    "`{command}` exited with {}: {}",
                    out.status.map_or("a signal".to_string(), |s| s.to_string()),
                    last_line(&out.stderr_text()).unwrap_or("no output")
                )))
            }
        }
        Probe::Process => {
            let engine = Engine::for_spec(spec);
            match engine.status(transport, spec).await {
                Ok(s) if s.state == State::Running => Ok(()),
                Ok(s) => Err(Miss::Retry(format!(
                    "the process is {}{}",
                    s.state,
                    detail(&s.detail)
                ))),
                Err(EngineError::Transport(e)) => Err(transport_miss("the status query", e)),
                Err(e) => Err(Miss::Retry(e.to_string())),
            }
        }
    }
}

fn detail(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(": {d}")
    }
}

/// The command check as sent: the whole command is one argument of `sh -c`.
pub fn command_script(spec: &ServiceSpec, command: &str) -> Script {
    let mut cmd = Cmd::new("sh").arg("-c").arg(command).cwd(&spec.service_dir);
    for (k, v) in &spec.env {
        cmd = cmd.env(k, v);
    }
    Script::from(cmd)
}

fn last_line(text: &str) -> Option<&str> {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(str::trim)
}

/// The HTTP check over any byte stream: a minimal HTTP/1.1 GET with `Connection: close`,
/// then the status line and (when a body match is wanted) the body up to `MAX_RESPONSE`.
pub async fn http_check<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    probe: &Probe,
) -> Result<(), String> {
    let (Probe::Http {
        path,
        host_header,
        expect_status,
        expect_body,
        ..
    }
    | Probe::Https {
        path,
        host_header,
        expect_status,
        expect_body,
        ..
    }) = probe
    else {
        return Err("not an http check".to_string());
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: portoser-health\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("sending the request: {e}"))?;
    let mut response = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(n) => n,
            // A TLS server that closes without close_notify after `Connection: close` (most
            // do): what was read is the whole response, and the judge decides on it.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !response.is_empty() => 0,
            Err(e) => return Err(format!("reading the response: {e}")),
        };
        if n == 0 {
            break;
        }
        response.extend_from_slice(buf.get(..n).unwrap_or_default());
        let have_head = response.windows(4).any(|w| w == b"\r\n\r\n");
        if (have_head && expect_body.is_none()) || response.len() >= MAX_RESPONSE {
            break;
        }
    }
    judge(&response, *expect_status, expect_body.as_deref())
}

/// Decides from the raw response bytes.
pub fn judge(
    response: &[u8],
    expect_status: Option<u16>,
    expect_body: Option<&str>,
) -> Result<(), String> {
    let text = String::from_utf8_lossy(response);
    let status_line = text.lines().next().unwrap_or("");
    let mut words = status_line.split_whitespace();
    let status = match (
        words.next(),
        words.next().and_then(|c| c.parse::<u16>().ok()),
    ) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") => code,
        _ if response.is_empty() => {
            return Err("the server closed the connection without answering".into());
        }
        _ => {
            return Err(format!(
                "not an HTTP response: `{}`",
                status_line.escape_debug()
            ));
        }
    };
    let ok = match expect_status {
        Some(want) => status == want,
        None => (200..300).contains(&status),
    };
    if !ok {
        let want = expect_status.map_or("2xx".to_string(), |s| s.to_string());
        return Err(format!("HTTP status {status}, expected {want}"));
    }
    if let Some(needle) = expect_body {
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        if !body.contains(needle) {
            return Err(format!("the response body does not contain `{needle}`"));
        }
    }
    Ok(())
}
