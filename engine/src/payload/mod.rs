//! Request bodies: the `envelope` and `event` formats of docs/receiving.md#formats, the `include_result`
//! rule, and the seam to the template-rendered chat/incident formats.
pub mod formats;
pub mod template;

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value};

use crate::payload::template::Template;
use domain::ChatFormat;
use domain::{Event, Format};

/// `data.result` is kept only when it serialises to at most this many bytes.
pub const MAX_RESULT_BYTES: usize = 16 * 1024;

/// What a webhook's settings say about shaping a body.
pub struct Shape<'a> {
    pub format: Format,
    pub include_result: bool,
    pub templates: &'a std::collections::BTreeMap<String, String>,
    pub settings: &'a Map<String, Value>,
}

/// Applies `include_result`: keeps a small `data.result` when asked, otherwise drops it
/// and sets `data.result_omitted: true`.
pub fn apply_result_rule(data: &Value, include_result: bool) -> Value {
    let Some(obj) = data.as_object() else {
        return data.clone();
    };
    let Some(result) = obj.get("result") else {
        return data.clone();
    };
    let keep = include_result
        && serde_json::to_vec(result)
            .map(|b| b.len() <= MAX_RESULT_BYTES)
            .unwrap_or(false);
    if keep {
        return data.clone();
    }
    let mut out = obj.clone();
    out.remove("result");
    out.insert("result_omitted".into(), Value::Bool(true));
    Value::Object(out)
}

/// [`apply_result_rule`] without a copy when there is nothing to apply it to (no
/// `data.result`: the usual case).
fn result_ruled(data: &Value, include_result: bool) -> Cow<'_, Value> {
    match data.as_object() {
        Some(obj) if obj.contains_key("result") => {
            Cow::Owned(apply_result_rule(data, include_result))
        }
        _ => Cow::Borrowed(data),
    }
}

/// The event as one element of an envelope: `data` keyed by `object`.
/// (The value form of what [`body`] writes directly; kept as the reference it is
/// tested against.)
pub fn envelope_event(e: &Event, include_result: bool) -> Value {
    let data = apply_result_rule(&e.data, include_result);
    json!({
        "id": e.id,
        "object": e.object,
        "type": e.event_type,
        "created": e.created,
        "created_at": e.created_at,
        "source": e.source,
        "project": e.project,
        "severity": e.severity,
        "subject": e.subject,
        "data": { e.object.clone(): data },
        "metadata": e.metadata,
    })
}

/// The event on its own (`event` format), data as posted.
pub fn single_event(e: &Event, include_result: bool) -> Value {
    json!({
        "id": e.id,
        "type": e.event_type,
        "created_at": e.created_at,
        "data": apply_result_rule(&e.data, include_result),
        "metadata": e.metadata,
        "project": e.project,
        "severity": e.severity,
        "subject": e.subject,
    })
}

/// The view templates see: every field of the event, data as posted.
pub fn template_view(e: &Event, include_result: bool) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("data".into(), apply_result_rule(&e.data, include_result));
    }
    v
}

/// The body for one attempt. `events` is non-empty; only `envelope` carries several.
pub fn body(
    shape: &Shape,
    events: &[Event],
    request_id: &str,
    delivery_id: &str,
    attempt: u32,
) -> Result<Vec<u8>, TooLarge> {
    let value = match shape.format.chat() {
        None if shape.format == Format::Event => single_event(&events[0], shape.include_result),
        // The hot path: written straight from the events, nothing copied.
        None => {
            return Ok(envelope_bytes(
                events,
                shape.include_result,
                request_id,
                delivery_id,
                attempt,
            ))
        }
        Some(chat) => render_chat(chat, shape, &events[0])?,
    };
    Ok(serde_json::to_vec(&value).expect("JSON values serialise"))
}

/// A webhook's template renders more for an event than its format can carry; nothing is
/// sent (the attempt fails with `body_too_large`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    pub event_type: String,
    pub format: ChatFormat,
    pub max_bytes: usize,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the template for {} renders more than {} bytes for this event, the {} format's limit; nothing was sent",
            self.event_type, self.max_bytes, self.format
        )
    }
}

/// The `envelope` body, byte for byte what `json!` of [`envelope_event`]s would give.
fn envelope_bytes(
    events: &[Event],
    include_result: bool,
    request_id: &str,
    delivery_id: &str,
    attempt: u32,
) -> Vec<u8> {
    struct Request<'a>(&'a str, &'a str, u32);
    impl Serialize for Request<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(3))?;
            m.serialize_entry("id", self.0)?;
            m.serialize_entry("idempotency_key", self.1)?;
            m.serialize_entry("attempt", &self.2)?;
            m.end()
        }
    }
    struct Data<'a>(&'a str, Cow<'a, Value>);
    impl Serialize for Data<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(self.0, &*self.1)?;
            m.end()
        }
    }
    struct One<'a>(&'a Event, bool);
    impl Serialize for One<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let e = self.0;
            let mut m = s.serialize_map(Some(11))?;
            m.serialize_entry("id", &e.id)?;
            m.serialize_entry("object", &e.object)?;
            m.serialize_entry("type", &e.event_type)?;
            m.serialize_entry("created", &e.created)?;
            m.serialize_entry("created_at", &e.created_at)?;
            m.serialize_entry("source", &e.source)?;
            m.serialize_entry("project", &e.project)?;
            m.serialize_entry("severity", &e.severity)?;
            m.serialize_entry("subject", &e.subject)?;
            m.serialize_entry("data", &Data(&e.object, result_ruled(&e.data, self.1)))?;
            m.serialize_entry("metadata", &e.metadata)?;
            m.end()
        }
    }
    struct Envelope<'a>(Request<'a>, &'a [Event], bool);
    impl Serialize for Envelope<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("request", &self.0)?;
            let events: Vec<One> = self.1.iter().map(|e| One(e, self.2)).collect();
            m.serialize_entry("events", &events)?;
            m.end()
        }
    }
    let envelope = Envelope(
        Request(request_id, delivery_id, attempt),
        events,
        include_result,
    );
    let mut out = Vec::with_capacity(256 + events.len() * 512);
    serde_json::to_writer(&mut out, &envelope).expect("events serialise");
    out
}

/// Renders a chat format. A webhook's own template is first measured against the
/// format's limit (counted, not kept), so a template that multiplies a large event is
/// refused before it allocates anything.
fn render_chat(chat: ChatFormat, shape: &Shape, e: &Event) -> Result<Value, TooLarge> {
    let custom = shape
        .templates
        .get(&e.event_type)
        .and_then(|src| Template::parse(src).ok());
    let view = template_view(e, shape.include_result);
    let max_bytes = formats::limits::template_output_max(chat);
    if custom.as_ref().is_some_and(|t| !t.fits(&view, max_bytes)) {
        return Err(TooLarge {
            event_type: e.event_type.clone(),
            format: chat,
            max_bytes,
        });
    }
    Ok(formats::render(
        chat,
        &view,
        custom.as_ref(),
        shape.settings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn event(data: Value) -> Event {
        Event {
            id: "evt_1".into(),
            tenant: "default".into(),
            event_type: "evaluation.failed".into(),
            object: "evaluation_result".into(),
            created: 1_732_262_400,
            created_at: "2024-11-22T08:00:00Z".into(),
            source: Some("experiment".into()),
            project: Some("patient-triage".into()),
            severity: Some(domain::Severity::High),
            subject: None,
            data,
            metadata: Some(json!({"k": "v"})),
        }
    }

    #[test]
    fn envelope_keys_data_by_object_and_carries_request_ids() {
        let empty = BTreeMap::new();
        let settings = Map::new();
        let shape = Shape {
            format: Format::Envelope,
            include_result: false,
            templates: &empty,
            settings: &settings,
        };
        let body: Value = serde_json::from_slice(
            &body(&shape, &[event(json!({"score": 0.4}))], "req_1", "dlv_1", 3).unwrap(),
        )
        .unwrap();
        assert_eq!(
            body["request"],
            json!({"id": "req_1", "idempotency_key": "dlv_1", "attempt": 3})
        );
        assert_eq!(
            body["events"][0]["data"],
            json!({"evaluation_result": {"score": 0.4}})
        );
        assert_eq!(body["events"][0]["severity"], json!("high"));
        assert_eq!(body["events"][0]["created"], json!(1_732_262_400));
    }

    #[test]
    fn event_format_is_one_event_with_data_as_posted() {
        let empty = BTreeMap::new();
        let settings = Map::new();
        let shape = Shape {
            format: Format::Event,
            include_result: false,
            templates: &empty,
            settings: &settings,
        };
        let body: Value = serde_json::from_slice(
            &body(&shape, &[event(json!({"score": 0.4}))], "req_1", "dlv_1", 1).unwrap(),
        )
        .unwrap();
        assert_eq!(body["data"], json!({"score": 0.4}));
        assert_eq!(body["type"], json!("evaluation.failed"));
        assert!(body.get("request").is_none());
    }

    #[test]
    fn envelope_bytes_equal_the_value_form() {
        let empty = BTreeMap::new();
        let settings = Map::new();
        let mut sparse = event(json!([1, "two", null]));
        sparse.source = None;
        sparse.project = None;
        sparse.severity = None;
        sparse.metadata = None;
        let mut with_subject = event(json!({"result": {"ok": true}, "score": 0.4, "z": [1]}));
        with_subject.subject = Some(domain::Subject {
            kind: Some("deployment".into()),
            id: Some("d1".into()),
            name: None,
            version: Some("v\"2\"".into()),
        });
        let cases = vec![
            vec![event(
                json!({"score": 0.4, "nested": {"a": [1, 2, {"b": null}]}}),
            )],
            vec![sparse.clone()],
            vec![with_subject.clone()],
            vec![event(
                json!({"result": "a".repeat(MAX_RESULT_BYTES + 1), "x": "é\n"}),
            )],
            vec![event(json!("just a string")), sparse, with_subject],
        ];
        for include_result in [false, true] {
            let shape = Shape {
                format: Format::Envelope,
                include_result,
                templates: &empty,
                settings: &settings,
            };
            for events in &cases {
                let reference = serde_json::to_vec(&json!({
                    "request": {"id": "req_1", "idempotency_key": "dlv_1", "attempt": 2},
                    "events": events.iter().map(|e| envelope_event(e, include_result)).collect::<Vec<_>>(),
                }))
                .unwrap();
                let fast = body(&shape, events, "req_1", "dlv_1", 2).unwrap();
                assert_eq!(
                    String::from_utf8(fast).unwrap(),
                    String::from_utf8(reference).unwrap(),
                    "include_result {include_result}"
                );
            }
        }
    }

    #[test]
    fn result_rule() {
        let small = json!({"result": {"ok": true}, "x": 1});
        let big = json!({"result": "a".repeat(MAX_RESULT_BYTES + 1), "x": 1});
        assert_eq!(apply_result_rule(&small, true), small);
        assert_eq!(
            apply_result_rule(&small, false),
            json!({"x": 1, "result_omitted": true})
        );
        assert_eq!(
            apply_result_rule(&big, true),
            json!({"x": 1, "result_omitted": true})
        );
        assert_eq!(apply_result_rule(&json!({"x": 1}), false), json!({"x": 1}));
        // exactly at the limit is kept (a JSON string of n bytes serialises to n + 2)
        let edge = json!({"result": "a".repeat(MAX_RESULT_BYTES - 2)});
        assert_eq!(apply_result_rule(&edge, true), edge);
    }
}
