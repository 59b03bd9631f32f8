//! The host that is this machine: scripts run with `/bin/sh -c` in their own process group,
//! so a timeout (or a dropped future) kills the command and everything it started.

use crate::error::TransportError;
use crate::transport::{ExecOptions, ExecOutput, ExecStream, HostStream, OutputChunk};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

/// How long output may keep arriving after the command exited (a background process that
/// kept the pipes open must not hang the step until its timeout).
pub(crate) const DRAIN_GRACE: Duration = Duration::from_secs(2);

#[derive(Clone, Debug)]
pub struct LocalTransport {
    inner: Arc<str>,
}

impl LocalTransport {
    /// `host` is the registry name of this machine, used in messages.
    pub fn new(host: impl Into<String>) -> Self {
        LocalTransport {
            inner: Arc::from(host.into()),
        }
    }

    pub fn host(&self) -> &str {
        &self.inner
    }

    fn spawn(&self, script: &str, stdin: bool) -> Result<(Child, GroupGuard), TransportError> {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(script)
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let child = cmd
            .spawn()
            .map_err(|e| TransportError::io(self.host(), "cannot start /bin/sh", e))?;
        let guard = GroupGuard {
            pgid: child.id().map(|id| id as i32),
        };
        Ok((child, guard))
    }

    pub(crate) async fn exec(
        &self,
        script: &str,
        options: ExecOptions,
    ) -> Result<ExecOutput, TransportError> {
        let (mut child, mut guard) = self.spawn(script, options.stdin.is_some())?;
        let run = async {
            let stdin = child.stdin.take();
            let feed = async move {
                if let (Some(mut pipe), Some(data)) = (stdin, options.stdin.as_deref()) {
                    // A command that does not read its stdin closes the pipe: not an error.
                    let _ = pipe.write_all(data).await;
                }
            };
            let stdout = Collector::start(child.stdout.take());
            let stderr = Collector::start(child.stderr.take());
            let (_, status) = tokio::join!(feed, child.wait());
            (status, stdout.finish().await, stderr.finish().await)
        };
        match tokio::time::timeout(options.timeout, run).await {
            Ok((Ok(status), stdout, stderr)) => {
                guard.disarm();
                Ok(ExecOutput {
                    status: status.code(),
                    stdout,
                    stderr,
                })
            }
            Ok((Err(e), _, _)) => Err(TransportError::io(self.host(), "waiting for /bin/sh", e)),
            Err(_) => Err(TransportError::Timeout {
                host: self.host().to_string(),
                what: "command".to_string(),
                after: options.timeout,
            }),
        }
        // `guard` drops here: on timeout it kills the whole group.
    }

    pub(crate) async fn connect_tcp(
        &self,
        port: u16,
        timeout: Duration,
    ) -> Result<HostStream, TransportError> {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(("127.0.0.1", port)))
            .await
        {
            Ok(Ok(stream)) => Ok(HostStream::Tcp(stream)),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                Err(TransportError::port_closed(self.host(), port))
            }
            Ok(Err(e)) => Err(TransportError::channel(
                self.host(),
                format!("127.0.0.1:{port}: {e}"),
            )),
            Err(_) => Err(TransportError::Timeout {
                host: self.host().to_string(),
                what: format!("connecting to 127.0.0.1:{port}"),
                after: timeout,
            }),
        }
    }

    pub(crate) async fn exec_stream(&self, script: &str) -> Result<ExecStream, TransportError> {
        let (mut child, guard) = self.spawn(script, false)?;
        let (tx, rx) = ExecStream::channel();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let task = tokio::spawn(async move {
            // Moved in: when the stream is dropped the task is aborted and the group killed.
            let mut guard = guard;
            let out = forward(stdout, tx.clone(), OutputChunk::Stdout);
            let err = forward(stderr, tx.clone(), OutputChunk::Stderr);
            let (_, _, status) = tokio::join!(out, err, child.wait());
            guard.disarm();
            let code = status.ok().and_then(|s| s.code());
            let _ = tx.send(Ok(OutputChunk::Exit(code))).await;
        });
        Ok(ExecStream {
            rx,
            _task: Some(task),
        })
    }
}

/// Kills the command's process group when dropped while armed.
struct GroupGuard {
    pgid: Option<i32>,
}

impl GroupGuard {
    fn disarm(&mut self) {
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.pgid.filter(|p| *p > 0) {
            // SAFETY: killpg only sends a signal; the group is the one we created.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }
}

/// Reads a pipe in a task into a shared buffer, so output is kept even when a background
/// process holds the pipe open past the command's exit.
struct Collector {
    buf: Arc<std::sync::Mutex<Vec<u8>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Collector {
    fn start<R: AsyncRead + Unpin + Send + 'static>(pipe: Option<R>) -> Self {
        let buf = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buf.clone();
        let task = tokio::spawn(async move {
            let Some(mut pipe) = pipe else { return };
            let mut chunk = vec![0u8; 8192];
            while let Ok(n) = pipe.read(&mut chunk).await {
                if n == 0 {
                    return;
                }
                if let (Ok(mut out), Some(data)) = (sink.lock(), chunk.get(..n)) {
                    out.extend_from_slice(data);
                }
            }
        });
        Collector { buf, task }
    }

    /// Waits for the end of the pipe at most `DRAIN_GRACE` (called after the command exited).
    async fn finish(mut self) -> Vec<u8> {
        if tokio::time::timeout(DRAIN_GRACE, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
        self.buf
            .lock()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    }
}

async fn forward<R: AsyncRead + Unpin>(
    pipe: Option<R>,
    tx: tokio::sync::mpsc::Sender<Result<OutputChunk, TransportError>>,
    wrap: fn(Vec<u8>) -> OutputChunk,
) {
    let Some(mut pipe) = pipe else { return };
    let mut buf = vec![0u8; 8192];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let data = buf.get(..n).unwrap_or_default().to_vec();
                if tx.send(Ok(wrap(data))).await.is_err() {
                    return;
                }
            }
        }
    }
}
