//! The built-in rules, embedded in the binary. File names start with `stdlib/` so
//! diagnostics and `portoser explain` show where a rule comes from.

pub const FILES: &[(&str, &str)] = &[
    (
        "stdlib/heal/port_conflict.pbk",
        include_str!("../../../stdlib/heal/port_conflict.pbk"),
    ),
    (
        "stdlib/heal/stale_process.pbk",
        include_str!("../../../stdlib/heal/stale_process.pbk"),
    ),
    (
        "stdlib/heal/docker_down.pbk",
        include_str!("../../../stdlib/heal/docker_down.pbk"),
    ),
    (
        "stdlib/heal/disk_pressure.pbk",
        include_str!("../../../stdlib/heal/disk_pressure.pbk"),
    ),
    (
        "stdlib/heal/dependency_unhealthy.pbk",
        include_str!("../../../stdlib/heal/dependency_unhealthy.pbk"),
    ),
    (
        "stdlib/heal/ssh_permission.pbk",
        include_str!("../../../stdlib/heal/ssh_permission.pbk"),
    ),
];
