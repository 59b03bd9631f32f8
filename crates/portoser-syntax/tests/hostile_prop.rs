//! Property test: no text makes the lexer, the parser or the formatter panic, and what the
//! formatter accepts it formats idempotently.

#[path = "hostile/soup.rs"]
mod soup;

use portoser_diag::{Diagnostics, FileId};
use portoser_syntax::{format, parse_text};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn no_text_panics_the_parser_or_the_formatter(text in soup::hostile_text()) {
        let mut diags = Diagnostics::new();
        parse_text(&text, FileId(0), &mut diags);
        prop_assert!(diags.iter().all(|d| d.primary.is_some()));
        match format(&text, FileId(0)) {
            Ok(once) => {
                prop_assert!(diags.is_empty());
                prop_assert_eq!(format(&once, FileId(0)).ok(), Some(once));
            }
            Err(errors) => prop_assert!(!errors.is_empty() && diags.has_errors()),
        }
    }
}
