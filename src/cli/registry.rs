//! `portoser registry add-host|add-service|move-service|remove-service`: safe edits of
//! registry.yml. The text is edited where the loader located it (comments, blank lines and
//! key order survive), checked before and after, and replaced atomically; a refused edit
//! leaves the file byte for byte unchanged.

use super::{Exit, Output};
use crate::project::{self, ProjectPaths};
use clap::{Args, Subcommand, ValueEnum};
use portoser_diag::{Diagnostic, Diagnostics, Origin, RenderOptions, SourceMap, render_all};
use portoser_registry::edit::{self, EditError, HostFields, ServiceFields, Stage};
use portoser_registry::{Connection, Engine};

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Add a host at the end of `hosts:`
    AddHost {
        /// Host name (lower-case letters, digits, `-`, `_`)
        name: String,
        /// IP address or DNS name (not needed with `--connection local`)
        #[arg(long)]
        ip: Option<String>,
        #[arg(long)]
        ssh_user: Option<String>,
        #[arg(long)]
        ssh_port: Option<u16>,
        /// Private key file on this machine
        #[arg(long)]
        ssh_key: Option<String>,
        /// Base directory of the service files on the host
        #[arg(long)]
        path: Option<String>,
        /// CPU and OS, e.g. amd64-linux or arm64-apple
        #[arg(long)]
        arch: Option<String>,
        /// `local`: the host is this machine (no SSH)
        #[arg(long, value_enum)]
        connection: Option<ConnectionArg>,
        #[command(flatten)]
        write: WriteOptions,
    },
    /// Add a service at the end of `services:`
    AddService {
        /// Service name (lower-case letters, digits, `-`, `_`)
        name: String,
        /// The host it runs on (`current_host`)
        #[arg(long)]
        host: String,
        /// How it runs (`deployment_type`)
        #[arg(long = "type", value_enum)]
        deployment_type: EngineArg,
        #[arg(long)]
        port: Option<u16>,
        /// The compose file (docker), relative to the host's path
        #[arg(long)]
        compose_file: Option<String>,
        /// Start command (local, native)
        #[arg(long)]
        command: Option<String>,
        /// A service.yml (local, native)
        #[arg(long)]
        service_file: Option<String>,
        #[arg(long)]
        working_dir: Option<String>,
        /// Public name routed by Caddy
        #[arg(long)]
        hostname: Option<String>,
        /// Services it depends on (repeat the flag or separate with commas)
        #[arg(long = "depends-on", value_delimiter = ',')]
        depends_on: Vec<String>,
        #[command(flatten)]
        write: WriteOptions,
    },
    /// Put a service on another host (`current_host`)
    MoveService {
        /// Service name
        name: String,
        /// The host it moves to
        #[arg(long)]
        to: String,
        #[command(flatten)]
        write: WriteOptions,
    },
    /// Remove a service and the comments that belong to it
    RemoveService {
        /// Service name
        name: String,
        /// Also remove it from the dependencies of the services that depend on it
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        write: WriteOptions,
    },
}

#[derive(Debug, Args)]
pub struct WriteOptions {
    /// Print the change as a diff and write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConnectionArg {
    Ssh,
    Local,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Docker,
    Local,
    Native,
}

pub fn run(paths: &ProjectPaths, cmd: RegistryCommand, out: &Output) -> Exit {
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::new();
    let Some(id) = project::read_source(&mut map, &paths.registry, Origin::Project, &mut diags)
    else {
        render(out, &map, &diags.into_sorted());
        return Exit::Problems;
    };
    if diags.has_errors() {
        render(out, &map, &diags.into_sorted());
        return Exit::Problems;
    }
    let before = map.file(id).text.to_string();
    let (result, dry_run, done) = edit(&before, cmd);
    let name = ProjectPaths::display(&paths.registry);
    match result {
        Ok(after) if after == before => {
            out.stderr(&format!("{name}: nothing to change"));
            Exit::Ok
        }
        Ok(after) => finish(paths, &name, &before, &after, dry_run, &done, out),
        Err(e) => refused(out, &name, &e),
    }
}

/// Runs the library edit; returns it, whether this is a dry run, and what it did (for the
/// summary line).
fn edit(text: &str, cmd: RegistryCommand) -> (Result<String, EditError>, bool, String) {
    match cmd {
        RegistryCommand::AddHost {
            name,
            ip,
            ssh_user,
            ssh_port,
            ssh_key,
            path,
            arch,
            connection,
            write,
        } => {
            let fields = HostFields {
                connection: connection.map(|c| match c {
                    ConnectionArg::Ssh => Connection::Ssh,
                    ConnectionArg::Local => Connection::Local,
                }),
                ip,
                ssh_user,
                ssh_port,
                ssh_key,
                path,
                arch,
            };
            let done = format!("added host `{name}`");
            (edit::add_host(text, &name, &fields), write.dry_run, done)
        }
        RegistryCommand::AddService {
            name,
            host,
            deployment_type,
            port,
            compose_file,
            command,
            service_file,
            working_dir,
            hostname,
            depends_on,
            write,
        } => {
            let engine = match deployment_type {
                EngineArg::Docker => Engine::Docker,
                EngineArg::Local => Engine::Local,
                EngineArg::Native => Engine::Native,
            };
            let mut fields = ServiceFields::new(host, engine);
            fields.port = port;
            fields.docker_compose = compose_file;
            fields.command = command;
            fields.service_file = service_file;
            fields.working_dir = working_dir;
            fields.hostname = hostname;
            fields.dependencies = depends_on;
            let done = format!("added service `{name}`");
            (edit::add_service(text, &name, &fields), write.dry_run, done)
        }
        RegistryCommand::MoveService { name, to, write } => {
            let done = format!("moved service `{name}` to host `{to}`");
            (edit::move_service(text, &name, &to), write.dry_run, done)
        }
        RegistryCommand::RemoveService { name, force, write } => {
            let done = format!("removed service `{name}`");
            (
                edit::remove_service(text, &name, force),
                write.dry_run,
                done,
            )
        }
    }
}

fn finish(
    paths: &ProjectPaths,
    name: &str,
    before: &str,
    after: &str,
    dry_run: bool,
    done: &str,
    out: &Output,
) -> Exit {
    let warnings = edit::new_warnings(before, after);
    if !warnings.is_empty() {
        let mut map = SourceMap::new();
        map.add(format!("{name} (after the edit)"), after, Origin::Project);
        render(out, &map, &warnings);
    }
    if dry_run {
        out.stdout(&edit::diff(before, after));
        out.stderr(&format!("dry run, {name} not written: {done}"));
        return Exit::Ok;
    }
    match crate::atomic::write(&paths.registry, after.as_bytes()) {
        Ok(()) => {
            out.stderr(&format!("{name}: {done}"));
            Exit::Ok
        }
        Err(e) => {
            out.stderr(&format!("error: cannot write `{name}`: {e}"));
            Exit::Problems
        }
    }
}

fn refused(out: &Output, name: &str, error: &EditError) -> Exit {
    if let EditError::Rejected(r) = error {
        let shown = match r.stage {
            Stage::Before => name.to_string(),
            Stage::After => format!("{name} (after the edit)"),
        };
        render(out, &r.source_map(&shown), &r.diagnostics);
    }
    out.stderr(&format!("error: {error}; {name} is unchanged"));
    Exit::Problems
}

fn render(out: &Output, map: &SourceMap, diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let options = RenderOptions {
        color: out.color_stderr,
    };
    out.stderr(&render_all(map, diagnostics, options));
}
