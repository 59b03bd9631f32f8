//! Items: `rule`, `hook`, `playbook`, `allow`, `import`, each with optional annotations.
//! An item parser yields the item (when there is one) and the diagnostics that belong to a
//! successfully parsed item (a rule without `on` or `do`): reported only for the parse that
//! was kept, never for a branch that backtracked.

use super::common::{Err, args, ident, kw, label, punct, sp};
use super::expr::expr;
use super::stmt::{block, let_};
use crate::ast::{
    Allow, Annotation, Block, Clause, EngineDef, EngineSection, Hook, HookTiming, Ident, Import,
    Item, ItemKind, Param, Playbook, Rule, TypeExpr,
};
use crate::codes;
use crate::token::Token;
use chumsky::input::ValueInput;
use chumsky::prelude::*;
use portoser_diag::{Diagnostic, FileId};

pub type Parsed = (Option<Item>, Vec<Diagnostic>);

pub fn item<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, Parsed, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    // `@allow(destructive)`: an annotation's name may be a keyword.
    let annotation = punct("@")
        .ignore_then(label(file))
        .then(args(file, expr(file)).or_not())
        .map_with(move |(name, args), e| Annotation {
            name,
            args: args.unwrap_or_default(),
            span: sp(file, e.span()),
        });
    let plain = |k: ItemKindParser<'t, 's, I>| k.map(|kind| (Some(kind), Vec::new()));
    let kind = choice((
        rule(file),
        plain(hook(file).boxed()),
        plain(playbook(file).boxed()),
        plain(allow(file).boxed()),
        plain(import(file).boxed()),
        plain(engine(file).boxed()),
    ))
    .labelled("an item (`rule`, `hook`, `playbook`, `allow`, `import` or `engine`)");
    annotation
        .repeated()
        .collect::<Vec<_>>()
        .then(kind)
        .map_with(move |(annotations, (kind, diags)), e| {
            let item = kind.map(|kind| Item {
                annotations,
                kind,
                span: sp(file, e.span()),
            });
            (item, diags)
        })
}

type ItemKindParser<'t, 's, I> = Boxed<'t, 't, I, ItemKind, Err<'t, 's>>;

fn rule<'t, 's: 't, I>(
    file: FileId,
) -> impl Parser<'t, I, (Option<ItemKind>, Vec<Diagnostic>), Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let on = kw("on").ignore_then(ident(file)).then_ignore(kw("failed"));
    let clause = kw("when")
        .ignore_then(expr(file))
        .map(Clause::When)
        .or(let_(file).map(Clause::Let));
    let body = on
        .or_not()
        .then(clause.repeated().collect::<Vec<_>>())
        .then(kw("do").ignore_then(block(file)).or_not())
        .delimited_by(punct("{"), punct("}"))
        .map_with(move |parts, e| Some((parts, sp(file, e.span()))))
        .recover_with(via_parser(nested_delimiters(
            Token::Punct("{"),
            Token::Punct("}"),
            [
                (Token::Punct("("), Token::Punct(")")),
                (Token::Punct("["), Token::Punct("]")),
            ],
            |_| None,
        )));
    kw("rule")
        .ignore_then(ident(file))
        .then(body)
        .map(move |(name, body)| {
            let Some((((on, clauses), do_), span)) = body else {
                return (None, Vec::new());
            };
            let mut diags = Vec::new();
            let brace =
                portoser_diag::Span::new(file, span.start as usize, span.start as usize + 1);
            if on.is_none() {
                diags.push(
                    Diagnostic::error(
                        codes::INCOMPLETE_RULE,
                        format!("rule `{}` has no `on` clause", name.name),
                    )
                    .at(name.span, "this rule never wakes up")
                    .with_help("start the rule with `on EVENT failed`, e.g. `on deploy failed`"),
                );
            }
            if do_.is_none() {
                diags.push(
                    Diagnostic::error(
                        codes::INCOMPLETE_RULE,
                        format!("rule `{}` has no `do` block", name.name),
                    )
                    .at(name.span, "this rule does nothing")
                    .with_label(brace, "rule body starts here")
                    .with_help("end the rule with `do { ... }`: the actions that fix the failure"),
                );
            }
            let on = on.unwrap_or_else(|| Ident {
                name: String::new(),
                span: name.span,
            });
            let body = do_.unwrap_or(Block {
                stmts: Vec::new(),
                span,
            });
            let rule = Rule {
                name,
                on,
                clauses,
                body,
            };
            (Some(ItemKind::Rule(rule)), diags)
        })
}

fn hook<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, ItemKind, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let timing = kw("before")
        .to(HookTiming::Before)
        .or(kw("after").to(HookTiming::After))
        .map_with(move |t, e| (t, sp(file, e.span())));
    kw("hook")
        .ignore_then(timing)
        .then(ident(file))
        .then_ignore(kw("of"))
        .then(ident(file))
        .then(block(file))
        .map(|((((timing, timing_span), event), service), body)| {
            ItemKind::Hook(Hook {
                timing,
                timing_span,
                event,
                service,
                body,
            })
        })
}

fn type_expr<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, TypeExpr, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    recursive(move |ty| {
        ident(file)
            .then(
                ty.separated_by(punct(","))
                    .at_least(1)
                    .collect::<Vec<_>>()
                    .delimited_by(punct("<"), punct(">"))
                    .or_not(),
            )
            .map_with(move |(name, args), e| TypeExpr {
                name,
                args: args.unwrap_or_default(),
                span: sp(file, e.span()),
            })
            .labelled("a type")
    })
}

fn playbook<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, ItemKind, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let param = ident(file)
        .then_ignore(punct(":"))
        .then(type_expr(file))
        .map(|(name, ty)| Param { name, ty });
    let params = param
        .separated_by(punct(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(punct("("), punct(")"));
    kw("playbook")
        .ignore_then(ident(file))
        .then(params)
        .then(block(file))
        .map(|((name, params), body)| ItemKind::Playbook(Playbook { name, params, body }))
}

fn allow<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, ItemKind, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    kw("allow")
        .ignore_then(ident(file))
        .then_ignore(kw("for"))
        .then(
            ident(file)
                .separated_by(punct(","))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map(|(capability, services)| {
            ItemKind::Allow(Allow {
                capability,
                services,
            })
        })
}

fn import<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, ItemKind, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let path = select! { Token::Str(s) => s }
        .labelled("a quoted path")
        .map_with(move |path, e| (path, sp(file, e.span())));
    kw("import")
        .ignore_then(path)
        .map(|(path, path_span)| ItemKind::Import(Import { path, path_span }))
}

/// `engine NAME { SECTION { .. } ... }`: section names are plain names, checked later.
fn engine<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, ItemKind, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let section = ident(file)
        .then(block(file))
        .map(|(name, body)| EngineSection { name, body });
    let sections = section
        .repeated()
        .collect::<Vec<_>>()
        .delimited_by(punct("{"), punct("}"))
        .map_with(move |sections, e| (sections, sp(file, e.span())));
    kw("engine")
        .ignore_then(ident(file))
        .then(sections)
        .map(|(name, (sections, body_span))| {
            ItemKind::Engine(EngineDef {
                name,
                sections,
                body_span,
            })
        })
}
