//! The shipped examples must load and validate with no diagnostics at all.

mod common;

use portoser_diag::{Diagnostics, Origin, SourceMap};

fn assert_clean(dir: &str) -> usize {
    let path = common::root()
        .join("examples")
        .join(dir)
        .join("registry.yml");
    let (map, diags) = common::check_file(&path);
    assert!(diags.is_empty(), "{}", common::rendered(&map, &diags));
    // Every service.yml named by a local or native service loads cleanly too.
    let text = std::fs::read_to_string(&path).expect("readable");
    let mut map = SourceMap::new();
    let id = map.add("registry.yml", text, Origin::Project);
    let mut diags = Diagnostics::new();
    let registry = portoser_registry::load(&map, id, &mut diags).expect("loads");
    let mut loaded = 0;
    for service in &registry.services {
        let Some(file) = &service.service_file else {
            continue;
        };
        let yml_path = path.parent().expect("dir").join(&file.value);
        let text = std::fs::read_to_string(&yml_path)
            .unwrap_or_else(|e| panic!("{}: {e}", yml_path.display()));
        let yml = map.add(file.value.clone(), text, Origin::Project);
        let service_yml = portoser_registry::load_service_yml(&map, yml, &mut diags);
        assert!(
            service_yml.is_some_and(|s| s.start.is_some()),
            "{} has a start command",
            file.value
        );
        loaded += 1;
    }
    let diags = diags.into_sorted();
    assert!(diags.is_empty(), "{}", common::rendered(&map, &diags));
    assert!(registry.services.len() >= 6);
    loaded
}

#[test]
fn demo_is_clean() {
    assert!(assert_clean("demo") >= 1);
}

#[test]
fn homelab_is_clean() {
    assert!(assert_clean("homelab") >= 1);
}
