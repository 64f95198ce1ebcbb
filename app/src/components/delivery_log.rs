//! A webhook's delivery log: time, event type, status, response code and attempts, newest
//! first, filtered by status and event type (a GET form, so filters live in the URL), with
//! "Resend" per delivery. The page owns the log's resource (see [`log_resource`]): resources
//! are created outside `Suspense` so server and browser number them alike.
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::deliveries::{list_deliveries, Resend};
use crate::auth::SignedInUser;
use crate::dto::DeliveryPage;
use crate::error::ConsoleError;
use crate::pages::{allows, Me};

/// The log's data, reloaded when the filters in the URL change or `refresh` does.
pub fn log_resource(
    webhook_id: Memo<String>,
    refresh: Signal<usize>,
) -> Resource<Result<DeliveryPage, ConsoleError>> {
    let query = use_query_map();
    let filter = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    Resource::new(
        move || {
            (
                webhook_id.get(),
                filter("status"),
                filter("event_type"),
                filter("cursor"),
                refresh.get(),
            )
        },
        |(id, status, event_type, cursor, _)| list_deliveries(id, status, event_type, cursor),
    )
}
use crate::components::fields::ActionError;
use crate::dto::{escape, show_time, DeliveryStatus, EventTypeView};
use crate::pages::ErrorNotice;

#[component]
pub fn DeliveryLog(
    webhook_id: String,
    event_types: Vec<EventTypeView>,
    log: Resource<Result<DeliveryPage, ConsoleError>>,
    resend: ServerAction<Resend>,
    /// Bumped by "Refresh".
    reload: RwSignal<usize>,
) -> impl IntoView {
    let query = use_query_map();
    let me = use_context::<Me>();
    let filter = move |k: &str| query.with_untracked(|q| q.get(k).unwrap_or_default());
    let here = format!("/webhooks/{webhook_id}");
    let link_id = StoredValue::new(webhook_id.clone());
    let webhook_id_for_link = move || link_id.get_value();
    // Filters live in the URL; once hydrated, apply them by client-side navigation.
    let navigate = use_navigate();
    let path = here.clone();
    let on_filter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev.target().and_then(|t| {
            leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlFormElement>(t).ok()
        }) else {
            return;
        };
        let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else {
            return;
        };
        let value = |k: &str| data.get(k).as_string().unwrap_or_default();
        let mut query = Vec::new();
        for k in ["status", "event_type"] {
            let v = value(k);
            if !v.is_empty() {
                query.push(format!("{k}={}", escape(&v)));
            }
        }
        let url = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", query.join("&"))
        };
        navigate(&url, Default::default());
    };
    let status_now = filter("status");
    let type_now = filter("event_type");

    view! {
        <section class="card" aria-labelledby="log-title">
            <div class="card-head">
                <h2 id="log-title">"Delivery log"</h2>
                <button type="button" class="btn ghost small" on:click=move |_| reload.update(|n| *n += 1)>
                    "Refresh"
                </button>
            </div>
            <form method="get" action=here.clone() class="filters" on:submit=on_filter>
                <div class="field">
                    <label for="log-status">"Status"</label>
                    <select id="log-status" name="status">
                        <option value="" selected=status_now.is_empty()>"Any status"</option>
                        {DeliveryStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=status_now == s.as_str()>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="log-type">"Event type"</label>
                    <select id="log-type" name="event_type">
                        <option value="" selected=type_now.is_empty()>"Any event type"</option>
                        {event_types.into_iter().map(|t| {
                            let selected = type_now == t.name;
                            let value = t.name.clone();
                            view! { <option value=value selected=selected>{t.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="btn small">"Filter"</button>
            </form>
            <ActionError value=resend.value().into()/>
            {move || resend.value().get().and_then(|r| r.ok()).map(|d| view! {
                <p class="alert ok" role="status">
                    {format!("Resent {}: attempt {} {}.", d.id, d.attempts, d.status)}
                </p>
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading deliveries…"</p> }>
                {move || Suspend::new(async move {
                    let can_edit = allows(me, SignedInUser::can_edit).await;
                    match log.await {
                        Ok(page) => {
                            let older = page.next_cursor.clone().map(|c| {
                                let mut href = format!("/webhooks/{}?cursor={}", escape(&webhook_id_for_link()), escape(&c));
                                for k in ["status", "event_type"] {
                                    let v = filter(k);
                                    if !v.is_empty() {
                                        href.push_str(&format!("&{k}={}", escape(&v)));
                                    }
                                }
                                view! { <a class="btn ghost small" href=href>"Older deliveries →"</a> }
                            });
                            view! {
                                <DeliveryTable deliveries=page.deliveries resend can_edit/>
                                {older}
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn DeliveryTable(
    deliveries: Vec<domain::Delivery>,
    resend: ServerAction<Resend>,
    can_edit: bool,
) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p class="empty">"No deliveries match. Send a test event to see one here."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="log" aria-label="Deliveries">
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Event type"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Response"</th>
                        <th scope="col" class="num">"Attempts"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {deliveries.into_iter().map(|d| {
                        let href = format!("/deliveries/{}", d.id);
                        let code = d.last_response_code.map(|c| c.to_string()).unwrap_or_else(|| "—".into());
                        let status_class = format!("badge {}", d.status);
                        view! {
                            <tr>
                                <td><a href=href class="mono">{show_time(&d.created_at)}</a></td>
                                <td class="mono">{d.event_type.clone()}</td>
                                <td>
                                    <span class=status_class>{d.status.as_str()}</span>
                                    {d.last_error.clone().map(|e| view! { <span class="muted small">" " {e}</span> })}
                                </td>
                                <td class="mono">{code}</td>
                                <td class="num">{d.attempts}</td>
                                <td>
                                    {can_edit.then(|| view! { <ResendButton id=d.id.clone() resend small=true/> })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// "Resend" for one delivery (only offered to roles that may edit, docs/roles.md).
#[component]
pub fn ResendButton(id: String, resend: ServerAction<Resend>, small: bool) -> impl IntoView {
    view! {
        <ActionForm action=resend attr:class="inline">
            <input type="hidden" name="id" value=id/>
            <button type="submit" class=if small { "btn small" } else { "btn" }>"Resend"</button>
        </ActionForm>
    }
    .into_any()
}
