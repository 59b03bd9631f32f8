//! The server driven over stdio like an editor (the crate's own binary, `portoser-lsp`; the
//! root crate's tests/lsp.rs drives `portoser lsp` the same way).

#[path = "common/client.rs"]
mod client;

use client::{Client, HOOKS, project};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn start(dir: &Path) -> Client {
    project(dir);
    let mut c = Client::spawn(Command::new(env!("CARGO_BIN_EXE_portoser-lsp")));
    let init = c.initialize(dir);
    assert_eq!(init["serverInfo"]["name"], "portoser");
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    c
}

/// A line with two-byte and four-byte characters before the error: the range must count
/// UTF-16 units (28), not bytes (31) or characters (27).
const BROKEN: &str = "playbook bounce() {\n  let _note = \"🦀é\" restart(apii)\n}\n";
const FIXED: &str = "playbook bounce() {\n  let _note = \"🦀é\" restart(api)\n}\n";

#[test]
fn diagnostics_follow_the_unsaved_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = start(dir.path());
    let file = dir.path().join("playbooks/ops.pbk");
    c.open(&file, BROKEN);
    let diags = c.diagnostics(&file);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "E0301");
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": 1, "character": 28}, "end": {"line": 1, "character": 32}})
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean `api`"))
    );
    c.change(&file, 2, FIXED);
    assert_eq!(c.diagnostics(&file), Vec::<Value>::new());
    assert!(c.shutdown().success());
}

#[test]
fn registry_errors_are_published_and_echoed_at_the_hook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = start(dir.path());
    let registry = dir.path().join("registry.yml");
    let text = std::fs::read_to_string(&registry).expect("read");
    // `api` now runs on a host that does not exist.
    let broken = text.replace("api: {current_host: h1", "api: {current_host: h9");
    c.open(&registry, &broken);
    let diags = c.diagnostics(&registry);
    assert!(!diags.is_empty(), "the registry error is published");
    let code = diags[0]["code"].clone();
    let hooks = c.diagnostics(&dir.path().join("playbooks/api.pbk"));
    let echo = hooks
        .iter()
        .find(|d| d["code"] == code)
        .expect("echoed in the playbook");
    assert_eq!(echo["range"]["start"], json!({"line": 0, "character": 22}));
    assert!(
        echo["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("`api` has a problem"))
    );
    assert!(c.shutdown().success());
}

#[test]
fn hover_definition_completion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = start(dir.path());
    let file = dir.path().join("playbooks/heal.pbk");
    let text =
        "playbook free(h: Host) {\n  let p = port_owner(h, 80)\n  stop_process(h, 1)\n  wait_\n}\n";
    c.open(&file, text);
    let hover = c.at("textDocument/hover", &file, 2, 4);
    let md = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        md.contains("stop_process(host: Host, pid: Int, grace: Duration = 10s)"),
        "{md}"
    );
    assert!(md.contains("SIGTERM"), "{md}");

    let api = c.at(
        "textDocument/hover",
        &dir.path().join("playbooks/api.pbk"),
        0,
        23,
    );
    let md = api["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        md.contains("service api") && md.contains("port: `8080`") && md.contains("host: `h1`"),
        "{md}"
    );

    let def = c.at(
        "textDocument/definition",
        &dir.path().join("playbooks/api.pbk"),
        0,
        23,
    );
    assert_eq!(
        def["uri"],
        client::file_uri(&dir.path().join("registry.yml"))
    );
    assert_eq!(def["range"]["start"], json!({"line": 4, "character": 2}));
    let def = c.at("textDocument/definition", &file, 2, 16);
    assert_eq!(
        def["range"]["start"],
        json!({"line": 0, "character": 14}),
        "the parameter `h`"
    );

    let items = c.at("textDocument/completion", &file, 3, 7);
    let wait = items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["label"] == "wait_healthy"))
        .cloned()
        .expect("wait_healthy is offered");
    assert_eq!(
        wait["insertText"],
        "wait_healthy(${1:service}, ${2:timeout})"
    );
    assert_eq!(wait["insertTextFormat"], 2);
    assert!(items.as_array().is_some_and(|a| {
        a.iter()
            .all(|i| i["label"].as_str().is_some_and(|l| l.starts_with("wait_")))
    }));
    assert!(c.shutdown().success());
}

#[test]
fn fields_after_a_dot_follow_the_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = start(dir.path());
    let file = dir.path().join("playbooks/f.pbk");
    c.open(
        &file,
        "playbook f(h: Host) {\n  let p = port_owner(h, 80)\n  let x = p.\n}\n",
    );
    let items = c.at("textDocument/completion", &file, 2, 12);
    let labels: Vec<&str> = items
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(labels.contains(&"pid"), "{labels:?}");
    assert!(
        !labels.contains(&"docker_running"),
        "only Process fields: {labels:?}"
    );
    assert!(c.shutdown().success());
}

#[test]
fn formatting_and_symbols() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = start(dir.path());
    let file = dir.path().join("playbooks/api.pbk");
    let messy =
        "hook before deploy of api{\nwait_healthy(redis,timeout:30s)}\nplaybook p(){retry}\n";
    c.open(&file, messy);
    let uri = json!({"uri": client::file_uri(&file)});
    let opts = json!({"tabSize": 2, "insertSpaces": true});
    let edits = c.call(
        "textDocument/formatting",
        json!({"textDocument": uri, "options": opts}),
    );
    let formatted = edits[0]["newText"].as_str().unwrap_or_default();
    assert!(formatted.starts_with(HOOKS), "{formatted}");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );

    c.change(
        &file,
        2,
        "hook before deploy of api {\n  wait_healthy(redis,\n",
    );
    let edits = c.call(
        "textDocument/formatting",
        json!({"textDocument": uri, "options": opts}),
    );
    assert_eq!(edits, json!([]), "no edit while the text has syntax errors");

    c.change(&file, 3, messy);
    let symbols = c.call("textDocument/documentSymbol", json!({"textDocument": uri}));
    let names: Vec<&str> = symbols
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["before deploy of api", "p"]);
    assert!(c.shutdown().success());
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = start(dir.path());
    let unknown = c.request("workspace/unknownThing", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    c.notify("exit", Value::Null);
    assert_eq!(c.wait().code(), Some(1));
}
