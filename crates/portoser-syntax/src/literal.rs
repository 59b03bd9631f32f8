//! Numeric literals with units: integers, durations (`500ms 10s 2m 1h 1d`), sizes
//! (`512MiB 10GB`) and percentages (`90%`).

use crate::codes;
use crate::token::Token;

pub const DURATION_UNITS: &[(&str, u64)] = &[
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

pub const SIZE_UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
];

/// (code, message, label, help, placeholder token so parsing can go on).
pub type LitError<'s> = (&'static str, String, String, Option<String>, Token<'s>);

pub fn number_token<'s>(num: &str, suffix: &str, text: &'s str) -> Result<Token<'s>, LitError<'s>> {
    let too_big = |what: &str, placeholder: Token<'s>| -> LitError<'s> {
        let code = if what == "integer" {
            codes::INT_RANGE
        } else {
            codes::BAD_LITERAL
        };
        (
            code,
            format!("{what} `{text}` is too large"),
            "out of range".to_string(),
            (what == "integer").then(|| format!("the largest integer is {}", i64::MAX)),
            placeholder,
        )
    };
    if suffix.is_empty() {
        return num
            .parse::<i64>()
            .map(Token::Int)
            .map_err(|_| too_big("integer", Token::Int(0)));
    }
    let value = num.parse::<u64>().ok();
    if suffix == "%" {
        return match value.filter(|v| *v <= 100) {
            Some(v) => Ok(Token::Percent(v as u8)),
            None => Err((
                codes::BAD_LITERAL,
                format!("percentage `{text}` is out of range"),
                "not between 0% and 100%".to_string(),
                Some("a percentage is a whole number from 0 to 100".to_string()),
                Token::Percent(0),
            )),
        };
    }
    if let Some((_, unit)) = DURATION_UNITS.iter().find(|(u, _)| *u == suffix) {
        return value
            .and_then(|v| v.checked_mul(*unit))
            .map(|ms| Token::Duration(ms, text))
            .ok_or_else(|| too_big("duration", Token::Duration(0, text)));
    }
    if let Some((_, unit)) = SIZE_UNITS.iter().find(|(u, _)| *u == suffix) {
        return value
            .and_then(|v| v.checked_mul(*unit))
            .map(|b| Token::Size(b, text))
            .ok_or_else(|| too_big("size", Token::Size(0, text)));
    }
    Err(unknown_unit(suffix, text))
}

fn unknown_unit<'s>(suffix: &str, text: &'s str) -> LitError<'s> {
    let units = DURATION_UNITS.iter().chain(SIZE_UNITS).map(|(u, _)| *u);
    let help = match portoser_diag::did_you_mean(suffix, units) {
        Some(u) => format!("did you mean `{}{u}`?", &text[..text.len() - suffix.len()]),
        None => {
            "durations use ms s m h d; sizes use B KB MB GB TB KiB MiB GiB TiB; percentages use %"
                .to_string()
        }
    };
    (
        codes::BAD_LITERAL,
        format!("unknown unit `{suffix}` in `{text}`"),
        "not a duration, size or percentage".to_string(),
        Some(help),
        Token::Int(0),
    )
}
