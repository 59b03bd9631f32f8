//! The compile pipeline, stage by stage: read → load registry → service files → validate →
//! parse playbooks (+ imports, + stdlib) → check. Every stage runs even when an earlier one
//! reported errors (as far as its input exists), so the user sees all problems at once.

use crate::codes;
use crate::project::{self, ProjectPaths};
use portoser_check::Checked;
use portoser_diag::{Diagnostic, Diagnostics, FileId, Origin, SourceMap};
use portoser_registry::Registry;
use portoser_syntax::ast;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// At most this many files are pulled in through `import`: imports are for sharing a few
/// files, and a bound keeps a hostile import chain cheap.
const MAX_IMPORTED_FILES: usize = 1_000;

pub struct Compiled {
    pub map: SourceMap,
    pub registry: Option<Registry>,
    pub registry_file: Option<FileId>,
    /// Parsed playbooks: the project's, their imports, and the stdlib.
    pub files: Vec<ast::File>,
    pub checked: Option<Checked>,
    pub diags: Diagnostics,
    /// sha256 over every input text: pins a saved plan to what it was made from.
    pub inputs_hash: String,
    /// One sha256 per project file (registry, playbooks, service files), by display name: what
    /// a stale saved plan reports as changed.
    pub input_digests: BTreeMap<String, String>,
    pub counts: Counts,
}

/// What was read, for the one-line summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub hosts: usize,
    pub services: usize,
    pub playbooks: usize,
    pub stdlib: usize,
}

pub fn compile(paths: &ProjectPaths) -> Compiled {
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::new();
    let registry_file =
        project::read_source(&mut map, &paths.registry, Origin::Project, &mut diags);
    let mut registry = registry_file.and_then(|f| portoser_registry::load(&map, f, &mut diags));
    if let Some(reg) = registry.as_mut() {
        attach_service_files(paths, reg, &mut map, &mut diags);
        note_remote_compose_files(paths, reg, &mut diags);
        portoser_registry::validate(reg, &map, &mut diags);
    }
    let (files, counts_pb, counts_std) = parse_playbooks(paths, &mut map, &mut diags);
    let checked = registry
        .as_ref()
        .map(|reg| portoser_check::check(reg, &files, &map, &mut diags));
    let counts = Counts {
        hosts: registry.as_ref().map_or(0, |r| r.hosts.len()),
        services: registry.as_ref().map_or(0, |r| r.services.len()),
        playbooks: counts_pb,
        stdlib: counts_std,
    };
    let inputs_hash = inputs_hash(&map);
    let input_digests = input_digests(&map);
    Compiled {
        map,
        registry,
        registry_file,
        files,
        checked,
        diags,
        inputs_hash,
        input_digests,
        counts,
    }
}

/// Loads each service's `service.yml` when it is inside the project (a path relative to the
/// registry file's directory); one that only exists on the host is noted and read by the
/// executor at plan time.
fn attach_service_files(
    paths: &ProjectPaths,
    registry: &mut Registry,
    map: &mut SourceMap,
    diags: &mut Diagnostics,
) {
    for service in &mut registry.services {
        let Some(file) = &service.service_file else {
            continue;
        };
        let rel = Path::new(&file.value);
        let local = paths.registry_dir().join(rel);
        if rel.is_absolute() || !local.is_file() {
            diags.push(
                Diagnostic::warning(
                    codes::SERVICE_FILE_REMOTE,
                    format!("`{}` is not in the project directory", file.value),
                )
                .at(file.span, "checked at plan time, on the service's host")
                .with_help("put the file in the project (a relative path) to check it now and let apply sync it"),
            );
            continue;
        }
        if let Some(id) = project::read_source(map, &local, Origin::Project, diags) {
            service.service_yml = portoser_registry::load_service_yml(map, id, diags);
        }
    }
}

/// A compose file that is not in the project cannot be synced: apply expects it on the host
/// already. Say so now rather than at the sync step.
fn note_remote_compose_files(paths: &ProjectPaths, registry: &Registry, diags: &mut Diagnostics) {
    let dir = paths.registry_dir();
    for service in &registry.services {
        let Some(file) = &service.docker_compose else {
            continue;
        };
        let rel = Path::new(&file.value);
        // A path that climbs out with `..` is already an error of its own (E0116).
        let climbs = rel
            .components()
            .any(|c| c == std::path::Component::ParentDir);
        if !climbs && (rel.is_absolute() || !dir.join(rel).is_file()) {
            diags.push(
                Diagnostic::warning(
                    codes::COMPOSE_FILE_REMOTE,
                    format!("`{}` is not in the project directory", file.value),
                )
                .at(file.span, "apply expects it on the host already")
                .with_help("put the compose file (and its directory) in the project, next to registry.yml, so apply syncs it"),
            );
        }
    }
}

/// Parses the project's playbooks, follows their imports, and adds the embedded stdlib.
fn parse_playbooks(
    paths: &ProjectPaths,
    map: &mut SourceMap,
    diags: &mut Diagnostics,
) -> (Vec<ast::File>, usize, usize) {
    let mut files = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut queue: Vec<PathBuf> = project::discover_playbooks(&paths.playbooks_dir());
    let project_count = queue.len();
    let mut imported = 0usize;
    let mut next_index = 0;
    while let Some(path) = queue.get(next_index).cloned() {
        next_index += 1;
        let key = project::normalize(&path);
        if !seen.insert(key) {
            continue;
        }
        let Some(id) = project::read_source(map, &path, Origin::Project, diags) else {
            continue;
        };
        let file = portoser_syntax::parse(map, id, diags);
        for (target, _) in portoser_check::imports(&file) {
            let next = project::resolve_import(&path, &target);
            // A missing import is reported by the checker, at the import's span.
            if next.is_file() && imported < MAX_IMPORTED_FILES && !seen.contains(&next) {
                imported += 1;
                queue.push(next);
            }
        }
        files.push(file);
    }
    for (name, text) in portoser_check::stdlib::FILES {
        let id = map.add(*name, *text, Origin::Stdlib);
        files.push(portoser_syntax::parse(map, id, diags));
    }
    (
        files,
        project_count + imported,
        portoser_check::stdlib::FILES.len(),
    )
}

/// A sha256 per project file (the stdlib changes only with the binary: the inputs hash covers it).
fn input_digests(map: &SourceMap) -> BTreeMap<String, String> {
    map.files()
        .filter(|(_, f)| f.origin == Origin::Project)
        .map(|(_, f)| (f.name.clone(), hex(&Sha256::digest(f.text.as_bytes()))))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 over every file's name and text, in the map's (deterministic) order.
fn inputs_hash(map: &SourceMap) -> String {
    let mut hasher = Sha256::new();
    for (_, file) in map.files() {
        hasher.update(file.name.as_bytes());
        hasher.update([0]);
        hasher.update((file.text.len() as u64).to_le_bytes());
        hasher.update(file.text.as_bytes());
    }
    hex(&hasher.finalize())
}
