//! Conditions and redaction end to end through the engine (docs/conditions.md): fan-out
//! evaluates each webhook's condition, an error does not match and is kept on the webhook,
//! and a redacted value reaches neither the receiver, the attempt rows, resends nor test
//! sends, while the stored event and other webhooks keep it. Real database (SQLite, or
//! PostgreSQL with HERALD_TEST_POSTGRES_URL), real receivers on 127.0.0.1.
mod common;

use common::*;
use domain::{ConditionCheck, RedactAction, Redaction, WebhookInput};
use engine::rules::tenancy::TenantScope;
use engine::EngineError;
use serde_json::{json, Value};

const CANARY: &str = "canary-7f3a9c";

fn redaction(path: &str, action: RedactAction) -> Redaction {
    Redaction {
        path: path.into(),
        action,
    }
}

fn canary_event() -> domain::EventInput {
    domain::EventInput {
        project: Some("prod".into()),
        metadata: Some(json!({"user": {"email": CANARY, "id": 7}})),
        ..event(
            "evaluation.failed",
            json!({
                "score": 0.5,
                "metric": "accuracy",
                "input": CANARY,
                "samples": [{"prompt": CANARY, "score": 1}, {"prompt": CANARY}],
                "keep": "visible",
            }),
        )
    }
}

/// Every attempt's request body, read from the database's `attempts` table directly.
async fn attempt_bodies(h: &Harness) -> Vec<String> {
    if on_postgres() {
        let pool = sqlx::PgPool::connect(&h.db_url).await.expect("pg");
        sqlx::query_scalar("SELECT request_body FROM attempts")
            .fetch_all(&pool)
            .await
            .expect("attempts")
    } else {
        let pool = sqlx::SqlitePool::connect(&h.db_url).await.expect("sqlite");
        sqlx::query_scalar("SELECT request_body FROM attempts")
            .fetch_all(&pool)
            .await
            .expect("attempts")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_route_and_redaction_hides_the_canary() {
    let h = Harness::new().await;
    let (matching, redacted, other) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let plain = h
        .create(WebhookInput {
            condition: Some(r#"project == "prod" && data.metric in ["accuracy", "f1"]"#.into()),
            ..hook("plain", &matching.url)
        })
        .await;
    let hidden = h
        .create(WebhookInput {
            condition: Some("data.score < 1".into()),
            redact: Some(vec![
                redaction("data.input", RedactAction::Remove),
                redaction("metadata.user.email", RedactAction::Mask),
                redaction("data.samples[*].prompt", RedactAction::Hash),
            ]),
            ..hook("redacted", &redacted.url)
        })
        .await;
    h.create(WebhookInput {
        condition: Some(r#"severity in ["high", "critical"] || data.score > 0.9"#.into()),
        ..hook("not matching", &other.url)
    })
    .await;
    assert_eq!(hidden.redact.len(), 3, "redactions read back");
    assert_eq!(
        plain.condition,
        r#"project == "prod" && data.metric in ["accuracy", "f1"]"#
    );

    let got = h.ingest(canary_event()).await;
    assert_eq!(got.deliveries, 2, "the third webhook's condition is false");
    h.drain().await;

    let full = matching.expect_exactly(1).await;
    assert!(
        full[0].body_str().contains(CANARY),
        "unredacted for the plain webhook"
    );
    let red = redacted.expect_exactly(1).await;
    let body = red[0].body_str();
    assert!(!body.contains(CANARY), "canary leaked: {body}");
    let json = red[0].json();
    let sent = &json["events"][0];
    let data = &sent["data"]["evaluation_result"];
    assert_eq!(data["keep"], "visible", "{json}");
    assert!(data.get("input").is_none(), "removed: {data}");
    let hash = data["samples"][0]["prompt"].as_str().unwrap();
    assert!(hash.starts_with("sha256:"), "{hash}");
    assert_eq!(
        data["samples"][1]["prompt"], hash,
        "the same value hashes the same"
    );
    assert_eq!(
        sent["metadata"]["user"],
        json!({"email": "[redacted]", "id": 7})
    );
    assert_eq!(other.count(), 0);

    // A resend and a test send of the redacted webhook are redacted too.
    let delivery = h
        .engine
        .get_event(&TenantScope::All, &got.id)
        .await
        .unwrap()
        .deliveries
        .into_iter()
        .find(|d| d.webhook_id == hidden.id)
        .unwrap();
    h.engine
        .resend(&TenantScope::All, &delivery.id)
        .await
        .expect("resend");
    h.drain().await;
    let resent = redacted.wait_for(2).await;
    assert!(!resent[1].body_str().contains(CANARY));
    let test = h
        .engine
        .send_test(
            &TenantScope::All,
            &hidden.id,
            "evaluation.failed",
            Some(json!({"input": CANARY, "score": 0.1})),
        )
        .await
        .expect("test send");
    assert!(!test.request.body.contains(CANARY), "{}", test.request.body);
    redacted.wait_for(3).await;

    // The attempt log (the raw rows) holds the canary only for the plain webhook.
    let bodies = attempt_bodies(&h).await;
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    assert_eq!(bodies.iter().filter(|b| b.contains(CANARY)).count(), 1);
    for a in h.detail(&delivery.id).await.attempts {
        assert!(!a.request_body.contains(CANARY));
    }
    // The stored event is the platform's and stays whole.
    let stored = h
        .engine
        .get_event(&TenantScope::All, &got.id)
        .await
        .unwrap()
        .event;
    assert_eq!(stored.data["input"], CANARY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_condition_error_does_not_match_and_is_kept_on_the_webhook() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h
        .create(WebhookInput {
            condition: Some("data.score < 0.8".into()),
            ..hook("scores", &rx.url)
        })
        .await;
    assert!(wh.health.last_condition_error.is_none());
    let got = h
        .ingest(event("evaluation.failed", json!({"other": 1})))
        .await;
    assert_eq!(got.deliveries, 0, "a missing field does not match");
    let err = h
        .webhook(&wh.id)
        .await
        .health
        .last_condition_error
        .expect("kept");
    assert_eq!(err.event_id, got.id);
    assert!(err.message.contains("score"), "{}", err.message);

    let ok = h
        .ingest(event("evaluation.failed", json!({"score": 0.5})))
        .await;
    assert_eq!(ok.deliveries, 1);
    h.drain().await;
    rx.expect_exactly(1).await;

    // A new condition starts without the old one's error.
    let edited = h
        .engine
        .update_webhook(
            &TenantScope::All,
            &wh.id,
            WebhookInput {
                condition: Some("has(data.score) && data.score < 0.8".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(edited.health.last_condition_error.is_none());
    let got = h
        .ingest(event("evaluation.failed", json!({"other": 1})))
        .await;
    assert_eq!(got.deliveries, 0);
    assert!(h
        .webhook(&wh.id)
        .await
        .health
        .last_condition_error
        .is_none());
}

fn fields(e: EngineError) -> Vec<(String, String)> {
    match e {
        EngineError::Invalid(f) => {
            f.0.into_iter()
                .flat_map(|(k, v)| v.into_iter().map(move |m| (k.clone(), m)))
                .collect()
        }
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_refuses_bad_conditions_and_paths_and_changes_nothing() {
    let h = Harness::new().await;
    let cases: Vec<(WebhookInput, &str, &str)> = vec![
        (
            WebhookInput {
                condition: Some("data.score <".into()),
                ..Default::default()
            },
            "condition",
            "line 1, column 13",
        ),
        (
            WebhookInput {
                condition: Some("score < 0.8".into()),
                ..Default::default()
            },
            "condition",
            "unknown variable 'score'",
        ),
        (
            WebhookInput {
                redact: Some(vec![
                    redaction("data.ok", RedactAction::Remove),
                    redaction("payload.x", RedactAction::Mask),
                ]),
                ..Default::default()
            },
            "redact[1].path",
            "must start with",
        ),
    ];
    for (input, field, msg) in cases {
        let err = h
            .engine
            .create_webhook(
                &TenantScope::All,
                WebhookInput {
                    ..hook("bad", "http://127.0.0.1:9/x")
                }
                .merge(input),
            )
            .await
            .unwrap_err();
        let f = fields(err);
        assert!(
            f.iter().any(|(k, m)| k == field && m.contains(msg)),
            "{field}: {f:?}"
        );
    }
    assert_eq!(
        h.engine
            .list_webhooks(&TenantScope::All, 10, None)
            .await
            .unwrap()
            .data
            .len(),
        0
    );
}

/// `a` with `b`'s condition and redactions.
trait Merge {
    fn merge(self, b: WebhookInput) -> WebhookInput;
}
impl Merge for WebhookInput {
    fn merge(self, b: WebhookInput) -> WebhookInput {
        WebhookInput {
            condition: b.condition,
            redact: b.redact,
            ..self
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn condition_check_evaluates_catalog_examples_and_posted_events() {
    let h = Harness::new().await;
    let check = |condition: &str, event: Option<Value>, types: &[&str]| ConditionCheck {
        condition: condition.into(),
        redact: vec![redaction("data.explanation", RedactAction::Mask)],
        event,
        event_types: types.iter().map(|s| s.to_string()).collect(),
    };
    let r = h
        .engine
        .condition_check(check(
            "data.score < 0.8",
            None,
            &["evaluation.failed", "evaluation.completed"],
        ))
        .await
        .unwrap();
    let by_type = |t: &str| {
        r.samples
            .iter()
            .find(|s| s.event_type == t)
            .unwrap()
            .clone()
    };
    let failed = by_type("evaluation.failed");
    assert!(failed.matches && failed.error.is_none());
    assert_eq!(failed.redacted["data"]["explanation"], "[redacted]");
    let completed = by_type("evaluation.completed");
    assert!(!completed.matches);
    assert!(completed.error.is_some(), "no data.score in that example");

    let posted = h
        .engine
        .condition_check(check(
            r#"has(data.run_id) && data.run_id.startsWith("nightly-")"#,
            Some(json!({"type": "run.completed", "data": {"run_id": "nightly-3"}})),
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(posted.samples.len(), 1);
    assert!(posted.samples[0].matches);

    let bad = h
        .engine
        .condition_check(check("data.score <", None, &["evaluation.failed"]))
        .await
        .unwrap_err();
    assert_eq!(fields(bad)[0].0, "condition");
    let none = h
        .engine
        .condition_check(check("true", None, &[]))
        .await
        .unwrap_err();
    assert_eq!(fields(none)[0].0, "event_types");
}
