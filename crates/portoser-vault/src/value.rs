//! [`SecretValue`]: a secret's bytes, which never print. `Debug` and `Display` write
//! `<redacted>`, there is no `Serialize`, and the memory is zeroed on drop, so a value can
//! only leave through [`SecretValue::expose`], a call that is easy to grep for.

use std::fmt;
use zeroize::Zeroizing;

#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(Zeroizing::new(value.into()))
    }

    /// The value itself: for the env file, a request body, or `vault get KEY`. Nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let v = SecretValue::new("hunter2-canary");
        let shown = format!("{v} {v:?} {:#?}", vec![v.clone()]);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(v.expose(), "hunter2-canary");
    }
}
