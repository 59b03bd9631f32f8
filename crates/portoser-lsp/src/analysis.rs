//! One compile of a project, the way `portoser check` does it (registry → service files →
//! validate → parse every playbook, its imports and the stdlib → check), except that open
//! documents are read from the editor's unsaved text instead of the disk.

use portoser_diag::{Diagnostic, Diagnostics, FileId, Origin, SourceMap};
use portoser_registry::Registry;
use portoser_syntax::ast;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Files larger than this are not read (the CLI has the same bound).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
const MAX_DEPTH: usize = 16;
const MAX_FILES: usize = 10_000;

pub struct Analysis {
    pub root: PathBuf,
    pub map: SourceMap,
    pub registry: Option<Registry>,
    pub registry_file: Option<FileId>,
    /// Parsed playbooks: the project's, their imports, open documents, and the stdlib.
    pub files: Vec<ast::File>,
    pub diags: Vec<Diagnostic>,
    /// Absolute path of every file read from the project (not the stdlib).
    paths: HashMap<FileId, PathBuf>,
}

/// The directory holding `registry.yml`, walking up from a file; `None` when there is none.
pub fn project_root(file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|dir| dir.join("registry.yml").is_file())
        .map(Path::to_path_buf)
}

impl Analysis {
    /// Nothing read yet: the files, registry and diagnostics are added by the analysis.
    fn empty(root: &Path) -> Analysis {
        Analysis {
            root: root.to_path_buf(),
            map: SourceMap::new(),
            registry: None,
            registry_file: None,
            files: Vec::new(),
            diags: Vec::new(),
            paths: HashMap::new(),
        }
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.paths
            .iter()
            .find(|(_, p)| p.as_path() == path)
            .map(|(id, _)| *id)
    }

    pub fn path(&self, id: FileId) -> Option<&Path> {
        self.paths.get(&id).map(PathBuf::as_path)
    }

    pub fn tree(&self, id: FileId) -> Option<&ast::File> {
        self.files.iter().find(|f| f.file == id)
    }

    /// Every project file (registry, service files, playbooks) with its path.
    pub fn project_files(&self) -> impl Iterator<Item = (FileId, &Path)> {
        self.paths.iter().map(|(id, p)| (*id, p.as_path()))
    }
}

/// Compiles the project at `root`. `open` maps absolute paths to the editor's text; `extra`
/// are open `.pbk` files outside `playbooks/` that should be checked with the project.
pub fn analyze(root: &Path, open: &HashMap<PathBuf, String>, extra: &[PathBuf]) -> Analysis {
    let mut a = Analysis::empty(root);
    let mut diags = Diagnostics::new();
    let registry_path = root.join("registry.yml");
    a.registry_file = read(&mut a, &registry_path, open);
    let mut registry = a
        .registry_file
        .and_then(|f| portoser_registry::load(&a.map, f, &mut diags));
    if let Some(reg) = registry.as_mut() {
        attach_service_files(&mut a, reg, open, &mut diags);
        portoser_registry::validate(reg, &a.map, &mut diags);
    }
    parse_playbooks(&mut a, open, extra, &mut diags);
    if let Some(reg) = registry.as_ref() {
        portoser_check::check(reg, &a.files, &a.map, &mut diags);
    }
    a.registry = registry;
    a.diags = diags.into_sorted();
    a
}

/// Standalone: a `.pbk` with no `registry.yml` above it is only parsed (no names to check).
pub fn analyze_lone(path: &Path, open: &HashMap<PathBuf, String>) -> Analysis {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let mut a = Analysis::empty(dir);
    let mut diags = Diagnostics::new();
    if let Some(id) = read(&mut a, path, open) {
        a.files.push(portoser_syntax::parse(&a.map, id, &mut diags));
    }
    a.diags = diags.into_sorted();
    a
}

/// Adds a file (open text first, else the disk) under its project-relative name.
fn read(a: &mut Analysis, path: &Path, open: &HashMap<PathBuf, String>) -> Option<FileId> {
    let text = match open.get(path) {
        Some(t) => t.clone(),
        None => {
            let meta = fs::metadata(path).ok()?;
            if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
                return None;
            }
            String::from_utf8_lossy(&fs::read(path).ok()?).into_owned()
        }
    };
    let name = match path.strip_prefix(&a.root) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => path.to_string_lossy().into_owned(),
    };
    let id = a.map.add(name, text, Origin::Project);
    a.paths.insert(id, path.to_path_buf());
    Some(id)
}

fn attach_service_files(
    a: &mut Analysis,
    registry: &mut Registry,
    open: &HashMap<PathBuf, String>,
    diags: &mut Diagnostics,
) {
    for service in &mut registry.services {
        let Some(file) = &service.service_file else {
            continue;
        };
        let rel = Path::new(&file.value);
        // An absolute path lives on the service's host: checked at plan time, not here.
        if rel.is_absolute() {
            continue;
        }
        let path = a.root.join(rel);
        if let Some(id) = read(a, &path, open) {
            service.service_yml = portoser_registry::load_service_yml(&a.map, id, diags);
        }
    }
}

fn parse_playbooks(
    a: &mut Analysis,
    open: &HashMap<PathBuf, String>,
    extra: &[PathBuf],
    diags: &mut Diagnostics,
) {
    let mut queue = Vec::new();
    walk(&a.root.join("playbooks"), 0, &mut queue);
    queue.sort();
    queue.extend(extra.iter().cloned());
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut next = 0;
    while let Some(path) = queue.get(next).cloned() {
        next += 1;
        if queue.len() > MAX_FILES || !seen.insert(normalize(&path)) {
            continue;
        }
        let Some(id) = read(a, &path, open) else {
            continue;
        };
        let file = portoser_syntax::parse(&a.map, id, diags);
        let base = path.parent().unwrap_or(Path::new("/"));
        for (target, _) in portoser_check::imports(&file) {
            let target = normalize(&base.join(target));
            if !seen.contains(&target) && (open.contains_key(&target) || target.is_file()) {
                queue.push(target);
            }
        }
        a.files.push(file);
    }
    for (name, text) in portoser_check::stdlib::FILES {
        let id = a.map.add(*name, *text, Origin::Stdlib);
        a.files.push(portoser_syntax::parse(&a.map, id, diags));
    }
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH || found.len() >= MAX_FILES {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && !hidden {
            walk(&path, depth + 1, found);
        } else if path.extension().is_some_and(|x| x == "pbk") && found.len() < MAX_FILES {
            found.push(path);
        }
    }
}

/// `a/./b/../c` → `a/c`, lexically: one spelling per file.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
