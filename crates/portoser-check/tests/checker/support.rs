//! A registry built in code (independent of the YAML loader) and helpers that parse and
//! check `.pbk` text the way the CLI does: project files, the stdlib, learned rules.

use portoser_check::{Checked, check, stdlib};
use portoser_diag::{
    Diagnostic, Diagnostics, FileId, Origin, RenderOptions, SourceMap, Span, Spanned, render_all,
};
use portoser_registry::{Defaults, Engine, Host, Registry, SecretRef, Service};

fn s(text: &str) -> Spanned<String> {
    Spanned::new(text.to_string(), Span::default())
}

pub fn host(name: &str) -> Host {
    Host {
        name: s(name),
        span: Span::default(),
        ip: Some(s("10.0.0.1")),
        ssh_user: None,
        ssh_port: None,
        ssh_hostname: None,
        path: None,
        arch: None,
        context: None,
        roles: Vec::new(),
        description: None,
        connection: None,
        ssh_key: None,
        docker_start: None,
    }
}

pub fn service(name: &str, host: &str, engine: Engine) -> Service {
    Service {
        current_host: Some(s(host)),
        deployment_type: Some(Spanned::new(engine, Span::default())),
        port: Some(Spanned::new(8000, Span::default())),
        ..Service::named(s(name))
    }
}

pub fn registry_of(hosts: Vec<Host>, services: Vec<Service>) -> Registry {
    Registry {
        file: FileId(0),
        domain: None,
        hosts,
        services,
        caddy: None,
        dns: None,
        vault: None,
        certs: None,
        defaults: Defaults::default(),
    }
}

/// `service` with `secrets:` mapping each variable to `apps/NAME#variable`.
pub fn with_secrets(mut svc: Service, variables: &[&str]) -> Service {
    for v in variables {
        let reference = SecretRef {
            path: format!("apps/{}", svc.name.value),
            key: v.to_lowercase(),
            version: None,
        };
        svc.secrets
            .push((s(v), Spanned::new(reference, Span::default())));
    }
    svc
}

/// pi1, pi2, pi3; api (local, secrets `DB_PASSWORD` and `API_KEY`), worker (native),
/// postgres (docker), web (docker).
pub fn registry() -> Registry {
    registry_of(
        vec![host("pi1"), host("pi2"), host("pi3")],
        vec![
            with_secrets(
                service("api", "pi1", Engine::Local),
                &["DB_PASSWORD", "API_KEY"],
            ),
            service("worker", "pi2", Engine::Native),
            service("postgres", "pi3", Engine::Docker),
            service("web", "pi3", Engine::Docker),
        ],
    )
}

pub struct Run {
    pub map: SourceMap,
    pub diags: Vec<Diagnostic>,
    pub checked: Checked,
}

impl Run {
    pub fn codes(&self) -> Vec<&'static str> {
        self.diags.iter().map(|d| d.code).collect()
    }

    pub fn render(&self) -> String {
        render_all(&self.map, &self.diags, RenderOptions { color: false })
    }

    /// The text under the primary label of the first diagnostic with this code.
    pub fn at(&self, code: &str) -> String {
        self.diags
            .iter()
            .find(|d| d.code == code)
            .and_then(|d| d.primary.as_ref())
            .map(|l| self.map.text(l.span).to_string())
            .unwrap_or_default()
    }
}

/// Parses and checks files named as the CLI names them; the stdlib is included when asked.
pub fn check_files(registry: &Registry, files: &[(&str, &str)], with_stdlib: bool) -> Run {
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::new();
    let mut trees = Vec::new();
    let stdlib_files = if with_stdlib { stdlib::FILES } else { &[] };
    for (name, text) in stdlib_files {
        let id = map.add(*name, *text, Origin::Stdlib);
        trees.push(portoser_syntax::parse(&map, id, &mut diags));
    }
    for (name, text) in files {
        let id = map.add(*name, *text, Origin::Project);
        trees.push(portoser_syntax::parse(&map, id, &mut diags));
    }
    let syntax_errors: Vec<&Diagnostic> =
        diags.iter().filter(|d| d.code.starts_with("E02")).collect();
    assert!(
        syntax_errors.is_empty(),
        "test input does not parse: {syntax_errors:#?}"
    );
    let checked = check(registry, &trees, &map, &mut diags);
    Run {
        map,
        diags: diags.into_sorted(),
        checked,
    }
}

/// One project file `playbooks/test.pbk`, without the stdlib.
pub fn check_one(text: &str) -> Run {
    check_files(&registry(), &[("playbooks/test.pbk", text)], false)
}
