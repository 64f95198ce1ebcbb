//! The minijinja side of templates: the environment every template compiles
//! in (Herald's filters and value formatting, chainable undefined, fuel), the
//! translation of parsed pieces into minijinja source with a map back to the
//! source for error positions, and rendering (with the escape applied to
//! expression output only, found through minijinja's output spans).

use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Rest, Serde, ValueKind};
use minijinja::{Environment, Error, ErrorKind, OutputSpanKind, State, UndefinedBehavior};
use serde_json::Number;

use super::parser::{position, Piece, PieceKind};
use super::{Expr, Filter, TemplateError, ROUND_HELP, TRUNCATE_HELP};

type Value = minijinja::Value;

/// The work one render may do, in minijinja fuel: about one instruction,
/// or 64 bytes written or processed, per unit. A default template on a
/// 1 MiB event uses a few tens of thousands; this also caps what a template
/// can write (about 16 MB) however it loops.
pub const FUEL: u64 = 250_000;

/// The name of the one template in each compiled environment.
const NAME: &str = "template";

/// The function `{{ }}` paths are translated to (see [`path`]).
const PATH_FN: &str = "__herald_path";

/// The environment templates compile in; each compiled template owns a
/// clone (the filters are shared).
fn prototype() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::empty();
        if let Ok(syntax) = SyntaxConfig::builder().keep_trailing_newline(true).build() {
            env.set_syntax(syntax);
        }
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_fuel(Some(FUEL));
        env.set_debug(false);
        env.set_formatter(|out, _state, value| {
            let written = match value.as_str() {
                Some(s) => out.write_str(s),
                None => out.write_str(&text(value)),
            };
            written.map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write output"))
        });
        env.add_function(PATH_FN, path);
        env.add_filter("percent", percent);
        env.add_filter("round", round);
        env.add_filter("upper", upper);
        env.add_filter("lower", lower);
        env.add_filter("default", default);
        env.add_filter("json", json);
        env.add_filter("truncate", truncate);
        env.add_test("defined", minijinja::tests::is_defined);
        env.add_test("undefined", minijinja::tests::is_undefined);
        env.add_test("none", minijinja::tests::is_none);
        env
    })
}

/// A template compiled by minijinja, with what maps its errors back.
pub(super) struct Compiled {
    env: Environment<'static>,
    map: SourceMap,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("translated", &self.map.translated)
            .finish_non_exhaustive()
    }
}

impl Compiled {
    pub(super) fn new(source: &str, pieces: &[Piece]) -> Result<Compiled, TemplateError> {
        let map = SourceMap::new(source, pieces);
        let mut env = prototype().clone();
        env.add_template_owned(NAME, map.translated.clone())
            .map_err(|e| map.error(&e))?;
        Ok(Compiled { env, map })
    }

    /// Whether rendering `ctx` writes at most `max_bytes`. The output is counted, not
    /// kept, and rendering stops at the first byte over the limit, so a template that
    /// multiplies a large event costs no memory to refuse. A render that fails for
    /// another reason fits (it renders as "").
    pub(super) fn fits(&self, ctx: &serde_json::Value, max_bytes: usize) -> bool {
        let Ok(template) = self.env.get_template(NAME) else {
            return true;
        };
        let mut counter = Counter {
            left: max_bytes,
            over: false,
        };
        let _ = template.render_captured_to(Value::from(Serde(ctx)), &mut counter);
        !counter.over
    }

    /// Render `ctx`; with `escape`, every expression's output goes through it.
    pub(super) fn render(
        &self,
        ctx: &serde_json::Value,
        escape: Option<&dyn Fn(&str) -> String>,
    ) -> Result<String, TemplateError> {
        let err = |e: Error| self.map.error(&e);
        let template = self.env.get_template(NAME).map_err(err)?;
        let root = Value::from(Serde(ctx));
        let Some(escape) = escape else {
            return template.render(root).map_err(err);
        };
        let (out, spans) = template.render_with_spans(root).map_err(err)?;
        let mut escaped = String::with_capacity(out.len());
        let mut at = 0;
        for span in spans {
            let range = span.output_range();
            if span.kind() != OutputSpanKind::Expression || range.start < at {
                continue;
            }
            let (Some(before), Some(value)) = (out.get(at..range.start), out.get(range.clone()))
            else {
                continue;
            };
            escaped.push_str(before);
            escaped.push_str(&escape(value));
            at = range.end;
        }
        escaped.push_str(out.get(at..).unwrap_or_default());
        Ok(escaped)
    }
}

/// A sink that counts what a render writes and fails once it passes `left`.
struct Counter {
    left: usize,
    over: bool,
}

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.left.checked_sub(buf.len()) {
            Some(left) => {
                self.left = left;
                Ok(buf.len())
            }
            None => {
                self.over = true;
                Err(std::io::Error::other("template output over the limit"))
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The minijinja translation of a source, and where each piece of it came
/// from.
struct SourceMap {
    source: String,
    translated: String,
    /// Where each piece starts in the translation, in order.
    marks: Vec<Mark>,
}

#[derive(Debug, Clone, Copy)]
struct Mark {
    /// Byte offset in the translation.
    translated: usize,
    /// Char index in the source.
    source: usize,
    /// The translation is the source, char for char, up to the next mark.
    verbatim: bool,
}

impl SourceMap {
    fn new(source: &str, pieces: &[Piece]) -> SourceMap {
        let mut translated = String::new();
        let mut marks = Vec::with_capacity(pieces.len());
        for piece in pieces {
            let start = translated.len();
            let verbatim = match &piece.kind {
                PieceKind::Text { text, verbatim } => literal(&mut translated, text) && *verbatim,
                PieceKind::Expr(expr) => {
                    expression(&mut translated, expr, piece.newlines);
                    false
                }
                PieceKind::Tag(tag) => {
                    translated.push_str(tag);
                    true
                }
            };
            marks.push(Mark {
                translated: start,
                source: piece.start,
                verbatim,
            });
        }
        SourceMap {
            source: source.to_string(),
            translated,
            marks,
        }
    }

    /// A minijinja error as a [`TemplateError`] at its place in the source.
    fn error(&self, err: &Error) -> TemplateError {
        let index = match (err.range(), err.line()) {
            (Some(range), _) => self.source_index(range.start),
            (None, Some(line)) => line_start(&self.source, line),
            (None, None) => 0,
        };
        let (line, column) = position(self.source.chars(), index);
        let message = match (err.kind(), err.detail()) {
            (ErrorKind::OutOfFuel, _) => format!(
                "the template does too much work (loops too long or output too large; \
                 the budget is {FUEL} fuel)"
            ),
            (kind, Some(detail)) => format!("{kind}: {detail}"),
            (kind, None) => kind.to_string(),
        };
        TemplateError {
            line,
            column,
            message,
        }
    }

    /// The source char index of byte `at` of the translation.
    fn source_index(&self, at: usize) -> usize {
        if at >= self.translated.len() {
            return self.source.chars().count();
        }
        let next = self.marks.partition_point(|m| m.translated <= at);
        let Some(mark) = next.checked_sub(1).and_then(|i| self.marks.get(i)) else {
            return 0;
        };
        let within = match self.translated.get(mark.translated..at) {
            Some(s) if mark.verbatim => s.chars().count(),
            _ => 0,
        };
        mark.source + within
    }
}

/// The char index where 1-based `line` starts.
fn line_start(source: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    source
        .chars()
        .enumerate()
        .filter(|&(_, c)| c == '\n')
        .nth(line - 2)
        .map_or(0, |(i, _)| i + 1)
}

/// Append `text` so that minijinja prints it as is: a `{` that could start
/// `{{`, `{%` or `{#` (or does with what follows) goes in a raw block.
/// Returns whether nothing needed that.
fn literal(out: &mut String, text: &str) -> bool {
    let mut plain = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && matches!(chars.peek(), None | Some('{' | '%' | '#')) {
            out.push_str("{% raw %}{{% endraw %}");
            plain = false;
        } else {
            out.push(c);
        }
    }
    plain
}

/// Append `expr` as a minijinja expression block, keeping its newlines.
fn expression(out: &mut String, expr: &Expr, newlines: usize) {
    out.push_str("{{ ");
    out.push_str(PATH_FN);
    out.push('(');
    for (i, segment) in expr.path.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        quote(out, segment);
    }
    out.push(')');
    for filter in &expr.filters {
        out.push_str(" | ");
        match filter {
            Filter::Percent => out.push_str("percent"),
            Filter::Round(places) => out.push_str(&format!("round({places})")),
            Filter::Upper => out.push_str("upper"),
            Filter::Lower => out.push_str("lower"),
            Filter::Default(fallback) => {
                out.push_str("default(");
                quote(out, fallback);
                out.push(')');
            }
            Filter::Json => out.push_str("json"),
            Filter::Truncate(max) => out.push_str(&format!("truncate({max})")),
        }
    }
    for _ in 0..newlines {
        out.push('\n');
    }
    out.push_str(" }}");
}

/// Append `s` as a minijinja string literal.
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
    out.push('"');
}

/// How a value prints (as [`super::value_text`] does for JSON): strings
/// raw, numbers as JSON numbers, bools as `true`/`false`, none and undefined
/// as "", lists and maps as compact JSON.
fn text(value: &Value) -> String {
    if value.is_undefined() || value.is_none() {
        return String::new();
    }
    match value.as_str() {
        Some(s) => s.to_string(),
        None => serde_json::to_string(value).unwrap_or_default(),
    }
}

/// `__herald_path("data", "items", "0")`: the first segment is looked up
/// like any name (loop variables first, then the context, so keys that are
/// not identifiers work), then each segment indexes a list when the value is
/// one and is a key otherwise. Anything missing is undefined.
fn path(state: &State, head: &str, rest: Rest<String>) -> Value {
    let mut value = state.lookup(head).unwrap_or(Value::UNDEFINED);
    for segment in &rest.0 {
        value = match value.kind() {
            ValueKind::Seq => segment
                .parse::<usize>()
                .ok()
                .and_then(|i| value.get_item_by_index(i).ok())
                .unwrap_or(Value::UNDEFINED),
            ValueKind::Map | ValueKind::Plain => {
                value.get_attr(segment).unwrap_or(Value::UNDEFINED)
            }
            _ => Value::UNDEFINED,
        };
        if value.is_undefined() {
            break;
        }
    }
    value
}

fn number(value: &Value) -> Option<f64> {
    (value.kind() == ValueKind::Number)
        .then(|| f64::try_from(value.clone()).ok())
        .flatten()
}

/// `| percent`: numbers as "87.3%"; anything else passes.
fn percent(value: Value) -> Value {
    match number(&value).and_then(super::percent) {
        Some(text) => Value::from(text),
        None => value,
    }
}

/// `| round(n)`: fractional numbers to `n` decimals (0..=10); anything else
/// passes.
fn round(value: Value, places: i64) -> Result<Value, Error> {
    let places = usize::try_from(places)
        .ok()
        .filter(|p| *p <= 10)
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, ROUND_HELP))?;
    if value.is_integer() {
        return Ok(value);
    }
    let Some(x) = number(&value).and_then(Number::from_f64) else {
        return Ok(value);
    };
    Ok(match super::round(serde_json::Value::Number(x), places) {
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(int), _) => Value::from(int),
            (None, Some(float)) => Value::from(float),
            _ => value,
        },
        _ => value,
    })
}

fn upper(value: Value) -> Value {
    match value.as_str() {
        Some(s) => Value::from(s.to_uppercase()),
        None => value,
    }
}

fn lower(value: Value) -> Value {
    match value.as_str() {
        Some(s) => Value::from(s.to_lowercase()),
        None => value,
    }
}

/// `| default("x")`: "x" for missing, none and "".
fn default(value: Value, fallback: String) -> Value {
    if value.is_undefined() || value.is_none() || value.as_str() == Some("") {
        Value::from(fallback)
    } else {
        value
    }
}

/// `| json`: compact JSON; missing is `null`.
fn json(value: Value) -> Value {
    if value.is_undefined() {
        return Value::from("null");
    }
    Value::from(serde_json::to_string(&value).unwrap_or_default())
}

/// `| truncate(n)`: at most `n` chars (≥ 1) of the printed value, ending in
/// "…" when cut; missing stays missing.
fn truncate(value: Value, max: i64) -> Result<Value, Error> {
    let max = usize::try_from(max)
        .ok()
        .filter(|m| *m >= 1)
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, TRUNCATE_HELP))?;
    if value.is_undefined() {
        return Ok(value);
    }
    Ok(Value::from(super::truncate_chars(&text(&value), max)))
}
