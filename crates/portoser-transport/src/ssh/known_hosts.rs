//! known_hosts checking, as OpenSSH does it for the parts portoser supports: plain and
//! `[host]:port` names, comma lists, `*`/`?` wildcards, `!negation`, hashed `|1|salt|hash`
//! names, comments, `@revoked`. `@cert-authority` lines are skipped (no certificates here);
//! a line that does not parse is skipped, never fatal, and never matches.

use hmac::{Hmac, KeyInit, Mac};
use russh::keys::{HashAlg, PublicKey};
use sha1::Sha1;
use std::io::Write;
use std::path::Path;

/// What the known_hosts file says about a host's key.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Known,
    /// No key of this type is recorded for the host.
    Unknown,
    /// Another key of the same type is recorded (1-based line), or this key is `@revoked`.
    Changed {
        line: usize,
    },
}

/// The name a host has in known_hosts: `host` on port 22, `[host]:port` otherwise.
pub fn host_pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// `SHA256:...` as `ssh-keygen -lf` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The key as `type base64` (no comment), the form known_hosts stores.
pub fn key_line(key: &PublicKey) -> String {
    let mut key = key.clone();
    key.set_comment("");
    key.to_openssh()
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

pub fn check(text: &str, host: &str, port: u16, key: &PublicKey) -> Verdict {
    let name = host_pattern(host, port);
    let mut changed = None;
    let mut known = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let Some(entry) = Entry::parse(raw) else {
            continue;
        };
        if entry.marker == Marker::CertAuthority || !names_match(entry.names, &name) {
            continue;
        }
        let Ok(recorded) = russh::keys::parse_public_key_base64(entry.key) else {
            continue;
        };
        let same = recorded.key_data() == key.key_data();
        match entry.marker {
            Marker::Revoked if same => return Verdict::Changed { line },
            Marker::Revoked | Marker::CertAuthority => {}
            Marker::None if same => known = true,
            Marker::None if recorded.algorithm() == key.algorithm() => {
                changed.get_or_insert(line);
            }
            Marker::None => {}
        }
    }
    match (known, changed) {
        (true, _) => Verdict::Known,
        (false, Some(line)) => Verdict::Changed { line },
        (false, None) => Verdict::Unknown,
    }
}

/// Appends `[host]:port type base64` to the file (created with its directory if missing).
pub fn append(path: &Path, host: &str, port: u16, key: &PublicKey) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let existing = std::fs::read(path).unwrap_or_default();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    let mut line = String::new();
    if existing.last().is_some_and(|b| *b != b'\n') {
        line.push('\n');
    }
    line.push_str(&format!("{} {}\n", host_pattern(host, port), key_line(key)));
    file.write_all(line.as_bytes())?;
    file.sync_all()
}

#[derive(Debug, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

struct Entry<'a> {
    marker: Marker,
    names: &'a str,
    key: &'a str,
}

impl<'a> Entry<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut fields = line.split_whitespace();
        let mut first = fields.next()?;
        let marker = match first {
            "@revoked" => Marker::Revoked,
            "@cert-authority" => Marker::CertAuthority,
            m if m.starts_with('@') => return None,
            _ => Marker::None,
        };
        if marker != Marker::None {
            first = fields.next()?;
        }
        let _key_type = fields.next()?;
        let key = fields.next()?;
        Some(Entry {
            marker,
            names: first,
            key,
        })
    }
}

/// OpenSSH semantics: a matching negated pattern wins over any positive match.
fn names_match(names: &str, name: &str) -> bool {
    let mut matched = false;
    for pattern in names.split(',') {
        if let Some(negated) = pattern.strip_prefix('!') {
            if glob(negated, name) {
                return false;
            }
        } else if pattern.starts_with("|1|") {
            matched |= hashed_match(pattern, name);
        } else {
            matched |= glob(pattern, name);
        }
    }
    matched
}

fn hashed_match(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('|').skip(2);
    let (Some(salt), Some(hash)) = (parts.next(), parts.next()) else {
        return false;
    };
    let b64 = data_encoding::BASE64;
    let (Ok(salt), Ok(hash)) = (b64.decode(salt.as_bytes()), b64.decode(hash.as_bytes())) else {
        return false;
    };
    let Ok(mac) = Hmac::<Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.chain_update(name.as_bytes())
        .verify_slice(&hash)
        .is_ok()
}

/// `*` and `?` wildcards, case-insensitive like OpenSSH host names.
fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

#[cfg(test)]
mod tests;
