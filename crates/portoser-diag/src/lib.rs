//! Source files, byte spans and diagnostics as data.
//!
//! Every stage of portoser reports problems as [`Diagnostic`] values into a [`Diagnostics`]
//! sink; nothing in the compiler prints. The CLI, the JSON output and (later) the language
//! server all read the same data. One renderer ([`render`]) draws them with ariadne, counting
//! byte offsets, so registry, playbook and stdlib spans look the same.

mod codes;
mod diagnostic;
mod json;
mod render;
mod source;
mod suggest;

pub use codes::{CodeInfo, find_code};
pub use diagnostic::{Diagnostic, Diagnostics, Label, Severity};
pub use json::{JsonDiagnostic, JsonLabel, to_json};
pub use render::{RenderOptions, render, render_all};
pub use source::{FileId, Origin, SourceFile, SourceMap, Span, Spanned};
pub use suggest::did_you_mean;
