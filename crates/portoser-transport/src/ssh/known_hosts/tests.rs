use super::*;

// Two ed25519 keys made with ssh-keygen; HASHED is `ssh-keygen -H` of `[example.com]:2222 K1`.
const K1: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIGKOesZi5WJSjOMzBAHeiB22IOmg20fPE0pwDdZQWNfP";
const K2: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIGiZPyYCYob9+szMnbE4YmGbxBdEvBCrfGILeNTwmb18";
const K1_FP: &str = "SHA256:lXuPLeZHljMSa6RiikfyosU7YAvLsK1yl60u1zDh1Dw";
const HASHED: &str = "|1|BStWYu8L0LYR7r0BhwkMeWKcFuY=|VCrpyupwiFchFO9nQ+bIe7PJVfs=";

fn key(b64: &str) -> PublicKey {
    russh::keys::parse_public_key_base64(b64).expect("test key parses")
}

#[test]
fn fingerprint_is_what_ssh_keygen_prints() {
    assert_eq!(fingerprint(&key(K1)), K1_FP);
    assert_eq!(key_line(&key(K1)), format!("ssh-ed25519 {K1}"));
}

#[test]
fn plain_and_bracketed_names() {
    let text = format!("web1 ssh-ed25519 {K1}\n[web1]:2222 ssh-ed25519 {K2} comment here\n");
    assert_eq!(check(&text, "web1", 22, &key(K1)), Verdict::Known);
    assert_eq!(check(&text, "web1", 2222, &key(K2)), Verdict::Known);
    assert_eq!(
        check(&text, "web1", 2222, &key(K1)),
        Verdict::Changed { line: 2 }
    );
    assert_eq!(check(&text, "web1", 2223, &key(K1)), Verdict::Unknown);
    assert_eq!(check(&text, "web2", 22, &key(K1)), Verdict::Unknown);
}

#[test]
fn hashed_names_match_only_their_host() {
    let text = format!("{HASHED} ssh-ed25519 {K1}\n");
    assert_eq!(check(&text, "example.com", 2222, &key(K1)), Verdict::Known);
    assert_eq!(
        check(&text, "example.com", 2222, &key(K2)),
        Verdict::Changed { line: 1 }
    );
    assert_eq!(check(&text, "example.com", 22, &key(K1)), Verdict::Unknown);
    assert_eq!(
        check(&text, "example.org", 2222, &key(K1)),
        Verdict::Unknown
    );
}

#[test]
fn comments_garbage_and_markers_are_handled_with_care() {
    let text = format!(
        "# web1 ssh-ed25519 {K2}\n\
         \n\
         web1 ssh-ed25519 not-base64!!\n\
         only-one-field\n\
         @cert-authority web1 ssh-ed25519 {K2}\n\
         @unknown-marker web1 ssh-ed25519 {K2}\n\
         web1,other ssh-ed25519 {K1}\n"
    );
    assert_eq!(check(&text, "web1", 22, &key(K1)), Verdict::Known);
    assert_eq!(check(&text, "other", 22, &key(K1)), Verdict::Known);
}

#[test]
fn revoked_keys_are_refused_even_when_also_listed() {
    let text = format!("web1 ssh-ed25519 {K1}\n@revoked * ssh-ed25519 {K1}\n");
    assert_eq!(
        check(&text, "web1", 22, &key(K1)),
        Verdict::Changed { line: 2 }
    );
}

#[test]
fn wildcards_and_negation() {
    let text = format!("*.prod,!db.prod ssh-ed25519 {K1}\n");
    assert_eq!(check(&text, "web.prod", 22, &key(K1)), Verdict::Known);
    assert_eq!(check(&text, "db.prod", 22, &key(K1)), Verdict::Unknown);
    assert_eq!(check(&text, "web.test", 22, &key(K1)), Verdict::Unknown);
    assert!(glob("w?b*", "WEB1"));
    assert!(!glob("w?b", "web1"));
}

#[test]
fn append_adds_a_line_that_checks_as_known() {
    let dir = std::env::temp_dir().join(format!("portoser-kh-{}", std::process::id()));
    let path = dir.join("sub").join("known_hosts");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, "# no newline at end").expect("write");
    append(&path, "10.0.0.1", 2201, &key(K1)).expect("append");
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        text,
        format!("# no newline at end\n[10.0.0.1]:2201 ssh-ed25519 {K1}\n")
    );
    assert_eq!(check(&text, "10.0.0.1", 2201, &key(K1)), Verdict::Known);
    let _ = std::fs::remove_dir_all(&dir);
}
