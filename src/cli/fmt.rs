//! `portoser fmt [--check] [FILES]`: the formatter over files, writing atomically.

use super::Exit;
use super::output::Output;
use crate::project::{self, ProjectPaths};
use portoser_diag::{Diagnostics, Origin, RenderOptions, SourceMap, render_all};
use std::path::PathBuf;

pub fn run(paths: &ProjectPaths, check: bool, files: &[PathBuf], out: &Output) -> Exit {
    let files = if files.is_empty() {
        project::discover_playbooks(&paths.playbooks_dir())
    } else {
        files.to_vec()
    };
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::new();
    let (mut unformatted, mut written, mut failed) = (Vec::new(), 0usize, false);
    for path in &files {
        let Some(id) = project::read_source(&mut map, path, Origin::Project, &mut diags) else {
            failed = true;
            continue;
        };
        let text = map.file(id).text.clone();
        match portoser_syntax::format(&text, id) {
            Err(errors) => {
                failed = true;
                diags.extend(errors);
            }
            Ok(formatted) if formatted == *text => {}
            Ok(_) if check => unformatted.push(ProjectPaths::display(path)),
            Ok(formatted) => match crate::atomic::write(path, formatted.as_bytes()) {
                Ok(()) => written += 1,
                Err(e) => {
                    failed = true;
                    out.stderr(&format!("error: cannot write `{}`: {e}", path.display()));
                }
            },
        }
    }
    report(out, &map, diags);
    if check && !unformatted.is_empty() {
        out.stderr(&format!("not formatted ({}):", unformatted.len()));
        out.stdout(&unformatted.join("\n"));
        failed = true;
    } else if !check {
        out.stderr(&format!("formatted {written} of {} files", files.len()));
    }
    if failed { Exit::Problems } else { Exit::Ok }
}

fn report(out: &Output, map: &SourceMap, diags: Diagnostics) {
    let sorted = diags.into_sorted();
    if !sorted.is_empty() {
        let options = RenderOptions {
            color: out.color_stderr,
        };
        out.stderr(&render_all(map, &sorted, options));
    }
}
