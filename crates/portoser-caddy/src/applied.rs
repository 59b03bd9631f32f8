//! The Caddyfile last loaded, kept in the project (`.portoser/caddy/Caddyfile.applied`) so plan
//! can show what a reload would change without asking the ingress host. Written atomically:
//! a temporary file beside it, flushed, renamed over it.

use std::io::Write;
use std::path::Path;

pub fn write_applied(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.portoser-tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The applied Caddyfile, or `None` when nothing was loaded yet (or it cannot be read).
pub fn read_applied(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caddy/Caddyfile.applied");
        super::write_applied(&path, "a\n").unwrap();
        super::write_applied(&path, "b\n").unwrap();
        assert_eq!(super::read_applied(&path).as_deref(), Some("b\n"));
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
