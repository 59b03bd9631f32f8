//! The formatter never panics, and what it formats it formats to a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portoser_diag::FileId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(once) = portoser_syntax::format(text, FileId(0)) {
        let twice = portoser_syntax::format(&once, FileId(0));
        assert_eq!(twice.as_deref(), Ok(once.as_str()), "format is not idempotent");
    }
});
