//! Two steps several commands share: reading the registry (its diagnostics printed when it
//! has errors) and starting the async runtime of a command that reaches hosts.

use super::Exit;
use super::output::Output;
use crate::compile::compile;
use crate::fleet;
use crate::project::ProjectPaths;
use portoser_registry::Registry;

/// The registry, or `Exit::Problems` after printing what is wrong with it.
pub(super) fn registry(paths: &ProjectPaths, out: &Output) -> Result<Registry, Exit> {
    let compiled = compile(paths);
    if compiled.diags.has_errors() {
        out.diagnostics(&compiled);
        return Err(Exit::Problems);
    }
    compiled.registry.ok_or(Exit::Problems)
}

/// [`fleet::runtime`], or `Exit::Problems` after saying why it could not start.
pub(super) fn runtime(out: &Output) -> Result<tokio::runtime::Runtime, Exit> {
    fleet::runtime().map_err(|e| {
        out.stderr(&format!("error: cannot start the async runtime: {e}"));
        Exit::Problems
    })
}
