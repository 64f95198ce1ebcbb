//! PagerDuty Events API v2 body. `alert.resolved` sends
//! `{"routing_key","event_action":"resolve","dedup_key"}`; every other type
//! triggers with a payload whose summary is the rendered text on one line
//! (≤ 1024 chars). `dedup_key` is `metadata.dedup_key` or
//! `{type}:{project}:{subject.id}` (≤ 255 chars). When the body would exceed
//! PagerDuty's 512 KB, `custom_details` is replaced by a short notice.

use serde_json::{json, Map, Value};

use super::limits::{
    one_line, truncate_chars, PAGERDUTY_DEDUP_KEY_MAX, PAGERDUTY_MAX_BODY_BYTES,
    PAGERDUTY_SUMMARY_MAX,
};
use super::{event_type, field, message_text, severity, text_of};
use crate::payload::template::Template;

/// Herald severity to PagerDuty severity.
pub fn pd_severity(severity: &str) -> &'static str {
    match severity {
        "critical" => "critical",
        "high" => "error",
        "medium" => "warning",
        _ => "info",
    }
}

/// `metadata.dedup_key`, else `{type}:{project}:{subject.id}`; ≤ 255 chars.
pub fn dedup_key(event: &Value) -> String {
    let from_metadata = event
        .get("metadata")
        .and_then(|m| text_of(m.get("dedup_key")));
    let key = from_metadata.unwrap_or_else(|| {
        let subject_id = event.get("subject").and_then(|s| text_of(s.get("id")));
        format!(
            "{}:{}:{}",
            event_type(event),
            field(event, "project").unwrap_or_default(),
            subject_id.unwrap_or_default()
        )
    });
    truncate_chars(&key, PAGERDUTY_DEDUP_KEY_MAX)
}

pub(super) fn render(event: &Value, template: &Template, settings: &Map<String, Value>) -> Value {
    let routing_key = settings
        .get("routing_key")
        .and_then(Value::as_str)
        .unwrap_or("");
    if event_type(event) == "alert.resolved" {
        return json!({"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key(event)});
    }

    let summary = one_line(&message_text(template.render(event), event));
    let mut payload = Map::new();
    payload.insert(
        "summary".into(),
        json!(truncate_chars(&summary, PAGERDUTY_SUMMARY_MAX)),
    );
    payload.insert(
        "source".into(),
        json!(field(event, "source").unwrap_or_else(|| "herald".into())),
    );
    payload.insert("severity".into(), json!(pd_severity(&severity(event))));
    if let Some(at) = event.get("created_at").and_then(Value::as_str) {
        payload.insert("timestamp".into(), json!(at));
    }
    let subject_name = event.get("subject").and_then(|s| text_of(s.get("name")));
    for (key, value) in [
        ("component", subject_name),
        ("group", field(event, "project")),
        ("class", field(event, "type")),
    ] {
        if let Some(value) = value {
            payload.insert(key.into(), json!(value));
        }
    }
    if let Some(data) = event.get("data").filter(|d| !d.is_null()) {
        payload.insert("custom_details".into(), data.clone());
    }

    let mut body = json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key(event),
        "payload": payload,
    });
    let size = serde_json::to_string(&body).map_or(0, |s| s.len());
    if size > PAGERDUTY_MAX_BODY_BYTES {
        body["payload"]["custom_details"] = json!({
            "truncated": true,
            "original_size_bytes": size,
            "note": "event data too large for PagerDuty; see the event in Herald",
        });
    }
    body
}
