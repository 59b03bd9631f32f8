//! `allow shell for api, worker`: the project's policy of which services' hooks and
//! playbooks may run shell commands; `allow destructive for api`: which services' healing
//! rules may run destructive actions (docs/heal.md). Only the project's own files can grant it: the stdlib
//! and learned rules never run shell, so a policy there is refused rather than ignored.

use super::{Cx, FileKind};
use portoser_diag::{Diagnostic, Diagnostics, SourceMap, did_you_mean};
use portoser_syntax::ast::{self, ItemKind};

pub(crate) fn collect(
    cx: &mut Cx<'_>,
    files: &[ast::File],
    map: &SourceMap,
    diags: &mut Diagnostics,
) {
    for file in files {
        let kind = FileKind::of(map, file.file);
        for item in &file.items {
            let ItemKind::Allow(allow) = &item.kind else {
                continue;
            };
            let capability = allow.capability.name.as_str();
            if capability != "shell" && capability != "destructive" {
                let suggestion = did_you_mean(capability, ["shell", "destructive"]);
                diags.push(
                    Diagnostic::error(
                        "E0330",
                        format!("unknown policy `allow {}`", allow.capability.name),
                    )
                    .at(allow.capability.span, "not a policy")
                    .with_suggestion(suggestion)
                    .with_note("the policies are `allow shell for SERVICE, ..` and `allow destructive for SERVICE, ..` (healing rules may stop foreign processes, prune images)"),
                );
                continue;
            }
            if kind != FileKind::Project {
                diags.push(
                    Diagnostic::error("E0317", "`allow shell` outside the project's own playbooks")
                        .at(item.span, "the stdlib and learned rules cannot grant shell")
                        .with_help("put the policy in a playbook of the project, outside playbooks/learned/"),
                );
                continue;
            }
            for service in &allow.services {
                if cx.services.contains_key(service.name.as_str()) {
                    // `destructive` is read by the healing loop (docs/heal.md), not the checker.
                    if capability == "shell" {
                        cx.shell.insert(service.name.clone());
                    }
                } else {
                    let suggestion = did_you_mean(&service.name, cx.services.keys().copied());
                    diags.push(
                        Diagnostic::error("E0305", format!("unknown service `{}`", service.name))
                            .at(service.span, "not a service of the registry")
                            .with_suggestion(suggestion),
                    );
                }
            }
        }
    }
}
