//! A scripted host for unit tests of the engines and the scheduler: no process, no network.
//!
//! ```
//! # use portoser_transport::{FakeTransport, ExecOutput, Transport, Script, Cmd, ExecOptions};
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let fake = FakeTransport::new("web1");
//! fake.on("'docker' 'compose'", Ok(ExecOutput::ok("up")));
//! fake.on("'false'", Ok(ExecOutput::failed(1, "nope")));
//! let host = Transport::Fake(fake.clone());
//! let out = host.exec(&Script::from(Cmd::new("docker").arg("compose")), ExecOptions::default()).await.unwrap();
//! assert_eq!(out.stdout, b"up");
//! assert_eq!(fake.scripts(), vec!["( 'docker' 'compose' )".to_string()]);
//! # });
//! ```
//!
//! Answers, in order: the closure given to [`FakeTransport::respond_with`] (when it returns
//! `Some`), then the most recently added [`FakeTransport::on`] rule whose text occurs in the
//! rendered script, else exit status 0 with no output. Every rendered script is recorded
//! (exec and exec_stream alike); uploads are kept in memory, not recorded as scripts.

use crate::error::TransportError;
use crate::transport::{ExecOptions, ExecOutput, ExecStream, HostStream, OutputChunk};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Response = Result<ExecOutput, TransportError>;
type Responder = Arc<dyn Fn(&str, Option<&[u8]>) -> Option<Response> + Send + Sync>;

/// One file written with `upload`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub path: String,
    pub contents: Vec<u8>,
    pub mode: u32,
}

#[derive(Clone)]
pub struct FakeTransport {
    host: Arc<str>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    rules: Vec<(String, Response)>,
    responder: Option<Responder>,
    scripts: Vec<String>,
    uploads: Vec<Upload>,
    tcp: BTreeMap<u16, Vec<u8>>,
    delay: Duration,
    lost: bool,
}

impl FakeTransport {
    pub fn new(host: impl Into<String>) -> Self {
        FakeTransport {
            host: Arc::from(host.into()),
            state: Arc::default(),
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock already failed; keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers every script containing `needle` with `response` (later rules win).
    pub fn on(&self, needle: impl Into<String>, response: Response) -> &Self {
        self.state().rules.push((needle.into(), response));
        self
    }

    /// Answers with a closure of (rendered script, stdin); `None` falls through to the rules.
    pub fn respond_with(
        &self,
        f: impl Fn(&str, Option<&[u8]>) -> Option<Response> + Send + Sync + 'static,
    ) -> &Self {
        self.state().responder = Some(Arc::new(f));
        self
    }

    /// Every exec takes this long (a longer one than its timeout fails with `Timeout`).
    pub fn set_delay(&self, delay: Duration) -> &Self {
        self.state().delay = delay;
        self
    }

    /// `connect_tcp(port)` reads the request (up to a blank line) and answers `response`.
    pub fn serve_tcp(&self, port: u16, response: impl Into<Vec<u8>>) -> &Self {
        self.state().tcp.insert(port, response.into());
        self
    }

    /// Every rendered script run so far, in order.
    pub fn scripts(&self) -> Vec<String> {
        self.state().scripts.clone()
    }

    /// Every upload so far, in order.
    pub fn uploads(&self) -> Vec<Upload> {
        self.state().uploads.clone()
    }

    /// The last contents uploaded to `path`.
    /// From now on every operation fails with `ConnectionLost`, as on an SSH connection
    /// that dropped; nothing more is recorded.
    pub fn lose_connection(&self) -> &Self {
        self.state().lost = true;
        self
    }

    fn check_lost(&self) -> Result<(), TransportError> {
        if self.state().lost {
            return Err(TransportError::lost(self.host()));
        }
        Ok(())
    }

    pub fn file(&self, path: &str) -> Option<Upload> {
        self.state()
            .uploads
            .iter()
            .rev()
            .find(|u| u.path == path)
            .cloned()
    }

    fn answer(&self, script: &str, stdin: Option<&[u8]>) -> (Response, Duration) {
        let (responder, delay) = {
            let mut state = self.state();
            state.scripts.push(script.to_string());
            (state.responder.clone(), state.delay)
        };
        if let Some(answer) = responder.and_then(|f| f(script, stdin)) {
            return (answer, delay);
        }
        let state = self.state();
        let rule = state
            .rules
            .iter()
            .rev()
            .find(|(needle, _)| script.contains(needle.as_str()));
        let answer = rule
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| Ok(ExecOutput::ok("")));
        (answer, delay)
    }

    pub(crate) async fn exec(&self, script: &str, options: ExecOptions) -> Response {
        self.check_lost()?;
        let (answer, delay) = self.answer(script, options.stdin.as_deref());
        if delay > options.timeout {
            tokio::time::sleep(options.timeout).await;
            return Err(TransportError::Timeout {
                host: self.host().to_string(),
                what: "command".to_string(),
                after: options.timeout,
            });
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        answer
    }

    pub(crate) async fn exec_stream(&self, script: &str) -> Result<ExecStream, TransportError> {
        self.check_lost()?;
        let (answer, _) = self.answer(script, None);
        let out = answer?;
        let (tx, rx) = ExecStream::channel();
        for chunk in [
            OutputChunk::Stdout(out.stdout),
            OutputChunk::Stderr(out.stderr),
            OutputChunk::Exit(out.status),
        ] {
            // The channel holds 64 items; three always fit.
            let _ = tx.try_send(Ok(chunk));
        }
        Ok(ExecStream { rx, _task: None })
    }

    pub(crate) fn upload(
        &self,
        path: &str,
        contents: &[u8],
        mode: u32,
    ) -> Result<(), TransportError> {
        self.check_lost()?;
        self.state().uploads.push(Upload {
            path: path.to_string(),
            contents: contents.to_vec(),
            mode,
        });
        Ok(())
    }

    pub(crate) fn connect_tcp(&self, port: u16) -> Result<HostStream, TransportError> {
        self.check_lost()?;
        let Some(response) = self.state().tcp.get(&port).cloned() else {
            return Err(TransportError::port_closed(self.host(), port));
        };
        let (ours, mut theirs) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match theirs.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(buf.get(..n).unwrap_or_default()),
                }
            }
            let _ = theirs.write_all(&response).await;
            let _ = theirs.shutdown().await;
        });
        Ok(HostStream::Memory(ours))
    }
}
