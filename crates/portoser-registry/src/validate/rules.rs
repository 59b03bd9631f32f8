//! The character-level rules, as plain predicates (documented in docs/registry.md).

/// Host and service names: `^[a-z0-9][a-z0-9_-]{0,62}$`. Safe unquoted in a shell, as a
/// file name, a systemd unit, a launchd label, a docker compose project and container name
/// (compose wants lower case), and short enough for a DNS label.
pub(crate) fn is_safe_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.first() {
        Some(b) if b.is_ascii_lowercase() || b.is_ascii_digit() => {}
        _ => return false,
    }
    bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

/// POSIX portable user names (no leading `-`, so never an ssh option), at most 32 bytes.
pub(crate) fn is_posix_user(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {}
        _ => return false,
    }
    bytes.len() <= 32
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A compose service or systemd unit name: `[A-Za-z0-9_][A-Za-z0-9_.@:-]*`, up to 255 bytes.
pub(crate) fn is_unit_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.first() {
        Some(b) if b.is_ascii_alphanumeric() || *b == b'_' => {}
        _ => return false,
    }
    bytes.len() <= 255
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b':' | b'-'))
}

/// RFC 1123 host name: dot-separated labels of letters, digits and `-`, 1 to 63 bytes each,
/// not starting or ending with `-`; 253 bytes at most. A trailing dot is allowed.
pub(crate) fn is_dns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// An IP address or a DNS name.
pub(crate) fn is_address(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok() || is_dns_name(text)
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`: what every shell and `env` accept.
pub(crate) fn is_env_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    matches!(bytes.first(), Some(b) if b.is_ascii_alphabetic() || *b == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// Why a value passed as one argument (a path, a unit name) is unsafe, if it is.
pub(crate) fn argument_problem(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        Some("is empty")
    } else if text.starts_with('-') {
        Some("starts with `-`, so a command would read it as an option")
    } else if text.contains('\0') {
        Some("contains a NUL character")
    } else if text.contains(['\n', '\r']) {
        Some("contains a line break")
    } else if text.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    }
}

/// `http://` or `https://` followed by something.
pub(crate) fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/') && !r.chars().any(|c| c.is_whitespace() || c.is_control()))
}

/// `8080` or `host:8080` (`[::1]:8080` for IPv6).
pub(crate) fn is_tcp_endpoint(text: &str) -> bool {
    let port_ok = |p: &str| matches!(p.parse::<u16>(), Ok(n) if n > 0);
    if port_ok(text) {
        return true;
    }
    if let Ok(addr) = text.parse::<std::net::SocketAddr>() {
        return addr.port() > 0;
    }
    match text.rsplit_once(':') {
        Some((host, port)) => is_dns_name(host) && port_ok(port),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_safe_name("api-gateway_2"));
        assert!(!is_safe_name("Api"));
        assert!(!is_safe_name("-rf"));
        assert!(!is_safe_name("a b"));
        assert!(!is_safe_name(&"a".repeat(64)));
        assert!(is_posix_user("deploy"));
        assert!(!is_posix_user("-oProxyCommand=x"));
        assert!(is_unit_name("postgres@14-main.service"));
        assert!(!is_unit_name("--help"));
    }

    #[test]
    fn addresses() {
        assert!(is_address("192.168.1.10"));
        assert!(is_address("::1"));
        assert!(is_address("pi-1.home.lan"));
        assert!(!is_address("-oProxyCommand=sh"));
        assert!(!is_address("a..b"));
        assert!(!is_address("host name"));
    }

    #[test]
    fn env_and_endpoints() {
        assert!(is_env_name("DATABASE_URL"));
        assert!(!is_env_name("1X"));
        assert!(!is_env_name("A-B"));
        assert!(is_http_url("https://api.lan/health"));
        assert!(!is_http_url("ftp://x"));
        assert!(is_tcp_endpoint("5432"));
        assert!(is_tcp_endpoint("db.lan:5432"));
        assert!(is_tcp_endpoint("[::1]:5432"));
        assert!(!is_tcp_endpoint("db.lan"));
        assert_eq!(
            argument_problem("-x"),
            Some("starts with `-`, so a command would read it as an option")
        );
        assert!(argument_problem("a\nb").is_some());
        assert!(argument_problem("compose/api.yml").is_none());
    }
}
