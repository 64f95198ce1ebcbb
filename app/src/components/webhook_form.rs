//! The create/edit webhook form, inside the "Create Webhook" / "Edit Webhook" dialog. It is
//! an `ActionForm`: without JavaScript it posts to the `save_webhook` server function and
//! the server redirects; with JavaScript the same form is submitted in place. The engine
//! validates; its field errors appear next to their fields and nothing is saved.
//! "Validate webhook" (like the headers editor's buttons) is a submit button naming its
//! intent: with JavaScript it validates in place; without it the server keeps the form as
//! a draft with the answer, and the dialog renders the form from it (`draft`, `retype`,
//! `validated`). A hidden first "Save" button keeps Enter in a field meaning save.
use leptos::prelude::*;

use crate::api::webhooks::{SaveWebhook, ValidateWebhook};
use crate::components::fields::{
    error_id, field_errors, invalid, messages, ActionError, FieldError,
};
use crate::components::headers_editor::HeadersEditor;
use crate::components::test_result::TestResultPanel;
use crate::components::webhook_advanced::AdvancedSettings;
use crate::dto::{BatchSettings, EventTypeView, Format, RetryPolicy, TestResultView, WebhookView};
use crate::error::{ConsoleError, FieldErrors};
use crate::intent::FormIntent;

/// A new webhook's settings, as the form starts.
pub fn blank_webhook() -> WebhookView {
    WebhookView {
        id: String::new(),
        name: String::new(),
        url: String::new(),
        url_display: String::new(),
        description: String::new(),
        active: true,
        event_types: vec![],
        projects: vec![],
        severities: vec![],
        sources: vec![],
        subjects: vec![],
        headers: vec![],
        format: Format::default(),
        routing_key: String::new(),
        templates: vec![],
        include_result: false,
        batch: BatchSettings::default(),
        retry: RetryPolicy::default(),
        timeout_ms: domain::webhook::DEFAULT_TIMEOUT_MS,
        condition: String::new(),
        redact: vec![],
        health: Default::default(),
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// Field paths that have a place in the form; any other error is listed at the top.
fn has_slot(field: &str) -> bool {
    const EXACT: [&str; 7] = [
        "condition",
        "name",
        "url",
        "description",
        "format",
        "timeout_ms",
        "settings.routing_key",
    ];
    const PREFIXES: [&str; 9] = [
        "redact",
        "event_types",
        "headers",
        "filters.projects",
        "filters.severities",
        "filters.sources",
        "templates.",
        "retry.",
        "batch.",
    ];
    EXACT.contains(&field) || PREFIXES.iter().any(|p| field.starts_with(p))
}

#[component]
pub fn WebhookForm(
    webhook: WebhookView,
    event_types: Vec<EventTypeView>,
    #[prop(into)] close_href: String,
    /// Header rows of a draft whose protected value must be typed again.
    #[prop(optional)]
    retype: Vec<usize>,
    /// The answer of "Validate webhook" posted without JavaScript, kept with the draft.
    #[prop(optional_no_strip)]
    validated: Option<Result<TestResultView, ConsoleError>>,
) -> impl IntoView {
    let editing = !webhook.id.is_empty();
    let save = ServerAction::<SaveWebhook>::new();
    let validate = ServerAction::<ValidateWebhook>::new();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let name_ref = NodeRef::<leptos::html::Input>::new();
    // The form loads after its dialog opened: focus the first field once it is there.
    Effect::new(move |_| {
        if let Some(input) = name_ref.get() {
            // After the frame in which the loaded form is attached to the document.
            request_animation_frame(move || drop(input.focus()));
        }
    });
    let save_errors = field_errors(save.value().into());
    let validate_errors = field_errors(validate.value().into());
    let draft_errors = match &validated {
        Some(Err(ConsoleError::Invalid(f))) => f.clone(),
        _ => FieldErrors::new(),
    };
    // Validation errors (URL, headers) show in the same places as save errors.
    let errors: Signal<FieldErrors> = Signal::derive(move || {
        let mut all = save_errors.get();
        for (k, v) in validate_errors.get() {
            all.entry(k).or_insert(v);
        }
        for (k, v) in &draft_errors {
            all.entry(k.clone()).or_insert_with(|| v.clone());
        }
        all
    });
    let format = RwSignal::new(webhook.format.as_str().to_string());
    let routing_key = RwSignal::new(webhook.routing_key.clone());

    let on_validate = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let Some(form) = form_ref.get() else { return };
        let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else {
            return;
        };
        match SaveWebhook::from_form_data(&data) {
            Ok(args) => {
                validate.dispatch(ValidateWebhook {
                    webhook: args.webhook,
                });
            }
            Err(e) => leptos::logging::error!("cannot read the form: {e}"),
        }
    };

    // Event-type checkboxes: the catalog, plus any pattern the webhook already uses.
    let mut choices: Vec<(String, String)> = vec![(
        "*".into(),
        "All event types, including ones added later".into(),
    )];
    choices.extend(
        webhook
            .event_types
            .iter()
            .filter(|t| *t != "*" && !event_types.iter().any(|c| &c.name == *t))
            .map(|t| (t.clone(), "Pattern".into())),
    );
    choices.extend(
        event_types
            .iter()
            .map(|t| (t.name.clone(), t.description.clone())),
    );
    let subscribed = webhook.event_types.clone();

    let summary = move || {
        save.value().with(|v| match v {
            Some(Err(ConsoleError::Invalid(f))) => {
                let loose: Vec<String> = f
                    .iter()
                    .filter(|(k, _)| !has_slot(k))
                    .map(|(k, m)| format!("{k}: {}", m.join("; ")))
                    .collect();
                Some(view! {
                    <div class="alert error" role="alert">
                        <p>{ConsoleError::Invalid(f.clone()).to_string()}</p>
                        <ul>{loose.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    </div>
                })
            }
            _ => None,
        })
    };
    let input_attrs =
        move |field: &'static str| (invalid(errors, field.to_string()), error_id(field));

    let (name_invalid, name_desc) = input_attrs("name");
    let (url_invalid, url_desc) = input_attrs("url");
    let (desc_invalid, desc_desc) = input_attrs("description");

    view! {
        <ActionForm action=save node_ref=form_ref attr:class="webhook-form" attr:novalidate=true>
            <input type="hidden" name="webhook[id]" value=webhook.id.clone()/>
            // The default button (Enter in a field) must save, not add or remove a header.
            <button type="submit" name="webhook[intent]" value=FormIntent::Save.value() class="visually-hidden" tabindex="-1" aria-hidden="true">"Save"</button>
            {summary}
            <ActionError value=save.value().into()/>
            <div class="field">
                <label for="wh-name">"Name"</label>
                <input id="wh-name" node_ref=name_ref type="text" name="webhook[name]" value=webhook.name.clone() autofocus=true autocomplete="off"
                    aria-invalid=name_invalid aria-describedby=name_desc/>
                <FieldError errors field="name"/>
            </div>
            <div class="field">
                <label for="wh-url">"URL"</label>
                <input id="wh-url" type="text" inputmode="url" name="webhook[url]" value=webhook.url.clone()
                    placeholder="https://example.com/webhooks/herald" autocomplete="off" spellcheck="false"
                    aria-invalid=url_invalid aria-describedby=url_desc/>
                <FieldError errors field="url"/>
            </div>
            <div class="field">
                <label for="wh-description">"Description"</label>
                <textarea id="wh-description" name="webhook[description]" rows="2"
                    aria-invalid=desc_invalid aria-describedby=desc_desc>{webhook.description.clone()}</textarea>
                <FieldError errors field="description"/>
            </div>
            <div class="field switch-field">
                <input id="wh-active" type="checkbox" role="switch" class="switch-input" name="webhook[active]" checked=webhook.active/>
                <label for="wh-active">"Active"</label>
                <span class="hint">"Inactive webhooks receive nothing; events are not queued for them."</span>
            </div>
            <fieldset class="event-types" aria-describedby="err-event_types">
                <legend>"Event types"</legend>
                <div class="checks">
                    {choices.into_iter().map(|(name, description)| {
                        let checked = subscribed.contains(&name);
                        view! {
                            <label class="check" title=description>
                                <input type="checkbox" name="webhook[event_types][]" value=name.clone() checked=checked/>
                                <span class="mono">{name.clone()}</span>
                                {(name == "*").then(|| view! { <span class="muted">"(all event types)"</span> })}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <p class="field-error" id="err-event_types">{move || errors.with(|e| messages(e, "event_types").join("; "))}</p>
            </fieldset>
            <HeadersEditor initial=webhook.headers.clone() errors retype/>
            <div class="validate">
                <button type="submit" name="webhook[intent]" value=FormIntent::Validate.value() class="btn" on:click=on_validate aria-busy=move || validate.pending().get().then_some("true")>
                    "Validate webhook"
                </button>
                <span class="hint">"Sends a webhook.test event to the URL with these headers, without saving."</span>
                <ValidateOutcome validate validated/>
            </div>
            <AdvancedSettings webhook=webhook.clone() event_types=event_types.clone() errors format routing_key/>
            <footer class="dialog-actions">
                <a href=close_href class="btn ghost" role="button">"Cancel"</a>
                <button type="submit" name="webhook[intent]" value=FormIntent::Save.value() class="btn primary" aria-busy=move || save.pending().get().then_some("true")>
                    {if editing { "Save" } else { "Create" }}
                </button>
            </footer>
        </ActionForm>
    }
    .into_any()
}

/// The answer of "Validate webhook": the request sent and the response, or why not; until
/// it is pressed (with JavaScript), the answer kept with a draft, if any.
#[component]
fn ValidateOutcome(
    validate: ServerAction<ValidateWebhook>,
    validated: Option<Result<TestResultView, ConsoleError>>,
) -> impl IntoView {
    move || {
        validate.value().get().or_else(|| validated.clone()).map(|r| match r {
            Ok(result) => view! { <TestResultPanel result/> }.into_any(),
            Err(ConsoleError::Invalid(_)) => {
                view! { <p class="alert error" role="alert">"Fix the URL and headers marked above, then validate again."</p> }.into_any()
            }
            Err(e) => view! { <p class="alert error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    }
}
