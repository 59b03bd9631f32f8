//! The project files of each service, read from disk for `plan` (their digest) and `apply`
//! (the bytes `sync` sends). Paths in the registry are relative to its directory, which maps
//! to each host's base directory. What a service gets (docs/engines.md, "Files"):
//! - docker: the directory holding its compose file (`.env`, build context, config); a
//!   compose file at the project root travels alone, with a `.env` beside it;
//! - local, native and project engines: `working_dir` when it is a directory in the
//!   project, and the `service.yml` (`service_file`) when it is in the project.
//!
//! A path that is absolute or not in the project gives no files: `sync` then checks that it
//! exists on the host. `.git`, `.venv`, `__pycache__`, `node_modules` and `.portoser` are
//! never sent; a symlink is followed only to a file inside the directory being sent
//! (others are skipped and reported); a size and a file-count cap keep a mistake (a data
//! directory, a build output) from being read into memory and copied to every host.

use crate::codes;
use portoser_diag::{Diagnostic, Span};
use portoser_engine::sync::{ServiceSources, SourceFile, SourceTree};
use portoser_plan::SourceDigest;
use portoser_registry::{Engine, Registry, Service};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Never sent: version control, environments and caches the host rebuilds, portoser's own.
pub const EXCLUDED: &[&str] = &[".git", ".venv", "__pycache__", "node_modules", ".portoser"];

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Total bytes of one service's files.
    pub max_bytes: u64,
    pub max_files: usize,
    /// Directory nesting below the service's directory.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024 * 1024,
            max_files: 10_000,
            max_depth: 32,
        }
    }
}

/// What reading the project's files found.
#[derive(Debug, Default)]
pub struct Sources {
    /// By service name; a service with nothing to send has no entry.
    pub services: BTreeMap<String, ServiceSources>,
    /// Errors (a cap exceeded, an unreadable file), located at the registry entry.
    pub diagnostics: Vec<Diagnostic>,
    /// `worker: worker/cfg -> /etc/cfg: points outside worker`: for the CLI to show.
    pub skipped: Vec<String>,
}

impl Sources {
    /// The digests the planner compares with the state (`plan_with_sources`, and
    /// `service_configs` for what apply records).
    pub fn digests(&self) -> BTreeMap<String, SourceDigest> {
        self.services
            .iter()
            .map(|(name, s)| {
                let digest = SourceDigest {
                    hash: s.digest(),
                    files: s.tree.file_digests(),
                };
                (name.clone(), digest)
            })
            .collect()
    }
}

/// Reads the files of every service of `registry`; `project_dir` is the registry's directory.
pub fn read_sources(project_dir: &Path, registry: &Registry, limits: &Limits) -> Sources {
    let mut out = Sources::default();
    for service in &registry.services {
        let name = service.name.value.clone();
        let Some((root, singles, span)) = placement(project_dir, service) else {
            continue;
        };
        let mut walk = Walk {
            limits,
            root: root
                .as_ref()
                .and_then(|r| fs::canonicalize(project_dir.join(r)).ok()),
            files: Vec::new(),
            bytes: 0,
            skipped: Vec::new(),
        };
        let read = root
            .as_deref()
            .map_or(Ok(()), |r| walk.dir(&project_dir.join(r), r, 0))
            .and_then(|()| singles.iter().try_for_each(|f| walk.single(project_dir, f)));
        out.skipped
            .extend(walk.skipped.into_iter().map(|s| format!("{name}: {s}")));
        let built = read.and_then(|()| {
            let tree = SourceTree::new(walk.files).map_err(Problem::Invalid)?;
            ServiceSources::new(root, tree).map_err(Problem::Invalid)
        });
        match built {
            Ok(sources) => {
                out.services.insert(name, sources);
            }
            Err(p) => out.diagnostics.push(p.diagnostic(&name, span, limits)),
        }
    }
    out
}

/// The root directory and single files of a service (project-relative), and the registry
/// value they come from. `None`: nothing in the project to send.
fn placement(project: &Path, s: &Service) -> Option<(Option<String>, Vec<String>, Span)> {
    if s.deployment_type
        .as_ref()
        .is_some_and(|e| matches!(e.value, Engine::Docker))
    {
        let compose = s.docker_compose.as_ref()?;
        let rel = relative(&compose.value)?;
        if !project.join(&rel).is_file() {
            return None;
        }
        return Some(match rel.rsplit_once('/') {
            Some((dir, _)) => (Some(dir.to_string()), Vec::new(), compose.span),
            None => {
                let env = project.join(".env").is_file().then(|| ".env".to_string());
                (None, [rel].into_iter().chain(env).collect(), compose.span)
            }
        });
    }
    let yml_dir = s.service_yml.as_ref().and_then(|y| y.working_dir.as_ref());
    let dir = s.working_dir.as_ref().or(yml_dir);
    let root = dir
        .and_then(|d| relative(&d.value))
        .filter(|r| project.join(r).is_dir());
    let yml = s
        .service_file
        .as_ref()
        .and_then(|f| relative(&f.value))
        .filter(|f| project.join(f).is_file())
        .filter(|f| {
            root.as_ref()
                .is_none_or(|r| !f.starts_with(&format!("{r}/")))
        });
    if root.is_none() && yml.is_none() {
        return None;
    }
    let span = dir.or(s.service_file.as_ref()).map_or(s.span, |v| v.span);
    Some((root, yml.into_iter().collect(), span))
}

/// `./api//x` → `api/x`; `None` for an absolute path, `..`, the project itself, or a name
/// portoser reserves.
fn relative(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let bad = parts.is_empty() || parts.iter().any(|p| *p == ".." || EXCLUDED.contains(p));
    (!bad).then(|| parts.join("/"))
}

enum Problem {
    TooLarge { bytes: u64 },
    TooMany,
    TooDeep { path: String },
    Unreadable { path: String, error: String },
    Invalid(String),
}

impl Problem {
    fn diagnostic(self, service: &str, span: Span, limits: &Limits) -> Diagnostic {
        let (code, message, note) = match self {
            Problem::TooLarge { bytes } => (
                codes::TOO_LARGE,
                format!("the files of `{service}` are more than {bytes} bytes"),
                format!("sync sends at most {} bytes per service", limits.max_bytes),
            ),
            Problem::TooMany => (
                codes::TOO_LARGE,
                format!(
                    "the files of `{service}` are more than {} files",
                    limits.max_files
                ),
                "sync sends at most that many files per service".to_string(),
            ),
            Problem::TooDeep { path } => (
                codes::TOO_LARGE,
                format!("`{path}` is nested too deep to sync"),
                format!("sync follows at most {} directory levels", limits.max_depth),
            ),
            Problem::Unreadable { path, error } => (
                codes::UNREADABLE,
                format!("cannot read `{path}` to sync `{service}`"),
                error,
            ),
            Problem::Invalid(why) => (codes::UNREADABLE, format!("cannot sync `{service}`"), why),
        };
        Diagnostic::error(code, message)
            .at(span, "these files are copied to the host")
            .with_note(note)
            .with_help("keep data, build output and large assets out of the service's directory")
    }
}

struct Walk<'a> {
    limits: &'a Limits,
    /// The directory being sent, resolved: symlinks may point inside it only.
    root: Option<PathBuf>,
    files: Vec<SourceFile>,
    bytes: u64,
    skipped: Vec<String>,
}

impl Walk<'_> {
    /// Reads `dir` (absolute) whose project-relative path is `rel`, in name order.
    fn dir(&mut self, dir: &Path, rel: &str, depth: usize) -> Result<(), Problem> {
        if depth > self.limits.max_depth {
            return Err(Problem::TooDeep { path: rel.into() });
        }
        let unreadable = |e: std::io::Error| Problem::Unreadable {
            path: rel.into(),
            error: e.to_string(),
        };
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(unreadable)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(unreadable)?;
        entries.sort();
        for path in entries {
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                self.skipped
                    .push(format!("{}: a name that is not UTF-8", path.display()));
                continue;
            };
            if EXCLUDED.contains(&name.as_str()) {
                continue;
            }
            let child = format!("{rel}/{name}");
            let meta = fs::symlink_metadata(&path).map_err(|e| Problem::Unreadable {
                path: child.clone(),
                error: e.to_string(),
            })?;
            if meta.is_dir() {
                self.dir(&path, &child, depth + 1)?;
            } else if meta.is_file() {
                self.file(&path, child)?;
            } else if meta.file_type().is_symlink() {
                self.link(&path, child)?;
            } else {
                self.skipped
                    .push(format!("{child}: not a regular file (a socket or a fifo)"));
            }
        }
        Ok(())
    }

    /// A symlink is sent as the file it points to, when that file is inside the directory
    /// being sent; anything else would not exist on the host.
    fn link(&mut self, path: &Path, rel: String) -> Result<(), Problem> {
        let target = fs::canonicalize(path).ok();
        let inside = match (&target, &self.root) {
            (Some(t), Some(root)) => t.starts_with(root),
            _ => false,
        };
        match target {
            None => self.skipped.push(format!("{rel}: a dangling symlink")),
            Some(t) if !inside => self.skipped.push(format!(
                "{rel}: a symlink to `{}`, outside the directory sent",
                t.display()
            )),
            Some(t) if t.is_file() => self.file(&t, rel)?,
            Some(_) => self
                .skipped
                .push(format!("{rel}: a symlink to a directory (not followed)")),
        }
        Ok(())
    }

    /// A single file outside the service's directory (a root compose file, a service.yml).
    fn single(&mut self, project: &Path, rel: &str) -> Result<(), Problem> {
        self.file(&project.join(rel), rel.to_string())
    }

    fn file(&mut self, path: &Path, rel: String) -> Result<(), Problem> {
        let unreadable = |e: std::io::Error| Problem::Unreadable {
            path: rel.clone(),
            error: e.to_string(),
        };
        let meta = fs::metadata(path).map_err(unreadable)?;
        if self.files.len() >= self.limits.max_files {
            return Err(Problem::TooMany);
        }
        let bytes = self.bytes.saturating_add(meta.len());
        if bytes > self.limits.max_bytes {
            return Err(Problem::TooLarge { bytes });
        }
        let contents = fs::read(path).map_err(unreadable)?;
        self.bytes = self.bytes.saturating_add(contents.len() as u64);
        self.files.push(SourceFile {
            path: rel,
            mode: meta.permissions().mode() & 0o777,
            contents,
        });
        Ok(())
    }
}

#[cfg(test)]
#[path = "sources_tests.rs"]
mod tests;
