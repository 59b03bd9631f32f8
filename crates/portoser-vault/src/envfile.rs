//! The env file a service's secrets reach its host in (`<service dir>/.portoser/secrets.env`,
//! mode 0600), in the syntax of the engine that reads it:
//! - `Raw` — portoser's supervisor (local engine) reads `KEY=value` literally;
//! - `Systemd` — `EnvironmentFile=` unquotes double quotes and their `\"` and `\\` escapes;
//! - `Compose` — compose's `env_file` keeps single-quoted values literally (no escapes, no
//!   `${}`), so a value with a `'` cannot be written for it and is refused.
//!
//! Values with a newline or NUL are refused for every engine. Errors name the variable,
//! never the value.

use crate::value::SecretValue;
use std::fmt;
use zeroize::Zeroizing;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Raw,
    Systemd,
    Compose,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnwritableValue {
    pub var: String,
    pub why: &'static str,
}

impl fmt::Display for UnwritableValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the value of `{}` {}", self.var, self.why)
    }
}

/// The file's bytes (zeroed on drop). Variables keep the given order.
pub fn render(
    vars: &[(String, SecretValue)],
    syntax: Syntax,
) -> Result<Zeroizing<Vec<u8>>, UnwritableValue> {
    let mut out = Zeroizing::new(Vec::new());
    out.extend_from_slice(b"# written by portoser from Vault at apply time: do not edit\n");
    for (var, value) in vars {
        let v = value.expose();
        let refuse = |why| UnwritableValue {
            var: var.clone(),
            why,
        };
        if v.contains(['\n', '\r', '\0']) {
            return Err(refuse(
                "has a line break or NUL, which an env file cannot hold",
            ));
        }
        out.extend_from_slice(var.as_bytes());
        out.push(b'=');
        match syntax {
            Syntax::Raw => out.extend_from_slice(v.as_bytes()),
            Syntax::Systemd => {
                out.push(b'"');
                for c in v.chars() {
                    if matches!(c, '"' | '\\') {
                        out.push(b'\\');
                    }
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                out.push(b'"');
            }
            Syntax::Compose if v.contains('\'') => {
                return Err(refuse(
                    "has a `'`, which compose's env_file cannot hold literally",
                ));
            }
            Syntax::Compose => {
                out.push(b'\'');
                out.extend_from_slice(v.as_bytes());
                out.push(b'\'');
            }
        }
        out.push(b'\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &str) -> Vec<(String, SecretValue)> {
        vec![("A".into(), SecretValue::new(v))]
    }

    fn text(v: &str, s: Syntax) -> String {
        let bytes = render(&vars(v), s).unwrap();
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .to_string()
    }

    #[test]
    fn each_engine_gets_its_quoting() {
        assert_eq!(text(r#"p"w\d $x #y"#, Syntax::Raw), r#"A=p"w\d $x #y"#);
        assert_eq!(text(r#"p"w\d $x"#, Syntax::Systemd), r#"A="p\"w\\d $x""#);
        assert_eq!(
            text(r#"p"w\d $x #y"#, Syntax::Compose),
            r#"A='p"w\d $x #y'"#
        );
    }

    #[test]
    fn refusals_name_the_variable_not_the_value() {
        let e = render(&vars("a\nb-canary"), Syntax::Raw).unwrap_err();
        assert_eq!(e.var, "A");
        assert!(!e.to_string().contains("canary"));
        assert!(render(&vars("it's"), Syntax::Compose).is_err());
        assert!(render(&vars("it's"), Syntax::Systemd).is_ok());
    }
}
