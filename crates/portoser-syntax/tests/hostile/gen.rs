//! Generated hostile playbooks, shared by the syntax tests (`tests/hostile.rs`) and the
//! checker's pipeline tests (included there with `#[path]`). Big inputs are generated rather
//! than committed: a megabyte of `a` says nothing a reader needs to see.
#![allow(dead_code)]

pub const MIB: usize = 1 << 20;

/// A hook of `api` whose body is `body`.
pub fn hook(body: &str) -> String {
    format!("hook after deploy of api {{\n  {body}\n}}\n")
}

/// Shapes that nest: `make(n)` is valid playbook source nested `n` levels (as the shape
/// counts them). The tests find the deepest `n` accepted and check that every later stage
/// copes with it, and that one level more is the located error E0210.
pub struct Shape {
    pub name: &'static str,
    pub make: fn(usize) -> String,
}

pub const SHAPES: &[Shape] = &[
    Shape {
        name: "parentheses",
        make: |n| hook(&format!("log({}\"x\"{})", "(".repeat(n), ")".repeat(n))),
    },
    Shape {
        name: "lists",
        make: |n| hook(&format!("log({}\"x\"{})", "[".repeat(n), "]".repeat(n))),
    },
    Shape {
        name: "calls",
        make: |n| hook(&format!("log({}\"x\"{})", "log(".repeat(n), ")".repeat(n))),
    },
    Shape {
        name: "if blocks",
        make: |n| {
            hook(&format!(
                "{}retry{}",
                "if true { ".repeat(n),
                " }".repeat(n)
            ))
        },
    },
    Shape {
        name: "else if chain",
        make: |n| {
            let chain = " else if true { retry }".repeat(n);
            hook(&format!("if true {{ retry }}{chain}"))
        },
    },
    Shape {
        name: "additions",
        make: |n| hook(&format!("log(\"x\"{})", " + \"x\"".repeat(n))),
    },
    Shape {
        name: "negations",
        make: |n| hook(&format!("log({}1)", "-".repeat(n))),
    },
    Shape {
        name: "nots",
        make: |n| hook(&format!("if {}true {{ retry }}", "not ".repeat(n))),
    },
    Shape {
        name: "or chain",
        make: |n| hook(&format!("if true{} {{ retry }}", " or true".repeat(n))),
    },
    Shape {
        name: "field chain",
        make: |n| hook(&format!("log(api{})", ".timeout".repeat(n))),
    },
    Shape {
        name: "type arguments",
        make: |n| {
            format!(
                "playbook p(x: {}Host{}) {{\n  retry\n}}\n",
                "List<".repeat(n),
                ">".repeat(n)
            )
        },
    },
];

/// Huge or deeply nested inputs that must each be an error. (name, text)
pub fn huge_errors() -> Vec<(&'static str, String)> {
    const DEEP: usize = 100_000;
    vec![
        ("one 1 MiB identifier", "a".repeat(MIB)),
        (
            "a 1 MiB string at top level",
            format!("\"{}\"", "x".repeat(MIB)),
        ),
        (
            "a 1 MiB unterminated string",
            format!("\"{}", "x".repeat(MIB)),
        ),
        ("1 MiB of @", "@".repeat(MIB)),
        ("1 MiB of NUL bytes", "\0".repeat(MIB)),
        (
            "1 MiB of control characters",
            "\x01\x02\x7f\x1b".repeat(MIB / 4),
        ),
        ("rule 50,000 times", "rule ".repeat(50_000)),
        ("100,000 unmatched )", ")".repeat(DEEP)),
        ("100,000 (", hook(&format!("log({}", "(".repeat(DEEP)))),
        ("100,000 balanced ( )", (SHAPES[0].make)(DEEP)),
        ("100,000 balanced [ ]", (SHAPES[1].make)(DEEP)),
        ("100,000 {", "{".repeat(DEEP)),
        ("100,000 ([{", "([{".repeat(DEEP)),
        ("10,000 nested if", (SHAPES[3].make)(10_000)),
        ("10,000 unclosed if", hook(&"if true { ".repeat(10_000))),
        ("10,000 else if", (SHAPES[4].make)(10_000)),
        ("100,000 +", (SHAPES[5].make)(DEEP)),
        ("100,000 -", (SHAPES[6].make)(DEEP)),
        ("100,000 not", (SHAPES[7].make)(DEEP)),
        ("100,000 or", (SHAPES[8].make)(DEEP)),
        ("100,000 field accesses", (SHAPES[9].make)(DEEP)),
        ("100,000 type arguments", (SHAPES[10].make)(DEEP)),
        (
            "100,000 ==",
            hook(&format!("log(1{})", " == 1".repeat(DEEP))),
        ),
        ("100,000 let without =", hook(&"let x ".repeat(DEEP))),
        (
            "100,000 giant integers",
            "99999999999999999999 ".repeat(DEEP),
        ),
        // Found by the fuzzer: backtracking over unclosed delimiters was exponential (2x a
        // level) before the parser got a repaired, balanced stream.
        ("60 unclosed (", hook(&format!("log({}", "(".repeat(60)))),
        ("60 unclosed [ ( {", format!("log({}", "[({".repeat(20))),
        // Under the token limit, so that the nesting limits are what refuses them.
        ("40,000 balanced ( )", (SHAPES[0].make)(40_000)),
        ("40,000 {", "{".repeat(40_000)),
        ("40,000 +", (SHAPES[5].make)(40_000)),
        ("40,000 not", (SHAPES[7].make)(40_000)),
        ("40,000 field accesses", (SHAPES[9].make)(40_000)),
        ("5,000 else if", (SHAPES[4].make)(5_000)),
        ("30,000 type arguments", (SHAPES[10].make)(30_000)),
    ]
}

/// Huge inputs that are fine. (name, text)
pub fn huge_clean() -> Vec<(&'static str, String)> {
    vec![
        (
            "a 1 MiB string",
            hook(&format!("log(\"{}\")", "x".repeat(MIB))),
        ),
        ("a 1 MiB comment", format!("# {}\n", "c".repeat(MIB))),
        ("1 MiB of blank lines", "\n".repeat(MIB)),
        (
            "10,000 statements",
            hook(&"log(\"a\" + \"b\")\n  ".repeat(10_000)),
        ),
        (
            "5,000 items",
            "playbook p(h: Host) {\n  retry\n}\n".repeat(5_000),
        ),
    ]
}
