//! The only place in portoser that builds shell text.
//!
//! Everything sent to a host is a [`Script`] of [`Cmd`]s made from typed arguments; each
//! argument passes through [`quote`], so the remote shell sees it as one literal word whatever
//! it contains. The original portoser split arguments on the remote side and ran only the first
//! word of health commands; here a value can neither become two arguments, nor an option, nor
//! a command.

use std::fmt;

/// POSIX single-quoting: the result is one shell word whose value is exactly `text`.
/// Inside single quotes nothing is special except `'` itself, written as `'\''`.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// An environment variable name a shell and `env` accept as a name, never as an option or
/// an assignment with surprises.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value that cannot be sent: NUL cannot be passed in an argument at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    Nul { what: String },
    BadEnvName { name: String },
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Nul { what } => write!(f, "{what} contains a NUL byte"),
            CommandError::BadEnvName { name } => {
                write!(f, "`{name}` is not a valid environment variable name")
            }
        }
    }
}

impl std::error::Error for CommandError {}

/// One program with its arguments, environment and working directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmd {
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<String>,
}

impl Cmd {
    pub fn new(program: impl Into<String>) -> Self {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    pub fn cwd(mut self, dir: impl Into<String>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    pub fn program(&self) -> &str {
        &self.program
    }

    pub fn argv(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.program.as_str()).chain(self.args.iter().map(String::as_str))
    }

    /// The shell text: `cd -- 'dir' && env -- 'K=v' 'program' 'arg' ...`.
    /// `env --` keeps a program or value from being read as an option of `env`.
    pub fn render(&self) -> Result<String, CommandError> {
        self.render_with(false)
    }

    fn render_with(&self, exec: bool) -> Result<String, CommandError> {
        self.validate()?;
        let mut out = String::new();
        if let Some(dir) = &self.cwd {
            out.push_str("cd -- ");
            out.push_str(&quote(dir));
            out.push_str(" && ");
        }
        if exec {
            out.push_str("exec ");
        }
        if !self.env.is_empty() {
            out.push_str("env --");
            for (name, value) in &self.env {
                out.push(' ');
                out.push_str(&quote(&format!("{name}={value}")));
            }
            out.push(' ');
        }
        let words: Vec<String> = self.argv().map(quote).collect();
        out.push_str(&words.join(" "));
        Ok(out)
    }

    /// Like [`Cmd::render`], but the shell replaces itself with the program (`exec`), so the
    /// program keeps the shell's pid (and process group): a signal sent to the session reaches it.
    pub fn render_exec(&self) -> Result<String, CommandError> {
        self.render_with(true)
    }

    fn validate(&self) -> Result<(), CommandError> {
        let nul = |what: &str, text: &str| {
            if text.contains('\0') {
                Err(CommandError::Nul {
                    what: what.to_string(),
                })
            } else {
                Ok(())
            }
        };
        nul("the program", &self.program)?;
        for a in &self.args {
            nul("an argument", a)?;
        }
        if let Some(dir) = &self.cwd {
            nul("the working directory", dir)?;
        }
        for (name, value) in &self.env {
            if !is_env_name(name) {
                return Err(CommandError::BadEnvName { name: name.clone() });
            }
            nul(&format!("the value of {name}"), value)?;
        }
        Ok(())
    }
}

/// How one step of a script follows the previous one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Join {
    /// Run only if the previous step succeeded (`&&`).
    And,
    /// Run only if the previous step failed (`||`).
    Or,
    /// Run regardless (`;`).
    Then,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Cmd(Cmd),
    /// Shell text known at compile time: it cannot carry input.
    Fixed(&'static str),
}

/// A sequence of commands sent as one shell invocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    steps: Vec<(Join, Step)>,
}

impl From<Cmd> for Script {
    fn from(cmd: Cmd) -> Script {
        Script::new().and(cmd)
    }
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `cmd` if everything so far succeeded.
    pub fn and(mut self, cmd: Cmd) -> Self {
        self.steps.push((Join::And, Step::Cmd(cmd)));
        self
    }

    /// Runs `cmd` only if the previous step failed.
    pub fn or(mut self, cmd: Cmd) -> Self {
        self.steps.push((Join::Or, Step::Cmd(cmd)));
        self
    }

    /// Runs `cmd` whatever happened before.
    pub fn then(mut self, cmd: Cmd) -> Self {
        self.steps.push((Join::Then, Step::Cmd(cmd)));
        self
    }

    /// A constant command (`command -v docker`, a small loop), run if everything so far
    /// succeeded. Only a `&'static str` is accepted, so no runtime value can reach the shell
    /// this way.
    pub fn fixed(mut self, text: &'static str) -> Self {
        self.steps.push((Join::And, Step::Fixed(text)));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn render(&self) -> Result<String, CommandError> {
        let mut out = String::new();
        for (i, (join, step)) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push_str(match join {
                    Join::And => " && ",
                    Join::Or => " || ",
                    Join::Then => "; ",
                });
            }
            match step {
                // A group keeps `cd` and `env` scoped to their own command.
                Step::Cmd(cmd) => {
                    out.push_str("( ");
                    out.push_str(&cmd.render()?);
                    out.push_str(" )");
                }
                Step::Fixed(text) => out.push_str(text),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_makes_one_word() {
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn render_uses_env_dashdash_and_cd_dashdash() {
        let cmd = Cmd::new("docker")
            .args(["compose", "up"])
            .env("A", "x y")
            .cwd("-dir");
        assert_eq!(
            cmd.render().expect("valid"),
            "cd -- '-dir' && env -- 'A=x y' 'docker' 'compose' 'up'"
        );
    }

    #[test]
    fn render_exec_execs_after_cd() {
        let plain = Cmd::new("sh").arg("-c");
        assert_eq!(plain.render_exec().expect("valid"), "exec 'sh' '-c'");
        let in_dir = Cmd::new("env").cwd("/a && b").env("K", "v");
        assert_eq!(
            in_dir.render_exec().expect("valid"),
            "cd -- '/a && b' && exec env -- 'K=v' 'env'"
        );
    }

    #[test]
    fn nul_and_bad_env_names_are_refused() {
        assert!(Cmd::new("a").arg("x\0y").render().is_err());
        assert!(Cmd::new("a").env("A=B", "1").render().is_err());
        assert!(Cmd::new("a").env("-A", "1").render().is_err());
        assert!(Cmd::new("a").env("1A", "1").render().is_err());
    }

    #[test]
    fn scripts_group_each_command() {
        let s = Script::new()
            .and(Cmd::new("true"))
            .or(Cmd::new("echo").arg("no"))
            .then(Cmd::new("echo").arg("always"))
            .fixed("command -v docker");
        assert_eq!(
            s.render().expect("valid"),
            "( 'true' ) || ( 'echo' 'no' ); ( 'echo' 'always' ) && command -v docker"
        );
    }
}
