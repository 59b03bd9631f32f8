//! Property test: the checker never panics on whatever tree the parser recovers from random
//! token soup (partial trees with empty names and blocks included).

#[path = "hostile/pipeline.rs"]
mod pipeline;
#[path = "../../portoser-syntax/tests/hostile/soup.rs"]
mod soup;

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn the_checker_never_panics_on_token_soup(text in soup::token_soup(150)) {
        let diags = pipeline::pipeline(&text);
        prop_assert!(diags.iter().all(|d| d.primary.is_some() || !d.code.starts_with("E02")));
    }

    #[test]
    fn the_checker_never_panics_on_soup_inside_items(body in soup::token_soup(60)) {
        for wrap in ["hook after deploy of api {\n", "rule r {\n on deploy failed\n when ", "playbook p(h: Host) {\n"] {
            pipeline::pipeline(&format!("{wrap}{body}\n}}\n"));
        }
    }
}
