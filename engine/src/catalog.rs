//! The built-in event catalog seeded on first start (docs/api.md#events): names,
//! descriptions, object names and realistic example inputs, plus the helper
//! that turns an event input into the "event view" formats and templates see.

use serde_json::{Map, Value};

mod examples;

/// One built-in event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTypeSpec {
    /// Dotted name, e.g. `evaluation.failed`.
    pub name: &'static str,
    /// One or two sentences for the console and `GET /event-types`.
    pub description: &'static str,
    /// The `object` of events of this type (the envelope keys `data` by it).
    pub object: &'static str,
}

impl EventTypeSpec {
    /// A realistic example event INPUT as a platform would post it:
    /// `{"type","object","source","project","severity","subject","data","metadata"}`
    /// (any of source/project/severity/subject/metadata may be missing).
    /// `data` is the object body itself. Turn it into an event view with
    /// [`to_event_view`].
    pub fn example(&self) -> Value {
        examples::example(self.name, self.object)
    }
}

const fn spec(
    name: &'static str,
    object: &'static str,
    description: &'static str,
) -> EventTypeSpec {
    EventTypeSpec {
        name,
        description,
        object,
    }
}

static BUILTIN: [EventTypeSpec; 19] = [
    spec("evaluation.created", "evaluation",
        "An evaluation run was started: which model, dataset and evaluators it uses and how many samples it will score."),
    spec("evaluation.completed", "evaluation",
        "An evaluation run finished; carries the summary metrics (accuracy, safety score, samples sent for review)."),
    spec("evaluation.failed", "evaluation_result",
        "An evaluator judged an output as failing (score below its threshold) in an experiment or through the evaluation API; carries the score, threshold and explanation."),
    spec("evaluation.regressed", "evaluation",
        "A metric of an evaluation dropped against its baseline by more than the allowed margin."),
    spec("sample.scored", "sample",
        "A single sample of an evaluation received its scores."),
    spec("review.assigned", "review",
        "A sample or run was put in a human annotation queue and assigned to a reviewer."),
    spec("review.completed", "review",
        "A reviewer submitted their review of a sample: verdict, label, comment and correction."),
    spec("alert.triggered", "alert",
        "A monitoring alert fired: a metric (performance, drift, data quality) crossed its threshold for a model."),
    spec("alert.resolved", "alert",
        "A previously triggered monitoring alert is back within its threshold."),
    spec("safety.critical", "safety_check",
        "A critical safety issue was detected in a model output (e.g. PII leak, harmful advice); needs immediate attention."),
    spec("run.completed", "run",
        "A monitoring or calculation run finished, successfully or not; lists the alerts it raised and the checks that passed."),
    spec("request.started", "request",
        "A request to a deployment or pipeline started processing."),
    spec("request.finished", "request",
        "A request to a deployment or pipeline finished, whether it succeeded or failed."),
    spec("request.completed", "request",
        "A request to a deployment or pipeline completed successfully; may carry its result."),
    spec("request.failed", "request",
        "A request to a deployment or pipeline failed; carries the error message."),
    spec("rule.matched", "rule_match",
        "An automation rule matched new runs (e.g. low user feedback); lists the matching runs and feedback statistics."),
    spec("model.version.created", "model_version",
        "A new version of a model was registered."),
    spec("prompt.version.created", "prompt_version",
        "A new version of a prompt was committed."),
    spec("webhook.test", "test",
        "A test event sent from the console or API to check that an endpoint receives and verifies Herald's deliveries."),
];

/// The built-in catalog, in the documented order.
pub fn builtin() -> &'static [EventTypeSpec] {
    &BUILTIN
}

/// The built-in spec named `name`, if any.
pub fn find(name: &str) -> Option<&'static EventTypeSpec> {
    BUILTIN.iter().find(|spec| spec.name == name)
}

/// Whether `name` is a valid event type name: two or more dot-separated
/// segments of `[a-z][a-z0-9_]*`, at most 128 chars (no `*`: that is a
/// subscription pattern, not a type).
pub fn is_valid_name(name: &str) -> bool {
    let segment_ok = |s: &str| {
        let mut chars = s.chars();
        matches!(chars.next(), Some('a'..='z'))
            && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
    };
    name.len() <= 128 && name.split('.').count() >= 2 && name.split('.').all(segment_ok)
}

/// Build the event view that formats and templates render from an event
/// input: `{"id","type","object","created","created_at","source","project",
/// "severity","subject","data","metadata"}` in that order. Optional keys are
/// copied only when present in `input` (null stays null); `data` defaults to
/// `{}`.
pub fn to_event_view(input: &Value, id: &str, created_unix: i64) -> Value {
    let get = |key: &str| input.get(key).cloned();
    let mut view = Map::new();
    view.insert("id".into(), Value::String(id.to_string()));
    for key in ["type", "object"] {
        if let Some(v) = get(key) {
            view.insert(key.into(), v);
        }
    }
    view.insert("created".into(), Value::from(created_unix));
    view.insert(
        "created_at".into(),
        Value::String(rfc3339_utc(created_unix)),
    );
    for key in ["source", "project", "severity", "subject"] {
        if let Some(v) = get(key) {
            view.insert(key.into(), v);
        }
    }
    view.insert(
        "data".into(),
        get("data").unwrap_or_else(|| Value::Object(Map::new())),
    );
    if let Some(v) = get("metadata") {
        view.insert("metadata".into(), v);
    }
    Value::Object(view)
}

/// Unix seconds as RFC 3339 UTC, `YYYY-MM-DDTHH:MM:SSZ`: `clock::rfc3339`, so
/// instants outside the years 0000–9999 clamp to its first or last second.
pub fn rfc3339_utc(unix: i64) -> String {
    crate::clock::rfc3339(unix.saturating_mul(1000))
}

#[cfg(test)]
mod tests;
