//! `/deliveries/{id}`: one delivery and every attempt: request headers (protected values
//! masked by the engine) and body, response code, headers and body, error kind, duration
//! and next retry.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::deliveries::{get_delivery, Resend};
use crate::auth::SignedInUser;
use crate::components::delivery_log::ResendButton;
use crate::components::fields::ActionError;
use crate::components::test_result::HeaderTable;
use crate::dto::{escape, show_ms, show_opt_time, show_time, Attempt, DeliveryDetailView};
use crate::pages::{loading, ErrorNotice, Permitted};

#[component]
pub fn DeliveryPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let resend = ServerAction::<Resend>::new();
    let detail = Resource::new(
        move || (id.get(), resend.version().get()),
        |(id, _)| get_delivery(id),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <DeliveryDetail d resend/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn DeliveryDetail(d: DeliveryDetailView, resend: ServerAction<Resend>) -> impl IntoView {
    let dl = d.delivery;
    let webhook_href = format!("/webhooks/{}", escape(&dl.webhook_id));
    let resend_id = dl.id.clone();
    view! {
        <Title text=format!("Delivery {} · Herald", dl.id)/>
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/">"Webhooks"</a>
            " / "
            <a href=webhook_href>{d.webhook_name.clone()}</a>
            " / "
            <span aria-current="page" class="mono">{dl.id.clone()}</span>
        </nav>
        <div class="page-head">
            <div>
                <h1>"Delivery " <span class="mono">{dl.id.clone()}</span></h1>
                <p>
                    <span class=format!("badge {}", dl.status)>{dl.status.as_str()}</span>
                    " " <span class="mono">{dl.event_type.clone()}</span>
                    " · created " {show_time(&dl.created_at)}
                    " · " {dl.attempts} {if dl.attempts == 1 { " attempt" } else { " attempts" }}
                    {dl.next_attempt_at.clone().map(|t| view! { " · next attempt " {show_time(&t)} })}
                </p>
            </div>
            <Permitted when=SignedInUser::can_edit>
                <ResendButton id=resend_id.clone() resend small=false/>
            </Permitted>
        </div>
        <ActionError value=resend.value().into()/>
        {if d.attempts.is_empty() {
            view! { <p class="empty card">"No attempts yet; the delivery is queued."</p> }.into_any()
        } else {
            d.attempts.into_iter().map(|a| view! { <AttemptCard a/> }).collect_view().into_any()
        }}
    }
    .into_any()
}

#[component]
fn AttemptCard(a: Attempt) -> impl IntoView {
    let title = format!("Attempt {}", a.attempt);
    let outcome = match (a.response_status, &a.error_kind) {
        (Some(code), _) if (200..300).contains(&code) => {
            view! { <span class="badge succeeded">{format!("HTTP {code}")}</span> }.into_any()
        }
        (Some(code), _) => {
            view! { <span class="badge failed">{format!("HTTP {code}")}</span> }.into_any()
        }
        (None, Some(kind)) => {
            view! { <span class="badge failed">{kind.as_str()}</span> }.into_any()
        }
        (None, None) => view! { <span class="badge pending">"no answer"</span> }.into_any(),
    };
    let heading_id = format!("attempt-{}", a.id);
    let labelled_by = heading_id.clone();
    view! {
        <article class="card attempt" aria-labelledby=labelled_by>
            <header class="card-head">
                <h2 id=heading_id>{title} " " {outcome}</h2>
                <span class="muted small">
                    {show_time(&a.started_at)} " · " {show_ms(a.duration_ms)} " · " {a.trigger.as_str()}
                </span>
            </header>
            {a.error_kind.map(|kind| view! {
                <p class="alert error">
                    <strong>{kind.as_str()}</strong> ": " {a.error_message.clone().unwrap_or_default()}
                </p>
            })}
            <dl class="kv">
                <dt>"Next retry"</dt><dd>{show_opt_time(&a.next_retry_at)}</dd>
                <dt>"Attempt id"</dt><dd class="mono">{a.id.clone()}</dd>
            </dl>
            <div class="exchange">
                <div>
                    <h3>"Request"</h3>
                    <p class="mono break">"POST " {a.url.clone()}</p>
                    <HeaderTable headers=a.request_headers.clone() label=format!("Request headers of attempt {}", a.attempt)/>
                    <pre class="code">{a.request_body.clone()}</pre>
                </div>
                <div>
                    <h3>"Response"</h3>
                    <dl class="kv">
                        <dt>"Status code"</dt>
                        <dd class="mono">{a.response_status.map(|c| c.to_string()).unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                    {a.response_headers.clone().map(|h| view! {
                        <HeaderTable headers=h label=format!("Response headers of attempt {}", a.attempt)/>
                    })}
                    <pre class="code">{a.response_body.clone().filter(|b| !b.is_empty()).unwrap_or_else(|| "(no body)".into())}</pre>
                </div>
            </div>
        </article>
    }
    .into_any()
}
