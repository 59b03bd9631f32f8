//! `portoser lock status|break`: the apply lock of the project's state (see docs/apply.md,
//! Locks). Also the refusal apply prints when the lock is held.

use super::Exit;
use super::output::Output;
use crate::project::ProjectPaths;
use portoser_state::{LockHeld, LockInfo, StateDb};
use std::io::{BufRead, IsTerminal};

#[derive(Debug, clap::Subcommand)]
pub enum LockCommand {
    /// Who holds the apply lock, since when, and whether it looks abandoned
    Status,
    /// Remove a lock left by a crashed apply (asks first; a live lock needs --force)
    Break {
        /// Do not ask for confirmation
        #[arg(long, short = 'y')]
        yes: bool,
        /// Break the lock even though its holder looks alive
        #[arg(long)]
        force: bool,
    },
}

pub fn run(paths: &ProjectPaths, cmd: &LockCommand, out: &Output) -> Exit {
    match cmd {
        LockCommand::Status => status(paths, out),
        LockCommand::Break { yes, force } => break_lock(paths, *yes, *force, out),
    }
}

fn status(paths: &ProjectPaths, out: &Output) -> Exit {
    // Read-only: asking must not create the state or migrate it.
    let lock = match StateDb::open_read_only(&paths.state_db()) {
        Ok(None) => None,
        Ok(Some(db)) => match db.lock_status() {
            Ok(lock) => lock,
            Err(e) => return state_error(&e, out),
        },
        Err(e) => return state_error(&e, out),
    };
    match lock {
        None => out.stdout("No lock: no apply is running on this project's state."),
        Some(lock) => out.stdout(&describe(&lock)),
    }
    Exit::Ok
}

fn break_lock(paths: &ProjectPaths, yes: bool, force: bool, out: &Output) -> Exit {
    let db = match StateDb::open_read_only(&paths.state_db()) {
        Ok(None) => return no_lock(out),
        Ok(Some(_)) => match StateDb::open(&paths.state_db()) {
            Ok(db) => db,
            Err(e) => return state_error(&e, out),
        },
        Err(e) => return state_error(&e, out),
    };
    let lock = match db.lock_status() {
        Ok(Some(lock)) => lock,
        Ok(None) => return no_lock(out),
        Err(e) => return state_error(&e, out),
    };
    out.stderr(&describe(&lock));
    if lock.staleness().is_none() && !force {
        out.stderr(
            "error: the lock's holder looks alive: breaking it would let two applies run at once\n  \
             help: wait for it to finish; if you know it is gone, pass --force",
        );
        return Exit::LockHeld;
    }
    if !yes && !confirm(out) {
        return Exit::UsageOrChanges;
    }
    match db.break_lock(&lock.token) {
        Ok(true) => {
            out.stderr("Lock broken: the next apply can run.");
            Exit::Ok
        }
        Ok(false) => {
            out.stderr("The lock was released (or replaced) meanwhile: nothing was broken.");
            Exit::Ok
        }
        Err(e) => state_error(&e, out),
    }
}

/// The refusal of a second apply: who holds the lock, since when, and what to do.
pub fn held_message(held: &LockHeld) -> String {
    let lock = &held.lock;
    let mut text = format!(
        "error: another run holds the lock of this project's state: {} since {} ({}, plan {})",
        lock.holder, lock.started_at, lock.reason, lock.plan_hash
    );
    match &held.stale {
        Some(why) => text.push_str(&format!(
            "\n  note: the lock looks stale: {why}\n  help: if no apply is running, \
             break it with `portoser lock break`"
        )),
        None => text.push_str(
            "\n  help: wait for it to finish, or pass --lock-timeout SECONDS to wait for it",
        ),
    }
    text
}

fn describe(lock: &LockInfo) -> String {
    let state = match lock.staleness() {
        Some(why) => format!("stale: {why}"),
        None => "live".to_string(),
    };
    format!(
        "Locked by {} since {}\n  reason: {}\n  plan: {}\n  state: {state}",
        lock.holder, lock.started_at, lock.reason, lock.plan_hash
    )
}

fn no_lock(out: &Output) -> Exit {
    out.stderr("No lock to break: no apply holds this project's state.");
    Exit::Ok
}

fn state_error(e: &portoser_state::StateError, out: &Output) -> Exit {
    out.stderr(&format!("error[{}]: {e}", e.code()));
    Exit::Problems
}

/// Asks on the terminal; refuses when there is none (pass --yes).
fn confirm(out: &Output) -> bool {
    if !std::io::stdin().is_terminal() {
        out.stderr("error: breaking a lock asks for confirmation, and there is no terminal to ask on\n  help: make sure no apply is running, then pass --yes");
        return false;
    }
    out.stderr("Break this lock? Only `yes` is accepted: ");
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        return true;
    }
    out.stderr("Nothing was broken.");
    false
}
