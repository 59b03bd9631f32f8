//! Layout the formatter must keep: the user's paragraph breaks and trailing comments.

use portoser_diag::FileId;

fn fmt(text: &str) -> String {
    portoser_syntax::format(text, FileId(0)).expect("formats")
}

#[test]
fn a_blank_line_after_a_header_comment_is_kept() {
    let text = "# header\n\nplaybook a() {\n  log(\"x\")\n}\n";
    assert_eq!(fmt(text), text);
}

#[test]
fn a_comment_trailing_an_annotation_stays_on_its_line() {
    let text = "@allow(destructive)  # why\nrule r {\n  on any failed\n  do {\n    retry\n  }\n}\n";
    assert_eq!(fmt(text), text);
}

#[test]
fn every_pbk_file_of_the_repository_is_formatted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    for dir in ["stdlib/heal", "playbooks", "examples/demo/playbooks"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|x| x == "pbk") {
                let text = std::fs::read_to_string(&path).expect("read");
                assert_eq!(
                    fmt(&text),
                    text,
                    "{} is not formatted: run `portoser fmt`",
                    path.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 9, "found {checked} files");
}
