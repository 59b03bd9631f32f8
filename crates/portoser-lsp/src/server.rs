//! The main loop: open documents, one cached analysis per project, request dispatch.

use crate::analysis::{self, Analysis};
use crate::lines::LineIndex;
use crate::{complete, diagnostics, goto, hover, symbols, uri};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CompletionOptions, HoverContents, HoverProviderCapability, InitializeResult, MarkupContent,
    MarkupKind, OneOf, PublishDiagnosticsParams, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A project (the directory of `registry.yml`) or a lone `.pbk` outside any project.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Project(PathBuf),
    Lone(PathBuf),
}

#[derive(Default)]
struct State {
    docs: HashMap<PathBuf, String>,
    cache: HashMap<Key, Analysis>,
    pending: HashSet<Key>,
    /// Documents opened, changed or closed since the last publish: always published, so the
    /// editor gets an answer (possibly empty) for the file it just touched.
    touched: HashSet<String>,
    /// Files that last got a non-empty diagnostic list, per key: cleared when fixed.
    published: HashMap<Key, HashSet<String>>,
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "@".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on `connection` until `exit`. `Err` on a protocol error or an `exit`
/// without `shutdown` first.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "portoser".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    let (id, _params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut state = State::default();
    for msg in &connection.receiver {
        match msg {
            Message::Request(r) => {
                if connection.handle_shutdown(&r).map_err(|e| e.to_string())? {
                    return Ok(());
                }
                let response = respond(&mut state, r);
                send(connection, Message::Response(response))?;
            }
            Message::Notification(n) if n.method == note::Exit::METHOD => {
                return Err("exit without shutdown".into());
            }
            Message::Notification(n) => notify(&mut state, n),
            Message::Response(_) => {}
        }
        // Publish once the editor stops sending: a burst of keystrokes compiles once.
        if connection.receiver.is_empty() {
            publish(&mut state, connection)?;
        }
    }
    Ok(())
}

fn send(connection: &Connection, msg: Message) -> Result<(), String> {
    connection.sender.send(msg).map_err(|e| e.to_string())
}

fn key_of(path: &Path) -> Key {
    match analysis::project_root(path) {
        Some(root) => Key::Project(root),
        None => Key::Lone(path.to_path_buf()),
    }
}

fn doc_path(params: &Value) -> Option<PathBuf> {
    let text = params.get("textDocument")?.get("uri")?.as_str()?;
    let uri: Uri = text.parse().ok()?;
    uri::to_path(&uri).map(|p| analysis::normalize(&p))
}

fn notify(state: &mut State, n: Notification) {
    let Some(path) = doc_path(&n.params) else {
        return;
    };
    match n.method.as_str() {
        note::DidOpenTextDocument::METHOD => {
            let text = n.params["textDocument"]["text"].as_str().unwrap_or("");
            state.docs.insert(path.clone(), text.to_string());
        }
        note::DidChangeTextDocument::METHOD => {
            // Full sync: the last change holds the whole text.
            let changes = n.params["contentChanges"].as_array();
            if let Some(text) = changes
                .and_then(|c| c.last())
                .and_then(|c| c["text"].as_str())
            {
                state.docs.insert(path.clone(), text.to_string());
            }
        }
        note::DidCloseTextDocument::METHOD => {
            state.docs.remove(&path);
        }
        note::DidSaveTextDocument::METHOD => {}
        _ => return,
    }
    if let Some(u) = uri::from_path(&path) {
        state.touched.insert(u.as_str().to_string());
    }
    let key = key_of(&path);
    state.cache.remove(&key);
    state.pending.insert(key);
}

fn analysis_for<'s>(state: &'s mut State, key: &Key) -> &'s Analysis {
    let docs = &state.docs;
    state.cache.entry(key.clone()).or_insert_with(|| match key {
        Key::Project(root) => {
            // Open playbooks are checked with the project even before they exist on disk or
            // when they live outside `playbooks/` (an imported file).
            let extra: Vec<PathBuf> = docs
                .keys()
                .filter(|p| p.extension().is_some_and(|x| x == "pbk") && p.starts_with(root))
                .cloned()
                .collect();
            analysis::analyze(root, docs, &extra)
        }
        Key::Lone(path) => analysis::analyze_lone(path, docs),
    })
}

fn publish(state: &mut State, connection: &Connection) -> Result<(), String> {
    let keys: Vec<Key> = state.pending.drain().collect();
    for key in keys {
        let files = match &key {
            // A closed lone file leaves nothing to analyse: its diagnostics are cleared.
            Key::Lone(p) if !state.docs.contains_key(p) => Vec::new(),
            _ => diagnostics::by_file(analysis_for(state, &key)),
        };
        let before = state.published.remove(&key).unwrap_or_default();
        let mut now = HashSet::new();
        for (uri, diags) in files {
            let name = uri.as_str().to_string();
            if diags.is_empty() && !before.contains(&name) && !state.touched.contains(&name) {
                continue;
            }
            if !diags.is_empty() {
                now.insert(name);
            }
            send_diags(connection, uri, diags)?;
        }
        for gone in before.difference(&now) {
            if let Ok(uri) = gone.parse::<Uri>() {
                send_diags(connection, uri, Vec::new())?;
            }
        }
        state.published.insert(key, now);
    }
    state.touched.clear();
    Ok(())
}

fn send_diags(
    connection: &Connection,
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
) -> Result<(), String> {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    let params = serde_json::to_value(params).map_err(|e| e.to_string())?;
    let n = Notification::new(note::PublishDiagnostics::METHOD.into(), params);
    send(connection, Message::Notification(n))
}

fn respond(state: &mut State, r: Request) -> Response {
    let id = r.id.clone();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| answer(state, &r)));
    match caught {
        Ok(Ok(value)) => Response::new_ok(id, value),
        Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
        Err(_) => internal(id),
    }
}

fn internal(id: RequestId) -> Response {
    Response::new_err(id, ErrorCode::InternalError as i32, "internal error".into())
}

type Answer = Result<Value, (ErrorCode, String)>;

fn answer(state: &mut State, r: &Request) -> Answer {
    let known = [
        req::HoverRequest::METHOD,
        req::GotoDefinition::METHOD,
        req::Completion::METHOD,
        req::Formatting::METHOD,
        req::DocumentSymbolRequest::METHOD,
    ];
    if !known.contains(&r.method.as_str()) {
        return Err((
            ErrorCode::MethodNotFound,
            format!("unknown method `{}`", r.method),
        ));
    }
    let Some(path) = doc_path(&r.params) else {
        return Err((
            ErrorCode::InvalidParams,
            "a `file:` textDocument.uri is required".into(),
        ));
    };
    let pbk = path.extension().is_some_and(|x| x == "pbk");
    let key = key_of(&path);
    let a = analysis_for(state, &key);
    let Some(id) = a.file_id(&path) else {
        return Ok(Value::Null);
    };
    let text = a.map.get(id).map(|f| f.text.clone()).unwrap_or_default();
    let lines = LineIndex::new(&text);
    let offset = serde_json::from_value(r.params.get("position").cloned().unwrap_or_default())
        .map(|p| lines.offset(p))
        .unwrap_or(0);
    let json = |v: Result<Value, serde_json::Error>| {
        v.map_err(|e| (ErrorCode::InternalError, e.to_string()))
    };
    match r.method.as_str() {
        req::HoverRequest::METHOD => json(serde_json::to_value(
            hover::markdown(a, id, offset).map(|(w, doc)| lsp_types::Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: doc,
                }),
                range: Some(lines.range(w.start, w.end)),
            }),
        )),
        req::GotoDefinition::METHOD => json(serde_json::to_value(goto::definition(a, id, offset))),
        // In registry.yml the playbook vocabulary would only be noise.
        req::Completion::METHOD if pbk => {
            json(serde_json::to_value(complete::complete(a, id, offset)))
        }
        req::Completion::METHOD => Ok(Value::Array(Vec::new())),
        req::Formatting::METHOD if pbk => json(serde_json::to_value(symbols::format(&text))),
        req::DocumentSymbolRequest::METHOD => {
            let tree = a.tree(id);
            json(serde_json::to_value(
                tree.map(|t| symbols::symbols(t, &text)).unwrap_or_default(),
            ))
        }
        _ => Ok(Value::Null),
    }
}
