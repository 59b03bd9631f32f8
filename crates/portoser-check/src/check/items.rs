//! Rules, hooks and playbooks: each is checked on its own with a fresh [`Body`].

use super::body::Body;
use super::{Cx, FileKind, annot, print, reach};
use crate::builtins::{self, IN_HOOK, IN_PLAYBOOK, IN_RULE};
use crate::types::{TYPE_NAMES, Ty};
use crate::{Checked, HookInfo, PlaybookInfo, RuleInfo};
use portoser_diag::{Diagnostic, Diagnostics, did_you_mean};
use portoser_registry::Engine;
use portoser_syntax::ast::{Clause, Hook, Item, ItemKind, Playbook, Rule, TypeExpr};

pub(crate) fn check_item(
    cx: &Cx<'_>,
    kind: FileKind,
    item: &Item,
    diags: &mut Diagnostics,
    out: &mut Checked,
) {
    let place = match &item.kind {
        ItemKind::Rule(_) => IN_RULE,
        ItemKind::Hook(_) => IN_HOOK,
        ItemKind::Playbook(_) => IN_PLAYBOOK,
        ItemKind::Allow(_) | ItemKind::Import(_) => return,
        ItemKind::Engine(e) => {
            out.engines
                .extend(super::engine::check(cx, kind, item, e, diags));
            return;
        }
    };
    let flags = annot::check(cx, item, place, diags);
    match &item.kind {
        ItemKind::Rule(r) => rule(cx, kind, item, r, &flags, diags, out),
        ItemKind::Hook(h) => hook(cx, kind, item, h, diags, out),
        ItemKind::Playbook(p) => playbook(cx, kind, item, p, diags, out),
        ItemKind::Allow(_) | ItemKind::Import(_) | ItemKind::Engine(_) => {}
    }
}

fn rule(
    cx: &Cx<'_>,
    kind: FileKind,
    item: &Item,
    r: &Rule,
    flags: &annot::Flags,
    diags: &mut Diagnostics,
    out: &mut Checked,
) {
    if !builtins::event(&r.on.name).is_some_and(|e| e.rule) {
        let events = builtins::rule_events();
        let suggestion = did_you_mean(&r.on.name, events.iter().copied());
        diags.push(
            Diagnostic::error("E0326", format!("rules cannot wake on `{}`", r.on.name))
                .at(r.on.span, "not a rule event")
                .with_suggestion(suggestion)
                .with_note(format!("rules wake on: {}", events.join(", "))),
        );
    }
    let mut body = Body::new(cx, diags, IN_RULE, kind);
    body.learned = flags.learned;
    body.allow_destructive = flags.allow_destructive;
    body.push_scope();
    let mut lets = Vec::new();
    for clause in &r.clauses {
        match clause {
            Clause::When(e) => body.condition(e, "a `when`"),
            Clause::Let(l) => {
                // A `let` clause binds only a present value: when the fact is absent the
                // rule does not match, so the body never sees an `Option`.
                let ty = match body.expr(&l.value, None) {
                    Ty::Option(inner) => *inner,
                    ty => ty,
                };
                body.bind(&l.name.name, ty, l.name.span, None, true);
                lets.push(l.name.name.as_str());
            }
        }
    }
    body.block(&r.body);
    body.pop_scope();
    if !body.acted {
        body.report(
            Diagnostic::error("E0329", format!("rule `{}` does nothing", r.name.name))
                .at(r.body.span, "no action in this body")
                .with_help(
                    "end it with an action such as `retry`, `fail(\"..\")` or `notify(\"..\")`",
                ),
        );
    }
    let destructive = body.destructive;
    reach::unreachable(r, &lets, diags);
    out.rules.push(RuleInfo {
        name: r.name.name.clone(),
        span: item.span,
        on: r.on.name.clone(),
        learned: flags.learned || kind == FileKind::Learned,
        destructive,
    });
}

fn hook(
    cx: &Cx<'_>,
    kind: FileKind,
    item: &Item,
    h: &Hook,
    diags: &mut Diagnostics,
    out: &mut Checked,
) {
    let service = cx.services.get(h.service.name.as_str());
    match service {
        None => {
            let suggestion = did_you_mean(&h.service.name, cx.services.keys().copied());
            diags.push(
                Diagnostic::error(
                    "E0305",
                    format!("hook on unknown service `{}`", h.service.name),
                )
                .at(h.service.span, "not a service of the registry")
                .with_suggestion(suggestion),
            );
        }
        Some(s) => hook_event(s.deployment_type.map(|e| e.value), &s.name.value, h, diags),
    }
    let mut body = Body::new(cx, diags, IN_HOOK, kind);
    body.hook_service = Some(h.service.name.clone());
    body.block(&h.body);
    let uses_shell = body.shell;
    let mut typed = Vec::new();
    super::eval::Evaluator::new(cx, Some(&h.service.name)).block(&h.body, &mut typed);
    out.hooks.push(HookInfo {
        service: h.service.name.clone(),
        timing: h.timing,
        event: h.event.name.clone(),
        span: item.span,
        steps: h.body.stmts.iter().map(print::step).collect(),
        typed,
        uses_shell,
    });
}

fn hook_event(engine: Option<Engine>, service: &str, h: &Hook, diags: &mut Diagnostics) {
    let event = h.event.name.as_str();
    let allowed: Vec<&str> = match engine {
        // A project engine has the lifecycle steps every engine has.
        Some(Engine::Custom(_)) => builtins::EVENTS
            .iter()
            .filter(|e| e.rule && !e.engines.is_empty())
            .map(|e| e.name)
            .collect(),
        Some(e) => builtins::hook_events(e),
        None => builtins::EVENTS
            .iter()
            .filter(|e| !e.engines.is_empty())
            .map(|e| e.name)
            .collect(),
    };
    if allowed.contains(&event) {
        return;
    }
    let known = builtins::event(event).is_some_and(|e| !e.engines.is_empty());
    let d = match (known, engine) {
        (true, Some(e)) => Diagnostic::error(
            "E0306",
            format!("`{service}` is a {e} service: it has no `{event}` step"),
        )
        .at(h.event.span, format!("not an event of {e} services"))
        .with_note(format!("{e} services have: {}", allowed.join(", "))),
        _ => Diagnostic::error("E0306", format!("unknown hook event `{event}`"))
            .at(h.event.span, "not a lifecycle event")
            .with_suggestion(did_you_mean(event, allowed.iter().copied()))
            .with_note(format!("`{service}` has: {}", allowed.join(", "))),
    };
    diags.push(d);
}

fn playbook(
    cx: &Cx<'_>,
    kind: FileKind,
    item: &Item,
    p: &Playbook,
    diags: &mut Diagnostics,
    out: &mut Checked,
) {
    let mut body = Body::new(cx, diags, IN_PLAYBOOK, kind);
    body.push_scope();
    let mut params = Vec::new();
    for (i, param) in p.params.iter().enumerate() {
        let ty = resolve_type(&param.ty, body.diags);
        if let Some(first) = p
            .params
            .iter()
            .take(i)
            .find(|q| q.name.name == param.name.name)
        {
            body.report(
                Diagnostic::error(
                    "E0319",
                    format!("parameter `{}` is declared twice", param.name.name),
                )
                .at(param.name.span, "declared again here")
                .with_label(first.name.span, "first declared here"),
            );
        }
        params.push((param.name.name.clone(), print::type_expr(&param.ty)));
        body.bind(
            &param.name.name,
            ty,
            param.name.span,
            Some(param.ty.span),
            false,
        );
    }
    body.block(&p.body);
    body.pop_scope();
    out.playbooks.push(PlaybookInfo {
        name: p.name.name.clone(),
        span: item.span,
        params,
    });
}

/// A type as written (`List<Service>`) to a type, reporting unknown names and bad arity.
pub(crate) fn resolve_type(t: &TypeExpr, diags: &mut Diagnostics) -> Ty {
    let name = t.name.name.as_str();
    let args: Vec<Ty> = t.args.iter().map(|a| resolve_type(a, diags)).collect();
    let wants_arg = matches!(name, "List" | "Option");
    match (Ty::simple(name), args.as_slice()) {
        (Some(ty), []) => return ty,
        (None, [arg]) if wants_arg => {
            let arg = Box::new(arg.clone());
            return if name == "List" {
                Ty::List(arg)
            } else {
                Ty::Option(arg)
            };
        }
        _ => {}
    }
    let d = if Ty::simple(name).is_some() || wants_arg {
        let form = if wants_arg {
            format!("`{name}<T>` takes one type")
        } else {
            format!("`{name}` takes no type arguments")
        };
        Diagnostic::error(
            "E0303",
            format!("wrong number of type arguments for `{name}`"),
        )
        .at(t.span, form)
    } else {
        Diagnostic::error("E0303", format!("unknown type `{name}`"))
            .at(t.name.span, "not a type")
            .with_suggestion(did_you_mean(name, TYPE_NAMES.iter().copied()))
    };
    diags.push(d);
    Ty::Unknown
}
