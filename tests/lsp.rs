//! `portoser lsp` driven over stdio like an editor: initialize, diagnostics as the text
//! changes (UTF-16 ranges), hover, definition, completion, formatting, document symbols,
//! shutdown and exit. The client is the language server crate's test client.

#[path = "../crates/portoser-lsp/tests/common/client.rs"]
mod client;

use client::{Client, HOOKS, file_uri, project};
use serde_json::{Value, json};
use std::process::Command;

fn server(dir: &std::path::Path) -> Client {
    project(dir);
    let mut command = Command::new(env!("CARGO_BIN_EXE_portoser"));
    command.arg("lsp").current_dir(dir);
    let mut c = Client::spawn(command);
    let init = c.initialize(dir);
    let caps = &init["capabilities"];
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
    ] {
        assert_eq!(caps[cap], true, "{cap} in {caps}");
    }
    assert_eq!(caps["textDocumentSync"], 1, "full document sync");
    c
}

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = server(dir.path());
    let file = dir.path().join("playbooks/ops.pbk");

    // An unknown service after non-ASCII text on the same line: column 25 in UTF-16 units (bytes: 28, characters: 24).
    let broken = "playbook bounce() {\n  let _n = \"é🦀\" restart(apii)\n}\n";
    c.open(&file, broken);
    let diags = c.diagnostics(&file);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "E0301");
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": 1, "character": 25}, "end": {"line": 1, "character": 29}})
    );
    c.change(&file, 2, &broken.replace("apii", "api"));
    assert_eq!(
        c.diagnostics(&file),
        Vec::<Value>::new(),
        "fixed: diagnostics cleared"
    );

    // Hover on an action: its signature and docs from the built-in table.
    c.change(
        &file,
        3,
        "playbook bounce(h: Host) {\n  stop_process(h, 1)\n  wait_\n}\n",
    );
    let hover = c.at("textDocument/hover", &file, 1, 5);
    let md = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        md.contains("stop_process(host: Host, pid: Int, grace: Duration = 10s)"),
        "{md}"
    );

    // Completion after `wait_`: wait_healthy with its parameters as a snippet.
    let items = c.at("textDocument/completion", &file, 2, 7);
    let wait = items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["label"] == "wait_healthy"))
        .cloned();
    let wait = wait.expect("wait_healthy offered");
    assert_eq!(
        wait["insertText"],
        "wait_healthy(${1:service}, ${2:timeout})"
    );
    assert_eq!(wait["insertTextFormat"], 2, "a snippet");

    // Definition of the service a hook names: its entry in registry.yml.
    let hooks = dir.path().join("playbooks/api.pbk");
    let def = c.at("textDocument/definition", &hooks, 0, 23);
    assert_eq!(def["uri"], file_uri(&dir.path().join("registry.yml")));
    assert_eq!(
        def["range"],
        json!({"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 5}})
    );

    // Formatting: the formatter's output as one edit.
    let messy = "hook before deploy of api{\nwait_healthy(redis,timeout:30s)}\n";
    c.open(&hooks, messy);
    let edits = c.call(
        "textDocument/formatting",
        json!({"textDocument": {"uri": file_uri(&hooks)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], HOOKS);

    let symbols = c.call(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": file_uri(&hooks)}}),
    );
    assert_eq!(symbols[0]["name"], "before deploy of api");
    assert_eq!(symbols[0]["kind"], 24, "an event");

    assert!(c.shutdown().success(), "exit 0 after shutdown");
}
