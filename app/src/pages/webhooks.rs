//! `/`: the webhooks table (name, masked URL, event types, health), a switch "Active" and a
//! menu "Actions" (Edit, Send test event, Delete) per row, and "Create Webhook". Dialogs
//! are driven by the URL, so every control is a link or a form that works without
//! JavaScript and is handled in place once the app is hydrated. A viewer sees the list
//! only: no Create, no switch (the state as text), no Actions (docs/roles.md).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::webhooks::{list_webhooks, SetActive};
use crate::auth::SignedInUser;
use crate::components::fields::ActionError;
use crate::components::webhook_dialogs::{CreateDialog, DeleteDialog, EditDialog, TestDialog};
use crate::dto::{escape, show_opt_time, WebhookView};
use crate::pages::{allows, loading, ErrorNotice, Me, Permitted};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &'static str| Memo::new(move |_| query.with(|q| q.get(k)));
    let create = Memo::new(move |_| query.with(|q| q.get("dialog").as_deref() == Some("create")));
    let edit = param("edit");
    let delete = param("delete");
    let test = param("test");
    // The list reloads when a dialog closes (something may have been saved or deleted).
    let dialog_open = Memo::new(move |_| {
        create.get() || edit.get().is_some() || delete.get().is_some() || test.get().is_some()
    });
    let toggle = ServerAction::<SetActive>::new();
    let me = use_context::<Me>();
    let list = Resource::new(
        move || (dialog_open.get(), toggle.version().get()),
        |_| list_webhooks(),
    );

    view! {
        <Title text="Webhooks · Herald"/>
        <div class="page-head">
            <div>
                <h1>"Webhooks"</h1>
                <p class="muted">"Herald signs and delivers each event to every active webhook subscribed to it, with retries."</p>
            </div>
            <Permitted when=SignedInUser::can_edit>
                <a href="/?dialog=create" role="button" class="btn primary">"Create Webhook"</a>
            </Permitted>
        </div>
        <ActionError value=toggle.value().into()/>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                let can_edit = allows(me, SignedInUser::can_edit).await;
                match list.await {
                    Ok(list) if list.webhooks.is_empty() => view! {
                        <div class="empty card">
                            <h2>"No webhooks yet"</h2>
                            <p>"Create one to start receiving evaluation, monitoring and alert events."</p>
                        </div>
                    }
                    .into_any(),
                    Ok(list) => view! {
                        <WebhookTable webhooks=list.webhooks toggle can_edit/>
                        {list.more.then(|| view! { <p class="hint">"Showing the 200 newest webhooks."</p> })}
                    }
                    .into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
        {move || create.get().then(|| view! { <CreateDialog/> })}
        {move || edit.get().map(|id| view! { <EditDialog id/> })}
        {move || delete.get().map(|id| view! { <DeleteDialog id/> })}
        {move || test.get().map(|id| view! { <TestDialog id/> })}
    }
    .into_any()
}

#[component]
fn WebhookTable(
    webhooks: Vec<WebhookView>,
    toggle: ServerAction<SetActive>,
    can_edit: bool,
) -> impl IntoView {
    view! {
        <div class="table-wrap card flush">
            <table class="webhooks" aria-label="Webhooks">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Event types"</th>
                        <th scope="col">"Health"</th>
                        <th scope="col">"Active"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {webhooks.into_iter().map(|w| view! { <WebhookRow w toggle can_edit/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn WebhookRow(w: WebhookView, toggle: ServerAction<SetActive>, can_edit: bool) -> impl IntoView {
    let id = escape(&w.id);
    let active = w.active;
    let (switch, actions) = if can_edit {
        (
            view! { <ActiveSwitch id=w.id.clone() active toggle/> }.into_any(),
            view! { <ActionsMenu id=id.clone()/> }.into_any(),
        )
    } else {
        let state = if active { "On" } else { "Off" };
        (
            view! { <span class="muted">{state}</span> }.into_any(),
            ().into_any(),
        )
    };
    let types = if w.event_types.iter().any(|t| t == "*") {
        view! { <span class="chip">"All events"</span> }.into_any()
    } else {
        w.event_types
            .iter()
            .map(|t| view! { <span class="chip mono">{t.clone()}</span> })
            .collect_view()
            .into_any()
    };
    view! {
        <tr>
            <td>
                <div class="name-cell">
                    <a href=format!("/webhooks/{id}") class="name">{w.name.clone()}</a>
                    <span class="url mono" title=w.url_display.clone()>{w.url_display.clone()}</span>
                    {(!w.description.is_empty()).then(|| view! { <span class="muted small">{w.description.clone()}</span> })}
                </div>
            </td>
            <td class="types-cell">{types}</td>
            <td><Health w=w.clone()/></td>
            <td>{switch}</td>
            <td class="actions-cell">{actions}</td>
        </tr>
    }
    .into_any()
}

/// The row's "Active" switch: a form posting the opposite state.
#[component]
fn ActiveSwitch(id: String, active: bool, toggle: ServerAction<SetActive>) -> impl IntoView {
    view! {
        <ActionForm action=toggle attr:class="inline">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="active" value=(!active).to_string()/>
            <button type="submit" role="switch" class="switch" aria-checked=active.to_string() aria-label="Active">
                <span class="track" aria-hidden="true"><span class="thumb"></span></span>
                <span class="switch-text" aria-hidden="true">{if active { "On" } else { "Off" }}</span>
            </button>
        </ActionForm>
    }
    .into_any()
}

#[component]
fn Health(w: WebhookView) -> impl IntoView {
    let h = w.health;
    if let Some(reason) = h.disabled_reason {
        return view! { <span class="health bad">"Disabled: " {reason}</span> }.into_any();
    }
    if h.consecutive_failures > 0 {
        return view! {
            <span class="health warn">{format!("{} failed in a row", h.consecutive_failures)}</span>
            <span class="muted small">"Last failure " {show_opt_time(&h.last_failure_at)}</span>
        }
        .into_any();
    }
    match h.last_success_at {
        Some(t) => view! {
            <span class="health good">"Healthy"</span>
            <span class="muted small">"Last success " {show_opt_time(&Some(t))}</span>
        }
        .into_any(),
        None => view! { <span class="health none">"No deliveries yet"</span> }.into_any(),
    }
}

/// The row's "Actions" menu: a disclosure (works without JavaScript) holding links.
#[component]
fn ActionsMenu(id: String) -> impl IntoView {
    let details = NodeRef::<leptos::html::Details>::new();
    let expanded = RwSignal::new(false);
    let close = move |_| {
        if let Some(d) = details.get() {
            d.set_open(false);
        }
    };
    view! {
        <details class="menu" node_ref=details on:toggle=move |_| {
            if let Some(d) = details.get() {
                expanded.set(d.open());
            }
        }>
            <summary role="button" aria-haspopup="menu" aria-expanded=move || expanded.get().to_string()>
                "Actions"
            </summary>
            <div role="menu" class="menu-items">
                <a role="menuitem" href=format!("/?edit={id}") on:click=close>"Edit"</a>
                <a role="menuitem" href=format!("/?test={id}") on:click=close>"Send test event"</a>
                <a role="menuitem" href=format!("/?delete={id}") class="danger" on:click=close>"Delete"</a>
            </div>
        </details>
    }
    .into_any()
}
