//! Finding 2 — templates could multiply memory: a 4,096-character template of repeated
//! `{{data}}` on a 900 KB event rendered about 460 MB per attempt (twice that for Slack,
//! which escapes a copy). A webhook's template is now measured against its format's output
//! limit before anything is rendered into memory; over it, the attempt fails at once with
//! `body_too_large` and a message saying so, and nothing is sent. Run against the real
//! binary, so the server's own peak RSS (`VmHWM`) is what is measured.
use serde_json::{json, Value};

use crate::common::{eventually, receiver};
use crate::server::{Server, KEY};

#[tokio::test]
async fn template_memory_is_bounded_by_the_format_limit() {
    let server = Server::start(&[]).await;
    let base = &server.base;
    let rx = receiver(200).await;
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{base}/api/v1{path}");
    let template = "{{data}}".repeat(4096 / 8);
    assert_eq!(template.len(), 4096);
    let res = client
        .post(api("/webhooks"))
        .bearer_auth(KEY)
        .json(&json!({"name": "multiplied", "url": rx.url, "event_types": ["*"],
            "format": "slack", "templates": {"run.completed": template},
            "retry": {"max_retries": 0, "backoff": "fixed", "initial_delay_ms": 100, "max_delay_ms": 100}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let hook: Value = res.json().await.unwrap();
    let hid = hook["id"].as_str().unwrap().to_string();

    let peak_before = server.peak_kib();
    let event = json!({"type": "run.completed", "data": {"blob": "x".repeat(900 * 1024)}});
    let res = client
        .post(api("/events"))
        .bearer_auth(KEY)
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());

    let get = |path: String| {
        let req = client.get(api(&path)).bearer_auth(KEY);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let log_path = format!("/webhooks/{hid}/deliveries");
    eventually("the delivery to finish", || async {
        let log = get(log_path.clone()).await;
        matches!(
            log["data"][0]["status"].as_str(),
            Some("failed" | "succeeded")
        )
    })
    .await;
    let peak_after = server.peak_kib();
    let grown_mb = (peak_after.saturating_sub(peak_before)) / 1024;
    assert!(
        grown_mb < 64,
        "peak RSS grew by {grown_mb} MB ({peak_before} kB → {peak_after} kB)"
    );

    let log = get(log_path).await;
    let did = log["data"][0]["id"].as_str().unwrap();
    let detail = get(format!("/deliveries/{did}")).await;
    let attempt = &detail["attempts"][0];
    assert_eq!(attempt["error_kind"], "body_too_large", "{detail}");
    let message = attempt["error_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("template") && message.contains("slack format's limit"),
        "a clear message: {message}"
    );
    assert!(rx.received().is_empty(), "nothing was sent");
}
