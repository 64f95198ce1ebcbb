//! The template parser: reads Herald's template text, reporting 1-based
//! line/column (in chars) of the offending character on error, into pieces
//! (literal text, `{{ }}` expressions, `{% %}` tags) that `translate` turns
//! into minijinja source.
//!
//! `{{ }}` keeps Herald's own grammar (dotted paths with numeric and `-$@`
//! segments, Herald's filters, its error messages); a `{% %}` tag is copied
//! to minijinja as written once its tag name, filters and tests are checked
//! here, so that unknown names are refused at save with a position even in a
//! branch the example payload does not reach.

use super::{Expr, Filter, TemplateError, FILTER_NAMES, TEST_NAMES};

/// The tags a template may use; minijinja parses their contents.
const TAGS: &[&str] = &["if", "elif", "else", "endif", "for", "endfor"];

/// Jinja tag names Herald refuses (rather than print as text): they capture
/// or replace output, load other templates, or change escaping.
const REFUSED_TAGS: &[&str] = &[
    "set",
    "endset",
    "raw",
    "endraw",
    "macro",
    "endmacro",
    "call",
    "endcall",
    "filter",
    "endfilter",
    "with",
    "endwith",
    "block",
    "endblock",
    "extends",
    "include",
    "import",
    "from",
    "autoescape",
    "endautoescape",
    "do",
    "break",
    "continue",
];

/// One part of a template, with the char range it came from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Piece {
    /// Index of the first char in the source.
    pub start: usize,
    /// Newlines in the piece's source (kept in the translation so that
    /// minijinja's line numbers stay the source's).
    pub newlines: usize,
    pub kind: PieceKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum PieceKind {
    /// Literal text, escapes resolved (`\{{` is `{{` here).
    Text { text: String, verbatim: bool },
    /// A `{{ }}` expression.
    Expr(Expr),
    /// A `{% %}` tag, exactly as written (delimiters included).
    Tag(String),
}

/// Parse `src` into pieces.
pub(super) fn parse(src: &str) -> Result<Vec<Piece>, TemplateError> {
    Parser {
        chars: src.chars().collect(),
    }
    .run()
}

/// 1-based line and column (in chars) of char `index` of `chars`.
pub(super) fn position(chars: impl IntoIterator<Item = char>, index: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    for c in chars.into_iter().take(index) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '$' | '@')
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A filter argument as written.
enum Arg {
    Int(i64),
    Str(String),
}

struct Parser {
    chars: Vec<char>,
}

impl Parser {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn error(&self, index: usize, message: impl Into<String>) -> TemplateError {
        let (line, column) = position(self.chars.iter().copied(), index);
        TemplateError {
            line,
            column,
            message: message.into(),
        }
    }

    fn newlines(&self, start: usize, end: usize) -> usize {
        self.chars[start..end]
            .iter()
            .filter(|&&c| c == '\n')
            .count()
    }

    fn run(&self) -> Result<Vec<Piece>, TemplateError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut text_start = 0;
        let mut verbatim = true;
        let mut i = 0;
        while i < self.chars.len() {
            let c = self.chars[i];
            let tag = if c == '{' && self.at(i + 1) == Some('%') {
                self.tag_name(i)?
            } else {
                None
            };
            if c == '\\' && self.at(i + 1) == Some('{') && self.at(i + 2) == Some('{') {
                text.push_str("{{");
                verbatim = false;
                i += 3;
            } else if (c == '{' && self.at(i + 1) == Some('{')) || tag.is_some() {
                if !text.is_empty() {
                    pieces.push(Piece {
                        start: text_start,
                        newlines: text.matches('\n').count(),
                        kind: PieceKind::Text {
                            text: std::mem::take(&mut text),
                            verbatim,
                        },
                    });
                }
                let (kind, end) = match tag {
                    Some(name) => {
                        let close = self.find_close(i, '%')?;
                        self.check_tag(i + 2, close, &name)?;
                        let source: String = self.chars[i..close + 2].iter().collect();
                        (PieceKind::Tag(source), close + 2)
                    }
                    None => {
                        let close = self.find_close(i, '}')?;
                        (PieceKind::Expr(self.expr(i + 2, close)?), close + 2)
                    }
                };
                pieces.push(Piece {
                    start: i,
                    newlines: self.newlines(i, end),
                    kind,
                });
                i = end;
                text_start = i;
                verbatim = true;
            } else {
                text.push(c);
                i += 1;
            }
        }
        if !text.is_empty() {
            pieces.push(Piece {
                start: text_start,
                newlines: text.matches('\n').count(),
                kind: PieceKind::Text { text, verbatim },
            });
        }
        Ok(pieces)
    }

    /// The name of the tag a `{%` at `open` starts, or `None` when it starts
    /// none (then it is literal text, as it always was). A Jinja tag Herald
    /// does not offer is an error.
    fn tag_name(&self, open: usize) -> Result<Option<String>, TemplateError> {
        let mut i = open + 2;
        if matches!(self.at(i), Some('-' | '+')) {
            i += 1;
        }
        while self.at(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        let start = i;
        while self.at(i).is_some_and(is_ident_char) {
            i += 1;
        }
        let name: String = self.chars[start..i].iter().collect();
        if TAGS.contains(&name.as_str()) {
            Ok(Some(name))
        } else if REFUSED_TAGS.contains(&name.as_str()) {
            let message = format!("unsupported tag `{name}` (supported: {})", TAGS.join(", "));
            Err(self.error(start, message))
        } else {
            Ok(None)
        }
    }

    /// Index of the `}}` (or `%}`) closing the `{{` (or `{%`) at `open`,
    /// skipping quoted strings.
    fn find_close(&self, open: usize, mark: char) -> Result<usize, TemplateError> {
        let mut i = open + 2;
        let mut quote: Option<(char, usize)> = None;
        while let Some(c) = self.at(i) {
            match quote {
                Some((q, _)) => {
                    if c == '\\' {
                        i += 1;
                    } else if c == q {
                        quote = None;
                    }
                }
                None if c == '"' || c == '\'' => quote = Some((c, i)),
                None if c == mark && self.at(i + 1) == Some('}') => return Ok(i),
                None => {}
            }
            i += 1;
        }
        Err(match quote {
            Some((_, start)) => self.error(start, "unterminated string"),
            None if mark == '%' => self.error(open, "unclosed `{%` (expected `%}`)"),
            None => self.error(open, "unclosed `{{` (expected `}}`)"),
        })
    }

    /// Check the filters and tests a tag's expression names (`| name`,
    /// `is [not] name`), which minijinja would only find when it runs them.
    fn check_tag(&self, start: usize, end: usize, tag: &str) -> Result<(), TemplateError> {
        let mut i = start;
        let mut after_bar = false;
        let mut after_is = false;
        let mut after_dot = false;
        while i < end {
            let c = self.chars[i];
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            if c == '"' || c == '\'' {
                // find_close already checked the string ends before `end`.
                i += 1;
                while i < end && self.chars[i] != c {
                    i += if self.chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                after_bar = false;
                after_is = false;
                after_dot = false;
                continue;
            }
            if c.is_ascii_digit() {
                while i < end && (is_ident_char(self.chars[i]) || self.chars[i] == '.') {
                    i += 1;
                }
                after_bar = false;
                after_is = false;
                after_dot = false;
                continue;
            }
            if is_ident_start(c) {
                let word_start = i;
                while i < end && is_ident_char(self.chars[i]) {
                    i += 1;
                }
                let word: String = self.chars[word_start..i].iter().collect();
                if after_bar {
                    if !FILTER_NAMES.contains(&word.as_str()) {
                        let message =
                            format!("unknown filter `{word}` (known: {})", super::FILTER_HELP);
                        return Err(self.error(word_start, message));
                    }
                    after_bar = false;
                } else if after_is {
                    if word != "not" {
                        if !TEST_NAMES.contains(&word.as_str()) {
                            let message =
                                format!("unknown test `{word}` (known: {})", TEST_NAMES.join(", "));
                            return Err(self.error(word_start, message));
                        }
                        after_is = false;
                    }
                } else if word == "is" && !after_dot {
                    after_is = true;
                } else if word == "recursive" && tag == "for" && !after_dot {
                    return Err(self.error(word_start, "recursive loops are not supported"));
                }
                after_dot = false;
                continue;
            }
            after_bar = c == '|';
            after_is = false;
            after_dot = c == '.';
            i += 1;
        }
        Ok(())
    }

    fn skip_ws(&self, mut i: usize, end: usize) -> usize {
        while i < end && self.chars[i].is_whitespace() {
            i += 1;
        }
        i
    }

    fn describe(&self, i: usize, end: usize) -> String {
        if i >= end {
            "`}}`".to_string()
        } else {
            format!("`{}`", self.chars[i])
        }
    }

    /// Parse the expression between `start` and `end` (the `}}`).
    fn expr(&self, start: usize, end: usize) -> Result<Expr, TemplateError> {
        let mut i = self.skip_ws(start, end);
        let mut path = Vec::new();
        loop {
            let seg_start = i;
            while i < end && is_key_char(self.chars[i]) {
                i += 1;
            }
            if i == seg_start {
                let message = if path.is_empty() && (i >= end || self.chars[i] == '|') {
                    "empty path".to_string()
                } else if path.is_empty() {
                    format!("unexpected {} in path", self.describe(i, end))
                } else {
                    format!(
                        "empty path segment: expected a key after `.`, found {}",
                        self.describe(i, end)
                    )
                };
                return Err(self.error(i, message));
            }
            path.push(self.chars[seg_start..i].iter().collect());
            if i < end && self.chars[i] == '.' {
                i += 1;
            } else {
                break;
            }
        }
        let mut filters = Vec::new();
        i = self.skip_ws(i, end);
        while i < end {
            if self.chars[i] != '|' {
                let message = format!("expected `|` or `}}}}`, found {}", self.describe(i, end));
                return Err(self.error(i, message));
            }
            let (filter, next) = self.filter(i + 1, end)?;
            filters.push(filter);
            i = self.skip_ws(next, end);
        }
        Ok(Expr { path, filters })
    }

    /// Parse one filter after a `|`; returns it and the index after it.
    fn filter(&self, start: usize, end: usize) -> Result<(Filter, usize), TemplateError> {
        let name_start = self.skip_ws(start, end);
        let mut i = name_start;
        while i < end && (self.chars[i].is_alphanumeric() || self.chars[i] == '_') {
            i += 1;
        }
        if i == name_start {
            let message = format!(
                "expected a filter name after `|`, found {}",
                self.describe(i, end)
            );
            return Err(self.error(i, message));
        }
        let name: String = self.chars[name_start..i].iter().collect();
        let after_name = self.skip_ws(i, end);
        let has_parens = after_name < end && self.chars[after_name] == '(';
        match name.as_str() {
            "percent" | "upper" | "lower" | "json" if has_parens => {
                return Err(self.error(after_name, format!("filter `{name}` takes no arguments")))
            }
            "percent" | "upper" | "lower" | "json" | "round" | "truncate" | "default" => {}
            _ => {
                let message = format!("unknown filter `{name}` (known: {})", super::FILTER_HELP);
                return Err(self.error(name_start, message));
            }
        }
        let (arg, next) = if has_parens {
            let (arg, close) = self.argument(after_name, end)?;
            (Some(arg), close + 1)
        } else {
            (None, i)
        };
        let filter = match (name.as_str(), arg) {
            ("percent", None) => Filter::Percent,
            ("upper", None) => Filter::Upper,
            ("lower", None) => Filter::Lower,
            ("json", None) => Filter::Json,
            ("round", Some((Arg::Int(n), _))) if (0..=10).contains(&n) => Filter::Round(n as usize),
            ("round", arg) => {
                let at = arg.map_or(name_start, |(_, at)| at);
                return Err(self.error(at, super::ROUND_HELP));
            }
            ("truncate", Some((Arg::Int(n), _))) if n >= 1 => Filter::Truncate(n as usize),
            ("truncate", arg) => {
                let at = arg.map_or(name_start, |(_, at)| at);
                return Err(self.error(at, super::TRUNCATE_HELP));
            }
            ("default", Some((Arg::Str(s), _))) => Filter::Default(s),
            (_, arg) => {
                // Only `default` is left: the name was checked above.
                let at = arg.map_or(name_start, |(_, at)| at);
                return Err(self.error(
                    at,
                    "default needs a quoted string argument, e.g. default(\"n/a\")",
                ));
            }
        };
        Ok((filter, next))
    }

    /// Parse `( arg )` starting at the `(`; returns the argument with its
    /// position and the index of the `)`.
    fn argument(&self, open: usize, end: usize) -> Result<((Arg, usize), usize), TemplateError> {
        let start = self.skip_ws(open + 1, end);
        let mut i = start;
        let arg = match self.chars.get(i).copied().filter(|_| i < end) {
            Some(q @ ('"' | '\'')) => {
                let mut s = String::new();
                i += 1;
                loop {
                    // find_close already checked the string ends before `end`.
                    let Some(c) = self.at(i).filter(|_| i < end) else {
                        return Err(self.error(start, "unterminated string"));
                    };
                    i += 1;
                    if c == q {
                        break;
                    }
                    if c == '\\' {
                        let escaped = self.at(i).unwrap_or('\\');
                        i += 1;
                        s.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    } else {
                        s.push(c);
                    }
                }
                Arg::Str(s)
            }
            Some(c) if c == '-' || c.is_ascii_digit() => {
                i += 1;
                while i < end && self.chars[i].is_ascii_digit() {
                    i += 1;
                }
                let digits: String = self.chars[start..i].iter().collect();
                // Out-of-range literals become a value every filter rejects.
                Arg::Int(digits.parse::<i64>().unwrap_or(i64::MIN))
            }
            _ => {
                let message = format!("expected an argument, found {}", self.describe(i, end));
                return Err(self.error(i, message));
            }
        };
        let close = self.skip_ws(i, end);
        if close >= end || self.chars[close] != ')' {
            let message = format!("expected `)`, found {}", self.describe(close, end));
            return Err(self.error(close, message));
        }
        Ok(((arg, start), close))
    }
}
