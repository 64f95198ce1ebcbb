//! The webhooks page's dialogs, each opened by a query parameter: `?dialog=create`,
//! `?edit=wh_…`, `?delete=wh_…` (confirmation) and `?test=wh_…` (send a test event).
//! The create and edit dialogs render the form from its draft when a button posted
//! without JavaScript kept one (`take_webhook_draft`).
use leptos::prelude::*;

use crate::api::webhooks::{
    get_webhook, list_event_types, take_webhook_draft, DeleteWebhook, SendTest,
};
use crate::components::dialog::Dialog;
use crate::components::fields::ActionError;
use crate::components::test_result::TestResultPanel;
use crate::components::webhook_form::{blank_webhook, WebhookForm};
use crate::dto::{EventTypeView, WebhookDraft, WebhookView};
use crate::pages::{loading, ErrorNotice};

#[component]
pub fn CreateDialog() -> impl IntoView {
    let types = Resource::new(|| (), |_| list_event_types());
    let draft = Resource::new(|| (), |_| take_webhook_draft(String::new()));
    view! {
        <Dialog title="Create Webhook" close_href="/" wide=true>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match (types.await, draft.await) {
                        (Ok(t), Ok(d)) => form_or_draft(blank_webhook(), d, t),
                        (Err(e), _) | (_, Err(e)) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </Dialog>
    }
    .into_any()
}

#[component]
pub fn EditDialog(id: String) -> impl IntoView {
    let types = Resource::new(|| (), |_| list_event_types());
    let draft_id = id.clone();
    let webhook = Resource::new(move || id.clone(), |id| get_webhook(id, true));
    let draft = Resource::new(move || draft_id.clone(), take_webhook_draft);
    view! {
        <Dialog title="Edit Webhook" close_href="/" wide=true>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match (webhook.await, types.await, draft.await) {
                        (Ok(w), Ok(t), Ok(d)) => form_or_draft(w, d, t),
                        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </Dialog>
    }
    .into_any()
}

/// The form for `webhook`, or as its draft left it (the subject filters, which the form
/// does not edit, stay the stored ones).
fn form_or_draft(
    webhook: WebhookView,
    draft: Option<WebhookDraft>,
    event_types: Vec<EventTypeView>,
) -> AnyView {
    match draft {
        None => view! { <WebhookForm webhook event_types close_href="/"/> }.into_any(),
        Some(d) => {
            let webhook = WebhookView {
                subjects: webhook.subjects,
                ..d.webhook
            };
            view! {
                <WebhookForm webhook event_types close_href="/" retype=d.retype validated=d.validated/>
            }
            .into_any()
        }
    }
}

#[component]
pub fn DeleteDialog(id: String) -> impl IntoView {
    let delete = ServerAction::<DeleteWebhook>::new();
    let webhook = Resource::new(move || id.clone(), |id| get_webhook(id, false));
    view! {
        <Dialog title="Delete webhook" close_href="/">
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match webhook.await {
                        Ok(w) => view! {
                            <p>
                                "Delete " <strong>{w.name.clone()}</strong>
                                "? It stops receiving events at once, and its delivery log is deleted with it. This cannot be undone."
                            </p>
                            <ActionError value=delete.value().into()/>
                            <ActionForm action=delete>
                                <input type="hidden" name="id" value=w.id.clone()/>
                                <footer class="dialog-actions">
                                    <a href="/" class="btn ghost" role="button">"Cancel"</a>
                                    <button type="submit" class="btn danger">"Delete"</button>
                                </footer>
                            </ActionForm>
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </Dialog>
    }
    .into_any()
}

#[component]
pub fn TestDialog(id: String) -> impl IntoView {
    let send = ServerAction::<SendTest>::new();
    let types = Resource::new(|| (), |_| list_event_types());
    let webhook = Resource::new(move || id.clone(), |id| get_webhook(id, false));
    view! {
        <Dialog title="Send test event" close_href="/" wide=true>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match (webhook.await, types.await) {
                        (Ok(w), Ok(t)) => view! {
                            <p class="muted">
                                "Sends the chosen event type's example to " <strong>{w.name.clone()}</strong>
                                " now, bypassing the queue and filters. It is recorded in the delivery log."
                            </p>
                            <TestForm webhook_id=w.id.clone() event_types=t.into_iter().map(|t| t.name).collect() send/>
                            <footer class="dialog-actions">
                                <a href=format!("/webhooks/{}", w.id) class="btn ghost">"Open delivery log"</a>
                                <a href="/" class="btn ghost" role="button">"Close"</a>
                            </footer>
                        }
                        .into_any(),
                        (Err(e), _) | (_, Err(e)) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </Dialog>
    }
    .into_any()
}

/// "Event type" picker and "Send test event", with the result below. Also used on the
/// webhook page.
#[component]
pub fn TestForm(
    webhook_id: String,
    event_types: Vec<String>,
    send: ServerAction<SendTest>,
) -> impl IntoView {
    let select_id = format!("test-type-{webhook_id}");
    view! {
        <ActionForm action=send attr:class="test-form">
            <input type="hidden" name="id" value=webhook_id/>
            <div class="field">
                <label for=select_id.clone()>"Event type"</label>
                <select id=select_id name="event_type">
                    {event_types.into_iter().map(|t| {
                        let selected = t == "webhook.test";
                        let value = t.clone();
                        view! { <option value=value selected=selected>{t}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="btn primary" aria-busy=move || send.pending().get().then_some("true")>
                "Send test event"
            </button>
        </ActionForm>
        <ActionError value=send.value().into()/>
        {move || send.value().get().and_then(|r| r.ok()).map(|result| view! { <TestResultPanel result/> })}
    }
    .into_any()
}
