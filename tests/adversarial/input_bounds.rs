//! Finding 11 — inputs without bounds: header names of any length and header values with
//! control characters were saved and then failed every attempt at send time; the
//! event-type catalog (read whole by every form, validation and preview) and its examples
//! grew without limit; `event_types` of retry-failed was unbounded; times that overflow
//! and the `Idempotency-Key` limit needed to be exact. Each is now a field-level 422 that
//! changes nothing.
use serde_json::{json, Value};

use crate::common::{spawn_app, TestApp};

async fn field_error(app: &TestApp, req: reqwest::RequestBuilder, field: &str) {
    let (s, body) = app.json(req).await;
    assert_eq!(s, 422, "{field}: {body}");
    assert!(body["errors"].get(field).is_some(), "{field}: {body}");
}

#[tokio::test]
async fn input_bounds_on_webhook_headers() {
    let app = spawn_app(&[]).await;
    let hook = |key: &str, value: &str| {
        app.post("/webhooks").json(&json!({
            "name": "h", "url": "http://127.0.0.1:9/hook", "event_types": ["*"],
            "headers": [{"key": key, "value": value}],
        }))
    };
    field_error(&app, hook(&"X".repeat(257), "1"), "headers[0].key").await;
    for value in ["a\u{1}b", "a\u{7f}", "a\u{0}b", "a\u{1b}[31m"] {
        field_error(&app, hook("X-A", value), "headers[0].value").await;
    }
    let (s, _) = app.json(app.get("/webhooks")).await;
    assert_eq!(s, 200);
    let (_, list) = app.json(app.get("/webhooks")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "nothing saved");
    let (s, body) = app.json(hook(&"X".repeat(256), "tab\tis fine")).await;
    assert_eq!(s, 201, "{body}");
}

#[tokio::test]
async fn input_bounds_on_the_event_type_catalog() {
    let app = spawn_app(&[]).await;
    let big = json!({"data": {"blob": "x".repeat(70 * 1024)}});
    let (s, body) = app
        .json(
            app.post("/event-types")
                .json(&json!({"name": "big.example", "example": big})),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    assert!(body["errors"].get("example").is_some(), "{body}");

    let builtin = app.engine.list_event_types().await.unwrap().len();
    for i in builtin..1000 {
        app.engine
            .create_event_type(domain::EventTypeInput {
                name: format!("bulk.t{i}"),
                description: String::new(),
                object: None,
                example: None,
                schema: None,
            })
            .await
            .unwrap();
    }
    field_error(
        &app,
        app.post("/event-types")
            .json(&json!({"name": "one.too_many"})),
        "name",
    )
    .await;
    assert_eq!(app.engine.list_event_types().await.unwrap().len(), 1000);
}

#[tokio::test]
async fn input_bounds_on_retry_failed_and_times() {
    let app = spawn_app(&[]).await;
    let hook = app.webhook("http://127.0.0.1:9/hook", json!({})).await;
    let hid = hook["id"].as_str().unwrap();
    let retry = |body: Value| {
        app.post(&format!("/webhooks/{hid}/retry-failed"))
            .json(&body)
    };
    let many: Vec<String> = (0..101).map(|i| format!("t.n{i}")).collect();
    field_error(
        &app,
        retry(json!({"since": "0", "event_types": many})),
        "event_types",
    )
    .await;
    field_error(
        &app,
        retry(json!({"since": "0", "event_types": ["a".repeat(129)]})),
        "event_types[0]",
    )
    .await;
    // `_` and `%` are matched literally (never as SQL LIKE wildcards): nothing to requeue.
    let (s, n) = app
        .json(retry(json!({"since": "0", "event_types": ["run_%.*"]})))
        .await;
    assert!(s == 422 || n["requeued"] == 0, "{s} {n}");

    for since in [
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999999",
        "253402300800",
        "10000-01-01T00:00:00Z",
    ] {
        field_error(&app, retry(json!({"since": since})), "since").await;
        field_error(
            &app,
            app.get(&format!("/webhooks/{hid}/deliveries?since={since}")),
            "since",
        )
        .await;
        field_error(
            &app,
            app.get(&format!("/webhooks/{hid}/deliveries?until={since}")),
            "until",
        )
        .await;
    }
    field_error(
        &app,
        app.get(&format!("/webhooks/{hid}/deliveries?limit=99999999999")),
        "limit",
    )
    .await;
}

#[tokio::test]
async fn input_bounds_on_the_idempotency_key() {
    let app = spawn_app(&[]).await;
    let ingest = |key: String| {
        app.post("/events")
            .header("Idempotency-Key", key)
            .json(&json!({"type": "run.completed", "data": {}}))
    };
    let at_limit = "k".repeat(255);
    let (s, first) = app.json(ingest(at_limit.clone())).await;
    assert_eq!(s, 202, "255 characters are accepted: {first}");
    let (s, again) = app.json(ingest(at_limit)).await;
    assert_eq!((s, &again), (202, &first), "and deduplicate");
    field_error(&app, ingest("k".repeat(256)), "Idempotency-Key").await;
    field_error(&app, ingest(String::new()), "Idempotency-Key").await;
    let non_ascii = app
        .post("/events")
        .header(
            "Idempotency-Key",
            reqwest::header::HeaderValue::from_bytes(b"k\xe9").unwrap(),
        )
        .json(&json!({"type": "run.completed", "data": {}}));
    field_error(&app, non_ascii, "Idempotency-Key").await;
}
