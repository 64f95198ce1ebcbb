//! Engine types → console DTOs. Protected header values and secrets are never copied: the
//! engine's views already hide them, and these conversions have no field to put them in.
use domain::{Attempt, EventType, TestResult, Webhook};

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
    let routing_key = w.routing_key().to_string();
    WebhookView {
        id: w.id,
        name: w.name,
        url: w.url,
        url_display,
        description: w.description,
        active: w.active,
        event_types: w.event_types,
        projects: w.filters.projects,
        severities: w.filters.severities,
        sources: w.filters.sources,
        subjects,
        headers: w.headers,
        format: w.format,
        routing_key,
        templates: w.templates.into_iter().collect(),
        include_result: w.include_result,
        batch: w.batch,
        retry: w.retry,
        timeout_ms: w.timeout_ms,
        condition: w.condition,
        redact: w.redact,
        health: w.health,
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

/// An attempt as the delivery page shows it: URL masked, bodies pretty-printed.
pub fn attempt(a: Attempt) -> Attempt {
    Attempt {
        url: mask_url(&a.url),
        request_body: pretty(&a.request_body),
        response_body: a.response_body.as_deref().map(pretty),
        ..a
    }
}

/// A test result as the console shows it: URL masked, bodies pretty-printed.
pub fn test_result(mut r: TestResult, skipped_headers: Vec<String>) -> TestResultView {
    r.request.url = mask_url(&r.request.url);
    r.request.body = pretty(&r.request.body);
    r.response_body = r.response_body.as_deref().map(pretty);
    TestResultView {
        result: r,
        skipped_headers,
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
