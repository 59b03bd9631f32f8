//! Every request at every position of real files: no panic, whatever the cursor is on (the
//! demo project, the stdlib rules, and a hostile file of half-typed code).

use crate::analysis::{self, Analysis};
use crate::{complete, diagnostics, goto, hover, symbols};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const HOSTILE: &str = "@learned(from: \n rule { on  failed when x. let = \n hook before of {\n \
  wait_healthy(api, timeout: ) stop_process(host, owner.\n playbook p(h: Host<, x: ) { for s in . where { }\n \
  \"unterminated 🦀é\n import \"../../../../etc/passwd\" engine e { deploy { run on host: } }\n@\n.";

fn sweep(a: &Analysis, path: &Path) -> usize {
    let Some(id) = a.file_id(path) else {
        return 0;
    };
    let text = a.map.file(id).text.clone();
    let mut answered = 0;
    for offset in (0..=text.len()).filter(|o| text.is_char_boundary(*o)) {
        answered += usize::from(hover::markdown(a, id, offset).is_some());
        answered += usize::from(goto::definition(a, id, offset).is_some());
        answered += complete::complete(a, id, offset).len().min(1);
    }
    if let Some(tree) = a.tree(id) {
        symbols::symbols(tree, &text);
    }
    symbols::format(&text);
    answered
}

#[test]
fn every_position_of_the_demo_and_a_hostile_file_is_safe() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let root = analysis::normalize(&root);
    let hostile = root.join("playbooks/zz_hostile.pbk");
    let open: HashMap<PathBuf, String> = [(hostile.clone(), HOSTILE.to_string())].into();
    let a = analysis::analyze(&root, &open, std::slice::from_ref(&hostile));
    let files: Vec<PathBuf> = a.project_files().map(|(_, p)| p.to_path_buf()).collect();
    assert!(
        files.len() >= 4,
        "registry, playbooks and the hostile file: {files:?}"
    );
    let answered: usize = files.iter().map(|p| sweep(&a, p)).sum();
    assert!(
        answered > 100,
        "hover/definition/completion answer somewhere ({answered})"
    );
    let published = diagnostics::by_file(&a);
    let hostile_uri = crate::uri::from_path(&hostile).map(|u| u.as_str().to_string());
    let errors = published
        .iter()
        .find(|(u, _)| Some(u.as_str().to_string()) == hostile_uri)
        .map_or(0, |(_, d)| d.len());
    assert!(errors > 0, "the hostile file has diagnostics");
}

#[test]
fn the_stdlib_rules_are_safe_everywhere() {
    let dir = std::env::temp_dir().join(format!("portoser-lsp-sweep-{}", std::process::id()));
    let mut open = HashMap::new();
    for (name, text) in portoser_check::stdlib::FILES {
        open.insert(dir.join(name), text.to_string());
    }
    for path in open.keys() {
        let a = analysis::analyze_lone(path, &open);
        sweep(&a, path);
    }
}
