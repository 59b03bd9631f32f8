//! Line output with comments woven back in. Every printed line remembers the source offset it
//! came from; a comment is printed before the first line whose source comes after it (as an
//! own-line comment) or, if it trailed code in the source, at the end of the line printed
//! just before it. So every comment survives, and formatting the output again is stable.

use crate::token::Comment;

pub const WIDTH: usize = 100;

pub struct Printer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    next: usize,
    lines: Vec<String>,
    /// Index of the last code line, if no comment line was printed after it.
    last_code: Option<usize>,
    trailing_used: bool,
    pub indent: usize,
    pending_blank: bool,
}

impl<'a> Printer<'a> {
    pub fn new(text: &'a str, comments: Vec<Comment>) -> Self {
        Printer {
            text,
            comments,
            next: 0,
            lines: Vec::new(),
            last_code: None,
            trailing_used: false,
            indent: 0,
            pending_blank: false,
        }
    }

    /// The source has an empty line just before `offset`.
    pub fn blank_before(&self, offset: u32) -> bool {
        let head = self.text.get(..offset as usize).unwrap_or("");
        let ws = head.len() - head.trim_end().len();
        head[head.len() - ws..].matches('\n').count() >= 2
    }

    /// Where the word just before `offset` starts (the `do` before a rule's block).
    pub fn word_before(&self, offset: u32) -> u32 {
        let head = self.text.get(..offset as usize).unwrap_or("").trim_end();
        let word = head.len()
            - head
                .trim_end_matches(|c: char| c.is_ascii_alphanumeric())
                .len();
        (head.len() - word) as u32
    }

    /// The first offset at or after `offset` that is neither whitespace nor inside a comment:
    /// where an item's keyword starts after its annotations.
    pub fn next_code(&self, offset: u32) -> u32 {
        let mut at = offset as usize;
        let text = self.text;
        loop {
            let rest = text.get(at..).unwrap_or("");
            let trimmed = rest.trim_start();
            at += rest.len() - trimmed.len();
            if !trimmed.starts_with('#') {
                return at as u32;
            }
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        }
    }

    /// Asks for one blank line before the next line printed (never after an opening line).
    pub fn blank(&mut self) {
        self.pending_blank = true;
    }

    fn push(&mut self, text: &str) {
        let opener = self
            .lines
            .last()
            .is_some_and(|l| l.ends_with('{') || l.ends_with('('));
        if self.pending_blank && !self.lines.is_empty() && !opener {
            self.lines.push(String::new());
        }
        self.pending_blank = false;
        self.lines
            .push(format!("{}{}", "  ".repeat(self.indent), text));
    }

    /// Prints the comments that come before `offset` in the source.
    pub fn comments_before(&mut self, offset: u32) {
        while let Some(c) = self
            .comments
            .get(self.next)
            .filter(|c| c.start < offset)
            .cloned()
        {
            self.next += 1;
            let attach = !c.own_line
                && !self.trailing_used
                && self.last_code.is_some_and(|i| i + 1 == self.lines.len());
            if let (true, Some(line)) = (attach, self.lines.last_mut()) {
                line.push_str("  ");
                line.push_str(&c.text);
                self.trailing_used = true;
            } else {
                if self.blank_before(c.start) {
                    self.pending_blank = true;
                }
                self.push(&c.text);
                self.last_code = None;
            }
        }
    }

    /// Prints a line of code that comes from source offset `src`.
    pub fn line(&mut self, src: u32, text: &str) {
        let before = self.lines.len();
        self.comments_before(src);
        // A blank line between an own-line comment and this code (a file's header comment
        // and its first item) is the user's paragraph break: keep it.
        let comment_last = self.lines.len() > before && self.last_code.is_none();
        if comment_last && self.blank_before(src) {
            self.pending_blank = true;
        }
        self.push(text);
        self.last_code = Some(self.lines.len() - 1);
        self.trailing_used = false;
    }

    /// A closing line (`}`, `)`): comments before it stay inside, at the inner indentation.
    pub fn close(&mut self, src: u32, text: &str) {
        self.indent += 1;
        self.comments_before(src);
        self.indent -= 1;
        self.pending_blank = false;
        self.line(src, text);
    }

    pub fn finish(mut self) -> String {
        self.indent = 0;
        self.comments_before(u32::MAX);
        let mut out = self.lines.join("\n");
        out.push('\n');
        out
    }

    pub fn fits(&self, text: &str) -> bool {
        self.indent * 2 + text.chars().count() <= WIDTH
    }
}
