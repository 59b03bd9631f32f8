//! Actions: what the executor can do. Each is a statement; none produces a value.
//! `run on HOST: "cmd"` (shell) is a statement of its own in the syntax, gated by an
//! `allow shell for SERVICE` policy, so it is not in this table.

use super::{ANYWHERE, Builtin, Effect, IN_RULE, Param, opt, req};

const fn act(
    name: &'static str,
    params: &'static [Param],
    effect: Effect,
    places: u8,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        params,
        result: "()",
        effect,
        places,
        doc,
    }
}

use Effect::{Destructive, Mutating};

pub const ACTIONS: &[Builtin] = &[
    act(
        "stop_process",
        &[
            req("host", "Host"),
            req("pid", "Int"),
            opt("grace", "Duration", "10s"),
        ],
        Destructive,
        ANYWHERE,
        "send SIGTERM to the process, then SIGKILL after the grace period",
    ),
    act(
        "kill_process",
        &[req("host", "Host"), req("pid", "Int")],
        Destructive,
        ANYWHERE,
        "send SIGKILL to the process at once",
    ),
    act(
        "start_docker",
        &[req("host", "Host")],
        Mutating,
        ANYWHERE,
        "start the docker daemon on the host (systemd, or Docker Desktop on macOS)",
    ),
    act(
        "wait_docker",
        &[req("host", "Host"), opt("timeout", "Duration", "60s")],
        Mutating,
        ANYWHERE,
        "wait until the docker daemon answers; fails after the timeout",
    ),
    act(
        "prune_docker",
        &[req("host", "Host"), opt("volumes", "Bool", "false")],
        Destructive,
        ANYWHERE,
        "remove unused images, containers and networks; `volumes: true` is always refused",
    ),
    act(
        "remove_file",
        &[req("host", "Host"), req("path", "Path")],
        Destructive,
        ANYWHERE,
        "delete one file inside the host's base directory",
    ),
    act(
        "clean_pid_file",
        &[req("service", "Service")],
        Mutating,
        ANYWHERE,
        "remove the service's pid file when the process it names is dead",
    ),
    act(
        "rotate_logs",
        &[req("service", "Service")],
        Mutating,
        ANYWHERE,
        "compress the service's logs and keep the newest few",
    ),
    act(
        "start",
        &[req("service", "Service")],
        Mutating,
        ANYWHERE,
        "start the service with its engine",
    ),
    act(
        "stop",
        &[req("service", "Service")],
        Mutating,
        ANYWHERE,
        "stop the service with its engine",
    ),
    act(
        "restart",
        &[req("service", "Service")],
        Mutating,
        ANYWHERE,
        "restart the service with its engine (starts it when it is stopped)",
    ),
    act(
        "wait_healthy",
        &[req("service", "Service"), req("timeout", "Duration")],
        Mutating,
        ANYWHERE,
        "wait until the service passes its health check; fails after the timeout",
    ),
    act(
        "wait_port_free",
        &[
            req("host", "Host"),
            req("port", "Port"),
            req("timeout", "Duration"),
        ],
        Mutating,
        ANYWHERE,
        "wait until nothing listens on the port; fails after the timeout",
    ),
    act(
        "issue_cert",
        &[req("service", "Service")],
        Mutating,
        ANYWHERE,
        "issue a new TLS certificate for the service from the fleet CA and install it",
    ),
    act(
        "fix_permissions",
        &[req("host", "Host"), req("path", "Path"), req("mode", "Int")],
        Mutating,
        ANYWHERE,
        "give the SSH user ownership of the path and set its mode (written like chmod: 755)",
    ),
    act(
        "notify",
        &[req("msg", "Str")],
        Mutating,
        ANYWHERE,
        "send a message to the configured notification channel",
    ),
    act(
        "log",
        &[req("msg", "Str")],
        Mutating,
        ANYWHERE,
        "write a line to the run's log and history",
    ),
    act(
        "retry",
        &[],
        Mutating,
        IN_RULE,
        "run the failed step again (at most the configured number of attempts)",
    ),
    act(
        "rollback",
        &[],
        Mutating,
        IN_RULE,
        "give up on the new version and restore the last applied one",
    ),
    act(
        "fail",
        &[req("msg", "Str")],
        Mutating,
        ANYWHERE,
        "stop healing and fail the step with this message (the remedy for a person)",
    ),
];

/// Actions after which nothing else in the block runs.
pub fn is_terminal(name: &str) -> bool {
    matches!(name, "retry" | "rollback" | "fail")
}
