//! `plan` against a recorded state, end to end from real files: a copy of examples/demo is
//! "applied" into `<dir>/.portoser/state.db` exactly as `apply` will record it, its
//! registry.yml is edited as text, and the real binary plans it.

use portoser::planning::plan_project;
use portoser::project::ProjectPaths;
use portoser_plan::{AppliedService, AppliedStatus, config_hash, service_configs};
use portoser_state::StateDb;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A throwaway copy of a project.
struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Project {
    fn copy_of(rel: &str) -> Project {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("project");
        copy_dir(&root().join(rel), &dir);
        Project { _tmp: tmp, dir }
    }

    fn demo() -> Project {
        Project::copy_of("examples/demo")
    }

    fn registry_path(&self) -> PathBuf {
        self.dir.join("registry.yml")
    }

    fn state_db(&self) -> PathBuf {
        self.dir.join(".portoser").join("state.db")
    }

    /// Replaces the one occurrence of `from` in registry.yml.
    fn edit(&self, from: &str, to: &str) {
        self.edit_file("registry.yml", from, to);
    }

    /// Replaces the one occurrence of `from` in a project file.
    fn edit_file(&self, rel: &str, from: &str, to: &str) {
        let path = self.dir.join(rel);
        let old = std::fs::read_to_string(&path).expect("read project file");
        assert_eq!(old.matches(from).count(), 1, "`{from}` once in:\n{old}");
        std::fs::write(&path, old.replacen(from, to, 1)).expect("write project file");
    }

    /// Drops everything from `from` (a line start) to the end of registry.yml.
    fn truncate_at(&self, from: &str) {
        let path = self.registry_path();
        let old = std::fs::read_to_string(&path).expect("read registry");
        let at = old.find(from).expect("marker in registry");
        std::fs::write(&path, &old[..at]).expect("write registry");
    }

    fn append(&self, yaml: &str) {
        let path = self.registry_path();
        let old = std::fs::read_to_string(&path).expect("read registry");
        assert!(old.ends_with('\n'));
        std::fs::write(&path, old + yaml).expect("write registry");
    }

    /// Records every service's configuration (with the digest of its files) as applied, as
    /// `apply` does; returns the serial.
    fn apply(&self) -> u64 {
        let planned = plan_project(&ProjectPaths::new(Some(&self.dir), None));
        assert!(!planned.compiled.diags.has_errors(), "the project compiles");
        let registry = planned.compiled.registry.expect("registry");
        let mut db = StateDb::open(&self.state_db()).expect("open state");
        let recorded = db.recorded().expect("recorded");
        let configs = service_configs(&registry, &recorded, &planned.sources.digests());
        let mut serial = 0;
        for service in &registry.services {
            let config = configs[&service.name.value].clone();
            let applied = AppliedService {
                host: config.host.clone(),
                engine: config.engine.clone(),
                config_hash: config_hash(&config),
                config,
                applied_at: "2026-11-26T08:00:00Z".to_string(),
                status: AppliedStatus::Applied,
                previous_host: None,
            };
            serial = db
                .record_applied(&service.name.value, &applied)
                .expect("record");
        }
        serial
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_portoser"))
            .args(args)
            .arg("-C")
            .arg(&self.dir)
            .env("NO_COLOR", "1")
            .current_dir(&self.dir)
            .output()
            .expect("run portoser")
    }

    /// `plan --format json`, which must succeed.
    fn plan_json(&self) -> Value {
        let o = self.run(&["plan", "--format", "json"]);
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("plan json")
    }

    fn human(&self) -> String {
        let o = self.run(&["plan"]);
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        text(&o.stdout)
    }
}

fn change<'a>(plan: &'a Value, service: &str) -> &'a Value {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["service"] == service)
        .unwrap_or_else(|| panic!("no change for {service}: {plan:#}"))
}

fn node<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

/// The Caddy node's route reasons (its other reasons are the Caddyfile diff, docs/caddy.md).
fn routes(v: &Value) -> Vec<&str> {
    reasons(v)
        .into_iter()
        .filter(|r| r.starts_with("route "))
        .collect()
}

fn reasons(v: &Value) -> Vec<&str> {
    v["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

fn actions(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["service"].as_str().expect("name").to_string(),
                c["action"].as_str().expect("action").to_string(),
            )
        })
        .collect()
}

/// Every node `id` waits for, directly or not.
fn ancestors(plan: &Value, id: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut todo = vec![id.to_string()];
    while let Some(at) = todo.pop() {
        for dep in node(plan, &at)["depends_on"].as_array().expect("deps") {
            let dep = dep.as_str().expect("id").to_string();
            if !seen.contains(&dep) {
                seen.push(dep.clone());
                todo.push(dep);
            }
        }
    }
    seen
}

fn position(plan: &Value, id: &str) -> usize {
    plan["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .position(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

#[test]
fn recorded_equals_registry_means_no_changes() {
    let p = Project::demo();
    assert_eq!(p.apply(), 6, "one serial bump per service");
    assert_eq!(p.human(), "No changes. The fleet matches the registry.\n");
    let o = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let plan = p.plan_json();
    let summary = &plan["summary"];
    assert_eq!(summary["unchanged"], 6, "{summary}");
    for key in ["create", "update", "replace", "migrate", "delete"] {
        assert_eq!(summary[key], 0, "{key}: {summary}");
    }
    for n in plan["nodes"].as_array().expect("nodes") {
        assert_eq!(n["action"], "no-op", "{n}");
        assert!(reasons(n).is_empty(), "{n}");
    }
    let md = text(&p.run(&["plan", "--format", "markdown"]).stdout);
    assert!(md.starts_with("**No changes."), "{md}");
}

#[test]
fn a_port_change_updates_that_service_and_its_route_only() {
    let p = Project::demo();
    p.apply();
    p.edit("    port: 8080\n", "    port: 8081\n");
    let plan = p.plan_json();
    let api = change(&plan, "api");
    assert_eq!(api["action"], "update");
    assert_eq!(reasons(api), ["port 8080 → 8081"]);
    assert_eq!(api["host"], "app1");
    // Dependents (worker, web) and dependencies are not redeployed: nothing of theirs changed.
    for other in ["caddy", "postgres", "redis", "worker", "web"] {
        assert_eq!(change(&plan, other)["action"], "no-op", "{other}");
    }
    for n in plan["nodes"].as_array().expect("nodes") {
        let expected = match n["service"].as_str() {
            Some("api") | None => "update",
            Some(_) => "no-op",
        };
        assert_eq!(n["action"], expected, "{n}");
    }
    let reload = node(&plan, "caddy/reload");
    // The fake apply of these tests loads no Caddyfile: the diff is against nothing.
    let diff = reload["diff"].as_str().expect("the reload node has a diff");
    assert!(
        diff.lines()
            .any(|l| l == "+\treverse_proxy 127.0.0.1:8081 {"),
        "{diff}"
    );
    assert_eq!(
        routes(reload),
        ["route api.demo.lan → app1:8081 (was app1:8080)"]
    );
    assert!(ancestors(&plan, "caddy/reload").contains(&"api/health".to_string()));
    assert_eq!(plan["summary"]["update"], 1);
    assert_eq!(plan["summary"]["unchanged"], 5);
    let human = p.human();
    assert!(
        human.contains("  ~ api  update\n      port 8080 → 8081\n"),
        "{human}"
    );
    assert!(human.contains("5 unchanged services not shown."), "{human}");
}

#[test]
fn a_host_change_migrates_and_the_new_instance_is_healthy_before_the_old_stops() {
    let p = Project::demo();
    p.apply();
    p.edit(
        "current_host: app1\n    deployment_type: docker\n",
        "current_host: db1\n    deployment_type: docker\n",
    );
    let plan = p.plan_json();
    let api = change(&plan, "api");
    assert_eq!(api["action"], "migrate");
    assert_eq!(api["host"], "db1");
    assert_eq!(api["previous_host"], "app1");
    assert_eq!(reasons(api), ["moved app1 → db1"]);
    assert_eq!(node(&plan, "api/deploy")["host"], "db1");
    let stop = node(&plan, "api/stop-old@app1");
    assert_eq!(stop["host"], "app1");
    assert_eq!(stop["kind"], "stop-old");
    let before_stop = ancestors(&plan, "api/stop-old@app1");
    for needed in [
        "api/health",
        "api/deploy",
        "api/after-deploy",
        "caddy/reload",
    ] {
        assert!(
            before_stop.contains(&needed.to_string()),
            "{needed}: {before_stop:?}"
        );
    }
    // Traffic moves first: the reload waits for the new instance, the stop for the reload.
    assert!(ancestors(&plan, "caddy/reload").contains(&"api/health".to_string()));
    assert!(position(&plan, "api/health") < position(&plan, "api/stop-old@app1"));
    assert_eq!(
        routes(node(&plan, "caddy/reload")),
        ["route api.demo.lan → db1:8080 (was app1:8080)"]
    );
    let human = p.human();
    assert!(
        human.contains("  → api  migrate from app1\n      moved app1 → db1\n"),
        "{human}"
    );
}

#[test]
fn a_service_removed_from_the_registry_is_deleted_on_its_recorded_host() {
    let p = Project::demo();
    p.apply();
    p.truncate_at("  web:\n");
    let plan = p.plan_json();
    let web = change(&plan, "web");
    assert_eq!(web["action"], "delete");
    assert_eq!(web["host"], "app1");
    assert_eq!(reasons(web), ["removed from the registry"]);
    let remove = node(&plan, "web/remove");
    assert_eq!(
        (&remove["host"], &remove["kind"]),
        (&"app1".into(), &"remove".into())
    );
    // Its route goes before the service does.
    assert_eq!(remove["depends_on"], serde_json::json!(["caddy/reload"]));
    assert_eq!(
        routes(node(&plan, "caddy/reload")),
        ["route www.demo.lan removed"]
    );
    assert_eq!(plan["summary"]["delete"], 1);
    assert_eq!(plan["summary"]["unchanged"], 5);
    let human = p.human();
    assert!(
        human.contains("  - web  delete\n      removed from the registry\n"),
        "{human}"
    );
}

const CACHE: &str = "  cache:
    current_host: db1
    deployment_type: docker
    docker_compose: cache/docker-compose.yml
    port: 11211
    health:
      type: tcp
";

#[test]
fn new_service_env_and_secret_changes_name_what_changed_never_a_value() {
    let p = Project::demo();
    p.edit(
        "      WORKERS: 4\n",
        "      WORKERS: 4\n      API_TOKEN: canary-old-7f3a9e\n",
    );
    p.apply();
    p.append(CACHE);
    p.edit(
        "      LOG_LEVEL: info\n",
        "      LOG_LEVEL: verbose-canary\n",
    );
    p.edit(
        "API_TOKEN: canary-old-7f3a9e",
        "API_TOKEN: canary-new-51c0d2",
    );
    p.edit(
        "DATABASE_PASSWORD: apps/postgres#password",
        "DATABASE_PASSWORD: apps/pg-canary#password",
    );
    let plan = p.plan_json();
    let cache = change(&plan, "cache");
    assert_eq!(
        (&cache["action"], &cache["host"]),
        (&"create".into(), &"db1".into())
    );
    assert_eq!(reasons(cache), ["new service"]);
    let api = change(&plan, "api");
    assert_eq!(api["action"], "update");
    assert_eq!(
        reasons(api),
        [
            "env API_TOKEN changed",
            "env LOG_LEVEL changed",
            "secret DATABASE_PASSWORD reference changed"
        ]
    );
    // postgres uses the same secret path: its unchanged reference must not move it.
    assert_eq!(change(&plan, "postgres")["action"], "no-op");
    assert_canaries_absent(
        &p,
        &[
            "canary-old-7f3a9e",
            "canary-new-51c0d2",
            "verbose-canary",
            "pg-canary",
        ],
    );
}

/// Every rendering, the saved file and stderr are free of the given strings.
fn assert_canaries_absent(p: &Project, canaries: &[&str]) {
    let out_file = p.dir.join("saved-plan.json");
    let out_arg = out_file.to_string_lossy().into_owned();
    let runs = [
        vec!["plan"],
        vec!["plan", "--format", "json"],
        vec!["plan", "--format", "markdown"],
        vec!["plan", "--out", &out_arg],
        vec!["graph"],
        vec!["graph", "--format", "mermaid"],
    ];
    for args in &runs {
        let o = p.run(args);
        assert_eq!(code(&o), 0, "{args:?}: {}", text(&o.stderr));
        assert!(!o.stdout.is_empty(), "{args:?} printed nothing");
        let all = text(&o.stdout) + &text(&o.stderr);
        for canary in canaries {
            assert!(!all.contains(canary), "{args:?} shows `{canary}`:\n{all}");
        }
    }
    let saved = std::fs::read_to_string(&out_file).expect("saved plan");
    assert!(saved.contains("portoser.plan/v1"));
    for canary in canaries {
        assert!(!saved.contains(canary), "the saved plan holds `{canary}`");
    }
}

#[test]
fn a_command_change_is_named_not_shown() {
    let p = Project::demo();
    p.apply();
    p.edit(
        "--bind 127.0.0.1:8090",
        "--bind 127.0.0.1:8090 --token cmd-canary-99",
    );
    let plan = p.plan_json();
    assert_eq!(reasons(change(&plan, "web")), ["command changed"]);
    assert_canaries_absent(&p, &["cmd-canary-99"]);
}

#[test]
fn detailed_exitcode_and_the_saved_plan_file() {
    let p = Project::demo();
    let serial = p.apply();
    let ro = StateDb::open_read_only(&p.state_db())
        .expect("open")
        .expect("exists");
    assert_eq!(ro.serial().expect("serial"), serial);
    drop(ro);
    p.edit("    port: 8080\n", "    port: 8081\n");
    let saved = |name: &str| -> Value {
        let path = p.dir.join(name);
        let o = p.run(&[
            "plan",
            "--detailed-exitcode",
            "--out",
            &path.to_string_lossy(),
        ]);
        assert_eq!(code(&o), 2, "changes: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("saved the plan to"),
            "{}",
            text(&o.stderr)
        );
        let body = std::fs::read_to_string(&path).expect("saved");
        serde_json::from_str(&body).expect("saved plan is json")
    };
    let first = saved("a.json");
    assert_eq!(first["schema"], "portoser.plan/v1");
    assert_eq!(first["state_serial"], serial);
    assert_eq!(first["summary"]["update"], 1);
    let hash = first["inputs_hash"].as_str().expect("hash").to_string();
    assert_eq!(hash.len(), 64, "a sha256: {hash}");
    // Same inputs, same hash (the saved plan in the directory is not an input).
    assert_eq!(saved("b.json")["inputs_hash"], hash.as_str());
    p.edit("# A small fleet", "# A small, edited fleet");
    let edited = saved("c.json");
    assert_ne!(
        edited["inputs_hash"],
        hash.as_str(),
        "a registry edit changes the hash"
    );
    assert_eq!(edited["state_serial"], serial);
    // The saved file is what `--format json` prints, and `file::load` reads it back.
    let body = std::fs::read_to_string(p.dir.join("c.json")).expect("saved");
    let loaded = portoser_plan::file::load(&body).expect("loads");
    assert_eq!(loaded.state_serial, serial);
    assert_eq!(
        portoser_plan::file::verify_fresh(&loaded, &loaded.inputs_hash, serial),
        Ok(())
    );
}

fn state_files(p: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.dir.join(".portoser"))
        .expect(".portoser")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const EVERY_READ: &[&[&str]] = &[
    &["plan"],
    &["plan", "--format", "json"],
    &["plan", "--format", "markdown"],
    &["plan", "--detailed-exitcode"],
    &["graph"],
    &["check"],
];

#[test]
fn plan_never_writes_the_state() {
    let p = Project::demo();
    p.apply();
    p.edit("    port: 8080\n", "    port: 8081\n");
    let db = p.state_db();
    let bytes = std::fs::read(&db).expect("db");
    let mtime = std::fs::metadata(&db)
        .expect("meta")
        .modified()
        .expect("mtime");
    assert_eq!(
        state_files(&p),
        ["state.db"],
        "apply leaves no -wal/-shm at rest"
    );
    for args in EVERY_READ {
        let o = p.run(args);
        assert!(
            code(&o) == 0 || code(&o) == 2,
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
    assert!(
        std::fs::read(&db).expect("db") == bytes,
        "state.db bytes changed"
    );
    assert_eq!(
        std::fs::metadata(&db)
            .expect("meta")
            .modified()
            .expect("mtime"),
        mtime
    );
    assert_eq!(state_files(&p), ["state.db"]);
}

#[test]
fn plan_without_a_state_creates_nothing() {
    let p = Project::demo();
    for args in EVERY_READ {
        p.run(args);
    }
    assert!(!p.dir.join(".portoser").exists(), "no .portoser directory");
    let plan = p.plan_json();
    assert_eq!(plan["state_serial"], 0);
    assert_eq!(plan["summary"]["create"], 6);
}

#[test]
fn a_corrupt_state_database_is_e0402_and_no_plan() {
    let p = Project::copy_of("tests/fixtures/errors/E0402");
    let before = std::fs::read(p.state_db()).expect("fixture state.db");
    for args in [
        &["plan"][..],
        &["plan", "--detailed-exitcode", "--format", "json"],
        &["graph"],
    ] {
        let o = p.run(args);
        assert_eq!(code(&o), 1, "{args:?}");
        let err = text(&o.stderr);
        assert!(err.contains("[E0402]"), "{args:?}: {err}");
        assert!(err.contains("cannot read the state database"), "{err}");
        assert!(err.contains("no plan was made"), "{err}");
        assert!(o.stdout.is_empty(), "no plan printed: {}", text(&o.stdout));
    }
    assert!(
        std::fs::read(p.state_db()).expect("db") == before,
        "left as it was"
    );
    assert_eq!(state_files(&p), ["state.db"]);
}

#[test]
fn human_plan_with_every_action_at_once() {
    let p = Project::demo();
    p.apply();
    p.truncate_at("  web:\n"); // delete
    p.append(CACHE); // create
    p.edit("    port: 8080\n", "    port: 8081\n"); // update
    p.edit(
        "current_host: db1\n    deployment_type: docker\n    docker_compose: redis/",
        "current_host: app1\n    deployment_type: docker\n    docker_compose: redis/",
    ); // migrate
    let human = p.human();
    assert_eq!(human, p.human(), "deterministic");
    let plan = p.plan_json();
    let created_at = plan["created_at"].as_str().expect("created_at");
    assert!(
        !human.contains(created_at),
        "no timestamp in the human rendering"
    );
    let mut got = actions(&plan);
    got.sort();
    let want: Vec<(String, String)> = [
        ("api", "update"),
        ("cache", "create"),
        ("caddy", "no-op"),
        ("postgres", "no-op"),
        ("redis", "migrate"),
        ("web", "delete"),
        ("worker", "no-op"),
    ]
    .iter()
    .map(|(s, a)| (s.to_string(), a.to_string()))
    .collect();
    assert_eq!(got, want);
    insta::assert_snapshot!("every_action", human);
}

#[test]
fn a_removed_dependency_goes_after_the_dependents_that_stop_using_it() {
    let p = Project::demo();
    p.apply();
    p.edit(
        "  redis:\n    current_host: db1\n    deployment_type: docker\n    docker_compose: redis/docker-compose.yml\n    port: 6379\n    health:\n      type: tcp\n",
        "",
    );
    p.edit(
        "dependencies: [postgres, redis]",
        "dependencies: [postgres]",
    );
    p.edit("dependencies: [redis, api]", "dependencies: [api]");
    p.edit_file(
        "playbooks/api.pbk",
        "wait_healthy(redis,",
        "wait_healthy(api,",
    );
    p.edit_file("worker/service.yml", "  redis: job queue\n", "");
    let plan = p.plan_json();
    assert_eq!(change(&plan, "redis")["action"], "delete");
    assert_eq!(change(&plan, "redis")["host"], "db1");
    assert_eq!(reasons(change(&plan, "api")), ["dependency redis removed"]);
    assert_eq!(
        reasons(change(&plan, "worker")),
        [
            "dependency redis removed",
            "files changed: worker/service.yml"
        ]
    );
    // redis stops only once api (after its migration hook) and worker run without it.
    assert_eq!(
        node(&plan, "redis/remove")["depends_on"],
        serde_json::json!(["api/after-deploy", "worker/health"])
    );
}

#[test]
fn cosmetic_registry_edits_are_no_changes() {
    let p = Project::demo();
    p.apply();
    let before = p.plan_json()["inputs_hash"].clone();
    // Comments, quoting, key order, tags: nothing a deploy would do differently.
    p.edit("      WORKERS: 4\n", "      WORKERS: \"4\" # quoted now\n");
    p.edit(
        "    on_failure: rollback\n    tags: [backend]\n",
        "    tags: [backend, api]\n    on_failure: rollback\n",
    );
    p.edit(
        "    dependencies: [redis, api]\n",
        "    dependencies: [api, redis]  # order does not matter\n",
    );
    p.edit("  redis:\n", "  # the job queue\n  redis:\n");
    assert_eq!(p.human(), "No changes. The fleet matches the registry.\n");
    assert_ne!(p.plan_json()["inputs_hash"], before, "the text did change");
    // A file synced to the host is different bytes there, comment or not: an update, said once.
    p.edit_file(
        "worker/service.yml",
        "name: worker\n",
        "# comment\nname: worker\n",
    );
    assert_eq!(
        reasons(change(&p.plan_json(), "worker")),
        ["files changed: worker/service.yml"]
    );
}
