//! `portoser explain CODE`: the documentation of a diagnostic code, embedded at build time
//! from `docs/errors/`.

include!(concat!(env!("OUT_DIR"), "/error_docs.rs"));

/// The Markdown doc of a code (`e0201` and `E0201` both work).
pub fn doc(code: &str) -> Option<&'static str> {
    ERROR_DOCS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, doc)| *doc)
}

/// Codes that have a doc, sorted.
pub fn documented_codes() -> impl Iterator<Item = &'static str> {
    ERROR_DOCS.iter().map(|(c, _)| *c)
}
