//! Finding 7 — errors showed what a host name resolves to (`host resolves to 10.x`),
//! letting any caller map the internal network through "Validate webhook", test sends
//! and the delivery log. The answer now keeps the reason (`blocked: … a loopback
//! address`); the address goes to the server's log only.
use serde_json::{json, Value};

use crate::common::{eventually, spawn_app, TestApp};

/// `localhost` resolves to loopback addresses; targets are restricted to another network.
const TARGET: &str = "http://localhost:9/hook";

fn assert_no_address(what: &str, text: &str) {
    for ip in ["127.0.0.1", "::1"] {
        assert!(!text.contains(ip), "{what} shows {ip}: {text}");
    }
}

fn assert_blocked(what: &str, result: &Value) {
    let text = result.to_string();
    assert_eq!(result["status"], "blocked", "{what}: {text}");
    assert!(text.contains("loopback"), "{what} keeps the reason: {text}");
    assert_no_address(what, &text);
}

async fn delivery_log_text(app: &TestApp, hook: &str) -> Option<String> {
    let (_, log) = app
        .json(app.get(&format!("/webhooks/{hook}/deliveries")))
        .await;
    let id = log["data"][0]["id"].as_str()?.to_string();
    let (_, detail) = app.json(app.get(&format!("/deliveries/{id}"))).await;
    let attempts = detail["attempts"].as_array()?;
    (!attempts.is_empty()).then(|| detail.to_string())
}

#[tokio::test]
async fn internal_addresses_stay_out_of_answers_and_the_delivery_log() {
    let app = spawn_app(&["--allowed-targets", "10.0.0.0/8"]).await;
    let (s, validated) = app
        .json(app.post("/webhooks/validate").json(&json!({"url": TARGET})))
        .await;
    assert_eq!(s, 200, "{validated}");
    assert_blocked("validate", &validated);

    let hook = app.webhook(TARGET, json!({})).await;
    let hid = hook["id"].as_str().unwrap().to_string();
    let (s, tested) = app
        .json(
            app.post(&format!("/webhooks/{hid}/test"))
                .json(&json!({"event_type": "run.completed"})),
        )
        .await;
    assert_eq!(s, 200, "{tested}");
    assert_blocked("test send", &tested);

    let (s, _) = app
        .json(
            app.post("/events")
                .json(&json!({"type": "run.completed", "data": {}})),
        )
        .await;
    assert_eq!(s, 202);
    eventually("the blocked attempt in the delivery log", || async {
        delivery_log_text(&app, &hid).await.is_some()
    })
    .await;
    let text = delivery_log_text(&app, &hid).await.unwrap();
    assert!(text.contains("blocked"), "{text}");
    assert_no_address("the delivery log", &text);
}
