//! The host's own service manager: a generated systemd unit on Linux, a launchd job on
//! macOS. A `service_name` without a command names a unit that is installed already: then
//! portoser only starts, stops and watches it, and never writes or deletes its file.

use crate::error::EngineError;
use crate::render;
use crate::spec::{Os, ServiceSpec};
use crate::status::{ServiceStatus, State};
use crate::{LONG, SHORT, run};
use portoser_transport::{Cmd, ExecOptions, Script, Transport};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Native {}

/// Where the generated file goes.
pub fn unit_path(spec: &ServiceSpec) -> String {
    match spec.os {
        Os::Linux => format!("/etc/systemd/system/{}", spec.unit_name),
        Os::Apple => format!("/Library/LaunchDaemons/{}.plist", spec.unit_name),
    }
}

/// The generated file's text.
pub fn unit_file(spec: &ServiceSpec) -> String {
    match spec.os {
        Os::Linux => render::systemd_unit(spec),
        Os::Apple => render::launchd_plist(spec),
    }
}

fn systemctl(args: &[&str], unit: &str) -> Cmd {
    Cmd::new("systemctl")
        .args(args.iter().copied())
        .arg("--")
        .arg(unit)
}

fn target(spec: &ServiceSpec) -> String {
    format!("system/{}", spec.unit_name)
}

fn launchctl(args: &[&str]) -> Cmd {
    Cmd::new("launchctl").args(args.iter().copied())
}

/// After the upload: reload, enable, and (re)start so a changed unit takes effect.
pub fn deploy_script(spec: &ServiceSpec) -> Script {
    match spec.os {
        Os::Linux => Script::new()
            .and(Cmd::new("systemctl").arg("daemon-reload"))
            .and(systemctl(&["enable"], &spec.unit_name))
            .and(systemctl(&["restart"], &spec.unit_name)),
        // bootout fails when the job is not loaded: that is fine, hence `then`.
        Os::Apple => Script::new()
            .and(launchctl(&["bootout", &target(spec)]))
            .then(launchctl(&["bootstrap", "system", &unit_path(spec)])),
    }
}

pub fn start_script(spec: &ServiceSpec) -> Script {
    match spec.os {
        Os::Linux => Script::from(systemctl(&["start"], &spec.unit_name)),
        Os::Apple => Script::new()
            .and(launchctl(&["print", &target(spec)]))
            .or(launchctl(&["bootstrap", "system", &unit_path(spec)])),
    }
}

pub fn stop_script(spec: &ServiceSpec) -> Script {
    match spec.os {
        Os::Linux => Script::from(systemctl(&["stop"], &spec.unit_name)),
        Os::Apple => Script::from(launchctl(&["bootout", &target(spec)])),
    }
}

pub fn status_script(spec: &ServiceSpec) -> Script {
    match spec.os {
        Os::Linux => Script::from(systemctl(
            &[
                "show",
                "-p",
                "LoadState",
                "-p",
                "ActiveState",
                "-p",
                "SubState",
                "-p",
                "ActiveEnterTimestamp",
            ],
            &spec.unit_name,
        )),
        Os::Apple => Script::from(launchctl(&["print", &target(spec)])),
    }
}

/// Disable and stop; then delete the generated file and reload (an installed unit that
/// portoser did not generate is left in place).
pub fn remove_script(spec: &ServiceSpec) -> Script {
    match (spec.os, spec.generate_unit) {
        (Os::Linux, true) => Script::new()
            .and(systemctl(&["disable", "--now"], &spec.unit_name))
            .and(Cmd::new("rm").arg("-f").arg("--").arg(unit_path(spec)))
            .and(Cmd::new("systemctl").arg("daemon-reload")),
        (Os::Linux, false) => Script::from(systemctl(&["disable", "--now"], &spec.unit_name)),
        (Os::Apple, generated) => {
            let s = Script::new().and(launchctl(&["bootout", &target(spec)]));
            if generated {
                s.then(Cmd::new("rm").arg("-f").arg("--").arg(unit_path(spec)))
            } else {
                s
            }
        }
    }
}

pub fn logs_script(spec: &ServiceSpec, n: u32, follow: bool) -> Result<Script, EngineError> {
    Ok(match spec.os {
        Os::Linux => {
            let mut cmd = Cmd::new("journalctl")
                .arg("--no-pager")
                .arg("-n")
                .arg(n.to_string());
            if follow {
                cmd = cmd.arg("-f");
            }
            Script::from(cmd.arg("-u").arg(&spec.unit_name))
        }
        Os::Apple => crate::local::logs_script(spec, n, follow),
    })
}

impl Native {
    pub async fn deploy(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        if spec.generate_unit {
            if spec.command.is_none() {
                return Err(EngineError::spec(
                    &spec.name,
                    "a native service needs `command`, a service.yml `start`, or `service_name` naming an installed unit",
                ));
            }
            t.upload(&unit_path(spec), unit_file(spec).as_bytes(), 0o644, SHORT)
                .await?;
        }
        run(t, &deploy_script(spec), self.manager(spec), LONG)
            .await
            .map(drop)
    }

    pub async fn start(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        run(t, &start_script(spec), self.manager(spec), SHORT)
            .await
            .map(drop)
    }

    pub async fn stop(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        run(t, &stop_script(spec), self.manager(spec), SHORT)
            .await
            .map(drop)
    }

    pub async fn restart(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        match spec.os {
            Os::Linux => run(
                t,
                &Script::from(systemctl(&["restart"], &spec.unit_name)),
                "systemctl restart",
                SHORT,
            )
            .await
            .map(drop),
            Os::Apple => {
                let kick = Script::from(launchctl(&["kickstart", "-k", &target(spec)]));
                run(t, &kick, "launchctl kickstart", SHORT).await.map(drop)
            }
        }
    }

    pub async fn status(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
    ) -> Result<ServiceStatus, EngineError> {
        let out = t
            .exec(&status_script(spec), ExecOptions::with_timeout(SHORT))
            .await?;
        match spec.os {
            Os::Linux if out.success() => Ok(parse_systemctl_show(&out.stdout_text())),
            Os::Linux => Err(crate::failure(t.host(), "systemctl show", &out)),
            // `launchctl print` fails for a job that is not loaded: stopped.
            Os::Apple if !out.success() => {
                Ok(ServiceStatus::new(State::Stopped, None, "not loaded"))
            }
            Os::Apple => Ok(parse_launchctl_print(&out.stdout_text())),
        }
    }

    pub async fn remove(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        run(t, &remove_script(spec), self.manager(spec), SHORT)
            .await
            .map(drop)
    }

    fn manager(&self, spec: &ServiceSpec) -> &'static str {
        match spec.os {
            Os::Linux => "systemctl",
            Os::Apple => "launchctl",
        }
    }
}

/// `systemctl show -p ...` output (`Key=value` lines).
pub fn parse_systemctl_show(text: &str) -> ServiceStatus {
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let (load, active, sub) = (get("LoadState"), get("ActiveState"), get("SubState"));
    let since = Some(get("ActiveEnterTimestamp")).filter(|s| !s.is_empty());
    let detail = format!("{active} ({sub})");
    let state = match active.as_str() {
        _ if load == "not-found" => {
            return ServiceStatus::new(State::Stopped, None, "unit not installed");
        }
        "active" | "reloading" => State::Running,
        "inactive" | "deactivating" => State::Stopped,
        "failed" => State::Failed,
        "activating" if sub == "auto-restart" => State::Failed,
        _ => State::Unknown,
    };
    ServiceStatus::new(state, since, detail)
}

/// `launchctl print system/LABEL`: `state = running`, `pid = N`, `last exit code = N`.
pub fn parse_launchctl_print(text: &str) -> ServiceStatus {
    let get = |key: &str| {
        text.lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(key)
                    .and_then(|r| r.trim_start().strip_prefix('='))
            })
            .map(|v| v.trim().to_string())
    };
    let last = get("last exit code");
    let detail = last
        .as_ref()
        .map(|c| format!("last exit code {c}"))
        .unwrap_or_default();
    match get("state").as_deref() {
        Some("running") => ServiceStatus::new(State::Running, None, detail),
        Some(_)
            if last
                .as_deref()
                .is_some_and(|c| c != "0" && c != "(never exited)") =>
        {
            ServiceStatus::new(State::Failed, None, detail)
        }
        Some(_) => ServiceStatus::new(State::Stopped, None, detail),
        None => ServiceStatus::new(State::Unknown, None, "unexpected `launchctl print` output"),
    }
}
