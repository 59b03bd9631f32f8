//! Property test: for generated messy source (random spacing, line breaks, `;`, comments),
//! formatting is idempotent, keeps the tree and keeps every comment.

use portoser_diag::{Diagnostics, FileId};
use portoser_syntax::{format, parse_text};
use proptest::prelude::*;

fn ws() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        " ",
        "  ",
        "\n",
        "\n\n  ",
        " # note\n",
        "\n# own line\n",
        "\t",
    ])
    .prop_map(String::from)
}

fn sep() -> impl Strategy<Value = String> {
    prop_oneof![ws(), Just(";".to_string()), Just(" ; ".to_string())]
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "host", "service", "s1", "port_in_use", "_x"])
        .prop_map(String::from)
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..5000).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "true",
            "false",
            "10s",
            "500ms",
            "2m",
            "1h",
            "1d",
            "512MiB",
            "10GB",
            "1KiB",
            "90%",
            "0%",
            "\"a b\"",
            "\"q\\\"x\"",
            "\"t\\tn\\n\\\\\"",
        ])
        .prop_map(String::from),
    ]
}

/// Anything with a space might be an operator expression: parenthesise it as an operand
/// (comparisons do not chain, so the generator must not produce `a == b == c`).
fn is_compound(e: &str) -> bool {
    e.contains(' ')
}

fn paren(e: String) -> String {
    if is_compound(&e) { format!("({e})") } else { e }
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![name(), literal()];
    leaf.prop_recursive(3, 24, 3, |inner| {
        let op = prop::sample::select(vec![
            "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-",
        ]);
        prop_oneof![
            (inner.clone(), op, inner.clone(), ws()).prop_map(|(a, op, b, w)| format!(
                "{}{w}{op} {}",
                paren(a),
                paren(b)
            )),
            inner.clone().prop_map(|a| format!("not {}", paren(a))),
            inner.clone().prop_map(|a| format!("-{}", paren(a))),
            inner.clone().prop_map(|a| format!("({a})")),
            (name(), name()).prop_map(|(a, f)| format!("{a}.{f}")),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|xs| format!("[{}]", xs.join(", "))),
            (
                name(),
                prop::collection::vec((prop::option::of(name()), inner), 0..3)
            )
                .prop_map(|(f, args)| {
                    let args: Vec<String> = args
                        .into_iter()
                        .map(|(n, v)| n.map_or(v.clone(), |n| format!("{n}:{v}")))
                        .collect();
                    format!("{f}( {} )", args.join(" ,"))
                }),
        ]
    })
}

fn stmts() -> impl Strategy<Value = String> {
    let simple = prop_oneof![
        name(),
        (name(), expr()).prop_map(|(f, e)| format!("{f}({e}, grace: 10s)")),
        (name(), expr()).prop_map(|(n, e)| format!("let {n} ={e}")),
        (expr(), expr(), prop::option::of(expr())).prop_map(|(t, c, to)| format!(
            "run on {t}: {c}{}",
            to.map_or(String::new(), |t| format!(" timeout {t}"))
        )),
    ];
    let list = |s: BoxedStrategy<String>| {
        prop::collection::vec((s, sep()), 0..4).prop_map(|v| {
            v.into_iter()
                .map(|(s, w)| format!("{s}{w}"))
                .collect::<String>()
        })
    };
    let leaf = list(simple.boxed());
    leaf.prop_recursive(2, 12, 2, move |inner| {
        let block = inner.prop_map(|b| format!("{{ {b} }}"));
        prop_oneof![
            (name(), expr(), prop::option::of(expr()), block.clone()).prop_map(|(v, it, w, b)| {
                format!(
                    "for {v} in {it}{} {b}\n",
                    w.map_or(String::new(), |w| format!(" where {w}"))
                )
            }),
            (expr(), block.clone(), prop::option::of(block)).prop_map(|(c, t, e)| {
                format!(
                    "if {c} {t}{}\n",
                    e.map_or(String::new(), |e| format!(" else {e}"))
                )
            }),
        ]
    })
}

fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        (name(), prop::collection::vec(expr(), 0..3), stmts(), ws()).prop_map(|(n, whens, body, w)| {
            let whens: String = whens.iter().map(|e| format!("when {e}{w}")).collect();
            format!("@learned(from: x, seen: 3)\nrule {n} {{ on deploy failed{w}{whens}let q = 1 do {{{body}}} }}")
        }),
        (name(), stmts()).prop_map(|(s, b)| format!("hook before stop of {s} {{{b}}}")),
        (name(), stmts()).prop_map(|(n, b)| format!("playbook {n}(h: Host, l: List<Service>) {{{b}}}")),
        Just("allow shell for api , worker".to_string()),
        Just("import \"common/tls.pbk\"".to_string()),
        (name(), prop::collection::vec((name(), stmts(), ws()), 0..4)).prop_map(|(n, sections)| {
            let sections: String = sections
                .into_iter()
                .map(|(s, b, w)| format!("{s}{w}{{{b}}}{w}"))
                .collect();
            format!("engine {n} {{{sections}}}")
        }),
    ]
}

fn source() -> impl Strategy<Value = String> {
    prop::collection::vec((item(), ws()), 1..4)
        .prop_map(|v| v.into_iter().map(|(i, w)| format!("{i}\n{w}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn format_is_idempotent_and_keeps_the_tree(src in source()) {
        let mut d = Diagnostics::new();
        let before = parse_text(&src, FileId(0), &mut d);
        prop_assert!(d.is_empty(), "generated source does not parse: {:?}\n{}", d.into_sorted(), src);
        let once = format(&src, FileId(0)).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let twice = format(&once, FileId(0)).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(&twice, &once);
        let after = parse_text(&once, FileId(0), &mut d);
        prop_assert!(before.same_shape(&after), "tree changed:\n{}\n---\n{}", src, once);
        prop_assert_eq!(src.matches('#').count(), once.matches('#').count());
    }
}
