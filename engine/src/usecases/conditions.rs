//! Conditions and redaction as users meet them: the checks a webhook's `condition` and
//! `redact` pass at save (field-level errors), and the condition check that evaluates a
//! condition and previews a redaction on an event or catalog examples without saving
//! (docs/conditions.md). Mirrors `POST /webhooks/condition-check` in `src/api/webhooks.rs`.
use std::sync::Arc;

use cel::Env;
use serde_json::json;

use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::records::StoredWebhook;
use crate::rules::condition::{self, evaluate, Condition, EventFields, EventVars};
use crate::rules::filter::subscribes;
use crate::rules::redact::{self, Rule};
use crate::usecases::test_sends::example_event;
use domain::{ConditionCheck, ConditionCheckResult, ConditionSample, Event, EventInput, Redaction};

/// Adds the errors of `w`'s condition (`condition`, naming line and column) and
/// redactions (`redact[i].path`).
pub(crate) fn check_condition_and_redact(w: &StoredWebhook, errors: &mut FieldErrors) {
    if let Err(e) = condition::compile(&w.condition) {
        errors.add("condition", e.to_string());
    }
    if let Err((i, e)) = redact::parse_rules(&w.redact) {
        errors.add(format!("redact[{i}].path"), e);
    }
}

/// The compiled condition and parsed rules, or a 422 naming the bad field.
fn compile_check(
    condition: &str,
    redactions: &[Redaction],
) -> Result<(Option<Condition>, Vec<Rule>)> {
    let mut errors = FieldErrors::new();
    let compiled = condition::compile(condition)
        .map_err(|e| errors.add("condition", e.to_string()))
        .ok()
        .flatten();
    let rules = redact::parse_rules(redactions)
        .map_err(|(i, e)| errors.add(format!("redact[{i}].path"), e))
        .unwrap_or_default();
    errors.into_result()?;
    Ok((compiled, rules))
}

/// The condition variables of a stored-shape event.
pub fn event_fields(e: &Event) -> EventFields<'_> {
    EventFields {
        event_type: &e.event_type,
        project: e.project.as_deref(),
        severity: e.severity,
        source: e.source.as_deref(),
        subject: e.subject.as_ref(),
        object: &e.object,
        data: &e.data,
        metadata: e.metadata.as_ref(),
        created_at: &e.created_at,
    }
}

/// One event's result: does it match, why not if it errors, and what redaction leaves.
fn sample(
    env: &Arc<Env>,
    condition: Option<&Condition>,
    rules: &[Rule],
    key: &[u8],
    e: &Event,
) -> ConditionSample {
    let verdict = match condition {
        None => Ok(true),
        Some(c) => evaluate(c, &EventVars::new(&event_fields(e)).context(env)),
    };
    let redacted = redact::redact_event(e, rules, key);
    ConditionSample {
        event_type: e.event_type.clone(),
        matches: verdict.as_ref().is_ok_and(|m| *m),
        error: verdict.err(),
        redacted: json!({"data": redacted.data, "metadata": redacted.metadata}),
    }
}

impl Engine {
    /// Evaluates `check.condition` and previews `check.redact` on `check.event`, or on the
    /// catalog example of each type `check.event_types` names. Saves nothing. Hashes are
    /// keyed with a preview key, not any webhook's.
    pub async fn condition_check(&self, check: ConditionCheck) -> Result<ConditionCheckResult> {
        let (condition, rules) = compile_check(&check.condition, &check.redact)?;
        let now = self.now_ms();
        let events: Vec<Event> = match check.event {
            Some(v) => {
                let input: EventInput = serde_json::from_value(v)
                    .map_err(|e| EngineError::invalid("event", format!("is not an event: {e}")))?;
                let catalog = self.cached_catalog().await?;
                let mut errors = FieldErrors::new();
                let event = self.new_event(input, &catalog, now, "event.", &mut errors);
                errors.into_result()?;
                event.into_iter().map(Event::from).collect()
            }
            None if check.event_types.is_empty() => {
                return Err(EngineError::invalid(
                    "event_types",
                    "give an event or at least one event type",
                ))
            }
            None => self
                .cached_catalog()
                .await?
                .iter()
                .filter(|t| subscribes(&check.event_types, &t.name))
                .map(|t| example_event(t, None, now).into())
                .collect(),
        };
        let env = Arc::new(Env::stdlib());
        let key = self.redaction_key("condition-check");
        Ok(ConditionCheckResult {
            samples: events
                .iter()
                .map(|e| sample(&env, condition.as_ref(), &rules, &key, e))
                .collect(),
        })
    }
}
