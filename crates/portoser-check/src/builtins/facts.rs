//! Facts: read-only observations the executor makes on a host when a rule, hook or playbook
//! asks. A fact never changes anything, so it is allowed everywhere; as a statement on its
//! own it would do nothing, which the checker reports.

use super::{ANYWHERE, Builtin, Effect, req};

const fn fact(
    name: &'static str,
    params: &'static [super::Param],
    result: &'static str,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        params,
        result,
        effect: Effect::ReadOnly,
        places: ANYWHERE,
        doc,
    }
}

pub const FACTS: &[Builtin] = &[
    fact(
        "port_owner",
        &[req("host", "Host"), req("port", "Port")],
        "Option<Process>",
        "the process listening on the port, absent when the port is free",
    ),
    fact(
        "port_free",
        &[req("host", "Host"), req("port", "Port")],
        "Bool",
        "true when nothing listens on the port",
    ),
    fact(
        "disk_used",
        &[req("host", "Host"), req("path", "Path")],
        "Percent",
        "how full the filesystem holding the path is",
    ),
    fact(
        "disk_free",
        &[req("host", "Host"), req("path", "Path")],
        "Size",
        "free space on the filesystem holding the path",
    ),
    fact(
        "writable",
        &[req("host", "Host"), req("path", "Path")],
        "Option<Bool>",
        "whether the SSH user can create files in the directory (write and search permission); absent when the directory does not exist (a missing deploy directory is created by the deploy: not a permission problem) or cannot be observed",
    ),
    fact(
        "docker_running",
        &[req("host", "Host")],
        "Bool",
        "true when the docker daemon answers on the host",
    ),
    fact(
        "process_alive",
        &[req("host", "Host"), req("pid", "Int")],
        "Bool",
        "true when a process with this pid exists on the host",
    ),
    fact(
        "pid_file",
        &[req("service", "Service")],
        "Option<Int>",
        "the pid recorded in the service's pid file, absent when there is no pid file",
    ),
    fact(
        "stale_instance",
        &[req("service", "Service")],
        "Option<Process>",
        "a process of the service that nothing supervises (its crashed instance's) holding the service's port, if any",
    ),
    fact(
        "running",
        &[req("service", "Service")],
        "Bool",
        "true when the service's process or containers are up (healthy or not)",
    ),
    fact(
        "healthy",
        &[req("service", "Service")],
        "Bool",
        "true when the service passes its health check now",
    ),
    fact(
        "unhealthy_dependency",
        &[req("service", "Service")],
        "Option<Service>",
        "the first dependency of the service that fails its health check, if any",
    ),
    fact(
        "reachable",
        &[req("host", "Host")],
        "Bool",
        "true when portoser can open an SSH session to the host",
    ),
    fact(
        "deploy_dir",
        &[req("service", "Service")],
        "Path",
        "the directory the service is deployed into on its host",
    ),
    fact(
        "services_on",
        &[req("host", "Host")],
        "List<Service>",
        "the services whose current host is this host, in registry order",
    ),
    fact(
        "secret",
        &[req("service", "Service"), req("name", "Str")],
        "Secret",
        "a secret the service declares under `secrets:` (by variable name; E0350), from Vault; it can be passed on but never printed or compared",
    ),
];
