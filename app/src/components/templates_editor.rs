//! Per-event-type template overrides with a live preview. Each row picks an event type and
//! holds a template; the preview renders that type's catalog example through the webhook's
//! format and the template on the server (the engine's formats), and shows the JSON body a
//! receiver would get. Only the Slack, Discord, Teams and PagerDuty formats use templates.
//! The preview is a browser enhancement: it is fetched by an action whenever the inputs
//! change (an effect, so only once hydrated), never during server rendering.
use leptos::prelude::*;

use crate::api::webhooks::preview_template;
use crate::components::fields::{error_id, messages};
use crate::dto::{EventTypeView, Format};

/// Whether the format named by a `<select>` value renders templates.
fn uses_templates(format: &str) -> bool {
    Format::parse(format).is_some_and(|f| f.chat().is_some())
}
use crate::error::FieldErrors;

#[derive(Clone)]
struct Row {
    id: usize,
    event_type: RwSignal<String>,
    body: RwSignal<String>,
}

#[component]
pub fn TemplatesEditor(
    initial: Vec<(String, String)>,
    event_types: Vec<EventTypeView>,
    format: RwSignal<String>,
    routing_key: RwSignal<String>,
    errors: Signal<FieldErrors>,
) -> impl IntoView {
    let first_type = event_types
        .first()
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let make = move |id: usize, et: String, body: String| Row {
        id,
        event_type: RwSignal::new(et),
        body: RwSignal::new(body),
    };
    let mut start: Vec<Row> = initial
        .into_iter()
        .enumerate()
        .map(|(i, (et, body))| make(i, et, body))
        .collect();
    if start.is_empty() {
        start.push(make(0, first_type.clone(), String::new()));
    }
    let next_id = StoredValue::new(start.len());
    let rows = RwSignal::new(start);
    let types = StoredValue::new(event_types);
    let chat = move || uses_templates(&format.get());
    let add = {
        let first_type = first_type.clone();
        move |_| {
            let id = next_id.get_value();
            next_id.set_value(id + 1);
            rows.update(|r| r.push(make(id, first_type.clone(), String::new())));
        }
    };

    view! {
        <fieldset class="templates" disabled=move || !chat()>
            <legend>"Message templates"</legend>
            <p class="hint" hidden=chat>
                "Templates shape Slack, Discord, Teams and PagerDuty messages. Choose one of those formats to override them."
            </p>
            <div hidden=move || !chat()>
                <p class="hint">
                    "Leave a template empty to use the format's default. Use "
                    <code>"{{data.field}}"</code>
                    " and filters such as "
                    <code>"| percent"</code>
                    ", "
                    <code>"| round(2)"</code>
                    ", "
                    <code>"| default(\"n/a\")"</code>
                    "."
                </p>
                <For
                    each=move || rows.get()
                    key=|r| r.id
                    children=move |r| {
                        let id = r.id;
                        let event_type = r.event_type;
                        let body = r.body;
                        let field = move || format!("templates.{}", event_type.get());
                        let msgs = move || errors.with(|e| messages(e, &field()).join("; "));
                        let preview = Action::new(|args: &(String, String, String, String)| {
                            let (f, e, b, k) = args.clone();
                            preview_template(f, e, b, k)
                        });
                        Effect::new(move |_| {
                            let args = (format.get(), event_type.get(), body.get(), routing_key.get());
                            if uses_templates(&args.0) {
                                preview.dispatch(args);
                            }
                        });
                        let remove = move |_| rows.update(|rs| rs.retain(|x| x.id != id));
                        let select_id = format!("tpl-type-{id}");
                        let body_id = format!("tpl-body-{id}");
                        view! {
                            <div class="template-row">
                                <div class="template-edit">
                                    <label for=select_id.clone()>"Template event type"</label>
                                    <select
                                        id=select_id
                                        name=format!("webhook[templates][{id}][event_type]")
                                        on:change=move |ev| event_type.set(event_target_value(&ev))
                                    >
                                        {types
                                            .get_value()
                                            .into_iter()
                                            .map(|t| {
                                                let selected = t.name == event_type.get_untracked();
                                                view! {
                                                    <option value=t.name.clone() selected=selected>
                                                        {t.name.clone()}
                                                    </option>
                                                }
                                            })
                                            .collect_view()}
                                    </select>
                                    <label for=body_id.clone()>"Template"</label>
                                    <textarea
                                        id=body_id
                                        name=format!("webhook[templates][{id}][body]")
                                        rows="4"
                                        spellcheck="false"
                                        placeholder=move || {
                                            preview
                                                .value()
                                                .get()
                                                .and_then(|r| r.ok())
                                                .map(|p| p.default_template)
                                                .unwrap_or_default()
                                        }
                                        aria-invalid=move || (!msgs().is_empty()).then_some("true")
                                        aria-describedby=move || error_id(&field())
                                        on:input=move |ev| body.set(event_target_value(&ev))
                                    >
                                        {body.get_untracked()}
                                    </textarea>
                                    <p class="field-error" id=move || error_id(&field())>{msgs}</p>
                                    <button type="button" class="btn ghost small" on:click=remove>
                                        "Remove template"
                                    </button>
                                </div>
                                <div class="template-preview">
                                    <span class="label">"Preview"</span>
                                    {move || match preview.value().get() {
                                        None => view! { <pre class="code muted">"The preview appears here."</pre> }.into_any(),
                                        Some(Ok(p)) => match (p.body, p.error) {
                                            (Some(body), _) => view! { <pre class="code" aria-label="Preview">{body}</pre> }.into_any(),
                                            (None, error) => view! { <p class="field-error">{error.unwrap_or_default()}</p> }.into_any(),
                                        },
                                        Some(Err(e)) => view! { <p class="field-error">{e.to_string()}</p> }.into_any(),
                                    }}
                                </div>
                            </div>
                        }
                    }
                />
                <button type="button" class="btn small" on:click=add>
                    "Add template override"
                </button>
            </div>
        </fieldset>
    }
    .into_any()
}
