//! SSH hosts through russh: one verified, authenticated connection per host, one channel per
//! command. Each script runs as `exec /bin/sh -c WRAPPER portoser SCRIPT` on the host: the
//! wrapper (constant text) runs the script in the background of a shell that turns a TERM
//! signal into `kill -KILL 0`, so a timeout kills the script and everything it started (sshd
//! gives each session its own process group).

mod connect;
pub mod known_hosts;

use crate::command::Cmd;
use crate::error::TransportError;
use crate::local::DRAIN_GRACE;
use crate::pool::HostConfig;
use crate::transport::{ExecOptions, ExecOutput, ExecStream, HostStream, OutputChunk};
use connect::Verifier;
use russh::client::{Handle, Msg};
use russh::{Channel, ChannelMsg, ChannelReadHalf, ChannelWriteHalf, Sig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Constant wrapper: stdin is kept on fd 3 (a background job would get /dev/null), the
/// script runs as `$1` in a child shell, and `wait` (unlike a foreground job) lets the TERM
/// trap run at once.
const WRAPPER: &str =
    "exec 3<&0; trap 'kill -KILL 0' TERM HUP; /bin/sh -c \"$1\" <&3 3<&- & wait $!";

/// How SSH connections are made.
#[derive(Clone, Debug)]
pub struct SshOptions {
    /// The known_hosts file every host key is checked against.
    pub known_hosts: PathBuf,
    /// Record unknown host keys instead of refusing them (trust on first use). A changed key
    /// is refused regardless.
    pub trust_new_host_keys: bool,
    /// TCP connect, handshake and authentication each get this long.
    pub connect_timeout: Duration,
    /// Interval of SSH keepalives; three unanswered ones close the connection.
    pub keepalive: Duration,
    /// Commands running at once on one connection (sshd's `MaxSessions` defaults to 10);
    /// more wait for a free slot.
    pub max_sessions: usize,
}

impl Default for SshOptions {
    fn default() -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        SshOptions {
            known_hosts: home.join(".ssh").join("known_hosts"),
            trust_new_host_keys: false,
            connect_timeout: Duration::from_secs(10),
            keepalive: Duration::from_secs(15),
            max_sessions: 8,
        }
    }
}

#[derive(Clone)]
pub struct SshTransport {
    inner: Arc<Inner>,
}

struct Inner {
    host: String,
    handle: Handle<Verifier>,
    sessions: Arc<Semaphore>,
}

/// A host key as `portoser hosts trust` shows and records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedKey {
    /// `SHA256:...`, as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
    /// `type base64`.
    pub key_line: String,
    /// The line known_hosts would get: `[addr]:port type base64` (`addr type base64` on 22).
    pub known_hosts_line: String,
    key: russh::keys::PublicKey,
}

/// Connects without authenticating and returns the host's key (for `portoser hosts trust`).
pub async fn scan_host_key(
    address: &str,
    port: u16,
    timeout: Duration,
) -> Result<ScannedKey, TransportError> {
    let slot = Arc::new(std::sync::Mutex::new(None));
    let verifier = Verifier {
        name: address.to_string(),
        address: address.to_string(),
        port,
        mode: connect::Mode::Scan(slot.clone()),
    };
    let options = SshOptions {
        connect_timeout: timeout,
        ..SshOptions::default()
    };
    let result = connect::handshake(address, address, port, &options, verifier).await;
    let key = slot.lock().ok().and_then(|mut s| s.take());
    match (key, result) {
        (Some(key), _) => {
            let key_line = known_hosts::key_line(&key);
            Ok(ScannedKey {
                fingerprint: known_hosts::fingerprint(&key),
                known_hosts_line: format!(
                    "{} {key_line}",
                    known_hosts::host_pattern(address, port)
                ),
                key_line,
                key,
            })
        }
        (None, Err(e)) => Err(connect::refused(address, e)),
        (None, Ok(_)) => Err(TransportError::channel(
            address,
            "the server sent no host key",
        )),
    }
}

/// Appends a scanned key to a known_hosts file (after the user checked the fingerprint).
pub fn record_host_key(
    known_hosts_file: &std::path::Path,
    address: &str,
    port: u16,
    key: &ScannedKey,
) -> Result<(), TransportError> {
    known_hosts::append(known_hosts_file, address, port, &key.key).map_err(|e| {
        TransportError::io(
            address,
            &format!("cannot write {}", known_hosts_file.display()),
            e,
        )
    })
}

impl SshTransport {
    /// Opens and authenticates the connection (host key checked first).
    pub async fn connect(host: &HostConfig, options: &SshOptions) -> Result<Self, TransportError> {
        let handle = connect::open(host, options).await?;
        Ok(SshTransport {
            inner: Arc::new(Inner {
                host: host.name.clone(),
                handle,
                sessions: Arc::new(Semaphore::new(options.max_sessions.max(1))),
            }),
        })
    }

    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// Whether the connection has dropped (its session task ended): every later operation
    /// fails at once with `ConnectionLost`.
    pub fn is_closed(&self) -> bool {
        self.inner.handle.is_closed()
    }

    fn lost(&self) -> TransportError {
        TransportError::lost(self.host())
    }

    /// A channel failure, unless the connection underneath is gone: then `ConnectionLost`,
    /// whatever russh's words were (`Channel send error`, `Disconnected`).
    fn err(&self, e: impl std::fmt::Display) -> TransportError {
        if self.is_closed() {
            return self.lost();
        }
        TransportError::channel(self.host(), e)
    }

    fn russh_err(&self, e: russh::Error) -> TransportError {
        match e {
            russh::Error::SendError | russh::Error::Disconnect => self.lost(),
            e => self.err(e),
        }
    }

    async fn start(
        &self,
        script: &str,
    ) -> Result<(Channel<Msg>, tokio::sync::OwnedSemaphorePermit), TransportError> {
        if self.is_closed() {
            return Err(self.lost());
        }
        let permit = self
            .inner
            .sessions
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| self.err(e))?;
        let channel = self.open_session().await?;
        let remote = Cmd::new("/bin/sh")
            .args(["-c", WRAPPER, "portoser", script])
            .render_exec()?;
        channel
            .exec(true, remote)
            .await
            .map_err(|e| self.russh_err(e))?;
        Ok((channel, permit))
    }

    /// Opens a session channel, retrying while the server refuses one: sshd frees a session
    /// slot (`MaxSessions`) only after the close handshake of a finished command.
    async fn open_session(&self) -> Result<Channel<Msg>, TransportError> {
        let mut pause = Duration::from_millis(10);
        for _ in 0..40 {
            match self.inner.handle.channel_open_session().await {
                Ok(channel) => return Ok(channel),
                Err(russh::Error::ChannelOpenFailure(_)) if !self.is_closed() => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                Err(e) => return Err(self.russh_err(e)),
            }
        }
        Err(self.err("the host refused to open a session channel (sshd MaxSessions?)"))
    }

    pub(crate) async fn exec(
        &self,
        script: &str,
        options: ExecOptions,
    ) -> Result<ExecOutput, TransportError> {
        let deadline = tokio::time::Instant::now() + options.timeout;
        let timed_out = || TransportError::Timeout {
            host: self.host().to_string(),
            what: "command".to_string(),
            after: options.timeout,
        };
        let (channel, _permit) = tokio::time::timeout_at(deadline, self.start(script))
            .await
            .map_err(|_| timed_out())??;
        let (mut read, write) = channel.split();
        // Kills the remote command if this future is dropped before the command ended (a
        // timeout, or a caller that gave up), so nothing keeps running unobserved.
        let mut guard = KillOnDrop(Some(write));
        let mut out = ExecOutput::default();
        let io = async {
            if let Some(write) = &guard.0 {
                if let Some(data) = &options.stdin {
                    write.data(&data[..]).await.map_err(|e| self.russh_err(e))?;
                }
                write.eof().await.map_err(|e| self.russh_err(e))?;
            }
            match collect(&mut read, &mut out).await {
                Ended::Closed => Ok(()),
                Ended::Dropped => Err(self.lost()),
            }
        };
        match tokio::time::timeout_at(deadline, io).await {
            Ok(result) => {
                guard.0 = None;
                result.map(|()| out)
            }
            Err(_) => {
                if let Some(write) = guard.0.take() {
                    kill(&write).await;
                }
                Err(timed_out())
            }
        }
    }

    pub(crate) async fn connect_tcp(
        &self,
        port: u16,
        timeout: Duration,
    ) -> Result<HostStream, TransportError> {
        if self.is_closed() {
            return Err(self.lost());
        }
        let open = self.inner.handle.channel_open_direct_tcpip(
            "127.0.0.1",
            u32::from(port),
            "127.0.0.1",
            0,
        );
        match tokio::time::timeout(timeout, open).await {
            Ok(Ok(channel)) => Ok(HostStream::Ssh(channel.into_stream())),
            // sshd answers a refused connect on the host with reason ConnectFailed.
            Ok(Err(russh::Error::ChannelOpenFailure(russh::ChannelOpenFailure::ConnectFailed))) => {
                Err(TransportError::port_closed(self.host(), port))
            }
            Ok(Err(e @ (russh::Error::SendError | russh::Error::Disconnect))) => {
                Err(self.russh_err(e))
            }
            Ok(Err(e)) => Err(self.err(format!("127.0.0.1:{port} on the host: {e}"))),
            Err(_) => Err(TransportError::Timeout {
                host: self.host().to_string(),
                what: format!("connecting to 127.0.0.1:{port}"),
                after: timeout,
            }),
        }
    }

    pub(crate) async fn exec_stream(&self, script: &str) -> Result<ExecStream, TransportError> {
        let (mut channel, permit) = self.start(script).await?;
        channel.eof().await.map_err(|e| self.russh_err(e))?;
        let (tx, rx) = ExecStream::channel();
        let host = self.host().to_string();
        // Not aborted on drop: the task notices the closed receiver and kills the command.
        tokio::spawn(async move {
            let _permit = permit;
            loop {
                let msg = tokio::select! {
                    msg = channel.wait() => msg,
                    () = tx.closed() => {
                        let _ = channel.signal(Sig::TERM).await;
                        let _ = channel.close().await;
                        return;
                    }
                };
                let chunk = match msg {
                    Some(ChannelMsg::Data { data }) => OutputChunk::Stdout(data.to_vec()),
                    Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                        OutputChunk::Stderr(data.to_vec())
                    }
                    Some(ChannelMsg::ExitStatus { exit_status }) => {
                        OutputChunk::Exit(i32::try_from(exit_status).ok())
                    }
                    Some(ChannelMsg::ExitSignal { .. }) => OutputChunk::Exit(None),
                    Some(_) => continue,
                    // Only a dropped connection ends a channel without exit status or close.
                    None => {
                        let _ = tx.send(Err(TransportError::lost(&host))).await;
                        return;
                    }
                };
                let last = matches!(chunk, OutputChunk::Exit(_));
                if tx.send(Ok(chunk)).await.is_err() || last {
                    return;
                }
            }
        });
        Ok(ExecStream { rx, _task: None })
    }
}

/// How reading a channel ended.
enum Ended {
    /// The host closed it, or sent the exit status (and the rest came or the grace passed).
    Closed,
    /// The connection dropped before the command's exit status arrived.
    Dropped,
}

/// Reads a channel until it closes; after the exit status, waits at most `DRAIN_GRACE` for
/// the rest of the output (a background process may hold the pipes open).
async fn collect(channel: &mut ChannelReadHalf, out: &mut ExecOutput) -> Ended {
    let mut exited = false;
    loop {
        let msg = if exited {
            match tokio::time::timeout(DRAIN_GRACE, channel.wait()).await {
                Ok(msg) => msg,
                Err(_) => return Ended::Closed,
            }
        } else {
            channel.wait().await
        };
        match msg {
            Some(ChannelMsg::Data { data }) => out.stdout.extend_from_slice(&data),
            Some(ChannelMsg::ExtendedData { data, ext: 1 }) => out.stderr.extend_from_slice(&data),
            Some(ChannelMsg::ExitStatus { exit_status }) => {
                out.status = i32::try_from(exit_status).ok();
                exited = true;
            }
            Some(ChannelMsg::ExitSignal { .. }) => {
                out.status = None;
                exited = true;
            }
            Some(ChannelMsg::Close) => return Ended::Closed,
            // russh drops a channel's sender only when the session ends.
            None if exited => return Ended::Closed,
            None => return Ended::Dropped,
            Some(_) => {}
        }
    }
}

/// The wrapper on the host turns TERM into `kill -KILL 0`: the script and its children die.
async fn kill(write: &ChannelWriteHalf<Msg>) {
    let _ = write.signal(Sig::TERM).await;
    let _ = write.close().await;
}

/// Kills the remote command when dropped while still holding the channel.
struct KillOnDrop(Option<ChannelWriteHalf<Msg>>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let (Some(write), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move { kill(&write).await });
        }
    }
}
