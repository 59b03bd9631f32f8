//! The Caddyfile last loaded, kept in the project (`.portoser/caddy/Caddyfile.applied`) so plan
//! can show what a reload would change without asking the ingress host. Written atomically
//! (portoser_fs), creating `.portoser/caddy/` on the first reload.

use std::path::Path;

pub fn write_applied(path: &Path, text: &str) -> std::io::Result<()> {
    portoser_fs::write_creating_dir(path, text.as_bytes(), portoser_fs::Mode::Keep)
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
