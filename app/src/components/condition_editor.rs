//! The "Condition and redaction" part of the webhook form: a CEL condition and the fields
//! to redact (docs/conditions.md), with a live preview of both on the catalog examples of
//! the webhook's event types ("matches the evaluation.failed example: yes"), computed by
//! the engine's condition check. The preview is a browser enhancement (an effect, so only
//! once hydrated); without JavaScript both fields are checked on save and their errors are
//! rendered by the server beside them.
use leptos::prelude::*;

use crate::api::webhooks::check_condition;
use crate::components::fields::{error_id, invalid, messages, FieldError};
use crate::dto::{redact_text, ConditionCheckResult, EventTypeView, WebhookView};
use crate::error::{ConsoleError, FieldErrors};

#[component]
pub fn ConditionEditor(
    webhook: WebhookView,
    event_types: Vec<EventTypeView>,
    errors: Signal<FieldErrors>,
) -> impl IntoView {
    let condition = RwSignal::new(webhook.condition.clone());
    let redact = RwSignal::new(redact_text(&webhook.redact));
    // The webhook's subscriptions; every catalog type for a new webhook or `*`.
    let types = if webhook.event_types.is_empty() || webhook.event_types.iter().any(|t| t == "*") {
        event_types
            .iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
    } else {
        webhook.event_types.clone()
    }
    .join(",");
    let check = Action::new(|args: &(String, String, String)| {
        let (c, r, t) = args.clone();
        check_condition(c, r, t)
    });
    Effect::new(move |_| {
        let (c, r) = (condition.get(), redact.get());
        if !c.trim().is_empty() || !r.trim().is_empty() {
            check.dispatch((c, r, types.clone()));
        }
    });
    view! {
        <fieldset class="condition">
            <legend>"Condition and redaction"</legend>
            <div class="field">
                <label for="wh-condition">"Condition"</label>
                <textarea id="wh-condition" name="webhook[condition]" rows="2" spellcheck="false"
                    placeholder="data.score < 0.8 && project == \"prod\""
                    aria-invalid=invalid(errors, "condition".into()) aria-describedby=error_id("condition")
                    on:input=move |ev| condition.set(event_target_value(&ev))>
                    {webhook.condition.clone()}
                </textarea>
                <FieldError errors field="condition"/>
                <p class="hint">
                    "A CEL expression over " <code>"type"</code> ", " <code>"project"</code> ", "
                    <code>"severity"</code> ", " <code>"source"</code> ", " <code>"subject"</code> ", "
                    <code>"data"</code> ", " <code>"metadata"</code> "; only events it is true for are sent. Empty sends every event."
                </p>
            </div>
            <div class="field">
                <label for="wh-redact">"Redact fields"</label>
                <textarea id="wh-redact" name="webhook[redact]" rows="2" spellcheck="false"
                    placeholder="data.input remove\nmetadata.user.email mask\ndata.samples[*].prompt hash"
                    aria-invalid=invalid(errors, "redact".into()) aria-describedby=error_id("redact")
                    on:input=move |ev| redact.set(event_target_value(&ev))>
                    {redact.get_untracked()}
                </textarea>
                <FieldError errors field="redact"/>
                <p class="hint">"One path a line, then remove (the default), mask or hash. Applied before anything is sent or logged."</p>
            </div>
            <div class="condition-preview" aria-live="polite">
                {move || check.value().get().map(preview)}
            </div>
        </fieldset>
    }
    .into_any()
}

/// The live answer: each example's verdict and the first matching example (else the first)
/// after redaction, or the errors of the condition and redactions as typed.
fn preview(answer: Result<ConditionCheckResult, ConsoleError>) -> AnyView {
    match answer {
        Ok(r) => {
            let redacted = r
                .samples
                .iter()
                .find(|s| s.matches)
                .or(r.samples.first())
                .and_then(|s| serde_json::to_string_pretty(&s.redacted).ok());
            view! {
                <ul class="condition-results">
                    {r.samples.into_iter().map(|s| {
                        let verdict = if s.matches { "yes" } else { "no" };
                        view! {
                            <li data-matches=s.matches.to_string()>
                                "matches the " <span class="mono">{s.event_type}</span> " example: "
                                <strong>{verdict}</strong>
                                {s.error.map(|e| view! { <span class="muted small">" (" {e} ")"</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {redacted.map(|body| view! {
                    <span class="label">"Example after redaction"</span>
                    <pre class="code" aria-label="Redaction preview">{body}</pre>
                })}
            }
            .into_any()
        }
        Err(ConsoleError::Invalid(f)) => {
            let text = ["condition", "redact"]
                .into_iter()
                .flat_map(|k| messages(&f, k))
                .collect::<Vec<_>>()
                .join("; ");
            view! { <p class="field-error" id="condition-live-error" role="status">{text}</p> }
                .into_any()
        }
        Err(e) => view! { <p class="field-error" role="status">{e.to_string()}</p> }.into_any(),
    }
}
