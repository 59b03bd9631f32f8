//! Reading a project from disk: the only IO of the compile pipeline. Every failure is a
//! diagnostic (never a panic), and limits keep hostile trees cheap.

use crate::codes;
use portoser_diag::{Diagnostic, Diagnostics, FileId, Origin, SourceMap, Span};
use std::fs;
use std::path::{Component, Path, PathBuf};

/// Files larger than this are refused before parsing: a registry or playbook this big is a
/// mistake or an attack, and parsing it would only burn memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Directory depth and file count limits for `playbooks/`.
const MAX_DEPTH: usize = 16;
const MAX_PLAYBOOK_FILES: usize = 10_000;

/// Where a project lives: `-C DIR` and `--registry FILE`.
#[derive(Clone, Debug)]
pub struct ProjectPaths {
    pub dir: PathBuf,
    pub registry: PathBuf,
}

impl ProjectPaths {
    pub fn new(dir: Option<&Path>, registry: Option<&Path>) -> Self {
        let dir = dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let registry = registry
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.join("registry.yml"));
        ProjectPaths { dir, registry }
    }

    pub fn playbooks_dir(&self) -> PathBuf {
        self.dir.join("playbooks")
    }

    /// Relative paths in the registry (service files) are relative to its directory.
    pub fn registry_dir(&self) -> PathBuf {
        self.registry
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn state_db(&self) -> PathBuf {
        self.dir.join(".portoser").join("state.db")
    }

    /// `./a/b` → `a/b`: the names people see and editors open.
    pub fn display(path: &Path) -> String {
        let clean: PathBuf = path
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .collect();
        clean.display().to_string()
    }
}

/// Reads one file into the map. Returns `None` (with a diagnostic) when it cannot be used.
pub fn read_source(
    map: &mut SourceMap,
    path: &Path,
    origin: Origin,
    diags: &mut Diagnostics,
) -> Option<FileId> {
    let name = ProjectPaths::display(path);
    match fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            diags.push(
                Diagnostic::error(
                    codes::TOO_LARGE,
                    format!("`{name}` is {} bytes, larger than the limit", meta.len()),
                )
                .with_note(format!("portoser reads files up to {MAX_FILE_BYTES} bytes")),
            );
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            diags.push(unreadable(&name, &e));
            return None;
        }
    }
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(unreadable(&name, &e));
            return None;
        }
    };
    Some(add_bytes(map, name, bytes, origin, diags))
}

/// Adds bytes as a source file; invalid UTF-8 is reported at the first bad byte, and the file
/// is kept (lossily decoded) so the error can be shown in context.
pub fn add_bytes(
    map: &mut SourceMap,
    name: String,
    bytes: Vec<u8>,
    origin: Origin,
    diags: &mut Diagnostics,
) -> FileId {
    match String::from_utf8(bytes) {
        Ok(text) => map.add(name, text, origin),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = map.add(name.clone(), text, origin);
            diags.push(
                Diagnostic::error(codes::NOT_UTF8, format!("`{name}` is not valid UTF-8"))
                    .at(
                        Span::new(id, at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                        "this byte is not UTF-8",
                    )
                    .with_help("save the file as UTF-8"),
            );
            id
        }
    }
}

fn unreadable(name: &str, error: &std::io::Error) -> Diagnostic {
    let hint = match error.kind() {
        std::io::ErrorKind::NotFound => "check the path, or choose the project with `-C DIR`",
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "check that the path is a readable file",
    };
    Diagnostic::error(codes::UNREADABLE, format!("cannot read `{name}`"))
        .with_note(error.to_string())
        .with_help(hint)
}

/// Every `*.pbk` under `dir`, sorted, not following symlinked directories, skipping hidden
/// directories. A missing directory is simply empty: playbooks are optional.
pub fn discover_playbooks(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(dir, 0, &mut found);
    found.sort();
    found
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH || found.len() >= MAX_PLAYBOOK_FILES {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if kind.is_dir() && !hidden {
            walk(&path, depth + 1, found);
        } else if (kind.is_file() || kind.is_symlink())
            && path.extension().is_some_and(|x| x == "pbk")
            && found.len() < MAX_PLAYBOOK_FILES
        {
            found.push(path);
        }
    }
}

/// Resolves `import "x.pbk"` relative to the importing file, without touching the disk.
pub fn resolve_import(importer: &Path, target: &str) -> PathBuf {
    let base = importer.parent().unwrap_or(Path::new(""));
    normalize(&base.join(target))
}

/// `a/./b/../c` → `a/c`, lexically (no symlinks resolved): one spelling per file, so a file
/// reached twice (directly and through an import) is read once.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located_at_the_first_bad_byte() {
        let mut map = SourceMap::new();
        let mut diags = Diagnostics::new();
        let id = add_bytes(
            &mut map,
            "r.yml".into(),
            b"ab\n\xffcd".to_vec(),
            Origin::Project,
            &mut diags,
        );
        let d = diags.iter().next().expect("a diagnostic");
        assert_eq!(d.code, codes::NOT_UTF8);
        let span = d.primary.as_ref().expect("located").span;
        assert_eq!(map.file(id).line_col(span.start), (2, 1));
    }

    #[test]
    fn imports_resolve_relative_to_the_importer() {
        let p = resolve_import(Path::new("proj/playbooks/a.pbk"), "../common/x.pbk");
        assert_eq!(p, PathBuf::from("proj/common/x.pbk"));
    }

    #[test]
    fn normalize_keeps_distinct_files_distinct() {
        assert_ne!(
            normalize(Path::new("p/a.pbk")),
            normalize(Path::new("p/b.pbk"))
        );
        assert_eq!(
            normalize(Path::new("./p/x/../a.pbk")),
            PathBuf::from("p/a.pbk")
        );
    }

    #[test]
    fn display_drops_leading_dot() {
        assert_eq!(
            ProjectPaths::display(Path::new("./registry.yml")),
            "registry.yml"
        );
    }
}
