use std::fmt;
use std::path::{Path, PathBuf};

/// Why the state database cannot be used. `code()` gives the diagnostic code (E0402/E0403,
/// documented in docs/errors/ and listed in `portoser_plan::CODES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// Not a SQLite database, damaged, or unreadable.
    Corrupt { path: PathBuf, detail: String },
    /// Written by a newer portoser (schema version above what this one knows).
    Newer {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// A query or write failed on an otherwise valid database.
    Db(String),
}

impl StateError {
    pub(crate) fn corrupt(path: &Path, e: impl fmt::Display) -> Self {
        StateError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            StateError::Newer { .. } => "E0403",
            StateError::Corrupt { .. } | StateError::Db(_) => "E0402",
        }
    }
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Corrupt { path, detail } => {
                write!(
                    f,
                    "the state database {} is corrupt or unreadable: {detail}",
                    path.display()
                )
            }
            StateError::Newer {
                path,
                found,
                supported,
            } => write!(
                f,
                "the state database {} has schema version {found}, newer than this portoser \
                 supports ({supported}); upgrade portoser",
                path.display()
            ),
            StateError::Db(detail) => write!(f, "the state database failed: {detail}"),
        }
    }
}

impl std::error::Error for StateError {}
