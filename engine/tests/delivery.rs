//! End-to-end delivery behaviour (docs/receiving.md, docs/delivery.md): what a receiver gets, how outcomes are
//! classified and retried, fan-out and filters, manual actions, rotation, test sends.
//! Real SQLite file, real HTTP receivers on 127.0.0.1, a manual clock and zero jitter.
mod common;

use engine::rules::tenancy::TenantScope;
use std::collections::HashSet;

use common::*;
use domain::{
    BatchSettings, DeliveryStatus, ErrorKind, Filters, Format, HeaderInput, RetryPolicy, Severity,
    Subject, WebhookInput,
};
use engine::rules::signing::VerifyError;
use engine::{EngineError, ExecutionOutcome};
use serde_json::{json, Value};

fn header(key: &str, value: &str, protected: bool) -> HeaderInput {
    HeaderInput {
        key: key.into(),
        value: Some(value.into()),
        protected,
    }
}

fn no_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_delivers_a_signed_envelope() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h
        .create(WebhookInput {
            headers: Some(vec![
                header("X-Team", "ml-platform", false),
                header("Authorization", "Token s3cr3t-123", true),
            ]),
            event_types: Some(vec!["evaluation.failed".into()]),
            ..hook("prod", &rx.url)
        })
        .await;
    let secret = wh.secret.clone().expect("create answers the secret once");
    assert!(secret.starts_with("whsec_"));

    let data = json!({"score": 0.42, "threshold": 0.7, "evaluator": "hallucination"});
    let input = domain::EventInput {
        source: Some("experiment".into()),
        project: Some("patient-triage".into()),
        severity: Some(Severity::High),
        subject: Some(Subject {
            kind: Some("experiment".into()),
            id: Some("exp_1".into()),
            name: Some("daily".into()),
            version: Some("v1".into()),
        }),
        metadata: Some(json!({"model_version": "triage-v2.4"})),
        ..event("evaluation.failed", data.clone())
    };
    let ing = h.ingest(input).await;
    assert_eq!(ing.deliveries, 1);
    let dlv = h.delivery_of(&ing.id).await;
    assert_eq!(dlv.status, DeliveryStatus::Pending);

    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let reqs = rx.expect_exactly(1).await;
    let r = &reqs[0];

    // Transport and fixed headers.
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/hook");
    assert_eq!(r.h("content-type"), "application/json");
    assert!(
        r.h("user-agent").starts_with("Herald/"),
        "{}",
        r.h("user-agent")
    );
    assert_eq!(r.h("x-team"), "ml-platform");
    assert_eq!(
        r.h("authorization"),
        "Token s3cr3t-123",
        "protected values arrive unmasked"
    );
    assert_eq!(r.h("webhook-id"), dlv.id);
    assert_eq!(r.h("webhook-timestamp"), (T0 / 1000).to_string());
    assert_eq!(r.h("x-herald-timestamp"), r.h("webhook-timestamp"));
    assert_eq!(r.h("x-herald-event-type"), "evaluation.failed");
    assert_eq!(r.h("x-herald-attempt"), "1");

    // Signatures: Standard Webhooks through the verifier, X-Herald independently.
    verify_std(r, &[&secret], h.now_s()).expect("webhook-signature verifies");
    let other = engine::rules::signing::generate_secret();
    assert_eq!(
        verify_std(r, &[&other], h.now_s()),
        Err(VerifyError::NoMatchingSignature)
    );
    assert_eq!(r.h("webhook-signature").split(' ').count(), 1);
    assert_eq!(
        r.h("x-herald-signature"),
        herald_signature(&secret, r.h("x-herald-timestamp"), &r.body)
    );

    // The envelope.
    let body = r.json();
    let req = &body["request"];
    assert!(req["id"].as_str().unwrap().starts_with("req_"));
    assert_eq!(req["idempotency_key"], json!(dlv.id));
    assert_eq!(req["attempt"], json!(1));
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["id"], json!(ing.id));
    assert_eq!(e["object"], json!("evaluation_result"));
    assert_eq!(e["type"], json!("evaluation.failed"));
    assert_eq!(e["created"], json!(T0 / 1000));
    assert_eq!(e["created_at"], json!("2024-11-22T08:00:00Z"));
    assert_eq!(e["source"], json!("experiment"));
    assert_eq!(e["project"], json!("patient-triage"));
    assert_eq!(e["severity"], json!("high"));
    assert_eq!(
        e["subject"],
        json!({"type": "experiment", "id": "exp_1", "name": "daily", "version": "v1"})
    );
    assert_eq!(e["data"], json!({"evaluation_result": data}));
    assert_eq!(e["metadata"], json!({"model_version": "triage-v2.4"}));

    // The log.
    let d = h.detail(&dlv.id).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Succeeded);
    assert_eq!(d.delivery.attempts, 1);
    assert_eq!(d.delivery.last_response_code, Some(200));
    assert_eq!(d.attempts.len(), 1);
    let a = &d.attempts[0];
    assert_eq!(
        a.id,
        req["id"].as_str().unwrap(),
        "the attempt id is request.id"
    );
    assert_eq!(a.response_status, Some(200));
    assert_eq!(a.response_body.as_deref(), Some("ok"));
    assert_eq!(a.next_retry_at, None);
    assert_eq!(a.request_body, r.body_str());
    let logged = |k: &str| {
        a.request_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        logged("Authorization"),
        Some(MASK),
        "protected values are masked in the log"
    );
    assert_eq!(logged("X-Team"), Some("ml-platform"));
    assert!(!serde_json::to_string(&d).unwrap().contains("s3cr3t-123"));
    let health = h.webhook(&wh.id).await.health;
    assert_eq!(
        health.last_success_at.as_deref(),
        Some("2024-11-22T08:00:00Z")
    );
    assert_eq!(health.consecutive_failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_on_schedule_until_success() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    rx.script([
        Reply::status(500).body("boom"),
        Reply::status(503),
        Reply::ok(),
    ]);
    let wh = h.create(hook("retrying", &rx.url)).await;
    let secret = wh.secret.unwrap();
    let ing = h.ingest(event("run.completed", json!({"ok": true}))).await;
    let dlv = h.delivery_of(&ing.id).await.id;
    let policy = RetryPolicy::default();
    let d1 = engine::rules::retry::delay_for_retry(&policy, 1, 0.0).as_millis() as i64;
    let d2 = engine::rules::retry::delay_for_retry(&policy, 2, 0.0).as_millis() as i64;
    assert_eq!((d1, d2), (5_000, 20_000));

    // Attempt 1 at T0: 500 -> retrying, due at T0 + 5 s.
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    rx.expect_exactly(1).await;
    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Retrying);
    assert_eq!(d.delivery.attempts, 1);
    assert_eq!(d.delivery.last_response_code, Some(500));
    assert_eq!(d.delivery.next_attempt_at.as_deref().map(ms), Some(T0 + d1));
    assert_eq!(
        d.attempts[0].next_retry_at.as_deref().map(ms),
        Some(T0 + d1)
    );
    assert_eq!(d.attempts[0].response_body.as_deref(), Some("boom"));

    // Not a millisecond early.
    h.advance(d1 - 1);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 1);
    h.advance(1);
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    rx.expect_exactly(2).await;
    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Retrying);
    assert_eq!(
        d.attempts[1].next_retry_at.as_deref().map(ms),
        Some(T0 + d1 + d2)
    );
    assert_eq!(ms(&d.attempts[1].started_at), T0 + d1);

    h.advance(d2 - 1);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 2);
    h.advance(1);
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let reqs = rx.expect_exactly(3).await;

    // Same webhook-id, new request id, counting attempt numbers.
    let ids: HashSet<&str> = reqs.iter().map(|r| r.h("webhook-id")).collect();
    assert_eq!(ids, HashSet::from([dlv.as_str()]));
    let req_ids: HashSet<String> = reqs
        .iter()
        .map(|r| r.json()["request"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(req_ids.len(), 3, "request.id is new on every attempt");
    let attempts: Vec<&str> = reqs.iter().map(|r| r.h("x-herald-attempt")).collect();
    assert_eq!(attempts, ["1", "2", "3"]);
    let body_attempts: Vec<Value> = reqs
        .iter()
        .map(|r| r.json()["request"]["attempt"].clone())
        .collect();
    assert_eq!(body_attempts, [json!(1), json!(2), json!(3)]);
    for (r, at) in reqs.iter().zip([T0, T0 + d1, T0 + d1 + d2]) {
        assert_eq!(r.json()["request"]["idempotency_key"], json!(dlv));
        assert_eq!(
            r.h("webhook-timestamp"),
            (at / 1000).to_string(),
            "signed at the attempt's time"
        );
        verify_std(r, &[&secret], at / 1000).expect("every attempt is signed");
    }

    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Succeeded);
    assert_eq!(d.delivery.attempts, 3);
    assert_eq!(d.delivery.next_attempt_at, None);
    let statuses: Vec<Option<u16>> = d.attempts.iter().map(|a| a.response_status).collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);
    assert_eq!(d.attempts[2].next_retry_at, None);
    let logged: HashSet<String> = d.attempts.iter().map(|a| a.id.clone()).collect();
    assert_eq!(logged, req_ids);

    // Done: nothing more, however long we wait.
    h.advance(30 * 86_400_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_are_not_retried() {
    let h = Harness::new().await;
    // A long answer: the log keeps 16 KiB of it.
    let long = format!("bad request{}", "!".repeat(20 * 1024));
    let rx = Receiver::start_with(Reply::status(400).body(&long)).await;
    h.create(hook("strict", &rx.url)).await;
    let ing = h.ingest(event("run.completed", json!({}))).await;
    let dlv = h.delivery_of(&ing.id).await.id;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    rx.expect_exactly(1).await;
    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Failed);
    assert_eq!(d.delivery.attempts, 1);
    assert_eq!(d.delivery.last_response_code, Some(400));
    assert_eq!(d.attempts[0].next_retry_at, None);
    assert_eq!(
        d.attempts[0].response_body.as_deref(),
        Some(&long[..16 * 1024])
    );
    h.advance(86_400_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_retried() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    rx.script([Reply::ok().delay_ms(2_500)]);
    h.create(WebhookInput {
        timeout_ms: Some(1_000),
        ..hook("slow", &rx.url)
    })
    .await;
    let ing = h.ingest(event("run.completed", json!({}))).await;
    let dlv = h.delivery_of(&ing.id).await.id;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    rx.wait_for(1).await;
    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Retrying);
    let a = &d.attempts[0];
    assert_eq!(a.error_kind, Some(ErrorKind::Timeout), "{a:?}");
    assert_eq!(a.response_status, None);
    assert!(
        (1_000..2_500).contains(&a.duration_ms),
        "gave up after the webhook's timeout: {} ms",
        a.duration_ms
    );
    assert_eq!(a.next_retry_at.as_deref().map(ms), Some(T0 + 5_000));

    // The retry (answered at once) succeeds.
    h.advance(5_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    rx.wait_for(2).await;
    assert_eq!(
        h.detail(&dlv).await.delivery.status,
        DeliveryStatus::Succeeded
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_are_retried() {
    let h = Harness::new().await;
    let port = closed_port().await;
    h.create(hook(
        "nobody-home",
        &format!("http://127.0.0.1:{port}/hook"),
    ))
    .await;
    let ing = h.ingest(event("run.completed", json!({}))).await;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let d = h.detail(&h.delivery_of(&ing.id).await.id).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Retrying);
    assert_eq!(
        d.attempts[0].error_kind,
        Some(ErrorKind::Connect),
        "{:?}",
        d.attempts[0]
    );
    assert_eq!(d.attempts[0].response_status, None);
    assert_eq!(
        d.attempts[0].next_retry_at.as_deref().map(ms),
        Some(T0 + 5_000)
    );
    assert!(d.delivery.last_error.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_fails_the_delivery_and_disables_the_webhook() {
    let h = Harness::new().await;
    let rx = Receiver::start_with(Reply::status(410)).await;
    let wh = h.create(hook("gone", &rx.url)).await;
    let ing = h.ingest(event("run.completed", json!({}))).await;
    let dlv = h.delivery_of(&ing.id).await.id;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    rx.expect_exactly(1).await;
    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Failed);
    assert_eq!(d.delivery.attempts, 1);
    let w = h.webhook(&wh.id).await;
    assert!(!w.active);
    let reason = w.health.disabled_reason.expect("a reason is shown");
    assert!(reason.contains("410"), "{reason}");
    // Inactive now: nothing more is queued for it.
    assert_eq!(
        h.ingest(event("run.completed", json!({}))).await.deliveries,
        0
    );
    h.advance(86_400_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_on_429_is_honoured() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    rx.script([Reply::status(429).header("Retry-After", "120")]);
    h.create(hook("limited", &rx.url)).await;
    let ing = h.ingest(event("run.completed", json!({}))).await;
    let dlv = h.delivery_of(&ing.id).await.id;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    rx.expect_exactly(1).await;
    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Retrying);
    assert_eq!(
        d.attempts[0].next_retry_at.as_deref().map(ms),
        Some(T0 + 120_000)
    );
    // The computed 5 s delay is not used.
    h.advance(5_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    h.advance(120_000 - 5_000 - 1);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 1);
    h.advance(1);
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let reqs = rx.expect_exactly(2).await;
    assert_eq!(reqs[1].h("x-herald-attempt"), "2");
    assert_eq!(
        h.detail(&dlv).await.delivery.status,
        DeliveryStatus::Succeeded
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed() {
    let h = Harness::new().await;
    let target = Receiver::start().await;
    let rx = Receiver::start_with(Reply::status(302).header("Location", &target.url)).await;
    h.create(hook("moved", &rx.url)).await;
    let ing = h.ingest(event("run.completed", json!({}))).await;
    let dlv = h.delivery_of(&ing.id).await.id;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    rx.expect_exactly(1).await;
    // The attempt is over (run_once returned), so a followed redirect would have arrived.
    assert_eq!(target.count(), 0, "the Location target must get nothing");
    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Failed);
    assert_eq!(d.attempts[0].response_status, Some(302));
    h.advance(86_400_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(target.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_does_not_hold_up_a_fast_one() {
    let h = Harness::new().await;
    let slow = Receiver::start_with(Reply::ok().delay_ms(1000)).await;
    let fast = Receiver::start().await;
    h.create(WebhookInput {
        event_types: Some(vec!["alert.triggered".into()]),
        ..hook("slow", &slow.url)
    })
    .await;
    h.create(WebhookInput {
        event_types: Some(vec!["alert.resolved".into()]),
        ..hook("fast", &fast.url)
    })
    .await;
    // The slow one is due first, so it is claimed (and started) first.
    let s = h.ingest(event("alert.triggered", json!({}))).await;
    h.advance(1);
    let f = h.ingest(event("alert.resolved", json!({}))).await;

    assert_eq!(
        h.run_once().await,
        ExecutionOutcome::Processed(2),
        "both in one unit of work"
    );
    let sr = slow.expect_exactly(1).await.remove(0);
    let fr = fast.expect_exactly(1).await.remove(0);
    let s_done = sr.answered.unwrap();
    // The fast request did not wait for the slow one (which was due, and claimed, first).
    assert!(
        fr.arrived < s_done,
        "the fast request arrived only after the slow one was answered"
    );
    assert!(
        fr.answered.unwrap() < s_done,
        "the fast one should be answered while the slow one is still waiting"
    );
    assert!(s_done.duration_since(sr.arrived).as_millis() >= 1000);

    let sd = h.detail(&h.delivery_of(&s.id).await.id).await;
    let fd = h.detail(&h.delivery_of(&f.id).await.id).await;
    assert_eq!(sd.delivery.status, DeliveryStatus::Succeeded);
    assert_eq!(fd.delivery.status, DeliveryStatus::Succeeded);
    assert!(
        sd.attempts[0].duration_ms >= 1000,
        "slow attempt took {} ms",
        sd.attempts[0].duration_ms
    );
    assert!(
        fd.attempts[0].duration_ms < 1000,
        "fast attempt took {} ms: serialized behind the slow one",
        fd.attempts[0].duration_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_coalesce_events() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h
        .create(WebhookInput {
            batch: Some(BatchSettings {
                max_events: 3,
                max_wait_ms: 1_000,
            }),
            ..hook("batched", &rx.url)
        })
        .await;
    let secret = wh.secret.unwrap();

    // Three events fill a batch: due at once, one request.
    let mut ids = vec![];
    for (i, t) in ["alert.triggered", "run.completed", "alert.resolved"]
        .into_iter()
        .enumerate()
    {
        let ing = h.ingest(event(t, json!({"i": i}))).await;
        assert_eq!(ing.deliveries, 1);
        ids.push(ing.id);
    }
    let dlv = h.delivery_of(&ids[0]).await;
    assert_eq!(dlv.event_ids, ids);
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let reqs = rx.expect_exactly(1).await;
    let body = reqs[0].json();
    let got: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "all three, in order"
    );
    assert_eq!(
        reqs[0].h("x-herald-event-type"),
        "alert.triggered",
        "the first event's type"
    );
    assert_eq!(reqs[0].h("webhook-id"), dlv.id);
    verify_std(&reqs[0], &[&secret], h.now_s()).unwrap();

    // Two events wait for max_wait_ms.
    let a = h.ingest(event("alert.triggered", json!({"i": 3}))).await;
    let b = h.ingest(event("alert.triggered", json!({"i": 4}))).await;
    let second = h.delivery_of(&a.id).await;
    assert_ne!(second.id, dlv.id, "a claimed batch takes no more events");
    assert_eq!(second.event_ids, vec![a.id.clone(), b.id.clone()]);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    h.advance(999);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 1);
    h.advance(1);
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let reqs = rx.expect_exactly(2).await;
    let body = reqs[1].json();
    let got: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [a.id.as_str(), b.id.as_str()]);
    assert_eq!(reqs[1].h("webhook-id"), second.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_patterns_route_only_matching_events() {
    let h = Harness::new().await;
    let alerts = Receiver::start().await;
    let evals = Receiver::start().await;
    let deploys = Receiver::start().await;
    h.create(WebhookInput {
        event_types: Some(vec!["alert.*".into()]),
        filters: Some(Filters {
            projects: vec!["patient-triage".into()],
            severities: vec![Severity::High, Severity::Critical],
            ..Default::default()
        }),
        ..hook("alerts", &alerts.url)
    })
    .await;
    h.create(WebhookInput {
        event_types: Some(vec!["evaluation.failed".into()]),
        ..hook("evals", &evals.url)
    })
    .await;
    h.create(WebhookInput {
        event_types: Some(vec!["*".into()]),
        filters: Some(Filters {
            sources: vec!["experiment".into()],
            subjects: vec![Subject {
                kind: Some("deployment".into()),
                name: Some("triage".into()),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..hook("deploys", &deploys.url)
    })
    .await;

    let deployment = Subject {
        kind: Some("deployment".into()),
        id: Some("d1".into()),
        name: Some("triage".into()),
        version: Some("v2".into()),
    };
    let with_subject = |mut e: domain::EventInput, source: &str| {
        e.subject = Some(deployment.clone());
        e.source = Some(source.into());
        e
    };
    let inputs = vec![
        event_in("alert.triggered", "patient-triage", "high"), // 0: alerts
        event_in("alert.resolved", "patient-triage", "critical"), // 1: alerts
        event_in("alert.triggered", "other-project", "high"),  // 2: none (project)
        event_in("alert.triggered", "patient-triage", "low"),  // 3: none (severity)
        event("alert.triggered", json!({})),                   // 4: none (no project)
        event_in("evaluation.failed", "patient-triage", "high"), // 5: evals
        event_in("run.completed", "patient-triage", "critical"), // 6: none (type)
        with_subject(event_in("run.completed", "p", "info"), "experiment"), // 7: deploys
        with_subject(
            event_in("alert.triggered", "patient-triage", "high"),
            "experiment",
        ), // 8: alerts + deploys
        with_subject(event_in("run.completed", "p", "info"), "playground"), // 9: none (source)
    ];
    let got = h
        .engine
        .ingest(&TenantScope::All, inputs, None)
        .await
        .unwrap()
        .events;
    let counts: Vec<usize> = got.iter().map(|i| i.deliveries).collect();
    assert_eq!(counts, [1, 1, 0, 0, 0, 1, 0, 1, 2, 0]);

    assert_eq!(h.drain().await, 6);
    let ids = |rx: &Receiver| -> Vec<String> {
        let mut v: Vec<String> = rx
            .requests()
            .iter()
            .map(|r| r.json()["events"][0]["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let sorted = |v: &[usize]| -> Vec<String> {
        let mut out: Vec<String> = v.iter().map(|&i| got[i].id.clone()).collect();
        out.sort();
        out
    };
    alerts.wait_for(3).await;
    assert_eq!(ids(&alerts), sorted(&[0, 1, 8]));
    assert_eq!(ids(&evals), sorted(&[5]));
    assert_eq!(ids(&deploys), sorted(&[7, 8]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inactive_webhooks_get_nothing() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h
        .create(WebhookInput {
            active: Some(false),
            ..hook("off", &rx.url)
        })
        .await;
    assert!(!wh.active);
    assert_eq!(
        h.ingest(event("run.completed", json!({}))).await.deliveries,
        0
    );
    assert_eq!(h.drain().await, 0);

    // Queued while active, deactivated before the worker got to it: still nothing sent.
    h.engine
        .set_webhook_active(&TenantScope::All, &wh.id, true)
        .await
        .unwrap();
    let ing = h.ingest(event("run.completed", json!({}))).await;
    assert_eq!(ing.deliveries, 1);
    h.engine
        .set_webhook_active(&TenantScope::All, &wh.id, false)
        .await
        .unwrap();
    assert_eq!(h.drain().await, 1);
    let d = h.detail(&h.delivery_of(&ing.id).await.id).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Failed);
    assert!(d.attempts.is_empty());
    h.advance(86_400_000);
    assert_eq!(h.drain().await, 0);
    assert_eq!(rx.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_outside_the_allow_list_are_blocked() {
    let h = Harness::with_config(engine::EngineConfig::default()).await; // empty allow list
    let rx = Receiver::start().await;
    h.create(hook("loopback", &rx.url)).await; // saving is fine; sending is refused
    let ing = h.ingest(event("run.completed", json!({}))).await;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let d = h.detail(&h.delivery_of(&ing.id).await.id).await;
    assert_eq!(d.attempts.len(), 1);
    assert_eq!(d.attempts[0].error_kind, Some(ErrorKind::Blocked));
    assert_eq!(d.attempts[0].response_status, None);
    assert_eq!(
        d.delivery.status,
        DeliveryStatus::Failed,
        "blocked is not retried"
    );
    assert_eq!(rx.count(), 0, "no request may reach a refused target");
    // validate refuses it the same way.
    let res = h.engine.validate_target(&rx.url, vec![]).await.unwrap();
    assert!(!res.success);
    assert_eq!(res.status, "blocked");
    assert_eq!(rx.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_result_keeps_small_results_only() {
    let h = Harness::new().await;
    let keep = Receiver::start().await;
    let drop_ = Receiver::start().await;
    h.create(WebhookInput {
        include_result: Some(true),
        ..hook("keep", &keep.url)
    })
    .await;
    h.create(hook("drop", &drop_.url)).await;

    let small = json!({"status": "ok", "result": {"output": "triage: urgent", "tokens": 42}});
    let big = json!({"status": "ok", "result": {"output": "x".repeat(17 * 1024)}});
    let plain = json!({"status": "ok"});
    for data in [&small, &big, &plain] {
        assert_eq!(
            h.ingest(event("request.completed", data.clone()))
                .await
                .deliveries,
            2
        );
        assert_eq!(h.drain().await, 2);
    }
    let datas = |rx: &Receiver| -> Vec<Value> {
        rx.requests()
            .iter()
            .map(|r| r.json()["events"][0]["data"]["request"].clone())
            .collect()
    };
    keep.wait_for(3).await;
    drop_.wait_for(3).await;
    assert_eq!(
        datas(&keep),
        [
            small.clone(),
            json!({"status": "ok", "result_omitted": true}),
            plain.clone()
        ]
    );
    assert_eq!(
        datas(&drop_),
        [
            json!({"status": "ok", "result_omitted": true}),
            json!({"status": "ok", "result_omitted": true}),
            plain
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_format_sends_one_bare_event() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h
        .create(WebhookInput {
            format: Some(Format::Event),
            ..hook("bare", &rx.url)
        })
        .await;
    let secret = wh.secret.unwrap();
    let data = json!({"score": 0.2, "result": {"big": false}});
    let ing = h
        .ingest(domain::EventInput {
            metadata: Some(json!({"k": "v"})),
            ..event_in("evaluation.failed", "patient-triage", "critical")
        })
        .await;
    let ing2 = h.ingest(event("evaluation.failed", data.clone())).await;
    assert_eq!(h.drain().await, 2);
    let reqs = rx.expect_exactly(2).await;
    let by_id = |id: &str| {
        reqs.iter()
            .find(|r| r.json()["id"] == json!(id))
            .expect("event delivered")
            .clone()
    };

    let r = by_id(&ing.id);
    let body = r.json();
    let keys: HashSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        HashSet::from([
            "id",
            "type",
            "created_at",
            "data",
            "metadata",
            "project",
            "severity",
            "subject"
        ])
    );
    assert_eq!(body["type"], json!("evaluation.failed"));
    assert_eq!(body["created_at"], json!("2024-11-22T08:00:00Z"));
    assert_eq!(
        body["data"],
        json!({"n": 1}),
        "data as posted, not keyed by object"
    );
    assert_eq!(body["metadata"], json!({"k": "v"}));
    assert_eq!(body["project"], json!("patient-triage"));
    assert_eq!(body["severity"], json!("critical"));
    assert_eq!(body["subject"], Value::Null);
    assert_eq!(r.h("webhook-id"), h.delivery_of(&ing.id).await.id);
    verify_std(&r, &[&secret], h.now_s()).unwrap();
    assert_eq!(
        r.h("x-herald-signature"),
        herald_signature(&secret, r.h("x-herald-timestamp"), &r.body)
    );

    // include_result is off by default: the result is dropped in this format too.
    let body2 = by_id(&ing2.id).json();
    assert_eq!(body2["data"], json!({"score": 0.2, "result_omitted": true}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_makes_a_new_attempt_with_the_same_webhook_id() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    rx.script([Reply::status(404)]);
    let wh = h.create(hook("resend", &rx.url)).await;
    let secret = wh.secret.unwrap();
    let ing = h.ingest(event("run.completed", json!({}))).await;
    let dlv = h.delivery_of(&ing.id).await.id;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    assert_eq!(h.detail(&dlv).await.delivery.status, DeliveryStatus::Failed);

    h.advance(60_000);
    let d = h
        .engine
        .resend(&TenantScope::All, &dlv)
        .await
        .expect("resend");
    let reqs = rx.expect_exactly(2).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Succeeded);
    assert_eq!(d.delivery.attempts, 2);
    assert_eq!(reqs[0].h("webhook-id"), dlv);
    assert_eq!(reqs[1].h("webhook-id"), dlv);
    assert_eq!(reqs[1].h("x-herald-attempt"), "2");
    assert_ne!(
        reqs[0].json()["request"]["id"],
        reqs[1].json()["request"]["id"]
    );
    assert_eq!(reqs[1].json()["request"]["idempotency_key"], json!(dlv));
    verify_std(&reqs[1], &[&secret], h.now_s()).unwrap();
    let mut attempts = d.attempts.clone();
    attempts.sort_by_key(|a| a.attempt);
    let triggers: Vec<&str> = attempts.iter().map(|a| a.trigger.as_str()).collect();
    assert_eq!(triggers, ["queue", "resend"]);
    assert_eq!(ms(&attempts[1].started_at), T0 + 60_000);

    // Resending a succeeded delivery is allowed too: another attempt, same id.
    let d = h.engine.resend(&TenantScope::All, &dlv).await.unwrap();
    let reqs = rx.expect_exactly(3).await;
    assert_eq!(reqs[2].h("webhook-id"), dlv);
    assert_eq!(d.delivery.attempts, 3);
    // A resend leaves nothing queued behind it.
    h.advance(86_400_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 3);
    assert!(matches!(
        h.engine.resend(&TenantScope::All, "dlv_nope").await,
        Err(EngineError::NotFound(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_failed_requeues_only_failed_deliveries_in_the_window() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    // One answer per event below, in order; afterwards everything succeeds.
    rx.script([
        Reply::status(500),
        Reply::status(500),
        Reply::status(400),
        Reply::ok(),
        Reply::status(500),
    ]);
    let wh = h
        .create(WebhookInput {
            retry: Some(no_retries()),
            ..hook("flaky", &rx.url)
        })
        .await;
    let minute = 60_000;
    let mut dlvs = vec![];
    for at in [0, 10, 12, 15, 30] {
        h.clock.set(T0 + at * minute);
        let ing = h.ingest(event("run.completed", json!({"at": at}))).await;
        assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
        dlvs.push(h.delivery_of(&ing.id).await.id);
    }
    rx.expect_exactly(5).await;
    let mut statuses = vec![];
    for d in &dlvs {
        statuses.push(h.detail(d).await.delivery.status);
    }
    use DeliveryStatus::*;
    assert_eq!(statuses, [Failed, Failed, Failed, Succeeded, Failed]);

    h.clock.set(T0 + 40 * minute);
    let since = engine::clock::rfc3339(T0 + 5 * minute);
    let until = engine::clock::rfc3339(T0 + 20 * minute);
    let n = h
        .engine
        .retry_failed(&TenantScope::All, &wh.id, &since, Some(&until), &[])
        .await
        .unwrap();
    assert_eq!(n, 2, "the two failed deliveries at +10 and +12 min");
    assert_eq!(h.drain().await, 2);
    let reqs = rx.expect_exactly(7).await;
    let again: HashSet<&str> = reqs[5..].iter().map(|r| r.h("webhook-id")).collect();
    assert_eq!(again, HashSet::from([dlvs[1].as_str(), dlvs[2].as_str()]));
    for r in &reqs[5..] {
        assert_eq!(r.h("x-herald-attempt"), "2");
    }
    let mut statuses = vec![];
    for d in &dlvs {
        statuses.push(h.detail(d).await.delivery.status);
    }
    assert_eq!(statuses, [Failed, Succeeded, Succeeded, Succeeded, Failed]);

    // Nothing failed is left in that window; a window without `until` takes the rest.
    assert_eq!(
        h.engine
            .retry_failed(&TenantScope::All, &wh.id, &since, Some(&until), &[])
            .await
            .unwrap(),
        0
    );
    let n = h
        .engine
        .retry_failed(
            &TenantScope::All,
            &wh.id,
            &engine::clock::rfc3339(T0),
            None,
            &["alert.*".into()],
        )
        .await
        .unwrap();
    assert_eq!(n, 0, "event type filter excludes run.completed");
    let n = h
        .engine
        .retry_failed(
            &TenantScope::All,
            &wh.id,
            &engine::clock::rfc3339(T0),
            None,
            &["run.completed".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        n, 2,
        "the failed ones at +0 and +30 min, never the succeeded ones"
    );
    assert_eq!(h.drain().await, 2);
    let reqs = rx.expect_exactly(9).await;
    let last: HashSet<&str> = reqs[7..].iter().map(|r| r.h("webhook-id")).collect();
    assert_eq!(last, HashSet::from([dlvs[0].as_str(), dlvs[4].as_str()]));
    assert!(matches!(
        h.engine
            .retry_failed(&TenantScope::All, &wh.id, "yesterday", None, &[])
            .await,
        Err(EngineError::Invalid(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_failing_for_the_whole_window_are_disabled() {
    let window = 60 * 60_000;
    let h = Harness::with_config(engine::EngineConfig {
        disable_after_ms: window,
        ..config()
    })
    .await;
    let rx = Receiver::start_with(Reply::status(500)).await;
    let wh = h
        .create(WebhookInput {
            retry: Some(no_retries()),
            ..hook("dead", &rx.url)
        })
        .await;

    let send = || async {
        let ing = h.ingest(event("run.completed", json!({}))).await;
        assert_eq!(ing.deliveries, 1);
        assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    };
    send().await; // fails for good at T0
    let w = h.webhook(&wh.id).await;
    assert!(w.active);
    assert_eq!(w.health.consecutive_failures, 1);
    assert_eq!(
        w.health.last_failure_at.as_deref(),
        Some("2024-11-22T08:00:00Z")
    );
    h.advance(window - 1);
    send().await; // still inside the window
    assert!(h.webhook(&wh.id).await.active);
    h.advance(1);
    send().await; // a full window of nothing but failures
    let w = h.webhook(&wh.id).await;
    assert!(!w.active, "disabled after the window");
    let reason = w.health.disabled_reason.expect("reason");
    assert!(reason.contains("2024-11-22T08:00:00Z"), "{reason}");
    assert_eq!(rx.count(), 3);
    assert_eq!(
        h.ingest(event("run.completed", json!({}))).await.deliveries,
        0
    );

    // Reactivating clears the reason; a success resets the failure streak.
    let w = h
        .engine
        .set_webhook_active(&TenantScope::All, &wh.id, true)
        .await
        .unwrap();
    assert!(w.active && w.health.disabled_reason.is_none());
    rx.set_default(Reply::ok());
    send().await;
    h.advance(window);
    rx.set_default(Reply::status(500));
    send().await; // the first failure after a success starts a new window
    assert!(h.webhook(&wh.id).await.active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_secrets_sign_alongside_during_the_grace_period() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h.create(hook("rotating", &rx.url)).await;
    let old = wh.secret.unwrap();
    let grace = 3_600_000;
    let new = h
        .engine
        .rotate_secret(&TenantScope::All, &wh.id, Some(grace))
        .await
        .unwrap();
    assert_ne!(new, old);
    assert!(new.starts_with("whsec_"));
    assert_eq!(
        h.engine
            .webhook_secret(&TenantScope::All, &wh.id)
            .await
            .unwrap(),
        new
    );

    h.ingest(event("run.completed", json!({}))).await;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let r = rx.expect_exactly(1).await.remove(0);
    let sigs: Vec<&str> = r.h("webhook-signature").split(' ').collect();
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    assert!(sigs.iter().all(|s| s.starts_with("v1,")));
    verify_std(&r, &[&old], h.now_s()).expect("the old secret still verifies");
    verify_std(&r, &[&new], h.now_s()).expect("the new secret verifies");
    // Each entry is the signature of exactly one of the secrets.
    let ts = r.h("webhook-timestamp").parse().unwrap();
    let id = r.h("webhook-id");
    let mine: HashSet<String> = [&new, &old]
        .iter()
        .map(|s| engine::rules::signing::sign(s, id, ts, &r.body).unwrap())
        .collect();
    assert_eq!(
        sigs.iter().map(|s| s.to_string()).collect::<HashSet<_>>(),
        mine
    );
    // X-Herald-Signature carries one value per live secret, newest first, so a receiver
    // still on the old secret keeps verifying during the overlap.
    assert_eq!(
        r.h("x-herald-signature"),
        format!(
            "{},{}",
            herald_signature(&new, r.h("x-herald-timestamp"), &r.body),
            herald_signature(&old, r.h("x-herald-timestamp"), &r.body)
        )
    );

    // After the grace period only the new secret signs.
    h.advance(grace);
    h.ingest(event("run.completed", json!({}))).await;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let r = rx.expect_exactly(2).await.remove(1);
    assert_eq!(r.h("webhook-signature").split(' ').count(), 1);
    assert_eq!(
        r.h("x-herald-signature"),
        herald_signature(&new, r.h("x-herald-timestamp"), &r.body)
    );
    verify_std(&r, &[&new], h.now_s()).unwrap();
    assert_eq!(
        verify_std(&r, &[&old], h.now_s()),
        Err(VerifyError::NoMatchingSignature)
    );

    // A rotation without grace drops the previous secret at once.
    let newer = h
        .engine
        .rotate_secret(&TenantScope::All, &wh.id, Some(0))
        .await
        .unwrap();
    h.ingest(event("run.completed", json!({}))).await;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let r = rx.expect_exactly(3).await.remove(2);
    assert_eq!(r.h("webhook-signature").split(' ').count(), 1);
    verify_std(&r, &[&newer], h.now_s()).unwrap();
    assert_eq!(
        verify_std(&r, &[&new], h.now_s()),
        Err(VerifyError::NoMatchingSignature)
    );
    assert!(matches!(
        h.engine
            .rotate_secret(&TenantScope::All, &wh.id, Some(8 * 86_400_000))
            .await,
        Err(EngineError::Invalid(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_test_answers_with_the_response_and_masked_request() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    rx.script([
        Reply::status(201).body("accepted"),
        Reply::status(500).body("nope"),
    ]);
    let wh = h
        .create(WebhookInput {
            // Filters and event types do not apply to test sends.
            event_types: Some(vec!["alert.resolved".into()]),
            filters: Some(Filters {
                projects: vec!["nowhere".into()],
                ..Default::default()
            }),
            headers: Some(vec![
                header("Authorization", "Bearer tok-protected", true),
                header("X-Env", "staging", false),
            ]),
            ..hook("tested", &rx.url)
        })
        .await;
    let secret = wh.secret.unwrap();

    let res = h
        .engine
        .send_test(&TenantScope::All, &wh.id, "evaluation.failed", None)
        .await
        .unwrap();
    let r = rx.expect_exactly(1).await.remove(0);
    assert!(res.success);
    assert_eq!(res.status, "succeeded");
    assert_eq!(res.response_code, Some(201));
    assert_eq!(res.response_body.as_deref(), Some("accepted"));
    assert_eq!(res.error, None);
    assert_eq!(res.request.url, rx.url);
    assert_eq!(
        res.request.body,
        r.body_str(),
        "the answer shows the body that was sent"
    );
    let shown = |k: &str| {
        res.request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(shown("Authorization").as_deref(), Some(MASK));
    assert_eq!(shown("X-Env").as_deref(), Some("staging"));
    assert_eq!(shown("webhook-id").as_deref(), Some(r.h("webhook-id")));
    assert!(!serde_json::to_string(&res)
        .unwrap()
        .contains("tok-protected"));
    assert_eq!(r.h("authorization"), "Bearer tok-protected");
    assert_eq!(r.h("x-herald-event-type"), "evaluation.failed");
    verify_std(&r, &[&secret], h.now_s()).unwrap();
    let body = r.json();
    assert_eq!(body["events"][0]["type"], json!("evaluation.failed"));
    assert!(
        body["events"][0]["data"]["evaluation_result"].is_object(),
        "the catalog example, keyed by object"
    );

    // It is in the delivery log, as a test.
    let log = h
        .engine
        .list_deliveries(&TenantScope::All, &wh.id, &Default::default())
        .await
        .unwrap()
        .data;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].id, r.h("webhook-id"));
    assert_eq!(log[0].status, DeliveryStatus::Succeeded);
    let d = h.detail(&log[0].id).await;
    assert_eq!(d.attempts.len(), 1);
    assert_eq!(d.attempts[0].trigger, domain::Trigger::Test);

    // A custom payload and a failing endpoint.
    let res = h
        .engine
        .send_test(
            &TenantScope::All,
            &wh.id,
            "alert.triggered",
            Some(json!({"metric": "drift"})),
        )
        .await
        .unwrap();
    let r = rx.expect_exactly(2).await.remove(1);
    assert!(!res.success);
    assert_eq!(res.response_code, Some(500));
    assert_eq!(res.response_body.as_deref(), Some("nope"));
    assert_eq!(
        r.json()["events"][0]["data"],
        json!({"alert": {"metric": "drift"}})
    );
    // Test sends are not retried.
    h.advance(86_400_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 2);
    assert!(matches!(
        h.engine
            .send_test(&TenantScope::All, &wh.id, "no.such.type", None)
            .await,
        Err(EngineError::Invalid(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_target_answers_before_saving() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    rx.script([Reply::status(202).body("thanks")]);
    let headers = vec![
        header("X-Api-Key", "k-protected-123", true),
        header("X-Env", "staging", false),
    ];
    let res = h.engine.validate_target(&rx.url, headers).await.unwrap();
    let r = rx.expect_exactly(1).await.remove(0);
    assert!(res.success);
    assert_eq!(res.status, "succeeded");
    assert_eq!(res.response_code, Some(202));
    assert_eq!(res.response_body.as_deref(), Some("thanks"));
    assert_eq!(r.h("x-api-key"), "k-protected-123");
    assert_eq!(r.h("x-env"), "staging");
    assert_eq!(r.h("x-herald-event-type"), "webhook.test");
    assert_eq!(r.h("x-herald-attempt"), "1");
    assert!(r.h("webhook-signature").starts_with("v1,"));
    let shown = |k: &str| {
        res.request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(shown("X-Api-Key").as_deref(), Some(MASK));
    assert_eq!(shown("X-Env").as_deref(), Some("staging"));
    assert!(!serde_json::to_string(&res)
        .unwrap()
        .contains("k-protected-123"));
    assert_eq!(res.request.body, r.body_str());
    assert_eq!(r.json()["events"][0]["type"], json!("webhook.test"));
    // Nothing was saved.
    assert!(h
        .engine
        .list_webhooks(&TenantScope::All, 50, None)
        .await
        .unwrap()
        .data
        .is_empty());

    // Nothing listening: the error kind, no response.
    let port = closed_port().await;
    let res = h
        .engine
        .validate_target(&format!("http://127.0.0.1:{port}/x"), vec![])
        .await
        .unwrap();
    assert!(!res.success);
    assert_eq!(res.status, "connect");
    assert_eq!(res.response_code, None);
    assert!(res.error.is_some());

    // Bad input is refused before anything is sent.
    for bad in [
        vec![header("Content-Type", "text/plain", false)],
        vec![header("bad key", "v", false)],
    ] {
        assert!(matches!(
            h.engine.validate_target(&rx.url, bad).await,
            Err(EngineError::Invalid(_))
        ));
    }
    assert!(matches!(
        h.engine.validate_target("ftp://127.0.0.1/x", vec![]).await,
        Err(EngineError::Invalid(_))
    ));
    assert_eq!(rx.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validating_a_saved_webhook_uses_its_stored_protected_values() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let w = h
        .create(WebhookInput {
            headers: Some(vec![header("Authorization", "Token stored-456", true)]),
            ..hook("edit-me", &rx.url)
        })
        .await;
    // The edit form sends the protected header back without its value.
    let untouched = HeaderInput {
        key: "Authorization".into(),
        value: None,
        protected: true,
    };
    let res = h
        .engine
        .validate_for_webhook(&TenantScope::All, &w.id, &rx.url, vec![untouched])
        .await
        .unwrap();
    let r = rx.expect_exactly(1).await.remove(0);
    assert!(res.success);
    assert_eq!(
        r.h("authorization"),
        "Token stored-456",
        "the stored value was sent"
    );
    assert!(
        !serde_json::to_string(&res).unwrap().contains("stored-456"),
        "and not shown"
    );
    // A retyped value wins over the stored one.
    let res = h
        .engine
        .validate_for_webhook(
            &TenantScope::All,
            &w.id,
            &rx.url,
            vec![header("Authorization", "Token new-789", true)],
        )
        .await
        .unwrap();
    assert!(res.success);
    assert_eq!(
        rx.expect_exactly(2).await[1].h("authorization"),
        "Token new-789"
    );
    assert!(matches!(
        h.engine
            .validate_for_webhook(&TenantScope::All, "wh_missing", &rx.url, vec![])
            .await,
        Err(engine::EngineError::NotFound(_))
    ));
}

/// Test sends reach the receiver but say nothing about the webhook's deliveries: a 410 to
/// a test does not disable it, and a successful test does not reset its failure count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sends_do_not_change_webhook_health() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h.create(hook("a", &rx.url)).await;

    rx.script([Reply::status(410)]);
    let res = h
        .engine
        .send_test(&TenantScope::All, &wh.id, "run.completed", None)
        .await
        .unwrap();
    assert_eq!(res.response_code, Some(410));
    let after = h
        .engine
        .get_webhook(&TenantScope::All, &wh.id)
        .await
        .unwrap();
    assert!(after.active, "a 410 answer to a test send must not disable");
    assert_eq!(after.health.disabled_reason, None);
    assert_eq!(after.health.consecutive_failures, 0);
    assert_eq!(after.health.last_failure_at, None);

    // A real delivery fails; then a successful test leaves the failure standing.
    let policy = WebhookInput {
        retry: Some(domain::RetryPolicy {
            max_retries: 0,
            ..Default::default()
        }),
        ..Default::default()
    };
    h.engine
        .update_webhook(&TenantScope::All, &wh.id, policy)
        .await
        .unwrap();
    rx.script([Reply::status(500)]);
    h.ingest(event("run.completed", json!({}))).await;
    h.drain().await;
    let failing = h
        .engine
        .get_webhook(&TenantScope::All, &wh.id)
        .await
        .unwrap()
        .health;
    assert_eq!(failing.consecutive_failures, 1);
    let res = h
        .engine
        .send_test(&TenantScope::All, &wh.id, "run.completed", None)
        .await
        .unwrap();
    assert!(res.success);
    let still = h
        .engine
        .get_webhook(&TenantScope::All, &wh.id)
        .await
        .unwrap()
        .health;
    assert_eq!(still, failing, "a test send must not reset health");
}

/// A resend of a delivery whose batch is still open closes the batch: events that arrive
/// afterwards start a new one, and every acknowledged event is delivered (before the fix
/// the resent delivery stayed open, later events joined it after it had succeeded, and
/// once it was full no worker ever claimed it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_of_an_open_batch_strands_nothing() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    h.create(WebhookInput {
        batch: Some(BatchSettings {
            max_events: 5,
            max_wait_ms: 60_000,
        }),
        ..hook("batched", &rx.url)
    })
    .await;
    let first = h.ingest(event("run.completed", json!({"i": 0}))).await;
    let open = h.delivery_of(&first.id).await;
    let resent = h.engine.resend(&TenantScope::All, &open.id).await.unwrap();
    assert_eq!(resent.delivery.status, DeliveryStatus::Succeeded);

    let mut sent = vec![first.id.clone()];
    for i in 1..=12 {
        sent.push(h.ingest(event("run.completed", json!({"i": i}))).await.id);
    }
    h.advance(60_000);
    h.drain().await;
    let mut got: Vec<String> = rx
        .requests()
        .iter()
        .flat_map(|r| {
            r.json()["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    got.sort();
    got.dedup();
    sent.sort();
    assert_eq!(got, sent, "every acknowledged event arrives");
}

/// retry-failed matches event types with the same rule as fan-out: `_` in a pattern is a
/// plain character, not a wildcard (as it would be in SQL `LIKE`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_failed_patterns_match_like_subscriptions() {
    let h = Harness::new().await;
    let rx = Receiver::start_with(Reply::status(400)).await;
    for name in ["run_x.done", "runyx.done"] {
        h.engine
            .create_event_type(domain::EventTypeInput {
                name: name.into(),
                description: String::new(),
                object: None,
                example: None,
                schema: None,
            })
            .await
            .unwrap();
    }
    let wh = h
        .create(WebhookInput {
            retry: Some(no_retries()),
            ..hook("flaky", &rx.url)
        })
        .await;
    for t in ["run_x.done", "runyx.done"] {
        h.ingest(event(t, json!({}))).await;
    }
    h.drain().await;
    rx.expect_exactly(2).await;
    let since = engine::clock::rfc3339(T0 - 60_000);
    let n = h
        .engine
        .retry_failed(
            &TenantScope::All,
            &wh.id,
            &since,
            None,
            &["run_x.*".to_string()],
        )
        .await
        .unwrap();
    assert_eq!(n, 1, "only run_x.done matches run_x.*");
}
