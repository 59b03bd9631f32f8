//! Types, records (values with fields), enums, lifecycle events, ambient names and
//! annotations.

use super::{
    Ambient, AnnotationDef, EnumDef, EventDef, Field, IN_HOOK, IN_PLAYBOOK, IN_RULE, Record,
    TypeDoc,
};
use portoser_registry::Engine::{Docker, Local, Native};

const fn f(name: &'static str, ty: &'static str, doc: &'static str) -> Field {
    Field { name, ty, doc }
}

pub const TYPES: &[TypeDoc] = &[
    TypeDoc {
        name: "Bool",
        doc: "`true` or `false`",
    },
    TypeDoc {
        name: "Int",
        doc: "a whole number: `3`, `-1`",
    },
    TypeDoc {
        name: "Str",
        doc: "text: `\"uv run alembic upgrade head\"`",
    },
    TypeDoc {
        name: "Duration",
        doc: "a length of time: `500ms`, `10s`, `2m`, `1h`",
    },
    TypeDoc {
        name: "Size",
        doc: "an amount of bytes: `512MiB`, `2GB`",
    },
    TypeDoc {
        name: "Percent",
        doc: "a whole percentage: `90%`",
    },
    TypeDoc {
        name: "Port",
        doc: "a TCP port; an `Int` is accepted where a `Port` is expected",
    },
    TypeDoc {
        name: "Path",
        doc: "a path on a host; a `Str` is accepted where a `Path` is expected",
    },
    TypeDoc {
        name: "Host",
        doc: "a host of the registry, by name (`pi3`); a record",
    },
    TypeDoc {
        name: "Service",
        doc: "a service of the registry, by name (`api`); a record",
    },
    TypeDoc {
        name: "Process",
        doc: "a process observed on a host; a record",
    },
    TypeDoc {
        name: "Secret",
        doc: "a value from Vault: can be passed on, never printed, joined or compared",
    },
    TypeDoc {
        name: "Failure",
        doc: "what went wrong, in a rule; a record",
    },
    TypeDoc {
        name: "FailureKind",
        doc: "the classified cause of a failure; an enum",
    },
    TypeDoc {
        name: "Engine",
        doc: "how a service runs; an enum",
    },
    TypeDoc {
        name: "Event",
        doc: "a lifecycle step; an enum",
    },
    TypeDoc {
        name: "List<T>",
        doc: "a list: `[api, worker]`, `services`; `for x in list { .. }`",
    },
    TypeDoc {
        name: "Option<T>",
        doc: "a value that may be absent; a rule's `let` clause binds it only when present",
    },
];

pub const RECORDS: &[Record] = &[
    Record {
        name: "Failure",
        doc: "the failure that woke a rule (the ambient name `failure`)",
        fields: &[
            f("kind", "FailureKind", "the classified cause"),
            f(
                "message",
                "Str",
                "the error text, as the engine or transport reported it",
            ),
            f(
                "exit_status",
                "Option<Int>",
                "the exit status of the failed command, if one ran",
            ),
            f("step", "Str", "the step that failed, as shown in the plan"),
            f("event", "Event", "the lifecycle event that failed"),
        ],
    },
    Record {
        name: "Process",
        doc: "a process observed on a host",
        fields: &[
            f("pid", "Int", "the process id"),
            f("name", "Str", "the executable name"),
            f("command", "Str", "the full command line"),
            f("user", "Str", "the user the process runs as"),
            f(
                "service",
                "Option<Str>",
                "the registry service this process belongs to, if portoser knows it",
            ),
        ],
    },
    Record {
        name: "Host",
        doc: "a host of the registry",
        fields: &[
            f("name", "Str", "the host's name in the registry"),
            f("ip", "Str", "the address used to reach it"),
            f("arch", "Str", "CPU and OS, such as `arm64-linux`"),
            f("user", "Str", "the SSH user"),
            f(
                "path",
                "Path",
                "the base directory every service path stays inside",
            ),
            f(
                "reachable",
                "Bool",
                "true when portoser can open an SSH session (a fact)",
            ),
            f(
                "docker_running",
                "Bool",
                "true when the docker daemon answers (a fact)",
            ),
        ],
    },
    Record {
        name: "Service",
        doc: "a service of the registry",
        fields: &[
            f("name", "Str", "the service's name in the registry"),
            f("host", "Host", "the host it runs on now (`current_host`)"),
            f(
                "port",
                "Port",
                "its port; a rule that reads it does not match a service without one",
            ),
            f("engine", "Engine", "how it runs (`deployment_type`)"),
            f(
                "hostname",
                "Str",
                "the public name Caddy routes to it (empty when none)",
            ),
            f(
                "tls",
                "Bool",
                "true when it has a TLS certificate configured",
            ),
            f(
                "dependencies",
                "List<Service>",
                "the services it depends on",
            ),
            f("tags", "List<Str>", "its tags"),
            f(
                "healthy",
                "Bool",
                "true when it passes its health check now (a fact)",
            ),
        ],
    },
];

pub const ENUMS: &[EnumDef] = &[
    EnumDef {
        name: "FailureKind",
        doc: "the classified cause of a failure (`failure.kind`)",
        variants: &[
            (
                "port_in_use",
                "the service's port is held by another process",
            ),
            (
                "ssh_unreachable",
                "the host does not answer on its SSH port",
            ),
            ("ssh_auth", "the host refused the SSH key or user"),
            (
                "ssh_host_key",
                "the host's SSH key is not in known_hosts, or differs from the one there",
            ),
            (
                "permission_denied",
                "the SSH user may not write a path it needs",
            ),
            ("docker_down", "the docker daemon does not answer"),
            ("disk_full", "a filesystem the step writes to is full"),
            (
                "dependency_unhealthy",
                "a dependency of the service fails its health check",
            ),
            (
                "health_timeout",
                "the service did not become healthy in time",
            ),
            (
                "stale_process",
                "a pid file names a process that is gone or not the service",
            ),
            ("command_failed", "a command exited with a non-zero status"),
            (
                "compose_missing",
                "the compose file or docker compose v2 is missing",
            ),
            ("unknown", "portoser could not classify the failure"),
        ],
    },
    EnumDef {
        name: "Engine",
        doc: "how a service runs (`service.engine`)",
        variants: &[
            ("docker", "docker compose v2"),
            (
                "local",
                "a process supervised by portoser (Python apps via uv, plain commands)",
            ),
            ("native", "a systemd unit (Linux) or launchd job (macOS)"),
        ],
    },
    EnumDef {
        name: "Event",
        doc: "a lifecycle step (`failure.event`)",
        variants: &[
            ("deploy", "the whole deploy of a service"),
            ("start", "starting"),
            ("stop", "stopping"),
            ("restart", "restarting"),
            ("migrate", "migrating data"),
            ("pull", "pulling images"),
            ("sync", "syncing files to the host"),
            ("install", "installing dependencies"),
            ("health", "the health check"),
        ],
    },
];

pub const EVENTS: &[EventDef] = &[
    EventDef {
        name: "deploy",
        engines: &[Docker, Local, Native],
        rule: true,
        doc: "the whole deploy of a service",
    },
    EventDef {
        name: "start",
        engines: &[Docker, Local, Native],
        rule: true,
        doc: "starting the service",
    },
    EventDef {
        name: "stop",
        engines: &[Docker, Local, Native],
        rule: true,
        doc: "stopping the service",
    },
    EventDef {
        name: "restart",
        engines: &[Docker, Local, Native],
        rule: true,
        doc: "restarting the service",
    },
    EventDef {
        name: "migrate",
        engines: &[Docker, Local, Native],
        rule: true,
        doc: "migrating the service's data",
    },
    EventDef {
        name: "pull",
        engines: &[Docker],
        rule: false,
        doc: "pulling images (docker only)",
    },
    EventDef {
        name: "sync",
        engines: &[Local, Native],
        rule: false,
        doc: "syncing files to the host (local and native)",
    },
    EventDef {
        name: "install",
        engines: &[Local],
        rule: false,
        doc: "installing dependencies with `uv sync` (local only)",
    },
    EventDef {
        name: "health",
        engines: &[],
        rule: true,
        doc: "the health check (rules only)",
    },
    EventDef {
        name: "any",
        engines: &[],
        rule: true,
        doc: "any step (rules only)",
    },
];

pub const AMBIENT: &[Ambient] = &[
    Ambient {
        name: "service",
        ty: "Service",
        places: IN_RULE | IN_HOOK,
        doc: "the service the rule is healing, or the hook's service",
    },
    Ambient {
        name: "host",
        ty: "Host",
        places: IN_RULE | IN_HOOK,
        doc: "that service's current host",
    },
    Ambient {
        name: "failure",
        ty: "Failure",
        places: IN_RULE,
        doc: "what went wrong",
    },
    Ambient {
        name: "now",
        ty: "Str",
        places: IN_RULE,
        doc: "the time the rule runs, RFC 3339 in UTC",
    },
    Ambient {
        name: "services",
        ty: "List<Service>",
        places: IN_RULE | IN_HOOK | IN_PLAYBOOK,
        doc: "every service of the registry",
    },
    Ambient {
        name: "hosts",
        ty: "List<Host>",
        places: IN_RULE | IN_HOOK | IN_PLAYBOOK,
        doc: "every host of the registry",
    },
];

pub const ANNOTATIONS: &[AnnotationDef] = &[
    AnnotationDef {
        name: "learned",
        usage: "@learned(from: RULE, seen: Int, fixed: Int, failed: Int, first: Str, last: Str)",
        places: IN_RULE,
        doc: "written by portoser on a rule it learned: the rule it came from, how often it matched, fixed and failed (`fixed + failed == seen`), first and last time (RFC 3339)",
    },
    AnnotationDef {
        name: "allow",
        usage: "@allow(destructive)",
        places: IN_RULE,
        doc: "lets a rule run destructive actions (stop or kill processes, prune, remove files)",
    },
    AnnotationDef {
        name: "disabled",
        usage: "@disabled(\"reason\")",
        places: IN_RULE | IN_HOOK | IN_PLAYBOOK,
        doc: "keeps the item checked but never run; the reason is shown in `portoser check`",
    },
    AnnotationDef {
        name: "priority",
        usage: "@priority(Int)",
        places: IN_RULE,
        doc: "rules with a higher priority are tried first (default 0; learned rules before generic ones)",
    },
];
