//! Any text loads (registry.yml, then validation; and service.yml) without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portoser_diag::{Diagnostics, Origin, SourceMap};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut map = SourceMap::new();
    let registry = map.add("registry.yml", text, Origin::Project);
    let service = map.add("api/service.yml", text, Origin::Project);
    let mut diags = Diagnostics::new();
    if let Some(reg) = portoser_registry::load(&map, registry, &mut diags) {
        portoser_registry::validate(&reg, &map, &mut diags);
    }
    portoser_registry::load_service_yml(&map, service, &mut diags);
});
