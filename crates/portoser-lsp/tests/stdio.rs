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

const LIB: &str = "rule free_port {
  on deploy failed
  do { retry }
}

playbook drain(h: Host) {
  for s in services where s.host == h {
    stop(s)
    log(s.host.name)
  }
}
";

const LEARNED: &str = "@learned(from: free_port, seen: 3, fixed: 2, failed: 1,
         first: \"2026-11-20T10:01:00Z\", last: \"2026-11-26T08:00:00Z\")
@allow(destructive)
rule free_port_api_h1 {
  on deploy failed
  when service == api and host == h1 and failure.kind == port_in_use
  let owner = port_owner(host, service.port)
  do {
    stop_process(host, owner.pid, grace: 10s)
    retry
  }
}
";

#[test]
fn definitions_and_hovers_of_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = start(dir.path());
    let lib = dir.path().join("playbooks/lib.pbk");
    std::fs::write(&lib, LIB).expect("write");
    let file = dir.path().join("playbooks/learned/free_port-api-h1.pbk");
    std::fs::create_dir_all(dir.path().join("playbooks/learned")).expect("mkdir");
    c.open(&file, LEARNED);
    assert_eq!(c.diagnostics(&file), Vec::<Value>::new(), "a clean file");

    // `owner` → its `let`; `free_port` → the rule in lib.pbk; `h1` → the registry host.
    let def = c.at("textDocument/definition", &file, 8, 25);
    assert_eq!(def["range"]["start"], json!({"line": 6, "character": 6}));
    let def = c.at("textDocument/definition", &file, 0, 17);
    assert_eq!(def["uri"], client::file_uri(&lib));
    assert_eq!(def["range"]["start"], json!({"line": 0, "character": 5}));
    let def = c.at("textDocument/definition", &file, 5, 35);
    assert_eq!(
        def["uri"],
        client::file_uri(&dir.path().join("registry.yml"))
    );
    assert_eq!(def["range"]["start"], json!({"line": 2, "character": 2}));

    let hover = |c: &mut Client, line, col| {
        let h = c.at("textDocument/hover", &file, line, col);
        h["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let md = hover(&mut c, 5, 35);
    assert!(
        md.contains("host h1") && md.contains("the café box") && md.contains("127.0.0.1"),
        "{md}"
    );
    let md = hover(&mut c, 6, 8);
    assert!(
        md.contains("let owner = port_owner(host, service.port)"),
        "{md}"
    );
    let md = hover(&mut c, 0, 17);
    assert!(
        md.contains("rule free_port") && md.contains("playbooks/lib.pbk"),
        "{md}"
    );
    let md = hover(&mut c, 5, 60);
    assert!(md.contains("FailureKind::port_in_use"), "{md}");
    let md = hover(&mut c, 4, 6);
    assert!(md.contains("event deploy"), "{md}");
    let md = hover(&mut c, 2, 2);
    assert!(md.contains("@allow(destructive)"), "{md}");
    // `owner.pid`: a field of Process, the type `port_owner` returns.
    let md = hover(&mut c, 8, 30);
    assert!(md.contains("Process.pid: Int"), "{md}");
    // The `for` variable in lib.pbk: `s.host` is a Service field.
    c.open(&lib, LIB);
    let h = c.at("textDocument/hover", &lib, 8, 11);
    let md = h["contents"]["value"].as_str().unwrap_or_default();
    assert!(md.contains("Service.host: Host"), "{md}");
    assert_eq!(
        c.at("textDocument/hover", &file, 12, 0),
        Value::Null,
        "nothing past the end"
    );
    assert!(c.shutdown().success());
}

#[test]
fn a_file_outside_any_project_gets_syntax_diagnostics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Client::spawn(Command::new(env!("CARGO_BIN_EXE_portoser-lsp")));
    c.initialize(dir.path());
    let file = dir.path().join("lone.pbk");
    c.open(&file, "hook before deploy of {\n}\n");
    let diags = c.diagnostics(&file);
    assert!(
        !diags.is_empty()
            && diags
                .iter()
                .all(|d| d["code"].as_str().is_some_and(|x| x.starts_with("E02"))),
        "{diags:?}"
    );
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": client::file_uri(&file)}}),
    );
    assert_eq!(
        c.diagnostics(&file),
        Vec::<Value>::new(),
        "closing clears them"
    );
    assert!(c.shutdown().success());
}

#[test]
fn registry_names_jump_to_their_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = start(dir.path());
    let registry = dir.path().join("registry.yml");
    let text = std::fs::read_to_string(&registry).expect("read");
    let text = text.replace("port: 8080}", "port: 8080, dependencies: [redis]}");
    c.open(&registry, &text);
    assert_eq!(c.diagnostics(&registry), Vec::<Value>::new());
    let line = text
        .lines()
        .position(|l| l.contains("dependencies"))
        .unwrap_or(0) as u32;
    let col = text
        .lines()
        .nth(line as usize)
        .and_then(|l| l.find("[redis"))
        .unwrap_or(0) as u32
        + 2;
    let def = c.at("textDocument/definition", &registry, line, col);
    assert_eq!(def["range"]["start"], json!({"line": 5, "character": 2}));
    assert_eq!(
        c.at("textDocument/completion", &registry, line, col),
        json!([])
    );
    assert!(c.shutdown().success());
}
