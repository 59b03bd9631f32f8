//! The types of the playbook language and the few conversions between them.
//!
//! Conversions are deliberately few: an `Int` is accepted where a `Port` is expected (and
//! back), a `Str` where a `Path` is expected, and a present `T` where an `Option<T>` is
//! expected. Nothing converts *to* `Str` implicitly, which is what keeps a `Secret` from
//! leaking into a message or a shell command.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Bool,
    Int,
    Str,
    Duration,
    Size,
    Percent,
    Port,
    Path,
    Host,
    Service,
    Process,
    Secret,
    Failure,
    FailureKind,
    Engine,
    Event,
    List(Box<Ty>),
    Option(Box<Ty>),
    /// What an action "returns": nothing usable as a value.
    Unit,
    /// The type of an expression that already produced an error: compatible with
    /// everything, so one mistake is reported once.
    Unknown,
}

/// Every type name a user can write, for did-you-mean and the docs.
pub const TYPE_NAMES: &[&str] = &[
    "Bool",
    "Int",
    "Str",
    "Duration",
    "Size",
    "Percent",
    "Port",
    "Path",
    "Host",
    "Service",
    "Process",
    "Secret",
    "Failure",
    "FailureKind",
    "Engine",
    "Event",
    "List",
    "Option",
];

impl Ty {
    /// A type without arguments, by name (`List` and `Option` need an argument).
    pub fn simple(name: &str) -> Option<Ty> {
        Some(match name {
            "Bool" => Ty::Bool,
            "Int" => Ty::Int,
            "Str" => Ty::Str,
            "Duration" => Ty::Duration,
            "Size" => Ty::Size,
            "Percent" => Ty::Percent,
            "Port" => Ty::Port,
            "Path" => Ty::Path,
            "Host" => Ty::Host,
            "Service" => Ty::Service,
            "Process" => Ty::Process,
            "Secret" => Ty::Secret,
            "Failure" => Ty::Failure,
            "FailureKind" => Ty::FailureKind,
            "Engine" => Ty::Engine,
            "Event" => Ty::Event,
            _ => return None,
        })
    }

    /// Parses the spelling used in the built-in table (`Option<Process>`, `List<Str>`, `()`).
    pub fn parse(text: &str) -> Option<Ty> {
        let text = text.trim();
        if text == "()" {
            return Some(Ty::Unit);
        }
        if let Some((outer, rest)) = text.split_once('<') {
            let inner = Ty::parse(rest.strip_suffix('>')?)?;
            return match outer.trim() {
                "List" => Some(Ty::List(Box::new(inner))),
                "Option" => Some(Ty::Option(Box::new(inner))),
                _ => None,
            };
        }
        Ty::simple(text)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Ty::Unknown)
    }

    /// The enum name when this type is one of the built-in enums.
    pub fn enum_name(&self) -> Option<&'static str> {
        match self {
            Ty::FailureKind => Some("FailureKind"),
            Ty::Engine => Some("Engine"),
            Ty::Event => Some("Event"),
            Ty::Option(inner) => inner.enum_name(),
            _ => None,
        }
    }

    /// The record name when values of this type have fields.
    pub fn record_name(&self) -> Option<&'static str> {
        match self {
            Ty::Failure => Some("Failure"),
            Ty::Process => Some("Process"),
            Ty::Host => Some("Host"),
            Ty::Service => Some("Service"),
            _ => None,
        }
    }

    pub fn contains_secret(&self) -> bool {
        match self {
            Ty::Secret => true,
            Ty::List(t) | Ty::Option(t) => t.contains_secret(),
            _ => false,
        }
    }

    /// Types `<`, `<=`, `>`, `>=` work on.
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            Ty::Int | Ty::Port | Ty::Duration | Ty::Size | Ty::Percent | Ty::Str | Ty::Unknown
        )
    }
}

/// May a value of type `found` be used where `expected` is wanted?
pub fn assignable(expected: &Ty, found: &Ty) -> bool {
    match (expected, found) {
        (Ty::Unknown, _) | (_, Ty::Unknown) => true,
        (Ty::Port, Ty::Int) | (Ty::Int, Ty::Port) | (Ty::Path, Ty::Str) => true,
        (Ty::List(e), Ty::List(f)) => assignable(e, f),
        (Ty::Option(e), Ty::Option(f)) => assignable(e, f),
        (Ty::Option(e), f) => assignable(e, f),
        (e, f) => e == f,
    }
}

/// May two values be compared with `==`/`!=`? An optional value compares with a present
/// one (an absent value equals nothing).
pub fn comparable(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Option(x), Ty::Option(y)) => comparable(x, y),
        (Ty::Option(x), y) | (y, Ty::Option(x)) => comparable(x, y),
        (Ty::Str, Ty::Path) | (Ty::Path, Ty::Str) => true,
        _ => assignable(a, b),
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Ty::List(t) => return write!(f, "List<{t}>"),
            Ty::Option(t) => return write!(f, "Option<{t}>"),
            Ty::Unit => "nothing",
            Ty::Unknown => "?",
            Ty::Bool => "Bool",
            Ty::Int => "Int",
            Ty::Str => "Str",
            Ty::Duration => "Duration",
            Ty::Size => "Size",
            Ty::Percent => "Percent",
            Ty::Port => "Port",
            Ty::Path => "Path",
            Ty::Host => "Host",
            Ty::Service => "Service",
            Ty::Process => "Process",
            Ty::Secret => "Secret",
            Ty::Failure => "Failure",
            Ty::FailureKind => "FailureKind",
            Ty::Engine => "Engine",
            Ty::Event => "Event",
        };
        f.write_str(name)
    }
}

/// `this is an `Int``, `this is a `Str``: the primary label of a type mismatch.
pub fn this_is(ty: &Ty) -> String {
    let text = ty.to_string();
    let article = if text.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("this is {article} `{text}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_table_spellings() {
        for text in [
            "Option<Process>",
            "List<Service>",
            "Int",
            "List<Option<Str>>",
        ] {
            assert_eq!(
                Ty::parse(text).map(|t| t.to_string()).as_deref(),
                Some(text)
            );
        }
        assert_eq!(Ty::parse("()"), Some(Ty::Unit));
        assert_eq!(Ty::parse("Map<Str>"), None);
        assert_eq!(Ty::parse("Strr"), None);
    }

    #[test]
    fn conversions_are_few() {
        assert!(assignable(&Ty::Port, &Ty::Int));
        assert!(assignable(&Ty::Path, &Ty::Str));
        assert!(!assignable(&Ty::Str, &Ty::Path));
        assert!(!assignable(&Ty::Str, &Ty::Secret));
        assert!(assignable(&Ty::Option(Box::new(Ty::Int)), &Ty::Int));
        assert!(!assignable(&Ty::Int, &Ty::Option(Box::new(Ty::Int))));
        assert!(comparable(&Ty::Option(Box::new(Ty::Str)), &Ty::Str));
        assert!(!comparable(&Ty::Percent, &Ty::Int));
    }
}
