//! The command-line interface: the only place that prints or exits.

mod apply;
mod args;
mod caddy;
mod certs;
mod check;
mod common;
mod demo;
mod explain;
pub mod failures;
mod fmt;
mod github;
mod heal;
mod history;
mod hosts;
mod hosts_probes;
mod lock;
mod output;
mod plan;
mod registry;
mod rollback;
mod services;
mod show;
mod vault;
mod vault_env;

use args::{Cli, Command, HostsCommand};
use clap::Parser;
use services::Lifecycle;
use std::process::ExitCode;

pub use output::Output;

/// The exit-code contract (also in `--help` and docs/cli.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Problems = 1,
    /// A usage error, or (with `plan --detailed-exitcode`) a plan with changes.
    UsageOrChanges = 2,
    /// apply: the saved plan is stale (E0405).
    StalePlan = 3,
    /// apply: another run holds the lock of the project's state.
    LockHeld = 4,
    /// apply: a health gate failed and `on_failure: rollback` restored the previous version.
    RolledBack = 5,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

pub fn main() -> ExitCode {
    run(std::env::args_os()).into()
}

/// Runs one command line; public so tests can drive the CLI in-process.
pub fn run<I, T>(args: I) -> Exit
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::UsageOrChanges
            } else {
                Exit::Ok
            };
        }
    };
    let out = Output::new(cli.global.color);
    let paths = crate::project::ProjectPaths::new(
        cli.global.dir.as_deref(),
        cli.global.registry.as_deref(),
    );
    match cli.command {
        Command::Check { format } => check::run(&paths, format, &out),
        Command::Plan {
            format,
            out: save,
            detailed_exitcode,
        } => plan::run(&paths, format, save.as_deref(), detailed_exitcode, &out),
        Command::Fmt { check, files } => fmt::run(&paths, check, &files, &out),
        Command::Explain { code, list } => explain::run(code.as_deref(), list, &out),
        Command::Graph { format } => plan::graph(&paths, format, &out),
        Command::Demo { dir, down } => {
            demo::run(&dir.unwrap_or_else(demo::default_dir), down, &out)
        }
        Command::Apply(args) => apply::run(&paths, &args, &out),
        Command::Status { services, connect } => {
            services::status(&paths, &services, &connect, &out)
        }
        Command::Start { service, connect } => {
            services::lifecycle(&paths, &service, Lifecycle::Start, &connect, &out)
        }
        Command::Stop { service, connect } => {
            services::lifecycle(&paths, &service, Lifecycle::Stop, &connect, &out)
        }
        Command::Restart { service, connect } => {
            services::lifecycle(&paths, &service, Lifecycle::Restart, &connect, &out)
        }
        Command::Logs {
            service,
            lines,
            follow,
            connect,
        } => services::logs(&paths, &service, lines, follow, &connect, &out),
        Command::Hosts { cmd } => match cmd {
            HostsCommand::Check { connect } => hosts::check(&paths, &connect, &out),
            HostsCommand::Trust { host, yes, connect } => {
                hosts::trust(&paths, &host, yes, &connect, &out)
            }
        },
        Command::Registry { cmd } => registry::run(&paths, cmd, &out),
        Command::Lock { cmd } => lock::run(&paths, &cmd, &out),
        Command::Show(args) => show::run(&args, &out),
        Command::History(args) => history::run(&paths, &args, &out),
        Command::Rollback(args) => rollback::run(&paths, &args, &out),
        Command::Caddy { cmd } => caddy::run(&paths, &cmd, &out),
        Command::Vault { cmd } => vault::run(&paths, &cmd, &out),
        Command::Certs { cmd } => certs::run(&paths, &cmd, &out),
        Command::Diagnose { service, connect } => {
            heal::diagnose_or_heal(&paths, &service, false, &connect, &out)
        }
        Command::Heal { service, connect } => {
            heal::diagnose_or_heal(&paths, &service, true, &connect, &out)
        }
        Command::Learn { cmd } => heal::learn(&paths, &cmd, &out),
        // stdout carries the protocol: nothing else may print there.
        Command::Schema => {
            out.stdout_raw(portoser_registry::schema::registry_schema_json().as_bytes());
            Exit::Ok
        }
        Command::Lsp => match portoser_lsp::run_stdio() {
            0 => Exit::Ok,
            _ => Exit::Problems,
        },
    }
}
