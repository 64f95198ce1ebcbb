//! Herald's tiny message template language, used by the chat formats to turn
//! an event into message text.
//!
//! Syntax:
//! - literal text, copied as is (a stray `}}` is literal too);
//! - `{{ path.to.field }}`: a dotted path into the context, numeric segments
//!   index arrays (`data.items.0.name`); whitespace inside the braces is
//!   optional; keys may use letters, digits, `_`, `-`, `$` and `@`;
//! - filters, applied left to right: `{{ data.score | percent }}`,
//!   `| round(2)` (0..=10), `| upper`, `| lower`, `| default("n/a")`
//!   (double or single quotes; `\"`, `\\`, `\n`, `\t` escapes), `| json`,
//!   `| truncate(80)` (≥ 1);
//! - escape: `\{{` renders a literal `{{` (the only escape; any other
//!   backslash is literal text).
//!
//! Parsing reports 1-based line/column (in chars) of the offending char.
//! Rendering never fails: a missing path renders as "".

use serde::Serialize;
use serde_json::{Number, Value};
use thiserror::Error;

/// Why a template was rejected. `line` and `column` are 1-based and count
/// chars, pointing at the offending character.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("{line}:{column}: {message}")]
pub struct TemplateError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A parsed template. `Template::default()` renders to "".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Text(String),
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
struct Expr {
    path: Vec<String>,
    filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Percent,
    Round(usize),
    Upper,
    Lower,
    Default(String),
    Json,
    Truncate(usize),
}

/// Names accepted after `|`, for error messages.
const FILTER_NAMES: &str = "percent, round(n), upper, lower, default(\"x\"), json, truncate(n)";

/// Message used by [`check`] when a template renders to whitespace only.
pub const EMPTY_RENDER_MESSAGE: &str = "renders to nothing for the example payload";

/// Parse `src` into a [`Template`].
pub fn parse(src: &str) -> Result<Template, TemplateError> {
    Template::parse(src)
}

/// Parse `src`, then reject it when rendering `example` gives only
/// whitespace (error at 1:1 with [`EMPTY_RENDER_MESSAGE`]).
pub fn check(src: &str, example: &Value) -> Result<(), TemplateError> {
    let template = Template::parse(src)?;
    if template.render(example).trim().is_empty() {
        return Err(TemplateError {
            line: 1,
            column: 1,
            message: EMPTY_RENDER_MESSAGE.to_string(),
        });
    }
    Ok(())
}

impl Template {
    /// Parse `src`; see the module docs for the syntax.
    pub fn parse(src: &str) -> Result<Template, TemplateError> {
        parser::parse(src).map(|segments| Template { segments })
    }

    /// The dotted paths this template reads, in order of appearance.
    pub fn paths(&self) -> Vec<String> {
        self.segments
            .iter()
            .filter_map(|segment| match segment {
                Segment::Expr(expr) => Some(expr.path.join(".")),
                Segment::Text(_) => None,
            })
            .collect()
    }

    /// Render against `ctx` (the event view). Never fails.
    pub fn render(&self, ctx: &Value) -> String {
        self.render_with(ctx, |s| s.to_string())
    }

    /// Render, passing every expression's output (not the literal text)
    /// through `escape`; Slack uses it to neutralise `<`, `>` and `&`.
    pub fn render_with(&self, ctx: &Value, escape: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Expr(expr) => {
                    let mut value = resolve(ctx, &expr.path).cloned();
                    for filter in &expr.filters {
                        value = apply(filter, value);
                    }
                    if let Some(v) = value {
                        out.push_str(&escape(&value_text(&v)));
                    }
                }
            }
        }
        out
    }
}

/// How a value renders: strings raw, numbers as JSON numbers, bools as
/// `true`/`false`, null as "", objects and arrays as compact JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// At most `max` chars; when cut, trailing whitespace of the kept part is
/// dropped and the result ends in "…" (the ellipsis counts within `max`).
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let kept: String = s.chars().take(max - 1).collect();
    let mut out = kept.trim_end().to_string();
    out.push('…');
    out
}

fn resolve<'a>(ctx: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = ctx;
    for segment in path {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn apply(filter: &Filter, value: Option<Value>) -> Option<Value> {
    match filter {
        Filter::Percent => value.map(|v| match v.as_f64().and_then(percent) {
            Some(text) => Value::String(text),
            None => v,
        }),
        Filter::Round(places) => value.map(|v| round(v, *places)),
        Filter::Upper => value.map(|v| match v {
            Value::String(s) => Value::String(s.to_uppercase()),
            other => other,
        }),
        Filter::Lower => value.map(|v| match v {
            Value::String(s) => Value::String(s.to_lowercase()),
            other => other,
        }),
        Filter::Default(fallback) => match value {
            None | Some(Value::Null) => Some(Value::String(fallback.clone())),
            Some(Value::String(s)) if s.is_empty() => Some(Value::String(fallback.clone())),
            other => other,
        },
        Filter::Json => Some(Value::String(match value {
            Some(v) => serde_json::to_string(&v).unwrap_or_default(),
            None => "null".to_string(),
        })),
        Filter::Truncate(max) => {
            value.map(|v| Value::String(truncate_chars(&value_text(&v), *max)))
        }
    }
}

/// `0.873` → "87.3%", `1` → "100%"; None when the result is not finite.
fn percent(x: f64) -> Option<String> {
    let scaled = x * 100.0;
    if !scaled.is_finite() {
        return None;
    }
    let mut text = format!("{scaled:.1}");
    if let Some(stripped) = text.strip_suffix(".0") {
        text = stripped.to_string();
    }
    if text == "-0" {
        text = "0".to_string();
    }
    text.push('%');
    Some(text)
}

/// Round a number to `places` decimals, keeping it a JSON number (trailing
/// zeros are not kept: `round(2)` of 0.5 is 0.5). Non-numbers pass through.
fn round(value: Value, places: usize) -> Value {
    let x = match &value {
        Value::Number(n) if n.is_f64() => n.as_f64().unwrap_or(0.0),
        _ => return value,
    };
    let mut text = format!("{x:.places$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if text == "-0" {
        text = "0".to_string();
    }
    if let Ok(int) = text.parse::<i64>() {
        return Value::Number(int.into());
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .unwrap_or(value)
}

mod parser;

#[cfg(test)]
mod tests;
