//! The command line, declared with clap. `--help` texts are the user's first documentation:
//! they state the exit-code contract and anything not finished yet.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes:
  0  success (for `plan --detailed-exitcode`: success and no changes)
  1  problems found: errors in the registry or playbooks, a file that cannot be read,
     `fmt --check` found unformatted files
  2  usage error (bad flags or arguments); with `plan --detailed-exitcode`: the plan has changes;
     apply (or lock break) declined: not confirmed, or no terminal to ask on and no --yes
  3  apply: the saved plan is stale (the registry, a playbook or the state changed since)
  4  apply: another run holds the lock (see `portoser lock status`); lock break: the holder
     looks alive and --force was not given
  5  apply: a health gate failed and on_failure rolled the service back (the previous version runs)
  For apply, 1 means some nodes failed (the others finished and were recorded).

Not yet available (planned): heal/diagnose,
serve. See README.md.";

#[derive(Debug, Parser)]
#[command(
    name = "portoser",
    version,
    about = "Typed, parallel deployments for fleets of plain SSH hosts",
    long_about = "Compiles registry.yml and .pbk playbooks into a typed deployment plan.\n\
                  A project directory holds registry.yml and playbooks/.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Project directory (holds registry.yml and playbooks/)
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Registry file [default: DIR/registry.yml]
    #[arg(long, global = true, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// When to use colour (auto: on a terminal and when NO_COLOR is unset)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check registry.yml, playbooks/ and the stdlib: every problem at once, located
    Check {
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
    },
    /// Show what apply would do, against the recorded state (.portoser/state.db)
    Plan {
        #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
        format: PlanFormat,
        /// Save the plan (JSON, pinned to its inputs and the state serial; no secret values)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Exit 0 when there are no changes, 1 on error, 2 when the plan has changes
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Format .pbk files (default: every file under playbooks/)
    Fmt {
        /// Do not write; exit 1 and list the files that are not formatted
        #[arg(long)]
        check: bool,
        files: Vec<PathBuf>,
    },
    /// Explain a diagnostic code, with a wrong and a fixed example
    Explain {
        /// A code such as E0201
        #[arg(required_unless_present = "list")]
        code: Option<String>,
        /// List every code with its summary
        #[arg(long)]
        list: bool,
    },
    /// Print the plan graph (nodes and their dependencies)
    Graph {
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Run the demo: a fleet of three Python services on this machine, applied and shown
    Demo {
        /// Where to write the demo project [default: $TMPDIR/portoser-demo-project]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Stop the demo's services
        #[arg(long)]
        down: bool,
    },
    /// Plan, show, ask, then execute on the hosts (or execute exactly a saved plan)
    Apply(super::apply::ApplyArgs),
    /// Fleet table: host, engine, state, health, since (all hosts in parallel)
    Status {
        services: Vec<String>,
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
    /// Start a service (waits for its health check)
    Start {
        service: String,
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
    /// Stop a service (warns about the services that depend on it)
    Stop {
        service: String,
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
    /// Restart a service (waits for its health check)
    Restart {
        service: String,
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
    /// Show a service's log
    Logs {
        service: String,
        /// Lines from the end
        #[arg(short = 'n', long, default_value_t = 100)]
        lines: u32,
        /// Keep following
        #[arg(short = 'f', long)]
        follow: bool,
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
    /// Reach the hosts: check them, or trust a host's key
    Hosts {
        #[command(subcommand)]
        cmd: HostsCommand,
    },
    /// Run the language server on stdin/stdout (for editors)
    Lsp,
    /// Print the JSON Schema of registry.yml (for YAML editors; also in grammar/)
    Schema,
    /// Safe edits of registry.yml that keep comments and order, checked before writing
    Registry {
        #[command(subcommand)]
        cmd: super::registry::RegistryCommand,
    },
    /// The apply lock: who holds it, and breaking one a crashed apply left
    Lock {
        #[command(subcommand)]
        cmd: super::lock::LockCommand,
    },
    /// Render a plan saved with `plan --out`
    Show(super::show::ShowArgs),
    /// The recorded runs, newest first; `history show ID` for one run
    History(super::history::HistoryArgs),
    /// Plan and apply an earlier recorded configuration of one service
    Rollback(super::rollback::RollbackArgs),
    /// The Caddy ingress: render the Caddyfile, diff it, reload it (docs/caddy.md)
    Caddy {
        #[command(subcommand)]
        cmd: super::caddy::CaddyCommand,
    },
    /// The project CA and certificates: init-ca, issue, client, list, check (docs/certs.md)
    Certs {
        #[command(subcommand)]
        cmd: super::certs::CertsCommand,
    },
    /// Vault secrets: per-host AppRoles, rotate a host's secret-id, put/get/list/migrate (docs/vault.md)
    Vault {
        #[command(subcommand)]
        cmd: super::vault::VaultCommand,
    },
    /// Observe an unhealthy service and name the healing rule that matches (acts on nothing)
    Diagnose {
        service: String,
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
    /// Heal an unhealthy service: the matching rule's actions, then a redeploy and its health check
    Heal {
        service: String,
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
    /// What the self-healing loop learned: list, show RULE, stats (docs/heal.md)
    Learn {
        #[command(subcommand)]
        cmd: super::heal::LearnCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum HostsCommand {
    /// Reach every host: ssh, auth, host key, docker, compose, systemd, uv, disk; Caddy on the
    /// ingress host; the AppRole file's mode where services have secrets
    Check {
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
    /// Show a host's key fingerprint and record it in known_hosts
    Trust {
        host: String,
        /// Record without asking (compare the fingerprint out of band first)
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        connect: super::apply::ConnectArgs,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    /// GitHub Actions workflow commands (annotations), see docs/ci.md
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}
