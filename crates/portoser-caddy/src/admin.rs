//! One request to Caddy's admin API over a stream the host's connection opened (direct-tcpip
//! through SSH): the reload's `POST /load` and `hosts check`'s `GET /config/` both go here.

use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The most of an answer read: Caddy's errors are short, `/config/` of a large site is not.
const MAX_RESPONSE: u64 = 4 << 20;

/// Why an exchange did not end in a 200.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AdminError {
    /// No answer (timeout, closed connection): the API is not there.
    Silent(String),
    /// An answer other than 200: Caddy's own error, or the status.
    Refused(String),
}

/// Sends `head` (request line and headers, ending in the blank line) and `body`, reads the
/// answer within `within`, and accepts only status 200.
pub(crate) async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    head: &str,
    body: &[u8],
    within: Duration,
) -> Result<(), AdminError> {
    let talk = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        stream.flush().await?;
        let mut response = Vec::new();
        (&mut stream)
            .take(MAX_RESPONSE)
            .read_to_end(&mut response)
            .await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(within, talk)
        .await
        .map_err(|_| AdminError::Silent(format!("no answer in {}s", within.as_secs())))?
        .map_err(|e| AdminError::Silent(e.to_string()))?;
    judge(&String::from_utf8_lossy(&response)).map_err(AdminError::Refused)
}

/// Status 200, else Caddy's error (or the status line) as the reason.
fn judge(response: &str) -> Result<(), String> {
    let status: u16 = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if status == 200 {
        return Ok(());
    }
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Err(admin_error(status, body))
}

/// The `error` of Caddy's JSON answer (chunked or not), else the status.
pub(crate) fn admin_error(status: u16, body: &str) -> String {
    let json = body.find('{').zip(body.rfind('}'));
    if let Some((start, end)) = json
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&body[start..=end])
        && let Some(e) = v.get("error").and_then(|e| e.as_str())
    {
        return e.to_string();
    }
    match status {
        0 => "no HTTP answer from the admin API".to_string(),
        s => format!("HTTP {s}: {}", body.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caddys_error_is_kept_chunked_or_not() {
        assert_eq!(
            admin_error(400, "{\"error\":\"loading config: bad\"}\n"),
            "loading config: bad"
        );
        assert_eq!(
            admin_error(400, "2a\r\n{\"error\":\"x\"}\r\n0\r\n\r\n"),
            "x"
        );
        assert_eq!(admin_error(0, ""), "no HTTP answer from the admin API");
    }

    #[test]
    fn admin_answers_are_judged() {
        assert!(judge("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnull\n").is_ok());
        let e = judge("HTTP/1.1 403 Forbidden\r\n\r\n{\"error\":\"host not allowed: x\"}");
        assert_eq!(e, Err("host not allowed: x".to_string()));
        assert_eq!(
            judge(""),
            Err("no HTTP answer from the admin API".to_string())
        );
    }

    #[tokio::test]
    async fn only_a_200_is_accepted() {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        let answer = tokio::spawn(async move {
            let mut request = vec![0u8; 64];
            let n = server.read(&mut request).await.expect("read");
            server
                .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n{\"error\":\"nope\"}")
                .await
                .expect("write");
            String::from_utf8_lossy(&request[..n]).into_owned()
        });
        let got = exchange(
            client,
            "GET /config/ HTTP/1.1\r\n\r\n",
            b"",
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(got, Err(AdminError::Refused("nope".to_string())));
        assert!(answer.await.expect("join").starts_with("GET /config/"));
    }
}
