//! "Did you mean" suggestions, shared by every stage so they rank names the same way.

/// The closest candidate to `name`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = name.chars().count();
    let limit = (len / 3).max(1) + 1;
    candidates
        .into_iter()
        .filter(|c| *c != name)
        // The distance is at least the difference in length: skip the quadratic distance for
        // names that cannot be close (a hostile 1 MB name must not take seconds).
        .filter(|c| len.abs_diff(c.chars().count()) <= limit || c.eq_ignore_ascii_case(name))
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= limit || c.eq_ignore_ascii_case(name))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let names = ["postgres", "redis", "api-gateway"];
        assert_eq!(did_you_mean("postgress", names), Some("postgres"));
        assert_eq!(did_you_mean("rdis", names), Some("redis"));
        assert_eq!(did_you_mean("nginx", names), None);
    }
}
