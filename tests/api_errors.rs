//! Every error under `/api/v1` is `application/problem+json` with `type`, `title`,
//! `status`, `detail` and `errors` — also the ones made below the handlers: an unknown
//! route (404), a known path with another method (405), a body over the limit (413), the
//! wrong content type (415) and a missing or wrong key (401).
mod common;

use common::{spawn_app, API_KEY};

async fn assert_problem(res: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status);
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(ct.starts_with("application/problem+json"), "{status}: {ct}");
    let body: serde_json::Value = res.json().await.unwrap();
    for key in ["type", "title", "status", "detail", "errors"] {
        assert!(body.get(key).is_some(), "{status}: no {key} in {body}");
    }
    assert_eq!(body["status"], status);
    assert!(body["errors"].is_object());
    assert!(!body["detail"].as_str().unwrap().is_empty());
    body
}

#[tokio::test]
async fn every_api_error_is_problem_json() {
    let app = spawn_app(&[]).await;
    let c = &app.client;

    let res = c
        .get(app.url("/no-such-route"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404).await;

    let res = c
        .delete(app.url("/events"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    let allow = res.headers().get("allow").cloned();
    assert_problem(res, 405).await;
    assert!(allow.is_some(), "405 keeps its Allow header");

    let big = format!(
        "{{\"type\": \"run.completed\", \"data\": {{\"x\": \"{}\"}}}}",
        "a".repeat(1_100_000)
    );
    for path in ["/events", "/webhooks"] {
        let res = c
            .post(app.url(path))
            .bearer_auth(API_KEY)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_problem(res, 413).await;
    }

    let res = c
        .post(app.url("/webhooks"))
        .bearer_auth(API_KEY)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;

    let res = c.get(app.url("/webhooks")).send().await.unwrap();
    assert_problem(res, 401).await;
    let res = c
        .get(app.url("/webhooks"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;

    let res = c
        .post(app.url("/webhooks"))
        .bearer_auth(API_KEY)
        .json(&serde_json::json!({"name": "x", "url": "ftp://x"}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["url"].is_array());
}
