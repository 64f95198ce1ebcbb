//! REST API v1 against a real server, store and receiver: every endpoint's success path,
//! each bad-input class (and that a rejected request changed nothing), auth, rate limit,
//! OpenAPI completeness, health and metrics.
mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn requests_without_a_valid_key_are_refused() {
    let app = spawn_app(&[]).await;
    for auth in [None, Some("Bearer nope"), Some("Basic abc")] {
        let mut req = app.client.get(app.url("/webhooks"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], 401);
    }
}

#[tokio::test]
async fn webhook_crud() {
    let app = spawn_app(&[]).await;
    let rx = receiver(200).await;
    let created = app
        .webhook(
            &rx.url,
            json!({"event_types": ["evaluation.failed", "alert.*"], "headers": [
                {"key": "Authorization", "value": "Token secret-123", "protected": true},
                {"key": "X-Team", "value": "ml"}]}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("wh_"));
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(
        created["headers"][0],
        json!({"key": "Authorization", "value": null, "protected": true})
    );
    assert_eq!(created["retry"]["max_retries"], 8);
    assert_eq!(created["timeout_ms"], 5000);

    let (s, got) = app.json(app.get(&format!("/webhooks/{id}"))).await;
    assert_eq!(s, 200);
    assert!(
        got.get("secret").is_none(),
        "the secret is shown only on create"
    );
    assert!(!got.to_string().contains("secret-123"));

    let (s, patched) = app
        .json(
            app.patch(&format!("/webhooks/{id}"))
                .json(&json!({"description": "pager", "timeout_ms": 3000})),
        )
        .await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["description"], "pager");
    assert_eq!(patched["timeout_ms"], 3000);
    assert_eq!(patched["name"], "hook", "fields not sent are kept");
    assert_eq!(patched["headers"].as_array().unwrap().len(), 2);

    // A protected header sent back without its value keeps the stored one.
    let (s, _) = app
        .json(app.patch(&format!("/webhooks/{id}")).json(
            &json!({"headers": [{"key": "Authorization", "value": null, "protected": true}]}),
        ))
        .await;
    assert_eq!(s, 200);
    app.post(&format!("/webhooks/{id}/test"))
        .json(&json!({"event_type": "evaluation.failed"}))
        .send()
        .await
        .unwrap();
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].header("authorization"), "Token secret-123");

    let (s, list) = app.json(app.get("/webhooks")).await;
    assert_eq!(s, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["next_cursor"], Value::Null);

    assert_eq!(
        app.delete(&format!("/webhooks/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        app.get(&format!("/webhooks/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.delete(&format!("/webhooks/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn list_pagination_is_newest_first_with_a_cursor() {
    let app = spawn_app(&[]).await;
    let mut ids = vec![];
    for i in 0..5 {
        let w = app
            .webhook("http://127.0.0.1:9/x", json!({"name": format!("h{i}")}))
            .await;
        ids.push(w["id"].as_str().unwrap().to_string());
    }
    let (_, p1) = app.json(app.get("/webhooks?limit=2")).await;
    let names: Vec<&str> = p1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["h4", "h3"]);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = app
        .json(app.get(&format!("/webhooks?limit=2&cursor={cursor}")))
        .await;
    let names: Vec<&str> = p2["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["h2", "h1"]);
    let (s, e) = app.json(app.get("/webhooks?limt=2")).await;
    assert_eq!(s, 422);
    assert!(e["errors"].get("limt").is_some(), "{e}");
}

/// Each class of bad input answers with the right status and field, and changes nothing.
#[tokio::test]
async fn bad_webhook_input_is_refused_field_by_field_and_changes_nothing() {
    let app = spawn_app(&[]).await;
    let existing = app.webhook("http://127.0.0.1:9/x", json!({})).await;
    let id = existing["id"].as_str().unwrap();
    let before = app.json(app.get(&format!("/webhooks/{id}"))).await.1;
    let ok = json!({"name": "n", "url": "https://example.com/hook"});
    let with = |extra: Value| {
        let mut b = ok.clone();
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "unknown field",
            with(json!({"colour": "red"})),
            422,
            "colour",
        ),
        (
            "not http(s)",
            with(json!({"url": "ftp://example.com/x"})),
            422,
            "url",
        ),
        ("no host", with(json!({"url": "http:///x"})), 422, "url"),
        (
            "bad header key",
            with(json!({"headers": [{"key": "Bad Key", "value": "1"}]})),
            422,
            "headers[0].key",
        ),
        (
            "reserved header",
            with(json!({"headers": [{"key": "webhook-signature", "value": "1"}]})),
            422,
            "headers[0].key",
        ),
        (
            "content-type header",
            with(json!({"headers": [{"key": "Content-Type", "value": "x"}]})),
            422,
            "headers[0].key",
        ),
        (
            "duplicate header",
            with(json!({"headers": [{"key": "X-A", "value": "1"}, {"key": "x-a", "value": "2"}]})),
            422,
            "headers[1].key",
        ),
        (
            "unknown event type",
            with(json!({"event_types": ["evaluation.exploded"]})),
            422,
            "event_types[0]",
        ),
        (
            "unknown format",
            with(json!({"format": "fax"})),
            422,
            "format",
        ),
        (
            "timeout out of range",
            with(json!({"timeout_ms": 100})),
            422,
            "timeout_ms",
        ),
        (
            "retries out of range",
            with(json!({"retry": {"max_retries": 31}})),
            422,
            "retry.max_retries",
        ),
        (
            "batch out of range",
            with(json!({"batch": {"max_events": 0}})),
            422,
            "batch.max_events",
        ),
        (
            "negative number",
            with(json!({"timeout_ms": -1})),
            422,
            "timeout_ms",
        ),
        ("missing url", json!({"name": "n"}), 422, "url"),
        (
            "bad template",
            with(
                json!({"format": "slack", "templates": {"evaluation.failed": "{{ data.score | nope }}"}}),
            ),
            422,
            "templates.evaluation.failed",
        ),
        (
            "pagerduty without routing key",
            with(json!({"format": "pagerduty"})),
            422,
            "settings.routing_key",
        ),
    ];
    for (what, body, status, field) in cases {
        let (s, e) = app.json(app.post("/webhooks").json(&body)).await;
        assert_eq!(s, status, "{what}: {e}");
        assert!(
            e["errors"].get(field).is_some(),
            "{what}: wanted field {field} in {e}"
        );
        assert_eq!(e["status"], status);
        if what != "missing url" {
            let (s, e) = app
                .json(app.patch(&format!("/webhooks/{id}")).json(&body))
                .await;
            assert_eq!(s, status, "PATCH {what}: {e}");
        }
    }
    // malformed JSON
    let res = app
        .post("/webhooks")
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // wrong content type
    let res = app.post("/webhooks").body("name=x").send().await.unwrap();
    assert_eq!(res.status(), 415);
    // over 1 MiB
    let big = json!({"name": "n", "url": "https://example.com", "description": "x".repeat(1024 * 1024 + 10)});
    let res = app.post("/webhooks").json(&big).send().await.unwrap();
    assert_eq!(res.status(), 413);
    // unknown ids
    for path in [
        "/webhooks/wh_nope",
        "/deliveries/dlv_nope",
        "/events/evt_nope",
        "/webhooks/wh_nope/deliveries",
    ] {
        assert_eq!(app.get(path).send().await.unwrap().status(), 404, "{path}");
    }
    // Nothing changed.
    let (_, list) = app.json(app.get("/webhooks")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let after = app.json(app.get(&format!("/webhooks/{id}"))).await.1;
    assert_eq!(before, after);
}

#[tokio::test]
async fn events_are_ingested_fanned_out_signed_and_delivered() {
    let app = spawn_app(&[]).await;
    let rx = receiver(200).await;
    let hook = app
        .webhook(&rx.url, json!({"event_types": ["evaluation.failed"]}))
        .await;
    let secret = hook["secret"].as_str().unwrap().to_string();
    let event = json!({"type": "evaluation.failed", "object": "evaluation_result", "project": "patient-triage",
        "severity": "high", "source": "experiment", "data": {"score": 0.42}});
    let (s, answer) = app.json(app.post("/events").json(&event)).await;
    assert_eq!(s, 202, "{answer}");
    assert_eq!(answer["data"][0]["deliveries"], 1);
    let event_id = answer["data"][0]["id"].as_str().unwrap().to_string();

    let got = rx.wait_for(1).await;
    let r = &got[0];
    let body = r.json();
    assert_eq!(body["events"][0]["id"], event_id.as_str());
    assert_eq!(
        body["events"][0]["data"],
        json!({"evaluation_result": {"score": 0.42}})
    );
    let id = r.header("webhook-id");
    assert!(id.starts_with("dlv_"));
    assert_eq!(body["request"]["idempotency_key"], id.as_str());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    engine::rules::signing::verify(
        &[&secret],
        &id,
        &r.header("webhook-timestamp"),
        &r.header("webhook-signature"),
        &r.body,
        now,
    )
    .expect("signature verifies");
    assert_eq!(r.header("x-herald-event-type"), "evaluation.failed");
    assert_eq!(r.header("x-herald-attempt"), "1");

    // The event and its delivery.
    let (s, detail) = app.json(app.get(&format!("/events/{event_id}"))).await;
    assert_eq!(s, 200);
    assert_eq!(detail["type"], "evaluation.failed");
    assert_eq!(detail["deliveries"][0]["id"], id.as_str());
    eventually("the delivery to succeed", || async {
        let (_, d) = app.json(app.get(&format!("/deliveries/{id}"))).await;
        d["status"] == "succeeded"
    })
    .await;
    let (_, d) = app.json(app.get(&format!("/deliveries/{id}"))).await;
    assert_eq!(d["attempts"][0]["response_status"], 200);
    assert_eq!(d["attempts"][0]["attempt"], 1);

    // An event nobody subscribes to creates no delivery.
    let (_, a) = app
        .json(
            app.post("/events")
                .json(&json!({"type": "run.completed", "data": {}})),
        )
        .await;
    assert_eq!(a["data"][0]["deliveries"], 0);
}

#[tokio::test]
async fn batches_idempotency_and_bad_events() {
    let app = spawn_app(&[]).await;
    let rx = receiver(200).await;
    app.webhook(&rx.url, json!({})).await;
    let batch = json!({"events": [
        {"type": "run.completed", "data": {"run": 1}},
        {"type": "alert.triggered", "data": {"metric": "drift"}, "severity": "critical"}]});
    let (s, a) = app
        .json(
            app.post("/events")
                .header("Idempotency-Key", "k-1")
                .json(&batch),
        )
        .await;
    assert_eq!(s, 202, "{a}");
    assert_eq!(a["data"].as_array().unwrap().len(), 2);
    let (s, again) = app
        .json(
            app.post("/events")
                .header("Idempotency-Key", "k-1")
                .json(&batch),
        )
        .await;
    assert_eq!(s, 202);
    assert_eq!(a, again, "a replay answers the first answer");
    rx.wait_for(2).await;

    let too_many = json!({"events": vec![json!({"type": "run.completed", "data": {}}); 1001]});
    let (s, e) = app.json(app.post("/events").json(&too_many)).await;
    assert_eq!(s, 422);
    assert!(e["errors"].get("events").is_some());

    let cases = [
        (json!({"type": "nope.never", "data": {}}), "type"),
        (json!({"type": "run.completed", "data": [1]}), "data"),
        (
            json!({"type": "run.completed", "data": {}, "severity": "apocalyptic"}),
            "severity",
        ),
        (
            json!({"type": "run.completed", "data": {}, "created": "last tuesday"}),
            "created",
        ),
        (
            json!({"type": "run.completed", "data": {}, "extra": 1}),
            "extra",
        ),
        (
            json!({"events": [{"type": "run.completed", "data": {}}, {"type": "run.completed"}]}),
            "events[1].data",
        ),
    ];
    for (body, field) in cases {
        let (s, e) = app.json(app.post("/events").json(&body)).await;
        assert_eq!(s, 422, "{body}: {e}");
        assert!(
            e["errors"].get(field).is_some(),
            "{body}: wanted {field} in {e}"
        );
    }
    // Nothing from the refused requests was delivered or stored.
    let (_, page) = app
        .json(app.get(&format!(
                "/webhooks/{}/deliveries",
                app.json(app.get("/webhooks")).await.1["data"][0]["id"]
                    .as_str()
                    .unwrap()
            )))
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn delivery_log_resend_and_retry_failed() {
    let app = spawn_app(&[]).await;
    let rx = receiver(400).await;
    let hook = app.webhook(&rx.url, json!({})).await;
    let wid = hook["id"].as_str().unwrap();
    let since = engine::clock::rfc3339(app.engine.now_ms() - 1000);
    app.post("/events")
        .json(&json!({"type": "run.completed", "data": {}}))
        .send()
        .await
        .unwrap();
    rx.wait_for(1).await;
    let failed = format!("/webhooks/{wid}/deliveries?status=failed");
    eventually("the 400 to fail the delivery", || async {
        app.json(app.get(&failed)).await.1["data"]
            .as_array()
            .unwrap()
            .len()
            == 1
    })
    .await;
    let (_, page) = app.json(app.get(&failed)).await;
    let did = page["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(page["data"][0]["last_response_code"], 400);
    let (_, none) = app
        .json(app.get(&format!("/webhooks/{wid}/deliveries?status=succeeded")))
        .await;
    assert!(none["data"].as_array().unwrap().is_empty());
    let (s, e) = app
        .json(app.get(&format!("/webhooks/{wid}/deliveries?status=exploded")))
        .await;
    assert_eq!(s, 422, "{e}");

    // Resend: a new attempt now, same webhook-id.
    rx.set_status(200);
    let (s, d) = app
        .json(app.post(&format!("/deliveries/{did}/resend")))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "succeeded");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(d["attempts"][0]["trigger"], "resend");
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));

    // Retry failed: only failed ones in the window, never succeeded.
    rx.set_status(400);
    app.post("/events")
        .json(&json!({"type": "run.completed", "data": {}}))
        .send()
        .await
        .unwrap();
    rx.wait_for(3).await;
    eventually("the second failure", || async {
        app.json(app.get(&failed)).await.1["data"]
            .as_array()
            .unwrap()
            .len()
            == 1
    })
    .await;
    rx.set_status(200);
    let (s, r) = app
        .json(
            app.post(&format!("/webhooks/{wid}/retry-failed"))
                .json(&json!({"since": since})),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["requeued"], 1);
    rx.wait_for(4).await;
    let (s, e) = app
        .json(
            app.post(&format!("/webhooks/{wid}/retry-failed"))
                .json(&json!({"since": "soon"})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(e["errors"].get("since").is_some());
}

#[tokio::test]
async fn secrets_test_validate_and_rate_limit() {
    let app = spawn_app(&["--test-rate-limit", "3"]).await;
    let rx = receiver(200).await;
    let hook = app.webhook(&rx.url, json!({})).await;
    let wid = hook["id"].as_str().unwrap();
    let (_, s1) = app.json(app.get(&format!("/webhooks/{wid}/secret"))).await;
    assert_eq!(s1["secret"], hook["secret"]);
    let (s, s2) = app
        .json(app.post(&format!("/webhooks/{wid}/rotate-secret")))
        .await;
    assert_eq!(s, 200);
    assert_ne!(s2["secret"], s1["secret"]);

    // An unknown event type is a field error (checked while the limit has room).
    let (s, e) = app
        .json(
            app.post(&format!("/webhooks/{wid}/test"))
                .json(&json!({"event_type": "nope.never"})),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["errors"].get("event_type").is_some(), "{e}");

    let (s, t) = app
        .json(
            app.post(&format!("/webhooks/{wid}/test"))
                .json(&json!({"event_type": "alert.triggered"})),
        )
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["success"], true);
    assert_eq!(t["response_code"], 200);
    assert_eq!(t["request"]["url"], rx.url.as_str());
    let got = rx.wait_for(1).await;
    assert_eq!(
        got[0].header("webhook-signature").split(' ').count(),
        2,
        "both secrets sign during the grace period"
    );

    let (s, v) = app.json(app.post("/webhooks/validate").json(&json!({"url": rx.url, "headers": [{"key": "X-Token", "value": "abc", "protected": true}]}))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["success"], true);
    assert!(v["request"]["body"]
        .as_str()
        .unwrap()
        .contains("webhook.test"));
    assert!(
        !v.to_string().contains("\"abc\""),
        "protected values are masked in the answer"
    );
    assert_eq!(rx.wait_for(2).await[1].header("x-token"), "abc");

    // The limit is 3 a minute: the refused unknown type, test and validate used it up.
    let res = app
        .post("/webhooks/validate")
        .json(&json!({"url": rx.url}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(
        res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
}

#[tokio::test]
async fn blocked_targets_are_attempts_with_error_blocked() {
    let app = spawn_app(&["--allowed-targets", ""]).await;
    let rx = receiver(200).await;
    let hook = app.webhook(&rx.url, json!({})).await;
    let (s, t) = app
        .json(
            app.post(&format!("/webhooks/{}/test", hook["id"].as_str().unwrap()))
                .json(&json!({"event_type": "run.completed"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(t["success"], false);
    assert_eq!(t["status"], "blocked");
    assert!(rx.received().is_empty());
}

#[tokio::test]
async fn event_types_and_api_keys() {
    let app = spawn_app(&[]).await;
    let (s, list) = app.json(app.get("/event-types")).await;
    assert_eq!(s, 200);
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for n in [
        "evaluation.failed",
        "safety.critical",
        "webhook.test",
        "model.version.created",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let (s, t) = app
        .json(
            app.post("/event-types")
                .json(&json!({"name": "drift.detected", "description": "Drift"})),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let (s, _) = app
        .json(
            app.post("/event-types")
                .json(&json!({"name": "drift.detected"})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, e) = app
        .json(app.post("/event-types").json(&json!({"name": "Bad Name"})))
        .await;
    assert_eq!(s, 422);
    assert!(e["errors"].get("name").is_some());

    let (s, k) = app
        .json(app.post("/api-keys").json(&json!({"name": "ci"})))
        .await;
    assert_eq!(s, 201);
    let key = k["secret"].as_str().unwrap().to_string();
    let res = app
        .client
        .get(app.url("/webhooks"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, keys) = app.json(app.get("/api-keys")).await;
    assert!(
        !keys.to_string().contains(&key),
        "key values are never listed"
    );
    let kid = k["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api-keys/{kid}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let res = app
        .client
        .get(app.url("/webhooks"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn openapi_lists_every_route_of_the_contract() {
    let app = spawn_app(&[]).await;
    let spec: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let contract = [
        ("post", "/events"),
        ("get", "/events/{id}"),
        ("get", "/webhooks"),
        ("post", "/webhooks"),
        ("get", "/webhooks/{id}"),
        ("patch", "/webhooks/{id}"),
        ("delete", "/webhooks/{id}"),
        ("post", "/webhooks/{id}/test"),
        ("post", "/webhooks/validate"),
        ("post", "/webhooks/condition-check"),
        ("get", "/webhooks/{id}/secret"),
        ("post", "/webhooks/{id}/rotate-secret"),
        ("get", "/webhooks/{id}/deliveries"),
        ("get", "/deliveries/{id}"),
        ("post", "/deliveries/{id}/resend"),
        ("post", "/webhooks/{id}/retry-failed"),
        ("get", "/event-types"),
        ("post", "/event-types"),
    ];
    for (method, path) in contract {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} missing from openapi.json"
        );
    }
    // And every documented route answers (is really routed), not 404/405.
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let url = app.url(&path.replace("{id}", "x_none").replace("{name}", "x_none"));
            let req = app
                .client
                .request(method.to_uppercase().parse().unwrap(), url)
                .bearer_auth(API_KEY);
            let status = req
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap()
                .status();
            assert_ne!(status, 405, "{method} {path}");
            if !path.contains('{') {
                assert_ne!(status, 404, "{method} {path}");
            }
        }
    }
}

#[tokio::test]
async fn health_and_metrics() {
    let app = spawn_app(&[]).await;
    let res = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let rx = receiver(200).await;
    app.webhook(&rx.url, json!({})).await;
    app.post("/events")
        .json(&json!({"type": "run.completed", "data": {}}))
        .send()
        .await
        .unwrap();
    rx.wait_for(1).await;
    eventually("metrics to show the attempt", || async {
        let text = app
            .client
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.contains("herald_attempt_duration_seconds_bucket")
            && text.contains("herald_attempts_total")
    })
    .await;
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "herald_events_ingested_total",
        "herald_queue_depth",
        "herald_oldest_pending_age_seconds",
        "herald_deliveries{status=\"succeeded\"}",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app(&[]).await;
    let res = app.get("/webhooks").send().await.unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    let res = app
        .get("/webhooks")
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["x-request-id"],
        "trace-me-42",
        "a caller's id is kept"
    );
}
