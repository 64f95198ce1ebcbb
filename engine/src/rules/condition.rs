//! Conditions: CEL expressions over an event (docs/conditions.md). A condition text is
//! checked against the limits and compiled once ([`compile`]); an event becomes the CEL
//! variables once ([`EventVars`]) and every compiled condition is evaluated against them
//! ([`evaluate`]). Pure: no clock, no store; the standard CEL environment is passed in.
use std::collections::HashSet;
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::objects::{Key, Map};
use cel::{Context, Env, Program, Value as Cel};
use serde_json::Value;

use domain::{Severity, Subject};

/// Longest condition, in characters.
pub const MAX_CONDITION_LEN: usize = 1_000;
/// Deepest nesting of parentheses, brackets and braces.
pub const MAX_NESTING: usize = 16;
/// Most macros (`all`, `exists`, `exists_one`, `map`, `filter`) in one condition: each
/// walks a list of the event, so more than one could multiply the work.
pub const MAX_COMPREHENSIONS: usize = 1;
/// The variables a condition may use.
pub const VARIABLES: [&str; 9] = [
    "type",
    "project",
    "severity",
    "source",
    "subject",
    "object",
    "data",
    "metadata",
    "created_at",
];

/// Why a condition text was refused, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConditionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// A compiled condition.
#[derive(Debug)]
pub struct Condition {
    program: Program,
}

fn problem_at(text: &str, byte: usize, message: impl Into<String>) -> ConditionProblem {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    ConditionProblem {
        line,
        column,
        message: message.into(),
    }
}

/// The byte offset where nesting first exceeds [`MAX_NESTING`] (string literals skipped).
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' | '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(i);
                    }
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    None
}

/// What a walk over the expression found: identifiers used, names macros bind, macros.
#[derive(Default)]
struct Walk<'a> {
    idents: Vec<&'a str>,
    bound: HashSet<&'a str>,
    comprehensions: usize,
}

fn walk<'a>(e: &'a IdedExpr, w: &mut Walk<'a>) {
    match &e.expr {
        Expr::Ident(name) => w.idents.push(name),
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                walk(t, w);
            }
            c.args.iter().for_each(|a| walk(a, w));
        }
        Expr::Comprehension(c) => {
            w.comprehensions += 1;
            w.bound.insert(&c.iter_var);
            if let Some(v) = &c.iter_var2 {
                w.bound.insert(v);
            }
            w.bound.insert(&c.accu_var);
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                walk(x, w);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|x| walk(x, w)),
        Expr::Map(m) => m.entries.iter().for_each(|x| walk_entry(&x.expr, w)),
        Expr::Struct(s) => s.entries.iter().for_each(|x| walk_entry(&x.expr, w)),
        Expr::Select(s) => walk(&s.operand, w),
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn walk_entry<'a>(e: &'a EntryExpr, w: &mut Walk<'a>) {
    match e {
        EntryExpr::MapEntry(m) => {
            walk(&m.key, w);
            walk(&m.value, w);
        }
        EntryExpr::StructField(f) => walk(&f.value, w),
    }
}

/// The byte offset of the first whole-word occurrence of `name` in `text`.
fn find_word(text: &str, name: &str) -> usize {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name)
        .find(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + name.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
        .map_or(0, |(i, _)| i)
}

/// Checks `text` against the limits and compiles it; `None` for an empty condition.
pub fn compile(text: &str) -> Result<Option<Condition>, ConditionProblem> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_CONDITION_LEN {
        return Err(problem_at(
            text,
            0,
            format!("must be at most {MAX_CONDITION_LEN} characters"),
        ));
    }
    if let Some(at) = too_deep(text) {
        return Err(problem_at(
            text,
            at,
            format!("nests deeper than {MAX_NESTING} levels"),
        ));
    }
    let program = Program::compile(text).map_err(|errs| {
        let first = errs.errors.first();
        ConditionProblem {
            line: first.map_or(1, |e| e.pos.0.max(1) as usize),
            column: first.map_or(1, |e| e.pos.1.max(1) as usize),
            message: first.map_or_else(|| "syntax error".into(), |e| e.msg.clone()),
        }
    })?;
    let mut w = Walk::default();
    walk(program.expression(), &mut w);
    if w.comprehensions > MAX_COMPREHENSIONS {
        return Err(problem_at(
            text,
            0,
            format!(
                "uses more than {MAX_COMPREHENSIONS} macro (all, exists, exists_one, map, filter)"
            ),
        ));
    }
    if let Some(unknown) = w
        .idents
        .iter()
        .find(|n| !VARIABLES.contains(n) && !w.bound.contains(*n))
    {
        return Err(problem_at(
            text,
            find_word(text, unknown),
            format!(
                "unknown variable '{unknown}' (use one of {})",
                VARIABLES.join(", ")
            ),
        ));
    }
    Ok(Some(Condition { program }))
}

/// The JSON value as CEL sees it: whole numbers are ints, others doubles.
pub fn to_cel(v: &Value) -> Cel {
    match v {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cel::Int(i),
            None => n
                .as_u64()
                .map(Cel::UInt)
                .unwrap_or_else(|| Cel::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(a) => Cel::List(Arc::new(a.iter().map(to_cel).collect())),
        Value::Object(o) => Cel::Map(Map {
            map: Arc::new(
                o.iter()
                    .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
                    .collect(),
            ),
        }),
    }
}

/// The parts of an event a condition sees.
#[derive(Debug, Clone, Copy)]
pub struct EventFields<'a> {
    pub event_type: &'a str,
    pub project: Option<&'a str>,
    pub severity: Option<Severity>,
    pub source: Option<&'a str>,
    pub subject: Option<&'a Subject>,
    pub object: &'a str,
    pub data: &'a Value,
    pub metadata: Option<&'a Value>,
    pub created_at: &'a str,
}

/// An event converted to CEL values once, for every condition evaluated on it.
pub struct EventVars {
    values: [(&'static str, Cel); 9],
}

fn opt_str(s: Option<&str>) -> Cel {
    s.map_or(Cel::Null, |s| Cel::String(Arc::new(s.to_string())))
}

impl EventVars {
    pub fn new(e: &EventFields) -> EventVars {
        let subject = e.subject.map_or(Cel::Null, |s| {
            to_cel(&serde_json::to_value(s).unwrap_or_default())
        });
        EventVars {
            values: [
                ("type", Cel::String(Arc::new(e.event_type.to_string()))),
                ("project", opt_str(e.project)),
                ("severity", opt_str(e.severity.map(|s| s.as_str()))),
                ("source", opt_str(e.source)),
                ("subject", subject),
                ("object", Cel::String(Arc::new(e.object.to_string()))),
                ("data", to_cel(e.data)),
                ("metadata", e.metadata.map_or(Cel::Null, to_cel)),
                (
                    "created_at",
                    Cel::String(Arc::new(e.created_at.to_string())),
                ),
            ],
        }
    }

    /// A CEL context holding these variables, to evaluate any number of conditions in.
    pub fn context(&self, env: &Arc<Env>) -> Context<'static, 'static> {
        let mut ctx = Context::with_env(env.clone());
        for (name, value) in &self.values {
            ctx.add_variable_from_value(*name, value.clone());
        }
        ctx
    }
}

/// Whether the event in `ctx` satisfies `condition`; an error when it cannot be evaluated
/// (a missing field, a wrong type) or does not give a boolean.
pub fn evaluate(condition: &Condition, ctx: &Context) -> Result<bool, String> {
    match condition.program.execute(ctx) {
        Ok(Cel::Bool(b)) => Ok(b),
        Ok(other) => Err(format!(
            "the condition gave {:?}, not a boolean",
            other.type_of()
        )),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
#[path = "condition_tests.rs"]
mod tests;
