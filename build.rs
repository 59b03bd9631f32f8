//! Embeds `docs/errors/*.md` so `portoser explain CODE` works from the installed binary.

use std::path::Path;
use std::{env, fs};

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("docs/errors");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut docs: Vec<(String, String)> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .filter_map(|p| {
                    let code = p.file_stem()?.to_str()?.to_string();
                    Some((code, p.display().to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    docs.sort();
    let mut out = String::from("pub const ERROR_DOCS: &[(&str, &str)] = &[\n");
    for (code, path) in &docs {
        println!("cargo:rerun-if-changed={path}");
        out.push_str(&format!("    ({code:?}, include_str!({path:?})),\n"));
    }
    out.push_str("];\n");
    let target = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("error_docs.rs");
    fs::write(target, out).expect("write error_docs.rs");
}
