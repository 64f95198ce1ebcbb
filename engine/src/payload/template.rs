//! Herald's message template language, used by the chat formats to turn an
//! event into message text. Templates run on minijinja; Herald's own syntax
//! for `{{ }}` (below) is kept so that saved templates render as they always
//! did.
//!
//! Syntax:
//! - literal text, copied as is (a stray `}}`, `{%` that opens no tag, `{#`
//!   and `%}` are literal too);
//! - `{{ path.to.field }}`: a dotted path into the context, numeric segments
//!   index arrays (`data.items.0.name`); whitespace inside the braces is
//!   optional; keys may use letters, digits, `_`, `-`, `$` and `@`;
//! - filters, applied left to right: `{{ data.score | percent }}`,
//!   `| round(2)` (0..=10), `| upper`, `| lower`, `| default("n/a")`
//!   (double or single quotes; `\"`, `\\`, `\n`, `\t` escapes), `| json`,
//!   `| truncate(80)` (≥ 1);
//! - tags, in minijinja (Jinja) syntax: `{% if data.score < 0.5 %}…{% elif …
//!   %}…{% else %}…{% endif %}` and `{% for item in data.items %}{{ item.name
//!   }}{% endfor %}` (with `loop.index`, `loop.first`, … and `{% else %}` for
//!   an empty list). Inside a tag, expressions are minijinja's: keys that are
//!   not identifiers are written `data["x-y"]`, items `data.items[0]`; the
//!   same filters, and the tests `defined`, `undefined` and `none`. Other
//!   Jinja tags (`set`, `macro`, `include`, …) are refused;
//! - escape: `\{{` renders a literal `{{` (the only escape; any other
//!   backslash is literal text).
//!
//! How it maps onto minijinja (see `jinja`): the parser reads the template,
//! keeping Herald's `{{ }}` grammar and error messages, and translates it to
//! minijinja source: `{{ data.x-y.0 | default("–") }}` becomes
//! `{{ __herald_path("data", "x-y", "0") | default("–") }}`, where
//! `__herald_path` looks the path up with Herald's rules (a numeric segment
//! indexes a list and is a key in a map; a key needs no identifier syntax);
//! literal `{{`, `{%` and `{#` are wrapped in `{% raw %}`; tags are copied
//! as written. Herald's filters are minijinja filters with today's semantics
//! and the formatter prints values as Herald always has (strings raw, numbers
//! as JSON numbers, null and missing as "", objects and arrays as compact
//! JSON). Missing values are minijinja's chainable undefined, never an error.
//!
//! Errors: parsing reports 1-based line/column (in chars) of the offending
//! char, minijinja's errors included (mapped back from the translation to the
//! source). Rendering never fails and never panics: a template that fails at
//! run time (a type error in a tag, or running out of fuel) renders as "" and
//! the formats fall back to their title. Work is bounded by minijinja's fuel
//! ([`FUEL`]). Fuel does not bound output: each `{{data}}` of a 4 KiB template
//! writes the whole event, so 500 of them on a 900 KB event would write 450 MB.
//! Before rendering a webhook's template for a delivery, the payload checks with
//! [`Template::fits`] that the output stays within the format's limit
//! (`formats::limits::template_output_max`), counting without keeping it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use serde_json::{Number, Value};
use thiserror::Error;

mod jinja;
mod parser;

pub use jinja::FUEL;

/// Why a template was rejected. `line` and `column` are 1-based and count
/// chars, pointing at the offending character.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("{line}:{column}: {message}")]
pub struct TemplateError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A parsed and compiled template. `Template::default()` renders to "".
/// Cloning is cheap (the compiled form is shared); two templates are equal
/// when their source is.
#[derive(Debug, Clone, Default)]
pub struct Template {
    source: Arc<str>,
    paths: Arc<[String]>,
    compiled: Option<Arc<jinja::Compiled>>,
}

impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// A `{{ }}` expression: a path and its filters.
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

/// The filters, by name.
const FILTER_NAMES: &[&str] = &[
    "percent", "round", "upper", "lower", "default", "json", "truncate",
];

/// Names accepted after `|`, for error messages.
const FILTER_HELP: &str = "percent, round(n), upper, lower, default(\"x\"), json, truncate(n)";

/// The tests `is` accepts in tags.
const TEST_NAMES: &[&str] = &["defined", "undefined", "none"];

const ROUND_HELP: &str = "round needs an integer argument from 0 to 10, e.g. round(2)";
const TRUNCATE_HELP: &str = "truncate needs an integer argument of at least 1, e.g. truncate(80)";

/// Message used by [`check`] when a template renders to whitespace only.
pub const EMPTY_RENDER_MESSAGE: &str = "renders to nothing for the example payload";

/// Parse `src` into a [`Template`].
pub fn parse(src: &str) -> Result<Template, TemplateError> {
    Template::parse(src)
}

/// Parse `src`, then render `example` with it: a run-time error is reported
/// at its position, and output that is only whitespace is rejected (at 1:1
/// with [`EMPTY_RENDER_MESSAGE`]).
pub fn check(src: &str, example: &Value) -> Result<(), TemplateError> {
    let template = Template::parse(src)?;
    if template.try_render(example)?.trim().is_empty() {
        return Err(TemplateError {
            line: 1,
            column: 1,
            message: EMPTY_RENDER_MESSAGE.to_string(),
        });
    }
    Ok(())
}

/// Compiled templates by source, so that the templates of a webhook (parsed
/// again for every delivery) and the defaults compile once. Bounded: it is
/// emptied when full, and long sources are not kept.
fn cache() -> &'static Mutex<HashMap<Arc<str>, Template>> {
    static CACHE: OnceLock<Mutex<HashMap<Arc<str>, Template>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}
const CACHE_ENTRIES: usize = 512;
const CACHE_MAX_SOURCE: usize = 16 * 1024;

impl Template {
    /// Parse `src`; see the module docs for the syntax.
    pub fn parse(src: &str) -> Result<Template, TemplateError> {
        let cacheable = src.len() <= CACHE_MAX_SOURCE;
        if cacheable {
            if let Some(hit) = cache().lock().ok().and_then(|c| c.get(src).cloned()) {
                return Ok(hit);
            }
        }
        let pieces = parser::parse(src)?;
        let paths = pieces
            .iter()
            .filter_map(|piece| match &piece.kind {
                parser::PieceKind::Expr(expr) => Some(expr.path.join(".")),
                _ => None,
            })
            .collect();
        let compiled = if pieces.is_empty() {
            None
        } else {
            Some(Arc::new(jinja::Compiled::new(src, &pieces)?))
        };
        let template = Template {
            source: src.into(),
            paths,
            compiled,
        };
        if cacheable {
            if let Ok(mut cache) = cache().lock() {
                if cache.len() >= CACHE_ENTRIES {
                    cache.clear();
                }
                cache.insert(template.source.clone(), template.clone());
            }
        }
        Ok(template)
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The dotted paths its `{{ }}` expressions read, in order of
    /// appearance (paths inside tags are not listed).
    pub fn paths(&self) -> Vec<String> {
        self.paths.to_vec()
    }

    /// Render against `ctx` (the event view). Never fails: a run-time error
    /// renders as "" (see [`Template::try_render`]).
    pub fn render(&self, ctx: &Value) -> String {
        self.try_render(ctx).unwrap_or_default()
    }

    /// Render, reporting a run-time error (a type error in a tag, running
    /// out of fuel) with its position.
    pub fn try_render(&self, ctx: &Value) -> Result<String, TemplateError> {
        match &self.compiled {
            Some(compiled) => compiled.render(ctx, None),
            None => Ok(String::new()),
        }
    }

    /// Whether rendering `ctx` writes at most `max_bytes` (counted without keeping the
    /// output, stopping at the limit): the formats' guard against a template that
    /// multiplies a large event (docs/security.md#templates).
    pub fn fits(&self, ctx: &Value, max_bytes: usize) -> bool {
        match &self.compiled {
            Some(compiled) => compiled.fits(ctx, max_bytes),
            None => true,
        }
    }

    /// Render, passing every expression's output (not the literal text)
    /// through `escape`; Slack uses it to neutralise `<`, `>` and `&`.
    /// Never fails, like [`Template::render`].
    pub fn render_with(&self, ctx: &Value, escape: impl Fn(&str) -> String) -> String {
        match &self.compiled {
            Some(compiled) => compiled.render(ctx, Some(&escape)).unwrap_or_default(),
            None => String::new(),
        }
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

#[cfg(test)]
mod tests;
