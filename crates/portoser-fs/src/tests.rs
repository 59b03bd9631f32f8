use super::*;

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).expect("read_dir").count()
}

#[test]
fn keep_replaces_the_file_keeps_its_mode_and_leaves_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a.pbk");
    std::fs::write(&path, "old").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    write(&path, b"new", Mode::Keep).expect("atomic write");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
    assert_eq!(mode_of(&path), 0o640);
    assert_eq!(entries(dir.path()), 1);
}

#[test]
fn exact_sets_the_mode_over_a_looser_file_and_leaves_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("k.key");
    std::fs::write(&key, "old").expect("write");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    write(&key, b"new", Mode::Exact(0o600)).expect("atomic write");
    assert_eq!(std::fs::read_to_string(&key).expect("read"), "new");
    assert_eq!(mode_of(&key), 0o600);
    assert_eq!(entries(dir.path()), 1);
}

#[test]
fn exact_is_not_narrowed_by_the_umask() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = dir.path().join("ca.crt");
    write(&cert, b"pem", Mode::Exact(0o644)).expect("atomic write");
    assert_eq!(mode_of(&cert), 0o644);
}

#[test]
fn a_missing_parent_fails_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("missing-dir/plan.json");
    assert!(write(&target, b"x", Mode::Keep).is_err());
    assert_eq!(entries(dir.path()), 0);
}

#[test]
fn a_failed_rename_leaves_the_target_and_no_temporary() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory in the way: the rename fails (also for root, unlike a mode trick).
    let target = dir.path().join("ca.key");
    std::fs::create_dir(&target).expect("mkdir");
    std::fs::write(target.join("keep"), "x").expect("write");
    assert!(write(&target, b"new", Mode::Exact(0o600)).is_err());
    assert!(target.join("keep").exists());
    assert_eq!(entries(dir.path()), 1);
}

#[test]
fn creating_dir_writes_and_replaces_without_leftovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("caddy/Caddyfile.applied");
    write_creating_dir(&path, b"a\n", Mode::Keep).expect("first");
    write_creating_dir(&path, b"b\n", Mode::Keep).expect("second");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "b\n");
    assert_eq!(entries(path.parent().expect("parent")), 1);
}

#[test]
fn a_stale_temporary_is_replaced_not_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tmp = dir.path().join(".t.txt.portoser-tmp-1-0");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::write(&elsewhere, "untouched").expect("write");
    std::os::unix::fs::symlink(&elsewhere, &tmp).expect("symlink");
    let mut file = create_temporary(&tmp, Mode::Exact(0o600)).expect("create");
    file.write_all(b"new").expect("write");
    assert!(!std::fs::symlink_metadata(&tmp).expect("meta").is_symlink());
    assert_eq!(
        std::fs::read_to_string(&elsewhere).expect("read"),
        "untouched"
    );
}

#[test]
fn private_dir_is_0700_and_tightens_an_existing_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = dir.path().join("a/b");
    private_dir(&pki).expect("create");
    assert_eq!(mode_of(&pki), 0o700);
    std::fs::set_permissions(&pki, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    private_dir(&pki).expect("tighten");
    assert_eq!(mode_of(&pki), 0o700);
}
