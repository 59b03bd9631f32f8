//! `sync`: puts a service's project files on its host. The project directory maps to the
//! host's base directory (`api/docker-compose.yml` → `<base>/api/docker-compose.yml`).
//!
//! A service's files are a [`ServiceSources`]: a `root` directory that is replaced as a whole
//! (the compose file's directory, or the local/native `working_dir`), sent as one tar archive
//! on stdin, unpacked beside the target and swapped in with `mv` (a half-copied tree never
//! runs), plus single files outside it (a compose file at the project root, a `service.yml`
//! elsewhere), each uploaded atomically. The digest of what was sent is kept on the host in
//! `.portoser/sources.sha256`; when it matches, nothing is sent. The IO side (walking the
//! project) is the CLI's (src/sources.rs); this module only takes bytes.

use crate::spec::ServiceSpec;
use crate::{EngineError, LONG, SHORT, failure};
use portoser_transport::{Cmd, ExecOptions, Script, Transport};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Where the digest of the last successful sync lives, relative to the root (or the service
/// directory when there is no root).
pub const MARKER: &str = ".portoser/sources.sha256";
/// The top-level names portoser put in the root last time: everything else there (a `.venv`,
/// data the service wrote) is carried over into the new tree.
pub const MANIFEST: &str = ".portoser/sources.manifest";
/// A name reserved on the host for the marker and manifest; never synced from the project.
const RESERVED: &str = ".portoser";

/// One file to put on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Relative, `/`-separated, no `.`/`..`/empty components.
    pub path: String,
    /// Permission bits (`0o644`, `0o755`); anything above `0o777` is dropped.
    pub mode: u32,
    pub contents: Vec<u8>,
}

/// Files sorted by path, each path valid and unique.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceTree {
    files: Vec<SourceFile>,
}

impl SourceTree {
    /// Validates every path (relative, no `..`, no `.portoser` component) and sorts.
    pub fn new(mut files: Vec<SourceFile>) -> Result<SourceTree, String> {
        for f in &mut files {
            check_path(&f.path)?;
            f.mode &= 0o777;
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        if let Some(pair) = files.windows(2).find(|w| w[0].path == w[1].path) {
            return Err(format!("`{}` appears twice", pair[0].path));
        }
        Ok(SourceTree { files })
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.contents.len() as u64).sum()
    }

    /// `sha256:<hex>` over the sorted paths, modes and contents: the same files give the
    /// same digest on every machine (mtimes and owners do not count).
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for f in &self.files {
            h.update(f.path.as_bytes());
            h.update(format!("\0{:04o}\0{}\0", f.mode, f.contents.len()).as_bytes());
            h.update(&f.contents);
        }
        hex(&h.finalize())
    }

    /// Path → a short digest of the file (mode and contents), for "files changed: ..." reasons.
    pub fn file_digests(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .map(|f| {
                let mut h = Sha256::new();
                h.update(format!("{:04o}\0", f.mode).as_bytes());
                h.update(&f.contents);
                let full = hex(&h.finalize());
                let short = full.get(7..23).unwrap_or(&full).to_string();
                (f.path.clone(), short)
            })
            .collect()
    }
}

/// What one service puts on its host, in project-relative paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSources {
    /// The directory replaced as a whole (`api`, `apps/worker`); files under it travel in one
    /// archive. `None`: only single files.
    pub root: Option<String>,
    pub tree: SourceTree,
}

/// What a sync did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The host already had these files (its digest matched): nothing was sent.
    Unchanged,
    Copied {
        files: usize,
        bytes: u64,
    },
}

impl ServiceSources {
    pub fn new(root: Option<String>, tree: SourceTree) -> Result<ServiceSources, String> {
        if let Some(root) = &root {
            check_path(root)?;
        }
        Ok(ServiceSources { root, tree })
    }

    /// The digest recorded in the plan and on the host: the tree and where its root is.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(format!("root:{}\n", self.root.as_deref().unwrap_or("")).as_bytes());
        h.update(self.tree.digest().as_bytes());
        hex(&h.finalize())
    }

    /// Files under the root, with paths relative to it.
    fn in_root(&self) -> Vec<(&str, &SourceFile)> {
        let Some(root) = &self.root else {
            return Vec::new();
        };
        self.tree
            .files
            .iter()
            .filter_map(|f| {
                f.path
                    .strip_prefix(root.as_str())
                    .and_then(|r| r.strip_prefix('/'))
                    .map(|r| (r, f))
            })
            .collect()
    }

    fn outside_root(&self) -> impl Iterator<Item = &SourceFile> {
        let prefix = self.root.as_ref().map(|r| format!("{r}/"));
        self.tree
            .files
            .iter()
            .filter(move |f| prefix.as_ref().is_none_or(|p| !f.path.starts_with(p)))
    }

    /// The host file holding the digest of the last sync.
    pub fn marker_path(&self, spec: &ServiceSpec) -> String {
        match &self.root {
            Some(root) => join(&join(&spec.base_dir, root), MARKER),
            None => join(&spec.service_dir, MARKER),
        }
    }

    /// The root as a tar archive (paths relative to the root, directories 0755, mtime 0,
    /// owner 0), with the marker and manifest inside so they land with the tree.
    pub fn archive(&self) -> Result<Vec<u8>, String> {
        let files = self.in_root();
        let mut b = tar::Builder::new(Vec::new());
        let mut dirs: Vec<String> = vec![RESERVED.to_string()];
        for (rel, _) in &files {
            let mut at = 0;
            while let Some(i) = rel.get(at..).and_then(|r| r.find('/')) {
                dirs.push(rel.get(..at + i).unwrap_or_default().to_string());
                at += i + 1;
            }
        }
        dirs.sort();
        dirs.dedup();
        for dir in &dirs {
            append(&mut b, tar::EntryType::Directory, dir, 0o755, &[])?;
        }
        for (rel, f) in &files {
            append(&mut b, tar::EntryType::Regular, rel, f.mode, &f.contents)?;
        }
        let mut names: Vec<&str> = files
            .iter()
            .filter_map(|(r, _)| r.split('/').next())
            .collect();
        names.dedup();
        let manifest: String = names.iter().map(|n| format!("{n}\n")).collect();
        append(
            &mut b,
            tar::EntryType::Regular,
            MANIFEST,
            0o644,
            manifest.as_bytes(),
        )?;
        let digest = format!("{}\n", self.digest());
        append(
            &mut b,
            tar::EntryType::Regular,
            MARKER,
            0o644,
            digest.as_bytes(),
        )?;
        b.into_inner()
            .map_err(|e| format!("cannot build the archive: {e}"))
    }
}

fn append(
    b: &mut tar::Builder<Vec<u8>>,
    kind: tar::EntryType,
    path: &str,
    mode: u32,
    data: &[u8],
) -> Result<(), String> {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(mode & 0o777);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    b.append_data(&mut h, path, data)
        .map_err(|e| format!("cannot archive `{path}`: {e}"))
}

/// Puts `sources` on the host unless its marker already holds their digest. Single files go
/// first: the archive carries the marker, so a failure anywhere leaves the marker stale and
/// the next sync sends everything again.
pub async fn sync(
    t: &Transport,
    spec: &ServiceSpec,
    sources: &ServiceSources,
) -> Result<SyncOutcome, EngineError> {
    let digest = sources.digest();
    let marker = sources.marker_path(spec);
    if host_digest(t, &marker).await?.as_deref() == Some(digest.as_str()) {
        return Ok(SyncOutcome::Unchanged);
    }
    for f in sources.outside_root() {
        let path = join(&spec.base_dir, &f.path);
        mkdir_parent(t, &path).await?;
        t.upload(&path, &f.contents, f.mode, LONG).await?;
    }
    match &sources.root {
        Some(root) => {
            let archive = sources
                .archive()
                .map_err(|m| EngineError::spec(&spec.name, m))?;
            let dir = join(&spec.base_dir, root);
            let out = t
                .exec(
                    &swap_script(&dir),
                    ExecOptions::with_timeout(LONG).stdin(archive),
                )
                .await?;
            if !out.success() {
                return Err(failure(t.host(), "tar -x (sync)", &out));
            }
        }
        None => {
            mkdir_parent(t, &marker).await?;
            t.upload(&marker, format!("{digest}\n").as_bytes(), 0o644, SHORT)
                .await?;
        }
    }
    Ok(SyncOutcome::Copied {
        files: sources.tree.files.len(),
        bytes: sources.tree.total_bytes(),
    })
}

/// The digest the host holds, `None` when it has none (never synced, or deleted).
pub async fn host_digest(t: &Transport, marker: &str) -> Result<Option<String>, EngineError> {
    let cat = Cmd::new("cat").arg("--").arg(marker);
    let out = t
        .exec(&Script::from(cat), ExecOptions::with_timeout(SHORT))
        .await?;
    Ok(out
        .success()
        .then(|| out.stdout_text().trim().to_string())
        .filter(|d| !d.is_empty()))
}

async fn mkdir_parent(t: &Transport, path: &str) -> Result<(), EngineError> {
    let Some((parent, _)) = path.rsplit_once('/').filter(|(p, _)| !p.is_empty()) else {
        return Ok(());
    };
    let mkdir = Cmd::new("mkdir").arg("-p").arg("--").arg(parent);
    let out = t
        .exec(&Script::from(mkdir), ExecOptions::with_timeout(SHORT))
        .await?;
    if out.success() {
        return Ok(());
    }
    Err(failure(t.host(), "mkdir (sync)", &out))
}

/// Constant shell text; values arrive as positional arguments: $1 the target directory, $2
/// the new tree beside it, $3 the previous tree during the swap, $4 their parent.
/// An interrupted previous swap is finished first (the old tree put back, or its carried
/// files moved). The archive is unpacked completely before anything is swapped, so a broken
/// transfer leaves the running tree as it was. Top-level entries portoser did not put there
/// (not in the old manifest, not in the new tree: a `.venv`, data) move into the new tree.
const SWAP_SH: &str = r#"set -eu
dir=$1 new=$2 old=$3 parent=$4
carry() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ ! -e "$e" ] && [ ! -L "$e" ]; then continue; fi
    n=${e##*/}
    if [ -e "$2/$n" ] || [ -L "$2/$n" ]; then continue; fi
    if [ -f "$1/.portoser/sources.manifest" ] && grep -qxF -e "$n" "$1/.portoser/sources.manifest"; then continue; fi
    mv -- "$e" "$2/$n"
  done
}
mkdir -p -- "$parent"
if [ -d "$old" ]; then
  if [ -d "$dir" ]; then carry "$old" "$dir"; rm -rf -- "$old"; else mv -- "$old" "$dir"; fi
fi
rm -rf -- "$new"
mkdir -- "$new"
tar -x -m --no-same-owner -f - -C "$new"
if [ -d "$dir" ]; then mv -- "$dir" "$old"; fi
mv -- "$new" "$dir"
if [ -d "$old" ]; then carry "$old" "$dir"; rm -rf -- "$old"; fi
"#;

/// The swap for the tree at `dir` (absolute on the host), the archive on stdin.
pub fn swap_script(dir: &str) -> Script {
    let (parent, name) = dir.rsplit_once('/').unwrap_or(("", dir));
    let parent = if parent.is_empty() { "/" } else { parent };
    let beside = |what: &str| join(parent, &format!(".{name}.portoser-{what}"));
    Script::from(Cmd::new("sh").args([
        "-c".to_string(),
        SWAP_SH.to_string(),
        "portoser-sync".to_string(),
        dir.to_string(),
        beside("new"),
        beside("old"),
        parent.to_string(),
    ]))
}

fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path.starts_with('/') || path.contains('\0') || path.contains('\\') {
        return Err(format!("`{path}` is not a relative path"));
    }
    for part in path.split('/') {
        match part {
            "" | "." | ".." => return Err(format!("`{path}` has an empty, `.` or `..` part")),
            RESERVED => return Err(format!("`{path}`: `{RESERVED}` is reserved on hosts")),
            _ => {}
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(7 + bytes.len() * 2);
    out.push_str("sha256:");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn join(base: &str, rel: &str) -> String {
    if base.ends_with('/') {
        format!("{base}{rel}")
    } else {
        format!("{base}/{rel}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, mode: u32, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            mode,
            contents: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn digest_is_stable_and_sees_path_mode_and_content() {
        let a = SourceTree::new(vec![file("b.py", 0o644, "x"), file("a.py", 0o755, "y")]);
        let b = SourceTree::new(vec![file("a.py", 0o755, "y"), file("b.py", 0o644, "x")]);
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.digest(), b.digest());
        assert!(a.digest().starts_with("sha256:") && a.digest().len() == 71);
        let mode = SourceTree::new(vec![file("a.py", 0o644, "y"), file("b.py", 0o644, "x")]);
        let text = SourceTree::new(vec![file("a.py", 0o755, "z"), file("b.py", 0o644, "x")]);
        let name = SourceTree::new(vec![file("a.py", 0o755, "y"), file("c.py", 0o644, "x")]);
        for other in [mode, text, name] {
            assert_ne!(other.unwrap().digest(), a.digest());
        }
        // Moving the boundary between path and contents changes the digest.
        let x = SourceTree::new(vec![file("ab", 0o644, "c")]).unwrap();
        let y = SourceTree::new(vec![file("a", 0o644, "bc")]).unwrap();
        assert_ne!(x.digest(), y.digest());
    }

    #[test]
    fn bad_paths_are_refused() {
        for bad in [
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "",
            "a/.portoser/x",
        ] {
            let err = SourceTree::new(vec![file(bad, 0o644, "")]).unwrap_err();
            assert!(err.contains(&format!("`{bad}`")), "{bad}: {err}");
        }
        let twice = SourceTree::new(vec![file("a", 0o644, ""), file("a", 0o600, "")]);
        assert_eq!(twice.unwrap_err(), "`a` appears twice");
        assert!(ServiceSources::new(Some("../up".into()), SourceTree::default()).is_err());
    }

    #[test]
    fn the_archive_holds_the_root_relative_tree_with_modes_and_the_marker() {
        let tree = SourceTree::new(vec![
            file("api/app.py", 0o755, "print()"),
            file("api/conf/a.env", 0o4600, "A=1"),
            file("compose.yml", 0o644, "services: {}"),
        ])
        .unwrap();
        let src = ServiceSources::new(Some("api".into()), tree).unwrap();
        let bytes = src.archive().unwrap();
        let mut ar = tar::Archive::new(bytes.as_slice());
        let entries: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let mode = e.header().mode().unwrap();
                format!("{} {mode:o}", e.path().unwrap().display())
            })
            .collect();
        assert_eq!(
            entries,
            [
                ".portoser 755",
                "conf 755",
                "app.py 755",
                "conf/a.env 600",
                ".portoser/sources.manifest 644",
                ".portoser/sources.sha256 644",
            ]
        );
        assert_eq!(src.outside_root().count(), 1);
    }
}
