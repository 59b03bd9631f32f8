//! Schemas of the value kinds the loader reads (`load/fields.rs`), one function each.

use serde_json::{Value, json};

/// `key:` with nothing is "unset" for the loader, so every optional value may be null.
pub(super) fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

/// A string; the loader also reads a plain integer as its text (`mount: 2`).
pub(super) fn string() -> Value {
    json!({ "type": ["string", "integer"] })
}

/// A list of names (`roles`, `tags`, `dependencies`): a YAML sequence, never a bare string.
pub(super) fn names() -> Value {
    json!({ "type": "array", "items": string() })
}

/// 1-65535, as a number or a numeric string (leading zeros allowed, as the loader parses).
pub(super) fn port() -> Value {
    const PORT: &str = "^0*([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";
    json!({ "anyOf": [
        { "type": "integer", "minimum": 1, "maximum": 65535 },
        { "type": "string", "pattern": PORT },
    ]})
}

/// An HTTP status (100-599), read like a port.
pub(super) fn http_status() -> Value {
    json!({ "anyOf": [
        { "type": "integer", "minimum": 100, "maximum": 599 },
        { "type": "string", "pattern": "^0*[1-5][0-9]{2}$" },
    ]})
}

/// A whole number that fits a u32.
pub(super) fn count() -> Value {
    json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX })
}

/// `500ms`, `10s`, `2m`, `1h`, `1d` or a number of seconds (`Duration::parse`).
pub(super) fn duration() -> Value {
    json!({ "anyOf": [
        { "type": "integer", "minimum": 0, "maximum": u64::MAX / 1000 },
        { "type": "string", "pattern": "^\\s*[0-9]{1,12}(ms|s|m|h|d)?\\s*$",
          "examples": ["500ms", "10s", "2m", "1h"] },
    ]})
}

/// `caddy.binary`: a command name or an absolute path, as `validate/caddy.rs` (E0175) reads
/// it; a number is a command name too (the loader reads it as its text).
pub(super) fn caddy_binary() -> Value {
    const CHAR: &str = "[A-Za-z0-9._+-]";
    let pattern = format!("^(/({CHAR}+/)*{CHAR}+|[A-Za-z0-9_+]{CHAR}*)$");
    json!({ "anyOf": [
        { "type": "integer", "minimum": 0 },
        { "type": "string", "pattern": pattern, "examples": ["caddy", "/opt/homebrew/bin/caddy"] },
    ]})
}

/// A closed set of words.
pub(super) fn choice<const N: usize>(words: [&str; N]) -> Value {
    json!({ "type": "string", "enum": words.as_slice() })
}

/// `arch`: the canonical names (offered for completion) or any spelling `Arch::parse` reads:
/// CPU and OS in either order, `-` or `/` between, any case, surrounding blanks.
pub(super) fn arch(canonical: &[&str]) -> Value {
    let cpu = alternatives(&[
        "amd64", "x86_64", "x64", "arm64", "aarch64", "armv7", "arm", "armhf", "v7",
    ]);
    let os = alternatives(&["linux", "apple", "darwin", "macos", "osx"]);
    // `linux/arm/v7`: after an OS word the rest is the CPU, which may hold a `/`.
    let arm_v7 = alternatives(&["arm/v7"]);
    let pattern = format!("^\\s*({cpu}[-/]{os}|{os}[-/]({cpu}|{arm_v7}))\\s*$");
    json!({ "anyOf": [
        { "type": "string", "enum": canonical },
        { "type": "string", "pattern": pattern },
    ]})
}

/// `deployment_type`: a built-in engine, or a project engine (`engine NAME { .. }` in a
/// playbook). Near misses of the built-ins (`dokcer`) are E0112 for the loader; a schema
/// cannot measure edit distance, so it accepts them as engine names.
pub(super) fn engine(builtins: &[String], max_len: usize) -> Value {
    let rest = max_len.saturating_sub(1);
    json!({ "anyOf": [
        { "type": "string", "enum": builtins },
        { "type": "string", "pattern": format!("^[a-z][a-z0-9_]{{0,{rest}}}$"),
          "description": "a project engine, defined by an `engine NAME { .. }` block" },
    ]})
}

/// `env:` NAME → scalar (numbers and booleans are kept as the text the process sees).
pub(super) fn env() -> Value {
    json!({
        "type": "object",
        "propertyNames": { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" },
        "additionalProperties": { "type": ["string", "integer", "number", "boolean", "null"] },
    })
}

/// `secrets:` NAME → `path#key` in Vault (`parse_secret`).
pub(super) fn secrets() -> Value {
    const PART: &str = "[^#\\s\\x00-\\x1f\\x7f-\\x9f]";
    let pattern = format!("^[^#\\s\\x00-\\x1f\\x7f-\\x9f-]{PART}*#{PART}+$");
    json!({
        "type": "object",
        "additionalProperties": { "type": "string", "pattern": pattern,
            "examples": ["apps/api#db_password"] },
    })
}

/// Hosts and services: a map from name to entry.
pub(super) fn named_map(entry: Value) -> Value {
    nullable(json!({ "type": "object", "additionalProperties": entry }))
}

/// `a|b|c`, each word matched in any case (JSON Schema patterns have no `i` flag).
fn alternatives(words: &[&str]) -> String {
    let each: Vec<String> = words.iter().map(|w| any_case(w)).collect();
    format!("({})", each.join("|"))
}

fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else if c == '/' {
                "/".to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
