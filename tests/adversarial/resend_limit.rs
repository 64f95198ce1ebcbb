//! Finding 9 — resend was an unlimited immediate outbound request: one key could make
//! Herald hammer a receiver. Resend now counts against the caller's test-send limit
//! (`HERALD_TEST_RATE_LIMIT` per rolling minute, shared across instances on PostgreSQL)
//! and answers 429 with `Retry-After` beyond it.
use serde_json::json;

use crate::common::{eventually, receiver, spawn_app};

#[tokio::test]
async fn resend_is_rate_limited_per_key() {
    let app = spawn_app(&["--test-rate-limit", "2"]).await;
    let rx = receiver(200).await;
    let hook = app.webhook(&rx.url, json!({})).await;
    let (s, _) = app
        .json(
            app.post("/events")
                .json(&json!({"type": "run.completed", "data": {}})),
        )
        .await;
    assert_eq!(s, 202);
    rx.wait_for(1).await;
    let hid = hook["id"].as_str().unwrap();
    let log_path = format!("/webhooks/{hid}/deliveries");
    // The receiver has the request before the attempt is recorded: a resend meanwhile is 409.
    eventually("the first attempt to be recorded", || async {
        app.json(app.get(&log_path)).await.1["data"][0]["status"] == "succeeded"
    })
    .await;
    let (_, log) = app.json(app.get(&log_path)).await;
    let did = log["data"][0]["id"].as_str().unwrap().to_string();
    let resend = || app.post(&format!("/deliveries/{did}/resend"));
    for _ in 0..2 {
        let (s, d) = app.json(resend()).await;
        assert_eq!(s, 200, "{d}");
    }
    let res = resend().send().await.unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "problem+json"
    );
    assert_eq!(rx.received().len(), 3, "the refused resend sent nothing");
    // The budget is the caller's: test sends by the same key are refused too.
    let (s, _) = app
        .json(
            app.post(&format!("/webhooks/{hid}/test"))
                .json(&json!({"event_type": "run.completed"})),
        )
        .await;
    assert_eq!(s, 429);
}
