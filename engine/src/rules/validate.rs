//! Field-level validation of webhook input (docs/api.md#errors): pure rules that
//! collect every problem with its field path, so nothing is saved unless all is well.
use std::collections::HashSet;

use crate::error::FieldErrors;
use crate::rules::filter::validate_pattern;
use domain::Filters;
use domain::{BatchSettings, Format, HeaderInput, RetryPolicy};

/// Headers Herald sets itself; custom headers may not override them.
pub const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "user-agent",
    "connection",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "x-herald-timestamp",
    "x-herald-signature",
    "x-herald-event-type",
    "x-herald-attempt",
];

pub const MAX_HEADERS: usize = 32;
/// Longest custom header name (docs/api.md#limits).
pub const MAX_HEADER_NAME: usize = 256;
pub const TIMEOUT_RANGE_MS: std::ops::RangeInclusive<u64> = 1_000..=30_000;

/// RFC 9110 token characters.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

pub fn check_name(name: &str, errors: &mut FieldErrors) {
    let n = name.trim();
    if n.is_empty() {
        errors.add("name", "is required");
    } else if n.chars().count() > 128 {
        errors.add("name", "must be at most 128 characters");
    }
}

pub fn check_url(url: &str, errors: &mut FieldErrors) {
    if let Err(e) = crate::net::ssrf::check_url(url.trim()) {
        errors.add("url", e.to_string());
    }
}

pub fn check_description(d: &str, errors: &mut FieldErrors) {
    if d.chars().count() > 1024 {
        errors.add("description", "must be at most 1024 characters");
    }
}

/// `known` says whether an exact event type name is in the catalog.
pub fn check_event_types(types: &[String], known: &dyn Fn(&str) -> bool, errors: &mut FieldErrors) {
    if types.is_empty() {
        errors.add(
            "event_types",
            "choose at least one event type (or \"*\" for all)",
        );
    }
    let mut seen = HashSet::new();
    for (i, t) in types.iter().enumerate() {
        let field = format!("event_types[{i}]");
        if let Err(e) = validate_pattern(t) {
            errors.add(field, e);
        } else if !t.ends_with('*') && !known(t) {
            errors.add(field, format!("unknown event type \"{t}\""));
        } else if !seen.insert(t.as_str()) {
            errors.add(field, format!("\"{t}\" is listed twice"));
        }
    }
}

/// `existing_protected` says whether a protected header with this key already has a
/// stored value (so an update may leave its value out).
pub fn check_headers(
    headers: &[HeaderInput],
    existing_protected: &dyn Fn(&str) -> bool,
    errors: &mut FieldErrors,
) {
    if headers.len() > MAX_HEADERS {
        errors.add("headers", format!("at most {MAX_HEADERS} headers"));
    }
    let mut seen = HashSet::new();
    for (i, h) in headers.iter().enumerate() {
        let key = h.key.trim();
        let field = format!("headers[{i}].key");
        if key.len() > MAX_HEADER_NAME {
            errors.add(
                field,
                format!("must be at most {MAX_HEADER_NAME} characters"),
            );
        } else if !is_token(key) {
            errors.add(
                field,
                "must be a valid header name (letters, digits and !#$%&'*+-.^_`|~)",
            );
        } else if RESERVED_HEADERS.contains(&key.to_ascii_lowercase().as_str()) {
            errors.add(
                field,
                format!("\"{key}\" is set by Herald and cannot be overridden"),
            );
        } else if !seen.insert(key.to_ascii_lowercase()) {
            errors.add(field, format!("duplicate header \"{key}\""));
        }
        let vfield = format!("headers[{i}].value");
        match &h.value {
            Some(v) if v.contains(['\r', '\n']) => {
                errors.add(vfield, "must not contain line breaks")
            }
            // Anything HTTP refuses in a header value is refused here, at save, rather
            // than failing every attempt at send time. Tab is allowed.
            Some(v) if v.chars().any(|c| c.is_control() && c != '\t') => {
                errors.add(vfield, "must not contain control characters")
            }
            Some(v) if v.chars().count() > 4096 => {
                errors.add(vfield, "must be at most 4096 characters")
            }
            Some(_) => {}
            None if h.protected && existing_protected(key) => {}
            None => errors.add(vfield, "is required"),
        }
    }
}

pub fn check_filters(f: &Filters, errors: &mut FieldErrors) {
    for (name, list) in [("projects", &f.projects), ("sources", &f.sources)] {
        for (i, v) in list.iter().enumerate() {
            if v.trim().is_empty() {
                errors.add(format!("filters.{name}[{i}]"), "must not be empty");
            }
        }
    }
    for (i, s) in f.subjects.iter().enumerate() {
        if s.is_empty() {
            errors.add(
                format!("filters.subjects[{i}]"),
                "set at least one of type, id, name, version",
            );
        }
    }
}

pub fn check_batch(b: &BatchSettings, format: Format, errors: &mut FieldErrors) {
    if !(1..=100).contains(&b.max_events) {
        errors.add("batch.max_events", "must be between 1 and 100");
    }
    if b.max_wait_ms > 60_000 {
        errors.add("batch.max_wait_ms", "must be between 0 and 60000");
    }
    if b.max_events > 1 && !format.batches() {
        errors.add(
            "batch.max_events",
            format!("the {} format sends one event per request", format.as_str()),
        );
    }
}

pub fn check_retry(r: &RetryPolicy, errors: &mut FieldErrors) {
    for (field, message) in crate::rules::retry::validate_policy(r) {
        errors.add(field, message);
    }
}

pub fn check_timeout(ms: u64, errors: &mut FieldErrors) {
    if !TIMEOUT_RANGE_MS.contains(&ms) {
        errors.add("timeout_ms", "must be between 1000 and 30000");
    }
}

pub fn check_settings(
    format: Format,
    settings: &serde_json::Map<String, serde_json::Value>,
    errors: &mut FieldErrors,
) {
    for (k, v) in settings {
        if k != "routing_key" {
            errors.add(format!("settings.{k}"), "unknown setting");
        } else if !v
            .as_str()
            .is_some_and(|s| !s.trim().is_empty() && s.chars().count() <= 64)
        {
            errors.add(
                "settings.routing_key",
                "must be a non-empty string of at most 64 characters",
            );
        }
    }
    if format == Format::Pagerduty && !settings.contains_key("routing_key") {
        errors.add(
            "settings.routing_key",
            "is required for the pagerduty format",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(key: &str, value: Option<&str>, protected: bool) -> HeaderInput {
        HeaderInput {
            key: key.into(),
            value: value.map(str::to_string),
            protected,
        }
    }

    #[test]
    fn header_rules() {
        let none = |_: &str| false;
        let cases: Vec<(Vec<HeaderInput>, Option<&str>)> = vec![
            (vec![h("Authorization", Some("Token 1"), true)], None),
            (
                vec![
                    h("X-Team", Some("ml"), false),
                    h("x-team", Some("2"), false),
                ],
                Some("headers[1].key"),
            ),
            (
                vec![h("Bad Header", Some("1"), false)],
                Some("headers[0].key"),
            ),
            (vec![h("", Some("1"), false)], Some("headers[0].key")),
            (
                vec![h("Content-Type", Some("text/plain"), false)],
                Some("headers[0].key"),
            ),
            (
                vec![h("webhook-signature", Some("x"), false)],
                Some("headers[0].key"),
            ),
            (
                vec![h("X-Herald-Attempt", Some("x"), false)],
                Some("headers[0].key"),
            ),
            (
                vec![h("X-A", Some("a\r\nInjected: 1"), false)],
                Some("headers[0].value"),
            ),
            (vec![h("X-A", None, true)], Some("headers[0].value")),
            (
                vec![h("X-A", Some("a\u{1}b"), false)],
                Some("headers[0].value"),
            ),
            (
                vec![h("X-A", Some("a\u{7f}"), false)],
                Some("headers[0].value"),
            ),
            (vec![h("X-A", Some("a\0"), false)], Some("headers[0].value")),
            (vec![h("X-A", Some("tab\tok"), false)], None),
            (vec![h(&"X".repeat(256), Some("1"), false)], None),
            (
                vec![h(&"X".repeat(257), Some("1"), false)],
                Some("headers[0].key"),
            ),
        ];
        for (i, (headers, want)) in cases.into_iter().enumerate() {
            let mut e = FieldErrors::new();
            check_headers(&headers, &none, &mut e);
            match want {
                None => assert!(e.is_empty(), "case {i}: {e}"),
                Some(field) => {
                    assert!(e.0.contains_key(field), "case {i}: wanted {field}, got {e}")
                }
            }
        }
        // on update a protected value may be left out when one is stored
        let mut e = FieldErrors::new();
        check_headers(
            &[h("Authorization", None, true)],
            &|k| k == "Authorization",
            &mut e,
        );
        assert!(e.is_empty(), "{e}");
    }

    #[test]
    fn event_type_rules() {
        let known = |t: &str| t == "evaluation.failed";
        let mut e = FieldErrors::new();
        check_event_types(
            &["evaluation.failed".into(), "alert.*".into(), "*".into()],
            &known,
            &mut e,
        );
        assert!(e.is_empty(), "{e}");
        let mut e = FieldErrors::new();
        check_event_types(&["nope.nothing".into(), "Bad Type".into()], &known, &mut e);
        assert!(
            e.0.contains_key("event_types[0]") && e.0.contains_key("event_types[1]"),
            "{e}"
        );
        let mut e = FieldErrors::new();
        check_event_types(&[], &known, &mut e);
        assert!(e.0.contains_key("event_types"));
    }

    #[test]
    fn number_ranges() {
        let mut e = FieldErrors::new();
        check_timeout(500, &mut e);
        check_batch(
            &BatchSettings {
                max_events: 101,
                max_wait_ms: 60_001,
            },
            Format::Envelope,
            &mut e,
        );
        assert!(
            e.0.contains_key("timeout_ms")
                && e.0.contains_key("batch.max_events")
                && e.0.contains_key("batch.max_wait_ms")
        );
        let mut e = FieldErrors::new();
        check_timeout(30_000, &mut e);
        check_batch(
            &BatchSettings {
                max_events: 100,
                max_wait_ms: 60_000,
            },
            Format::Envelope,
            &mut e,
        );
        assert!(e.is_empty(), "{e}");
        let mut e = FieldErrors::new();
        check_batch(
            &BatchSettings {
                max_events: 5,
                max_wait_ms: 0,
            },
            Format::Slack,
            &mut e,
        );
        assert!(e.0.contains_key("batch.max_events"));
    }

    #[test]
    fn pagerduty_needs_a_routing_key() {
        let mut e = FieldErrors::new();
        check_settings(Format::Pagerduty, &serde_json::Map::new(), &mut e);
        assert!(e.0.contains_key("settings.routing_key"));
        let mut s = serde_json::Map::new();
        s.insert("routing_key".into(), "R0UT1NG".into());
        let mut e = FieldErrors::new();
        check_settings(Format::Pagerduty, &s, &mut e);
        assert!(e.is_empty());
    }
}
