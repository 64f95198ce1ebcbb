//! The template parser: turns template source into segments, reporting
//! 1-based line/column (in chars) of the offending character on error.

use super::{Expr, Filter, Segment, TemplateError, FILTER_NAMES};

/// Parse `src` into literal and expression segments.
pub(super) fn parse(src: &str) -> Result<Vec<Segment>, TemplateError> {
    Parser {
        chars: src.chars().collect(),
    }
    .run()
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '$' | '@')
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
        let (mut line, mut column) = (1, 1);
        for &c in self.chars.iter().take(index) {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        TemplateError {
            line,
            column,
            message: message.into(),
        }
    }

    fn run(&self) -> Result<Vec<Segment>, TemplateError> {
        let mut segments = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        while i < self.chars.len() {
            let c = self.chars[i];
            if c == '\\' && self.at(i + 1) == Some('{') && self.at(i + 2) == Some('{') {
                text.push_str("{{");
                i += 3;
            } else if c == '{' && self.at(i + 1) == Some('{') {
                if !text.is_empty() {
                    segments.push(Segment::Text(std::mem::take(&mut text)));
                }
                let close = self.find_close(i)?;
                segments.push(Segment::Expr(self.expr(i + 2, close)?));
                i = close + 2;
            } else {
                text.push(c);
                i += 1;
            }
        }
        if !text.is_empty() {
            segments.push(Segment::Text(text));
        }
        Ok(segments)
    }

    /// Index of the `}}` closing the `{{` at `open`, skipping quoted strings.
    fn find_close(&self, open: usize) -> Result<usize, TemplateError> {
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
                None if c == '}' && self.at(i + 1) == Some('}') => return Ok(i),
                None => {}
            }
            i += 1;
        }
        Err(match quote {
            Some((_, start)) => self.error(start, "unterminated string"),
            None => self.error(open, "unclosed `{{` (expected `}}`)"),
        })
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
                let message = format!("unknown filter `{name}` (known: {FILTER_NAMES})");
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
                return Err(self.error(
                    at,
                    "round needs an integer argument from 0 to 10, e.g. round(2)",
                ));
            }
            ("truncate", Some((Arg::Int(n), _))) if n >= 1 => Filter::Truncate(n as usize),
            ("truncate", arg) => {
                let at = arg.map_or(name_start, |(_, at)| at);
                return Err(self.error(
                    at,
                    "truncate needs an integer argument of at least 1, e.g. truncate(80)",
                ));
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
