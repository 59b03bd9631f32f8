//! The portoser language server (`portoser lsp`): diagnostics as you type, hover, go to
//! definition, completion, formatting and document symbols for `.pbk` playbooks, and
//! diagnostics for `registry.yml`, all from the same compiler as `portoser check`.
//!
//! Synchronous on purpose (`lsp-server`, as rust-analyzer): one thread reads requests in
//! order, compiles the project when it changed, and answers. See docs/lsp.md.

mod analysis;
mod complete;
mod diagnostics;
mod goto;
mod hover;
mod lines;
mod lookup;
mod server;
#[cfg(test)]
mod sweep;
mod symbols;
mod uri;

pub use server::serve;

use lsp_server::Connection;

/// Runs the server on stdin/stdout until the client says `exit`. The exit code follows the
/// protocol: 0 after `shutdown` then `exit`, 1 otherwise (or on a broken connection).
pub fn run_stdio() -> i32 {
    let (connection, io) = Connection::stdio();
    let result = serve(&connection);
    drop(connection);
    let joined = io.join();
    match (result, joined) {
        (Ok(()), Ok(())) => 0,
        (Err(e), _) => {
            eprintln!("portoser lsp: {e}");
            1
        }
        (Ok(()), Err(e)) => {
            eprintln!("portoser lsp: {e}");
            1
        }
    }
}
