//! Reading a `.env` for `portoser vault migrate`: `NAME=value` lines, `export ` allowed,
//! comments and blank lines skipped, one pair of matching surrounding quotes removed. Errors
//! give the line number only, never the line (it holds a value).

use portoser_vault::SecretValue;

pub fn parse(text: &str) -> Result<Vec<(String, SecretValue)>, usize> {
    let mut out: Vec<(String, SecretValue)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (name, value) = line.split_once('=').ok_or(i + 1)?;
        let name = name.trim();
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(i + 1);
        }
        let value = unquote(value.trim());
        out.retain(|(k, _)| k != name);
        out.push((name.to_string(), SecretValue::new(value)));
    }
    Ok(out)
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_values_quotes_and_errors_by_line() {
        let vars = parse("# db\nexport DB_PASSWORD=\"p w\"\n\nTOKEN='t'\nA=1\nA=2\n").unwrap();
        let shown: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.expose())).collect();
        assert_eq!(shown, [("DB_PASSWORD", "p w"), ("TOKEN", "t"), ("A", "2")]);
        assert_eq!(parse("OK=1\nnot a pair\n").unwrap_err(), 2);
        assert_eq!(parse("1BAD=x\n").unwrap_err(), 1);
    }
}
