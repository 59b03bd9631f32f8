//! Matching call arguments to a built-in's parameters: positional ones in order, named ones
//! by name, defaults for the rest. Every mismatch is reported; the arguments are still typed
//! so mistakes inside them are found too.

use super::body::Body;
use crate::builtins::Builtin;
use crate::types::Ty;
use portoser_diag::{Diagnostic, Span, did_you_mean};
use portoser_syntax::ast::{Arg, Call};

impl Body<'_, '_> {
    /// Checks the arguments of `call` against `b`; returns the argument given for each
    /// parameter (in parameter order).
    pub fn args<'a>(&mut self, b: &Builtin, call: &'a Call, span: Span) -> Vec<Option<&'a Arg>> {
        let mut slots: Vec<Option<&'a Arg>> = vec![None; b.params.len()];
        let mut next = 0;
        for arg in &call.args {
            let slot = match &arg.name {
                Some(name) => self.named_slot(b, &slots, name),
                None => {
                    while slots.get(next).is_some_and(Option::is_some) {
                        next += 1;
                    }
                    if next >= slots.len() {
                        self.too_many(b, call, arg);
                        None
                    } else {
                        Some(next)
                    }
                }
            };
            match slot.and_then(|i| slots.get_mut(i)) {
                Some(place) => *place = Some(arg),
                None => {
                    self.expr(&arg.value, None);
                }
            }
        }
        let mut missing = Vec::new();
        for (param, slot) in b.params.iter().zip(&slots) {
            let ty = Ty::parse(param.ty).unwrap_or(Ty::Unknown);
            match slot {
                Some(arg) => {
                    let what = format!("argument `{}` of `{}`", param.name, b.name);
                    self.expect(&arg.value, &ty, &what);
                }
                None if param.default.is_none() => missing.push(param.name),
                None => {}
            }
        }
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            let noun = if missing.len() == 1 {
                "argument"
            } else {
                "arguments"
            };
            self.report(
                Diagnostic::error(
                    "E0308",
                    format!("`{}` is missing {noun} {}", b.name, list.join(", ")),
                )
                .at(span, format!("missing {}", list.join(", ")))
                .with_help(format!("`{}`", b.signature())),
            );
        }
        slots
    }

    fn named_slot(
        &mut self,
        b: &Builtin,
        slots: &[Option<&Arg>],
        name: &portoser_syntax::ast::Ident,
    ) -> Option<usize> {
        let Some(i) = b.params.iter().position(|p| p.name == name.name) else {
            let suggestion = did_you_mean(&name.name, b.params.iter().map(|p| p.name));
            let d = Diagnostic::error(
                "E0309",
                format!("`{}` has no parameter `{}`", b.name, name.name),
            )
            .at(name.span, "unknown parameter")
            .with_suggestion(suggestion);
            let d = if suggestion.is_none() {
                d.with_help(format!("`{}`", b.signature()))
            } else {
                d
            };
            self.report(d);
            return None;
        };
        if let Some(Some(earlier)) = slots.get(i) {
            let first = earlier
                .name
                .as_ref()
                .map_or(earlier.value.span, |n| n.span.to(earlier.value.span));
            self.report(
                Diagnostic::error(
                    "E0309",
                    format!("argument `{}` of `{}` is given twice", name.name, b.name),
                )
                .at(name.span, "given again here")
                .with_label(first, "first given here"),
            );
            return None;
        }
        Some(i)
    }

    fn too_many(&mut self, b: &Builtin, call: &Call, arg: &Arg) {
        let takes = b.params.len();
        let noun = if takes == 1 { "argument" } else { "arguments" };
        self.report(
            Diagnostic::error(
                "E0310",
                format!(
                    "`{}` takes {takes} {noun} but {} were given",
                    b.name,
                    call.args.len()
                ),
            )
            .at(arg.value.span, "one argument too many")
            .with_help(format!("`{}`", b.signature())),
        );
    }
}
