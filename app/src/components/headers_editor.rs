//! The "Headers" editor of the webhook form: one row per custom header with "Header name",
//! "Header value", "Protected" and "Remove header"; "Add header" appends a row. Inputs are
//! plain form fields (`webhook[headers][n][…]`), so whatever is typed is posted, whether or
//! not its row was "added". A stored protected value is never sent to the browser: its row
//! shows it as hidden and keeps it unless a new value is typed.
//!
//! "Add header" and "Remove header" are submit buttons of the form naming their intent
//! (`webhook[intent]`): with JavaScript they act in place and submit nothing; without it
//! the server keeps the form as a draft with the row added or removed and renders it again
//! (`server::draft`). A protected value typed before that is not kept: its row (`retype`)
//! asks for it again.
use leptos::prelude::*;

use crate::components::fields::{error_id, messages};
use crate::dto::Header;
use crate::error::FieldErrors;
use crate::intent::FormIntent;

#[derive(Clone)]
struct Row {
    id: usize,
    key: String,
    value: String,
    protected: RwSignal<bool>,
    /// A protected header whose value is stored on the server.
    stored: bool,
    /// A protected value typed before a draft was kept, to be typed again.
    retype: bool,
}

fn row(id: usize, h: Option<&Header>) -> Row {
    Row {
        id,
        key: h.map(|h| h.key.clone()).unwrap_or_default(),
        value: h.and_then(|h| h.value.clone()).unwrap_or_default(),
        protected: RwSignal::new(h.is_some_and(|h| h.protected)),
        stored: h.is_some_and(|h| h.protected),
        retype: false,
    }
}

#[component]
pub fn HeadersEditor(
    initial: Vec<Header>,
    errors: Signal<FieldErrors>,
    /// Rows of a draft whose protected value must be typed again.
    #[prop(optional)]
    retype: Vec<usize>,
) -> impl IntoView {
    let mut start: Vec<Row> = initial
        .iter()
        .enumerate()
        .map(|(i, h)| Row {
            retype: retype.contains(&i),
            ..row(i, Some(h))
        })
        .collect();
    // A spare row to type into; it counts when filled.
    start.push(row(start.len(), None));
    let next_id = StoredValue::new(start.len());
    let rows = RwSignal::new(start);

    let add = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        rows.update(|r| r.push(row(id, None)));
    };
    let group_errors =
        move || errors.with(|e| e.get("headers").map(|m| m.join("; ")).unwrap_or_default());

    view! {
        <fieldset class="headers">
            <legend>"Headers"</legend>
            <p class="hint">
                "Sent with every request. Protected values are encrypted, never shown again, and masked in the delivery log."
            </p>
            <div class="header-rows">
                <For
                    each=move || rows.get()
                    key=|r| r.id
                    children=move |r| {
                        let id = r.id;
                        let position = move || rows.with(|rs| rs.iter().position(|x| x.id == id).unwrap_or(id));
                        let key_field = move || format!("headers[{}].key", position());
                        let value_field = move || format!("headers[{}].value", position());
                        let key_msgs = move || errors.with(|e| messages(e, &key_field()).join("; "));
                        let value_msgs = move || errors.with(|e| messages(e, &value_field()).join("; "));
                        let protected = r.protected;
                        let stored = r.stored;
                        let retype = r.retype;
                        let remove = move |ev: leptos::ev::MouseEvent| {
                            ev.prevent_default();
                            rows.update(|rs| {
                                rs.retain(|x| x.id != id);
                                if rs.is_empty() {
                                    let nid = next_id.get_value();
                                    next_id.set_value(nid + 1);
                                    rs.push(row(nid, None));
                                }
                            })
                        };
                        let name = move |part: &str| format!("webhook[headers][{id}][{part}]");
                        view! {
                            <div class="header-row">
                                <div class="cell">
                                    <input
                                        type="text"
                                        name=name("key")
                                        value=r.key.clone()
                                        aria-label="Header name"
                                        placeholder="Header name"
                                        autocomplete="off"
                                        spellcheck="false"
                                        aria-invalid=move || (!key_msgs().is_empty()).then_some("true")
                                        aria-describedby=move || error_id(&key_field())
                                    />
                                    <p class="field-error" id=move || error_id(&key_field())>{key_msgs}</p>
                                </div>
                                <div class="cell">
                                    <input
                                        type=move || if protected.get() { "password" } else { "text" }
                                        name=name("value")
                                        value=r.value.clone()
                                        aria-label="Header value"
                                        placeholder=if retype { "Type the value again" } else if stored { "Hidden — type to replace" } else { "Header value" }
                                        autocomplete="off"
                                        spellcheck="false"
                                        aria-invalid=move || (!value_msgs().is_empty()).then_some("true")
                                        aria-describedby=move || error_id(&value_field())
                                    />
                                    <p class="field-error" id=move || error_id(&value_field())>{value_msgs}</p>
                                    {retype.then(|| view! {
                                        <p class="hint">"Protected values are not kept: type it again."</p>
                                    })}
                                </div>
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        name=name("protected")
                                        checked=protected.get_untracked()
                                        on:change=move |ev| protected.set(event_target_checked(&ev))
                                    />
                                    "Protected"
                                </label>
                                <button type="submit" name="webhook[intent]" class="btn ghost small" on:click=remove
                                    value=move || FormIntent::RemoveHeader(position()).value()>
                                    "Remove header"
                                </button>
                            </div>
                        }
                    }
                />
            </div>
            <p class="field-error" id="err-headers">{group_errors}</p>
            <button type="submit" name="webhook[intent]" value=FormIntent::AddHeader.value() class="btn small" on:click=add>
                "Add header"
            </button>
        </fieldset>
    }
    .into_any()
}
