//! Conditions and redaction through the real app (docs/conditions.md): two webhooks on one
//! event over the REST API, one whose condition matches and which redacts, one whose
//! condition does not match. The receivers get exactly what they should, and a canary in
//! a redacted field appears nowhere in the redacting receiver's body, the database's
//! attempt rows, or the console's delivery page. Also the condition check and the 422s.
mod common;

use common::*;
use serde_json::json;

const CANARY: &str = "canary-prompt-5b1e77";

async fn attempt_bodies(app: &TestApp) -> Vec<String> {
    let sql = "SELECT request_body FROM attempts";
    if on_postgres() {
        let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
    } else {
        // The SQLite file itself, through a connection of its own.
        let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_route_and_the_canary_stays_in_herald() {
    let app = spawn_app(&[]).await;
    let (kept, skipped) = (receiver(200).await, receiver(200).await);
    let redacting = app
        .webhook(
            &kept.url,
            json!({
                "condition": "project == \"prod\" && data.score < 1",
                "redact": [
                    {"path": "data.samples[*].prompt"},
                    {"path": "metadata.user.email", "action": "hash"},
                ],
            }),
        )
        .await;
    assert_eq!(
        redacting["redact"][0]["action"], "remove",
        "the default action"
    );
    app.webhook(
        &skipped.url,
        json!({"condition": "severity in [\"high\", \"critical\"] || data.regression > 0.05"}),
    )
    .await;

    let (status, answer) = app
        .json(app.post("/events").json(&json!({
            "type": "evaluation.failed",
            "project": "prod",
            "severity": "low",
            "data": {"score": 0.5, "regression": 0.01, "samples": [{"prompt": CANARY, "score": 1}]},
            "metadata": {"user": {"email": CANARY}},
        })))
        .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["data"][0]["deliveries"], 1, "{answer}");

    let got = kept.wait_for(1).await;
    let body = std::str::from_utf8(&got[0].body).unwrap();
    assert!(!body.contains(CANARY), "canary sent: {body}");
    let event = &got[0].json()["events"][0];
    assert_eq!(
        event["data"]["evaluation_result"]["samples"],
        json!([{"score": 1}])
    );
    assert!(event["metadata"]["user"]["email"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert!(skipped.received().is_empty());

    // The attempt row is written after the response; wait for it.
    let id = answer["data"][0]["id"].as_str().unwrap().to_string();
    let (app_ref, id_ref) = (&app, &id);
    eventually("the attempt is recorded", || async move {
        let (_, e) = app_ref
            .json(app_ref.get(&format!("/events/{id_ref}")))
            .await;
        e["deliveries"][0]["attempts"].as_u64().unwrap_or(0) >= 1
    })
    .await;
    let (_, e) = app.json(app.get(&format!("/events/{id}"))).await;
    let delivery = e["deliveries"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        e["data"]["samples"][0]["prompt"], CANARY,
        "the stored event is whole"
    );
    let bodies = attempt_bodies(&app).await;
    assert_eq!(bodies.len(), 1);
    assert!(bodies.iter().all(|b| !b.contains(CANARY)), "{bodies:?}");

    let (client, cookie) = console_session(&app).await;
    let page = client
        .get(format!("{}/deliveries/{delivery}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("sha256:"),
        "the delivery page shows the redacted body"
    );
    assert!(
        !html.contains(CANARY),
        "canary on the console's delivery page"
    );
}

#[tokio::test]
async fn condition_check_and_validation_over_rest() {
    let app = spawn_app(&[]).await;
    let (status, r) = app
        .json(app.post("/webhooks/condition-check").json(&json!({
            "condition": "data.score < 0.8",
            "redact": [{"path": "data.explanation", "action": "mask"}],
            "event_types": ["evaluation.failed", "evaluation.completed"],
        })))
        .await;
    assert_eq!(status, 200, "{r}");
    let failed = r["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["event_type"] == "evaluation.failed")
        .unwrap();
    assert_eq!(failed["matches"], true);
    assert_eq!(failed["redacted"]["data"]["explanation"], "[redacted]");

    let (status, r) = app
        .json(app.post("/webhooks/condition-check").json(&json!({
            "condition": "has(data.run_id) && data.run_id.startsWith(\"nightly-\")",
            "event": {"type": "run.completed", "data": {"run_id": "nightly-9"}},
        })))
        .await;
    assert_eq!(
        (status, &r["samples"][0]["matches"]),
        (200, &json!(true)),
        "{r}"
    );

    let (status, r) = app
        .json(app.post("/webhooks").json(&json!({
            "name": "bad", "url": "http://127.0.0.1:9/x",
            "condition": "data.score <",
            "redact": [{"path": "data..x"}],
        })))
        .await;
    assert_eq!(status, 422, "{r}");
    assert!(r["errors"]["condition"][0]
        .as_str()
        .unwrap()
        .starts_with("line 1, column 13"));
    assert!(r["errors"]["redact[0].path"].is_array(), "{r}");
    let (_, list) = app.json(app.get("/webhooks")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "nothing saved");

    let (_, doc) = app.json(app.client.get(app.url("/openapi.json"))).await;
    assert!(doc["paths"]["/webhooks/condition-check"]["post"].is_object());
    let props = &doc["components"]["schemas"]["Webhook"]["properties"];
    assert!(props["condition"].is_object() && props["redact"].is_object());
    // The create schema is `allOf` the fields and the rules that depend on `format`.
    let schemas = &doc["components"]["schemas"];
    for input in [
        &schemas["WebhookInput"]["properties"],
        &schemas["WebhookCreate"]["allOf"][0]["properties"],
    ] {
        assert!(input["condition"].is_object() && input["redact"].is_object());
    }
}
