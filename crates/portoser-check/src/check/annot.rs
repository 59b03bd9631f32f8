//! Annotations: `@allow(destructive)`, `@disabled("why")`, `@priority(3)` and the counters
//! portoser writes on a learned rule, which must stay consistent (a hand edit can break them).

use super::Cx;
use crate::builtins::{self, ANNOTATIONS};
use portoser_diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use portoser_syntax::ast::{Annotation, Arg, ExprKind, Item, Literal};

#[derive(Default)]
pub(crate) struct Flags {
    pub allow_destructive: bool,
    pub learned: bool,
    pub disabled: bool,
}

pub(crate) fn check(cx: &Cx<'_>, item: &Item, place: u8, diags: &mut Diagnostics) -> Flags {
    let mut flags = Flags::default();
    let item_kind = crate::builtins::places(place)
        .first()
        .copied()
        .unwrap_or("item");
    for a in &item.annotations {
        let name = a.name.name.as_str();
        let Some(def) = builtins::annotation(name) else {
            let suggestion = did_you_mean(name, ANNOTATIONS.iter().map(|d| d.name));
            let known: Vec<String> = ANNOTATIONS.iter().map(|d| format!("@{}", d.name)).collect();
            diags.push(
                Diagnostic::error("E0327", format!("unknown annotation `@{name}`"))
                    .at(a.name.span, "not an annotation")
                    .with_suggestion(suggestion)
                    .with_note(format!("annotations: {}", known.join(", "))),
            );
            continue;
        };
        if def.places & place == 0 {
            diags.push(
                Diagnostic::error("E0327", format!("`@{name}` cannot stand on a {item_kind}")).at(
                    a.span,
                    format!("only on: {}", builtins::places(def.places).join(", ")),
                ),
            );
            continue;
        }
        let ok = match name {
            "allow" => single(a, |k| matches!(k, ExprKind::Name(n) if n == "destructive")),
            "disabled" => single(a, |k| matches!(k, ExprKind::Literal(Literal::Str(_)))),
            "priority" => single(a, |k| matches!(k, ExprKind::Literal(Literal::Int(_)))),
            _ => {
                learned(cx, a, diags);
                true
            }
        };
        if !ok {
            diags.push(
                Diagnostic::error("E0327", format!("bad arguments for `@{name}`"))
                    .at(a.span, "not the expected form")
                    .with_help(format!("write `{}`", def.usage)),
            );
        }
        flags.allow_destructive |= name == "allow" && ok;
        flags.learned |= name == "learned";
        flags.disabled |= name == "disabled";
    }
    flags
}

/// Exactly one positional argument of the expected shape.
fn single(a: &Annotation, shape: impl Fn(&ExprKind) -> bool) -> bool {
    matches!(a.args.as_slice(), [Arg { name: None, value }] if shape(&value.kind))
}

const LEARNED_ARGS: [&str; 6] = ["from", "seen", "fixed", "failed", "first", "last"];

/// `@learned(from: RULE, seen: N, fixed: N, failed: N, first: "RFC 3339", last: "RFC 3339")`.
fn learned(cx: &Cx<'_>, a: &Annotation, diags: &mut Diagnostics) {
    let mut bad = |span: Span, label: &str, message: String| {
        diags.push(Diagnostic::error("E0327", message).at(span, label.to_string()));
    };
    for arg in &a.args {
        match &arg.name {
            Some(n) if LEARNED_ARGS.contains(&n.name.as_str()) => {}
            Some(n) => bad(
                n.span,
                "unknown argument",
                format!("`@learned` has no argument `{}`", n.name),
            ),
            None => bad(
                arg.value.span,
                "needs a name",
                "`@learned` takes named arguments only".to_string(),
            ),
        }
    }
    let get = |name: &str| {
        a.args
            .iter()
            .find(|arg| arg.name.as_ref().is_some_and(|n| n.name == name))
    };
    let missing: Vec<&str> = LEARNED_ARGS
        .iter()
        .copied()
        .filter(|n| get(n).is_none())
        .collect();
    if !missing.is_empty() {
        bad(
            a.span,
            "incomplete",
            format!("`@learned` is missing {}", missing.join(", ")),
        );
        return;
    }
    let int = |name: &str| {
        get(name).and_then(|arg| match arg.value.kind {
            ExprKind::Literal(Literal::Int(n)) if n >= 0 => Some(n),
            _ => None,
        })
    };
    let text = |name: &str| {
        get(name).and_then(|arg| match &arg.value.kind {
            ExprKind::Literal(Literal::Str(s)) => Some((s.clone(), arg.value.span)),
            _ => None,
        })
    };
    let span_of = |name: &str| get(name).map_or(a.span, |arg| arg.value.span);
    let mut inconsistent = |span: Span, label: &str, message: String| {
        diags.push(
            Diagnostic::error("E0322", message)
                .at(span, label.to_string())
                .with_note("portoser keeps these counters; fix or delete the rule, it is re-learned on the next fix"),
        );
    };
    // from: an existing rule.
    match get("from").map(|arg| &arg.value.kind) {
        Some(ExprKind::Name(n)) if cx.rules.contains_key(n) => {}
        Some(ExprKind::Name(n)) => {
            let suggestion = did_you_mean(n, cx.rules.keys().map(String::as_str))
                .map(|s| format!(" (did you mean `{s}`?)"));
            inconsistent(
                span_of("from"),
                "no such rule",
                format!(
                    "learned from `{n}`, which is not a rule{}",
                    suggestion.unwrap_or_default()
                ),
            );
        }
        _ => inconsistent(
            span_of("from"),
            "not a rule name",
            "`from:` must name the rule this was learned from".into(),
        ),
    }
    // Counters: non-negative and fixed + failed == seen.
    let counters: Vec<Option<i64>> = ["seen", "fixed", "failed"].iter().map(|n| int(n)).collect();
    for (name, value) in ["seen", "fixed", "failed"].iter().zip(&counters) {
        if value.is_none() {
            inconsistent(
                span_of(name),
                "not a count",
                format!("`{name}:` must be a whole number, 0 or more"),
            );
        }
    }
    if let [Some(seen), Some(fixed), Some(failed)] = counters.as_slice()
        && fixed.checked_add(*failed) != Some(*seen)
    {
        inconsistent(
            a.span,
            "inconsistent counters",
            format!("fixed ({fixed}) + failed ({failed}) must equal seen ({seen})"),
        );
    }
    // Timestamps: RFC 3339 and first <= last.
    let mut times = Vec::new();
    for name in ["first", "last"] {
        match text(name).map(|(s, span)| (rfc3339_seconds(&s), span)) {
            Some((Some(t), _)) => times.push(t),
            _ => inconsistent(
                span_of(name),
                "not an RFC 3339 time",
                format!("`{name}:` must be an RFC 3339 time such as \"2026-11-20T10:01:00Z\""),
            ),
        }
    }
    if let [first, last] = times.as_slice()
        && first > last
    {
        inconsistent(
            span_of("first"),
            "after `last`",
            "`first:` is later than `last:`".to_string(),
        );
    }
}

/// Seconds since 1970 of an RFC 3339 time (`2026-11-20T10:01:00Z`, `..+01:00`, fractions).
pub(crate) fn rfc3339_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let days_in_month = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if d < 1 || d > days_in_month || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = frac.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            let (oh, om) = (
                rest.get(1..3)?.parse::<i64>().ok()?,
                rest.get(4..6)?.parse::<i64>().ok()?,
            );
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::rfc3339_seconds;

    #[test]
    fn parses_rfc3339() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_seconds("1970-01-02T00:00:00+01:00"),
            Some(86_400 - 3600)
        );
        assert_eq!(
            rfc3339_seconds("2026-11-20T10:01:00.25Z"),
            rfc3339_seconds("2026-11-20T10:01:00Z")
        );
        assert!(rfc3339_seconds("2026-02-29T00:00:00Z").is_none());
        assert!(rfc3339_seconds("2024-02-29T00:00:00Z").is_some());
        assert!(rfc3339_seconds("yesterday").is_none());
        assert!(rfc3339_seconds("2026-11-20 10:01").is_none());
        assert!(rfc3339_seconds("2026-11-20T10:01:00").is_none());
    }
}
