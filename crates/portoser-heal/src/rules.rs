//! The rules the loop can use, taken from parsed (and checked) `.pbk` files, with where each
//! comes from, its annotations and — for a learned rule — its success record.

use portoser_syntax::ast::{self, Annotation, ExprKind, ItemKind, Literal};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// `playbooks/learned/*.pbk`: written by the loop, tried first.
    Learned,
    /// The embedded `stdlib/heal/*.pbk`.
    Stdlib,
    /// The project's own `playbooks/`.
    Project,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Learned => "learned",
            Origin::Stdlib => "stdlib",
            Origin::Project => "project",
        }
    }

    /// From a file's name in the source map (`stdlib/heal/x.pbk`, `playbooks/learned/y.pbk`).
    pub fn of_file(name: &str) -> Origin {
        let name = name.replace('\\', "/");
        if name.starts_with("stdlib/") {
            Origin::Stdlib
        } else if name.contains("playbooks/learned/") {
            Origin::Learned
        } else {
            Origin::Project
        }
    }
}

/// `@learned(from:, seen:, fixed:, failed:, first:, last:)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    pub from: String,
    pub seen: u64,
    pub fixed: u64,
    pub failed: u64,
    pub first: String,
    pub last: String,
}

impl Record {
    /// Rank of a learned rule: its successes minus its failures (ties: more seen first).
    pub fn score(&self) -> i64 {
        self.fixed as i64 - self.failed as i64
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    pub origin: Origin,
    /// The file's name in the source map.
    pub file: String,
    pub on: String,
    pub clauses: Vec<ast::Clause>,
    pub body: ast::Block,
    /// `@allow(destructive)`.
    pub destructive: bool,
    /// `@disabled("why")`.
    pub disabled: Option<String>,
    pub learned: Option<Record>,
    /// The source after `on EVENT failed` through the rule's closing brace: the clauses and
    /// body as written (comments included), which a learned rule copies.
    pub tail: String,
}

/// Every rule of `files` (each with its name in the source map), in the loop's order:
/// learned rules ranked by their record, then the stdlib's, then the project's. Disabled
/// rules are kept (the commands show them) but never matched.
pub fn collect<'f>(
    files: impl IntoIterator<Item = (&'f str, &'f str, &'f ast::File)>,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    for (name, source, file) in files {
        let origin = Origin::of_file(name);
        for item in &file.items {
            let ItemKind::Rule(r) = &item.kind else {
                continue;
            };
            rules.push(Rule {
                name: r.name.name.clone(),
                origin,
                file: name.to_string(),
                on: r.on.name.clone(),
                clauses: r.clauses.clone(),
                body: r.body.clone(),
                destructive: item
                    .annotation("allow")
                    .is_some_and(|a| a.args.iter().any(|x| is_name(&x.value, "destructive"))),
                disabled: item.annotation("disabled").map(first_str),
                learned: item.annotation("learned").map(record),
                tail: tail(source, r.on.span.end as usize, item.span.end as usize),
            });
        }
    }
    rules.sort_by_key(|r| {
        let score = r.learned.as_ref().map_or(0, |l| -l.score());
        (r.origin, score)
    });
    rules
}

fn is_name(e: &ast::Expr, name: &str) -> bool {
    matches!(&e.kind, ExprKind::Name(n) if n == name)
}

fn first_str(a: &Annotation) -> String {
    a.args
        .first()
        .and_then(|x| match &x.value.kind {
            ExprKind::Literal(Literal::Str(s)) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn record(a: &Annotation) -> Record {
    let mut r = Record::default();
    for arg in &a.args {
        let Some(name) = &arg.name else { continue };
        let int = match &arg.value.kind {
            ExprKind::Literal(Literal::Int(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let text = match &arg.value.kind {
            ExprKind::Literal(Literal::Str(s)) => s.clone(),
            ExprKind::Name(n) => n.clone(),
            _ => String::new(),
        };
        match name.name.as_str() {
            "from" => r.from = text,
            "seen" => r.seen = int,
            "fixed" => r.fixed = int,
            "failed" => r.failed = int,
            "first" => r.first = text,
            "last" => r.last = text,
            _ => {}
        }
    }
    r
}

fn tail(source: &str, from: usize, to: usize) -> String {
    let text = source.get(from..to).unwrap_or("");
    text.trim_start().trim_start_matches("failed").to_string()
}
