//! `file://` URIs ↔ paths. Only `file` URIs name something the compiler can read; anything
//! else (an untitled buffer) is ignored.

use lsp_types::Uri;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path` names another machine; only the local (empty) authority is a path.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    Some(PathBuf::from(decoded))
}

pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut out = String::from("file://");
    for b in text.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/-._~".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_spaces_and_non_ascii() {
        let path = Path::new("/tmp/my proj/playbooks/café.pbk");
        let uri = from_path(path).map(|u| u.as_str().to_string());
        assert_eq!(
            uri.as_deref(),
            Some("file:///tmp/my%20proj/playbooks/caf%C3%A9.pbk")
        );
        let back = from_path(path).and_then(|u| to_path(&u));
        assert_eq!(back.as_deref(), Some(path));
        let other = Uri::from_str("untitled:Untitled-1").ok();
        assert_eq!(other.and_then(|u| to_path(&u)), None);
    }
}
