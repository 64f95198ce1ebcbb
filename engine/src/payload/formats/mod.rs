//! Chat payload formats: turn an event view into the JSON body a Slack,
//! Discord, Teams or PagerDuty (Events API v2) endpoint accepts. A template
//! renders the message text; each format wraps it in the target's structure
//! and keeps it within the target's limits (see `limits`). Rendering never
//! fails and never panics; templates are validated when saved instead.

use serde_json::{Map, Value};

use crate::payload::template::{self, Template, TemplateError};

mod defaults;
mod discord;
pub mod limits;
mod pagerduty;
mod slack;
mod teams;

pub use defaults::default_template;

pub use domain::ChatFormat;

/// Render `event` (the event view) as `format`'s request body, using
/// `template` when given, else the format's default for the event's type.
/// `settings` is the webhook's settings object (PagerDuty reads
/// `routing_key`). Infallible.
pub fn render(
    format: ChatFormat,
    event: &Value,
    template: Option<&Template>,
    settings: &Map<String, Value>,
) -> Value {
    let fallback;
    let template = match template {
        Some(t) => t,
        None => {
            let event_type = event.get("type").and_then(Value::as_str).unwrap_or("");
            fallback = Template::parse(default_template(format, event_type)).unwrap_or_default();
            &fallback
        }
    };
    match format {
        ChatFormat::Slack => slack::render(event, template),
        ChatFormat::Discord => discord::render(event, template),
        ChatFormat::Teams => teams::render(event, template),
        ChatFormat::Pagerduty => pagerduty::render(event, template, settings),
    }
}

/// Validate a template a user saves for `event_type` in `format`: it must
/// parse, stay within the format's output limit for `example` (measured
/// before anything is rendered into memory) and render non-empty text for it
/// (the event view of the type's example, see `catalog::to_event_view`).
/// `event_type` is accepted for future per-type rules and is not used today.
pub fn validate_template(
    format: ChatFormat,
    event_type: &str,
    src: &str,
    example: &Value,
) -> Result<Template, TemplateError> {
    let _ = event_type;
    let parsed = Template::parse(src)?;
    let max_bytes = limits::template_output_max(format);
    if !parsed.fits(example, max_bytes) {
        return Err(TemplateError {
            line: 1,
            column: 1,
            message: format!(
                "renders more than {max_bytes} bytes for the example payload, the {format} format's limit"
            ),
        });
    }
    template::check(src, example)?;
    Ok(parsed)
}

// ---- helpers shared by the formats ----------------------------------------

/// A field as display text: strings as is, numbers and bools printed,
/// objects/arrays as JSON; None when missing, null or empty.
fn text_of(value: Option<&Value>) -> Option<String> {
    let text = template::value_text(value?);
    (!text.trim().is_empty()).then_some(text)
}

fn field(event: &Value, key: &str) -> Option<String> {
    text_of(event.get(key))
}

fn event_type(event: &Value) -> String {
    field(event, "type").unwrap_or_default()
}

/// `experiment triage-gpt4o-baseline v3`: the subject's type, name (or id)
/// and version; a non-object subject prints as text.
fn subject_text(event: &Value) -> Option<String> {
    let subject = event.get("subject")?;
    if !subject.is_object() {
        return text_of(Some(subject));
    }
    let name = text_of(subject.get("name")).or_else(|| text_of(subject.get("id")));
    let parts: Vec<String> = [
        text_of(subject.get("type")),
        name,
        text_of(subject.get("version")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// `evaluation.failed` → `Evaluation failed`.
fn humanize(event_type: &str) -> String {
    let spaced = event_type.replace(['.', '_'], " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Event".to_string(),
    }
}

/// The message title: `Evaluation failed · patient-triage` (one line).
fn title(event: &Value) -> String {
    let mut title = humanize(&event_type(event));
    if let Some(project) = field(event, "project") {
        title.push_str(" · ");
        title.push_str(&project);
    }
    limits::one_line(&title)
}

/// The labelled facts every format shows: project, severity, source, subject.
fn details(event: &Value) -> Vec<(&'static str, String)> {
    [
        ("Project", field(event, "project")),
        ("Severity", field(event, "severity")),
        ("Source", field(event, "source")),
        ("Subject", subject_text(event)),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|v| (label, v)))
    .collect()
}

/// The rendered text, trimmed; the title when it renders blank.
fn message_text(rendered: String, event: &Value) -> String {
    let trimmed = rendered.trim();
    if trimmed.is_empty() {
        title(event)
    } else {
        trimmed.to_string()
    }
}

fn severity(event: &Value) -> String {
    field(event, "severity").unwrap_or_default().to_lowercase()
}

#[cfg(test)]
mod tests;
