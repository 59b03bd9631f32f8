//! Any text parses to a tree and located diagnostics, without a panic or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portoser_diag::{Diagnostics, FileId};

fuzz_target!(|data: &[u8]| {
    // The CLI refuses invalid UTF-8 before parsing (E00xx); the parser only sees text.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut diags = Diagnostics::new();
    portoser_syntax::parse_text(text, FileId(0), &mut diags);
    assert!(diags.iter().all(|d| d.primary.is_some()), "unlocated diagnostic");
});
