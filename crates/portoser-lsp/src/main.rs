//! `portoser-lsp`: the server on stdio, for tests of this crate and for editors that want the
//! server without the CLI (the CLI's `portoser lsp` calls the same function).

fn main() {
    std::process::exit(portoser_lsp::run_stdio());
}
