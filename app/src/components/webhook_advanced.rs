//! The "Advanced" part of the webhook form (a disclosure, open when one of its fields has
//! an error): filters, payload format and PagerDuty routing key, template overrides with a
//! live preview, retry policy, timeout and batching.
use leptos::prelude::*;

use crate::components::condition_editor::ConditionEditor;
use crate::components::fields::{error_id, invalid, FieldError, NumberField};
use crate::components::templates_editor::TemplatesEditor;
use crate::dto::{Backoff, EventTypeView, Format, Severity, WebhookView};
use crate::error::FieldErrors;

/// Whether an error belongs to a field under "Advanced".
fn advanced_error(field: &str) -> bool {
    [
        "filters.",
        "format",
        "settings.",
        "templates.",
        "retry.",
        "batch.",
        "timeout_ms",
        "include_result",
        "condition",
        "redact",
    ]
    .iter()
    .any(|p| field.starts_with(p))
}

#[component]
pub fn AdvancedSettings(
    webhook: WebhookView,
    event_types: Vec<EventTypeView>,
    errors: Signal<FieldErrors>,
    format: RwSignal<String>,
    routing_key: RwSignal<String>,
) -> impl IntoView {
    let advanced_open = move || errors.with(|e| e.keys().any(|k| advanced_error(k)));
    let input_attrs =
        move |field: &'static str| (invalid(errors, field.to_string()), error_id(field));
    let (proj_invalid, proj_desc) = input_attrs("filters.projects");
    let (src_invalid, src_desc) = input_attrs("filters.sources");
    let (rk_invalid, rk_desc) = input_attrs("settings.routing_key");
    view! {
        <details class="advanced" open=advanced_open>
            <summary>"Advanced"</summary>
            <fieldset>
                <legend>"Filters"</legend>
                <p class="hint">"Only events that match every filter are sent. Empty means any."</p>
                <div class="field">
                    <label for="wh-projects">"Projects"</label>
                    <input id="wh-projects" type="text" name="webhook[projects]" value=webhook.projects.join(", ")
                        placeholder="patient-triage, fraud-scoring" aria-invalid=proj_invalid aria-describedby=proj_desc/>
                    <FieldError errors field="filters.projects"/>
                </div>
                <div class="field">
                    <label for="wh-sources">"Sources"</label>
                    <input id="wh-sources" type="text" name="webhook[sources]" value=webhook.sources.join(", ")
                        placeholder="experiment, evaluation_api" aria-invalid=src_invalid aria-describedby=src_desc/>
                    <FieldError errors field="filters.sources"/>
                </div>
                <fieldset class="inline-checks" aria-describedby="err-filters-severities">
                    <legend>"Severities"</legend>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <label class="check">
                            <input type="checkbox" name="webhook[severities][]" value=s.as_str() checked=webhook.severities.contains(&s)/>
                            {s.as_str()}
                        </label>
                    }).collect_view()}
                    <FieldError errors field="filters.severities"/>
                </fieldset>
                {(!webhook.subjects.is_empty()).then(|| view! {
                    <p class="hint">"Subject filters (kept as set through the API): " {webhook.subjects.join(", ")}</p>
                })}
            </fieldset>
            <fieldset>
                <legend>"Payload"</legend>
                <div class="row">
                    <div class="field">
                        <label for="wh-format">"Format"</label>
                        <select id="wh-format" name="webhook[format]" on:change=move |ev| format.set(event_target_value(&ev))>
                            {Format::ALL.into_iter().map(|f| view! {
                                <option value=f.as_str() selected=webhook.format == f>{f.label()}</option>
                            }).collect_view()}
                        </select>
                        <FieldError errors field="format"/>
                    </div>
                    <div class="field" hidden=move || format.get() != Format::Pagerduty.as_str()>
                        <label for="wh-routing-key">"Routing key"</label>
                        <input id="wh-routing-key" type="text" name="webhook[routing_key]" value=webhook.routing_key.clone()
                            autocomplete="off" spellcheck="false" on:input=move |ev| routing_key.set(event_target_value(&ev))
                            aria-invalid=rk_invalid aria-describedby=rk_desc/>
                        <FieldError errors field="settings.routing_key"/>
                    </div>
                </div>
                <label class="check">
                    <input type="checkbox" name="webhook[include_result]" checked=webhook.include_result/>
                    "Include result (data.result up to 16 KiB)"
                </label>
            </fieldset>
            <ConditionEditor webhook=webhook.clone() event_types=event_types.clone() errors/>
            <TemplatesEditor initial=webhook.templates.clone() event_types=event_types.clone() format routing_key errors/>
            <fieldset>
                <legend>"Retry policy"</legend>
                <div class="row">
                    <NumberField id="wh-max-retries" label="Max retries" name="webhook[max_retries]" value=webhook.retry.max_retries.to_string() errors field="retry.max_retries"/>
                    <div class="field">
                        <label for="wh-backoff">"Backoff"</label>
                        <select id="wh-backoff" name="webhook[backoff]">
                            <option value=Backoff::Exponential.as_str() selected=webhook.retry.backoff == Backoff::Exponential>"Exponential (×4)"</option>
                            <option value=Backoff::Fixed.as_str() selected=webhook.retry.backoff == Backoff::Fixed>"Fixed"</option>
                        </select>
                        <FieldError errors field="retry.backoff"/>
                    </div>
                    <NumberField id="wh-initial-delay" label="Initial delay (ms)" name="webhook[initial_delay_ms]" value=webhook.retry.initial_delay_ms.to_string() errors field="retry.initial_delay_ms"/>
                    <NumberField id="wh-max-delay" label="Max delay (ms)" name="webhook[max_delay_ms]" value=webhook.retry.max_delay_ms.to_string() errors field="retry.max_delay_ms"/>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Timeout and batching"</legend>
                <div class="row">
                    <NumberField id="wh-timeout" label="Timeout (ms)" name="webhook[timeout_ms]" value=webhook.timeout_ms.to_string() errors field="timeout_ms"/>
                    <NumberField id="wh-batch-events" label="Max events per request" name="webhook[batch_max_events]" value=webhook.batch.max_events.to_string() errors field="batch.max_events"/>
                    <NumberField id="wh-batch-wait" label="Max wait (ms)" name="webhook[batch_max_wait_ms]" value=webhook.batch.max_wait_ms.to_string() errors field="batch.max_wait_ms"/>
                </div>
            </fieldset>
        </details>
    }
    .into_any()
}
