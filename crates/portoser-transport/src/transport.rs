//! The `Transport` enum: one way to run scripts, upload files and open TCP streams on a host,
//! whatever carries them (this machine, SSH, or a fake for unit tests).

use crate::command::Script;
use crate::error::TransportError;
use crate::fake::FakeTransport;
use crate::local::LocalTransport;
use crate::ssh::SshTransport;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;

/// How to run one script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecOptions {
    /// The command is killed (its whole process group locally; the channel closed over SSH)
    /// and `TransportError::Timeout` returned when it runs longer.
    pub timeout: Duration,
    /// Bytes fed to the script's stdin (then closed). Never printed in errors.
    pub stdin: Option<Vec<u8>>,
}

impl ExecOptions {
    pub fn with_timeout(timeout: Duration) -> Self {
        ExecOptions {
            timeout,
            stdin: None,
        }
    }

    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(data.into());
        self
    }
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions::with_timeout(Duration::from_secs(60))
    }
}

/// What a finished command left. A non-zero status is not an error of the transport.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// The exit status; `None` when the command died from a signal or the host sent none.
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    /// Exit status 0 with this stdout.
    pub fn ok(stdout: impl Into<Vec<u8>>) -> Self {
        ExecOutput {
            status: Some(0),
            stdout: stdout.into(),
            stderr: Vec::new(),
        }
    }

    /// This exit status with this stderr.
    pub fn failed(status: i32, stderr: impl Into<Vec<u8>>) -> Self {
        ExecOutput {
            status: Some(status),
            stdout: Vec::new(),
            stderr: stderr.into(),
        }
    }

    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// One piece of a followed command's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputChunk {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    /// The command ended; nothing follows.
    Exit(Option<i32>),
}

pub(crate) type ChunkResult = Result<OutputChunk, TransportError>;
pub(crate) type ChunkSender = mpsc::Sender<ChunkResult>;

/// The output of a command as it arrives (`logs -f`). Dropping it stops the command.
pub struct ExecStream {
    pub(crate) rx: mpsc::Receiver<ChunkResult>,
    /// Dropped with the stream; the producing task sees the closed channel and stops.
    pub(crate) _task: Option<tokio::task::JoinHandle<()>>,
}

impl ExecStream {
    /// The next chunk, or `None` after `Exit` (or an error) has been delivered.
    pub async fn next(&mut self) -> Option<Result<OutputChunk, TransportError>> {
        self.rx.recv().await
    }

    pub(crate) fn channel() -> (ChunkSender, mpsc::Receiver<ChunkResult>) {
        mpsc::channel(64)
    }
}

impl Drop for ExecStream {
    fn drop(&mut self) {
        if let Some(task) = &self._task {
            task.abort();
        }
    }
}

/// A byte stream to `127.0.0.1:port` on a host.
pub enum HostStream {
    Tcp(tokio::net::TcpStream),
    Ssh(russh::ChannelStream<russh::client::Msg>),
    /// The fake transport's canned peer.
    Memory(tokio::io::DuplexStream),
}

macro_rules! each_stream {
    ($self:ident, $s:ident => $body:expr) => {
        match $self.get_mut() {
            HostStream::Tcp($s) => $body,
            HostStream::Ssh($s) => $body,
            HostStream::Memory($s) => $body,
        }
    };
}

impl AsyncRead for HostStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        each_stream!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for HostStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each_stream!(self, s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each_stream!(self, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each_stream!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}

/// How portoser reaches one host. Cheap to clone: every variant shares its state.
#[derive(Clone)]
pub enum Transport {
    Local(LocalTransport),
    Ssh(SshTransport),
    Fake(FakeTransport),
}

impl Transport {
    /// The host's name (as in the registry), for messages.
    pub fn host(&self) -> &str {
        match self {
            Transport::Local(t) => t.host(),
            Transport::Ssh(t) => t.host(),
            Transport::Fake(t) => t.host(),
        }
    }

    /// Runs `script` with `/bin/sh -c` on the host.
    pub async fn exec(
        &self,
        script: &Script,
        options: ExecOptions,
    ) -> Result<ExecOutput, TransportError> {
        let text = script.render()?;
        match self {
            Transport::Local(t) => t.exec(&text, options).await,
            Transport::Ssh(t) => t.exec(&text, options).await,
            Transport::Fake(t) => t.exec(&text, options).await,
        }
    }

    /// Writes `contents` to `path` on the host atomically: a temp file beside it gets `mode`
    /// before any data, then is renamed over `path`. The parent directory must exist.
    pub async fn upload(
        &self,
        path: &str,
        contents: &[u8],
        mode: u32,
        timeout: Duration,
    ) -> Result<(), TransportError> {
        match self {
            Transport::Fake(t) => t.upload(path, contents, mode),
            other => {
                let script = crate::upload::script(path, mode)?;
                let out = other
                    .exec(
                        &script,
                        ExecOptions {
                            timeout,
                            stdin: Some(contents.to_vec()),
                        },
                    )
                    .await?;
                crate::upload::check(other.host(), path, &out)
            }
        }
    }

    /// A byte stream to `127.0.0.1:port` on the host (a direct-tcpip channel over SSH).
    pub async fn connect_tcp(
        &self,
        port: u16,
        timeout: Duration,
    ) -> Result<HostStream, TransportError> {
        match self {
            Transport::Local(t) => t.connect_tcp(port, timeout).await,
            Transport::Ssh(t) => t.connect_tcp(port, timeout).await,
            Transport::Fake(t) => t.connect_tcp(port),
        }
    }

    /// Runs `script` and delivers its output as it comes (for `logs -f`). No timeout: drop the
    /// stream to stop the command.
    pub async fn exec_stream(&self, script: &Script) -> Result<ExecStream, TransportError> {
        let text = script.render()?;
        match self {
            Transport::Local(t) => t.exec_stream(&text).await,
            Transport::Ssh(t) => t.exec_stream(&text).await,
            Transport::Fake(t) => t.exec_stream(&text).await,
        }
    }
}
