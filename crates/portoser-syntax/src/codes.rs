//! The E02xx codes: playbook syntax. Stable: a code keeps its meaning once published.

use portoser_diag::CodeInfo;

pub const UNTERMINATED_STRING: &str = "E0201";
pub const INVALID_CHAR: &str = "E0202";
pub const INT_RANGE: &str = "E0203";
pub const BAD_LITERAL: &str = "E0204";
pub const UNEXPECTED: &str = "E0205";
pub const UNCLOSED: &str = "E0206";
pub const NOT_AN_ITEM: &str = "E0207";
pub const INCOMPLETE_RULE: &str = "E0208";
pub const BAD_ESCAPE: &str = "E0209";
pub const TOO_DEEP: &str = "E0210";

pub const CODES: &[CodeInfo] = &[
    CodeInfo::error(UNTERMINATED_STRING, "unterminated string literal"),
    CodeInfo::error(INVALID_CHAR, "invalid character in a playbook"),
    CodeInfo::error(INT_RANGE, "integer literal out of range"),
    CodeInfo::error(BAD_LITERAL, "bad duration, size or percentage literal"),
    CodeInfo::error(UNEXPECTED, "unexpected token"),
    CodeInfo::error(UNCLOSED, "unclosed or unmatched delimiter"),
    CodeInfo::error(
        NOT_AN_ITEM,
        "not an item at the top level of a playbook file",
    ),
    CodeInfo::error(INCOMPLETE_RULE, "rule without `on` or `do`"),
    CodeInfo::error(BAD_ESCAPE, "unknown escape sequence in a string"),
    CodeInfo::error(TOO_DEEP, "playbook nested too deeply or too long"),
];
