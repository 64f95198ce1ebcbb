//! `/webhooks/{id}`: the webhook's settings, its signing secret (hidden until "Reveal
//! secret"; "Rotate secret"), charts of the last 24 hours, "Send test event", "Retry
//! failed" and the delivery log. A viewer sees the settings, the charts and the log, none
//! of the controls (docs/roles.md: revealing the secret is an edit).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::deliveries::{webhook_detail, Resend, RetryFailed, RevealSecret, RotateSecret};
use crate::api::webhooks::SendTest;
use crate::auth::SignedInUser;
use crate::components::charts::{LatencyChart, SuccessChart};
use crate::components::delivery_log::{log_resource, DeliveryLog};
use crate::components::fields::{error_id, field_errors, invalid, ActionError, FieldError};
use crate::components::webhook_dialogs::TestForm;
use crate::dto::DeliveryPage;
use crate::dto::{escape, show_ms, show_opt_time, show_time, WebhookDetailData, WebhookView};
use crate::error::ConsoleError;
use crate::pages::{loading, ErrorNotice, Permitted};

/// What the page's parts share: the actions that add deliveries and the log they refresh.
/// Created once at the top of the page, outside `Suspense` (see `delivery_log`).
#[derive(Clone, Copy)]
struct Shared {
    send: ServerAction<SendTest>,
    retry: ServerAction<RetryFailed>,
    resend: ServerAction<Resend>,
    reload: RwSignal<usize>,
    log: Resource<Result<DeliveryPage, ConsoleError>>,
}

#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let detail = Resource::new(move || id.get(), webhook_detail);
    let send = ServerAction::<SendTest>::new();
    let retry = ServerAction::<RetryFailed>::new();
    let resend = ServerAction::<Resend>::new();
    let reload = RwSignal::new(0usize);
    let refresh = Signal::derive(move || {
        send.version().get() + retry.version().get() + resend.version().get() + reload.get()
    });
    let shared = Shared {
        send,
        retry,
        resend,
        reload,
        log: log_resource(id, refresh),
    };
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <WebhookDetailView d shared/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn WebhookDetailView(d: WebhookDetailData, shared: Shared) -> impl IntoView {
    let w = d.webhook.clone();
    let Shared {
        send,
        retry,
        resend,
        reload,
        log,
    } = shared;
    let types: Vec<String> = d.event_types.iter().map(|t| t.name.clone()).collect();
    let (hook, test_hook, since) = (w.id.clone(), w.id.clone(), d.default_since.clone());
    let edit_href = format!("/?edit={}", escape(&w.id));
    view! {
        <Title text=format!("{} · Herald", w.name)/>
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/">"Webhooks"</a>
            " / "
            <span aria-current="page">{w.name.clone()}</span>
        </nav>
        <div class="page-head">
            <div>
                <h1>
                    {w.name.clone()} " "
                    <span class=if w.active { "badge succeeded" } else { "badge failed" }>
                        {if w.active { "Active" } else { "Inactive" }}
                    </span>
                </h1>
                <p class="url mono">{w.url_display.clone()}</p>
            </div>
            <Permitted when=SignedInUser::can_edit>
                <a href=edit_href.clone() class="btn" role="button">"Edit"</a>
            </Permitted>
        </div>
        <div class="grid">
            <Settings w=w.clone()/>
            <Permitted when=SignedInUser::can_edit>
                <div>
                    <Secret id=hook.clone()/>
                    <RetryFailedCard id=hook.clone() default_since=since.clone() retry/>
                </div>
            </Permitted>
        </div>
        <section class="card" aria-labelledby="charts-title">
            <h2 id="charts-title">"Last 24 hours (UTC)"</h2>
            <div class="charts">
                <SuccessChart buckets=d.chart.clone()/>
                <LatencyChart buckets=d.chart.clone()/>
            </div>
        </section>
        <Permitted when=SignedInUser::can_edit>
            <section class="card" aria-labelledby="test-title">
                <h2 id="test-title">"Send test event"</h2>
                <TestForm webhook_id=test_hook.clone() event_types=types.clone() send/>
            </section>
        </Permitted>
        <DeliveryLog webhook_id=w.id.clone() event_types=d.event_types.clone() log resend reload/>
    }
    .into_any()
}

#[component]
fn Settings(w: WebhookView) -> impl IntoView {
    let list = |v: &[String]| {
        if v.is_empty() {
            "any".to_string()
        } else {
            v.join(", ")
        }
    };
    let headers = if w.headers.is_empty() {
        view! { <span class="muted">"none"</span> }.into_any()
    } else {
        w.headers
            .iter()
            .map(|h| {
                let value = match (&h.value, h.protected) {
                    (_, true) => "•••••• (protected)".to_string(),
                    (Some(v), false) => v.clone(),
                    (None, false) => String::new(),
                };
                view! { <div class="mono">{h.key.clone()} ": " {value}</div> }
            })
            .collect_view()
            .into_any()
    };
    let h = &w.health;
    let health = match (&h.disabled_reason, h.consecutive_failures) {
        (Some(reason), _) => format!("Disabled: {reason}"),
        (None, 0) => "Healthy".to_string(),
        (None, n) => format!("{n} failed in a row"),
    };
    let templates = if w.templates.is_empty() {
        "defaults".to_string()
    } else {
        w.templates
            .iter()
            .map(|(t, _)| t.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <section class="card" aria-labelledby="settings-title">
            <h2 id="settings-title">"Settings"</h2>
            <dl class="kv">
                <dt>"Description"</dt><dd>{if w.description.is_empty() { "—".to_string() } else { w.description.clone() }}</dd>
                <dt>"Event types"</dt><dd class="mono">{w.event_types.join(", ")}</dd>
                <dt>"Projects"</dt><dd>{list(&w.projects)}</dd>
                <dt>"Severities"</dt><dd>{list(&w.severities.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>())}</dd>
                <dt>"Sources"</dt><dd>{list(&w.sources)}</dd>
                <dt>"Headers"</dt><dd>{headers}</dd>
                <dt>"Format"</dt><dd>{w.format.as_str()} " · templates: " {templates}</dd>
                <dt>"Retries"</dt>
                <dd>{format!("{} × {} from {}, at most {}", w.retry.max_retries, w.retry.backoff, show_ms(w.retry.initial_delay_ms), show_ms(w.retry.max_delay_ms))}</dd>
                <dt>"Timeout"</dt><dd>{show_ms(w.timeout_ms)}</dd>
                <dt>"Condition"</dt>
                <dd class="mono">{if w.condition.is_empty() { "—".to_string() } else { w.condition.clone() }}
                    {h.last_condition_error.clone().map(|e| view! {
                        <p class="alert error small" role="status">
                            "Last condition error " {show_time(&e.at)} " on " <span class="mono">{e.event_id}</span> ": " {e.message}
                        </p>
                    })}
                </dd>
                <dt>"Redacted"</dt>
                <dd class="mono">{if w.redact.is_empty() { "—".to_string() } else { crate::dto::redact_text(&w.redact).replace('\n', ", ") }}</dd>
                <dt>"Batching"</dt><dd>{format!("up to {} events, wait {}", w.batch.max_events, show_ms(w.batch.max_wait_ms))}</dd>
                <dt>"Health"</dt>
                <dd>{health} <span class="muted small">" · last success " {show_opt_time(&h.last_success_at)} " · last failure " {show_opt_time(&h.last_failure_at)}</span></dd>
                <dt>"Created"</dt><dd>{show_time(&w.created_at)}</dd>
                <dt>"Updated"</dt><dd>{show_time(&w.updated_at)}</dd>
            </dl>
        </section>
    }
    .into_any()
}

/// The signing secret: masked until "Reveal secret" (the server sends it only then).
#[component]
fn Secret(id: String) -> impl IntoView {
    let reveal = ServerAction::<RevealSecret>::new();
    let rotate = ServerAction::<RotateSecret>::new();
    // A rotation hides the secret shown before it.
    Effect::new(move |_| {
        if rotate.version().get() > 0 {
            reveal.value().set(None);
        }
    });
    let shown = move || match reveal.value().get() {
        Some(Ok(secret)) => secret,
        _ => "whsec_••••••••••••••••••••••••".to_string(),
    };
    let revealed = move || matches!(reveal.value().get(), Some(Ok(_)));
    let reveal_id = id.clone();
    view! {
        <section class="card" aria-labelledby="secret-title">
            <h2 id="secret-title">"Signing secret"</h2>
            <p class="hint">
                "Verify the " <code>"webhook-signature"</code> " header (Standard Webhooks) or "
                <code>"X-Herald-Signature"</code> " with this secret."
            </p>
            <p><code class="secret" aria-label="Secret value" data-revealed=move || revealed().to_string()>{shown}</code></p>
            <div class="button-row">
                <ActionForm action=reveal attr:class="inline">
                    <input type="hidden" name="id" value=reveal_id/>
                    <button type="submit" class="btn">"Reveal secret"</button>
                </ActionForm>
                <ActionForm action=rotate attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="btn">"Rotate secret"</button>
                </ActionForm>
            </div>
            <ActionError value=reveal.value().into()/>
            <ActionError value=rotate.value().into()/>
            {move || matches!(rotate.value().get(), Some(Ok(()))).then(|| view! {
                <p class="alert ok" role="status">
                    "Secret rotated. The previous secret keeps signing alongside the new one for 24 hours."
                </p>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn RetryFailedCard(
    id: String,
    default_since: String,
    retry: ServerAction<RetryFailed>,
) -> impl IntoView {
    let errors = field_errors(retry.value().into());
    view! {
        <section class="card" aria-labelledby="retry-title">
            <h2 id="retry-title">"Retry failed"</h2>
            <p class="hint">"Re-queues every delivery in the window whose last state is failed (never a succeeded one)."</p>
            <ActionForm action=retry attr:class="retry-form">
                <input type="hidden" name="webhook_id" value=id/>
                <div class="row">
                    <div class="field">
                        <label for="retry-since">"Since (UTC)"</label>
                        <input id="retry-since" type="datetime-local" step="1" name="since" value=default_since
                            aria-invalid=invalid(errors, "since".into()) aria-describedby=error_id("since")/>
                        <FieldError errors field="since"/>
                    </div>
                    <div class="field">
                        <label for="retry-until">"Until (UTC)"</label>
                        <input id="retry-until" type="datetime-local" step="1" name="until"
                            aria-invalid=invalid(errors, "until".into()) aria-describedby=error_id("until")/>
                        <FieldError errors field="until"/>
                    </div>
                </div>
                <button type="submit" class="btn primary" aria-busy=move || retry.pending().get().then_some("true")>
                    "Retry failed"
                </button>
            </ActionForm>
            <ActionError value=retry.value().into()/>
            {move || retry.value().get().and_then(|r| r.ok()).map(|n| view! {
                <p class="alert ok" role="status">
                    {format!("Re-queued {n} failed {}.", if n == 1 { "delivery" } else { "deliveries" })}
                </p>
            })}
        </section>
    }
    .into_any()
}
