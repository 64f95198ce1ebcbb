//! Engine types → console DTOs. Protected header values and secrets are never copied: the
//! engine's views already hide them, and these conversions have no field to put them in.
use domain::{ApiKey, Attempt, Delivery, EventType, TestResult, Webhook};

use crate::dto::*;

pub fn webhook(w: Webhook) -> WebhookView {
    let url_display = mask_url(&w.url);
    let subjects = w
        .filters
        .subjects
        .iter()
        .map(|s| {
            [
                s.kind.as_deref(),
                s.name.as_deref().or(s.id.as_deref()),
                s.version.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
        })
        .collect();
    WebhookView {
        id: w.id,
        name: w.name,
        url: w.url,
        url_display,
        description: w.description,
        active: w.active,
        event_types: w.event_types,
        projects: w.filters.projects,
        severities: w
            .filters
            .severities
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        sources: w.filters.sources,
        subjects,
        headers: w
            .headers
            .into_iter()
            .map(|h| HeaderView {
                value: if h.protected { None } else { h.value },
                key: h.key,
                protected: h.protected,
            })
            .collect(),
        format: w.format.as_str().to_string(),
        routing_key: w
            .settings
            .get("routing_key")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string(),
        templates: w.templates.into_iter().collect(),
        include_result: w.include_result,
        batch_max_events: w.batch.max_events,
        batch_max_wait_ms: w.batch.max_wait_ms,
        max_retries: w.retry.max_retries,
        backoff: match w.retry.backoff {
            domain::Backoff::Exponential => "exponential".into(),
            domain::Backoff::Fixed => "fixed".into(),
        },
        initial_delay_ms: w.retry.initial_delay_ms,
        max_delay_ms: w.retry.max_delay_ms,
        timeout_ms: w.timeout_ms,
        health: HealthView {
            last_success_at: w.health.last_success_at,
            last_failure_at: w.health.last_failure_at,
            consecutive_failures: w.health.consecutive_failures,
            disabled_reason: w.health.disabled_reason,
        },
        created_at: w.created_at,
        updated_at: w.updated_at,
    }
}

/// The view for pages that only show the webhook: the URL with its query values masked.
pub fn webhook_masked(w: Webhook) -> WebhookView {
    let mut v = webhook(w);
    v.url = v.url_display.clone();
    v
}

pub fn event_type(t: EventType) -> EventTypeView {
    EventTypeView {
        name: t.name,
        description: t.description,
    }
}

pub fn delivery(d: Delivery) -> DeliveryView {
    DeliveryView {
        id: d.id,
        webhook_id: d.webhook_id,
        event_type: d.event_type,
        status: d.status.as_str().to_string(),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        last_response_code: d.last_response_code,
        last_error: d.last_error,
        created_at: d.created_at,
    }
}

pub fn attempt(a: Attempt) -> AttemptView {
    AttemptView {
        id: a.id,
        attempt: a.attempt,
        started_at: a.started_at,
        duration_ms: a.duration_ms,
        url: mask_url(&a.url),
        request_headers: a.request_headers,
        request_body: pretty(&a.request_body),
        response_status: a.response_status,
        response_headers: a.response_headers,
        response_body: a.response_body.as_deref().map(pretty),
        error_kind: a.error_kind.map(|k| k.as_str().to_string()),
        error_message: a.error_message,
        next_retry_at: a.next_retry_at,
        trigger: a.trigger.as_str().to_string(),
    }
}

pub fn test_result(r: TestResult, skipped_headers: Vec<String>) -> TestResultView {
    TestResultView {
        success: r.success,
        status: r.status,
        response_code: r.response_code,
        response_body: r.response_body.as_deref().map(pretty),
        duration_ms: r.duration_ms,
        error: r.error,
        request_url: mask_url(&r.request.url),
        request_headers: r.request.headers,
        request_body: pretty(&r.request.body),
        skipped_headers,
    }
}

pub fn api_key(k: ApiKey) -> ApiKeyView {
    ApiKeyView {
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        created_at: k.created_at,
        last_used_at: k.last_used_at,
    }
}

/// JSON pretty-printed; anything else as it is.
pub fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_string())
}

/// Masks what may be a credential in a URL: the password of `user:pass@` and every query
/// value (`?token=•••`). The rest stays readable.
pub fn mask_url(url: &str) -> String {
    const MASK: &str = "•••";
    let (before_fragment, fragment) = match url.find('#') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let (base, query) = match before_fragment.find('?') {
        Some(i) => (&before_fragment[..i], Some(&before_fragment[i + 1..])),
        None => (before_fragment, None),
    };
    let mut out = String::with_capacity(url.len());
    // user:password@host
    match base.find("://") {
        Some(scheme_end) => {
            let rest = &base[scheme_end + 3..];
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let authority = &rest[..authority_end];
            out.push_str(&base[..scheme_end + 3]);
            match authority.rfind('@') {
                Some(at) => {
                    let userinfo = &authority[..at];
                    match userinfo.find(':') {
                        Some(colon) => {
                            out.push_str(&userinfo[..colon + 1]);
                            out.push_str(MASK);
                        }
                        None => out.push_str(userinfo),
                    }
                    out.push_str(&authority[at..]);
                }
                None => out.push_str(authority),
            }
            out.push_str(&rest[authority_end..]);
        }
        None => out.push_str(base),
    }
    if let Some(query) = query {
        out.push('?');
        let parts: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if !v.is_empty() => format!("{k}={MASK}"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out.push_str(fragment);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_query_values_and_passwords() {
        assert_eq!(
            mask_url("https://example.com/hook"),
            "https://example.com/hook"
        );
        assert_eq!(
            mask_url("https://example.com/h?token=abc&x=&y"),
            "https://example.com/h?token=•••&x=&y"
        );
        assert_eq!(
            mask_url("https://u:pw@example.com/h?a=1#f"),
            "https://u:•••@example.com/h?a=•••#f"
        );
        assert_eq!(mask_url("https://u@example.com/"), "https://u@example.com/");
    }

    #[test]
    fn pretty_prints_json_only() {
        assert_eq!(pretty("{\"a\":1}"), "{\n  \"a\": 1\n}");
        assert_eq!(pretty("plain"), "plain");
    }
}
