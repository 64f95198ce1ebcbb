//! `store copy` round trip (docs/scaling.md#moving): a SQLite store populated through the
//! engine (webhooks with a protected header, a rotated secret and batching; events;
//! deliveries succeeded, retrying, failed and one still leased; attempts; an API key; the
//! admin password; a custom event type) is copied into an empty store — PostgreSQL when
//! `HERALD_TEST_POSTGRES_URL` is set, else another SQLite file — and from there back into
//! a new SQLite file. Each opens with the same master key (and refuses another) and reads
//! back the same; a copy into a non-empty store is refused.
mod common;

use common::*;
use domain::{BatchSettings, EventTypeInput, HeaderInput, WebhookInput};
use engine::clock::Clock;
use engine::rules::tenancy::TenantScope;
use engine::secrets::MasterKey;
use engine::store::copy::copy;
use engine::{Engine, EngineError};
use serde_json::{json, Value};

/// Everything a user can read back, as JSON.
async fn snapshot(e: &Engine, events: &[String]) -> Value {
    let hooks = e
        .list_webhooks(&TenantScope::All, 200, None)
        .await
        .unwrap()
        .data;
    let mut secrets = vec![];
    for w in &hooks {
        secrets.push(e.webhook_secret(&TenantScope::All, &w.id).await.unwrap());
    }
    let mut details = vec![];
    for id in events {
        let ev = e.get_event(&TenantScope::All, id).await.unwrap();
        for d in &ev.deliveries {
            details.push(
                serde_json::to_value(e.get_delivery(&TenantScope::All, &d.id).await.unwrap())
                    .unwrap(),
            );
        }
        details.push(serde_json::to_value(ev).unwrap());
    }
    json!({
        "webhooks": hooks,
        "secrets": secrets,
        "events": details,
        "keys": e.list_api_keys().await.unwrap(),
        "login": format!("{:?}", e.sign_in(engine::usecases::sign_in::LoginAttempt {
            username: "admin",
            password: "copy-test-password",
            client: None,
        }).await.unwrap()),
        "types": e.list_event_types().await.unwrap(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_populated_store_round_trips_through_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let src = format!("sqlite://{}/src.db", dir.path().display());
    let clock = engine::clock::ManualClock::new(T0);
    let key = MasterKey::generate();
    let opened = open_engine(&src, key.clone(), &clock, config())
        .await
        .unwrap();
    let e = opened.engine.clone();

    let rx = Receiver::start().await;
    let secured = e
        .create_webhook(
            &TenantScope::All,
            WebhookInput {
                headers: Some(vec![HeaderInput {
                    key: "Authorization".into(),
                    value: Some("Bearer copy-canary".into()),
                    protected: true,
                }]),
                ..hook("secured", &rx.url)
            },
        )
        .await
        .unwrap();
    let secret = e
        .rotate_secret(&TenantScope::All, &secured.id, None)
        .await
        .unwrap();
    e.create_webhook(
        &TenantScope::All,
        WebhookInput {
            batch: Some(BatchSettings {
                max_events: 10,
                max_wait_ms: 60_000,
            }),
            ..hook("batched", &rx.url)
        },
    )
    .await
    .unwrap();
    e.create_api_key("copied key", domain::Scope::Ingest, None)
        .await
        .unwrap();
    e.set_admin_password("copy-test-password").await.unwrap();
    e.create_event_type(EventTypeInput {
        name: "copy.tested".into(),
        description: "made before the copy".into(),
        object: None,
        example: Some(json!({"data": {"x": 1}})),
        schema: None,
    })
    .await
    .unwrap();
    // Succeeded, retrying, a batch still open, and one leased by a worker that never
    // finished.
    rx.script([Reply::ok(), Reply::status(503)]);
    let mut events = vec![];
    for i in 0..4 {
        let got = e.ingest(
            &TenantScope::All,
            vec![event(
                "run.completed",
                json!({"i": i, "z": "keys in order"}),
            )],
            None,
        );
        events.push(got.await.unwrap().events[0].id.clone());
    }
    let worker = engine::Worker::new(e.clone());
    assert_eq!(
        worker.run_once().await.unwrap(),
        engine::ExecutionOutcome::Processed(4)
    );
    let ingested = e
        .ingest(
            &TenantScope::All,
            vec![event("run.completed", json!({"i": 9}))],
            None,
        )
        .await
        .unwrap();
    events.push(ingested.events[0].id.clone());
    let leased = opened
        .store
        .claim_due(clock.now_ms(), 1, 60_000, "gone.wrk_1")
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    let before = snapshot(&e, &events).await;

    let mid_dir = tempfile::tempdir().unwrap();
    let mid = TestDb::create(mid_dir.path()).await;
    let copied = copy(&src, &mid.url).await.unwrap();
    let count = |t: &str| copied.tables.iter().find(|(n, _)| *n == t).unwrap().1;
    assert_eq!(
        (
            count("webhooks"),
            count("events"),
            count("api_keys"),
            count("users")
        ),
        (2, 5, 1, 1)
    );
    assert_eq!(
        (count("deliveries"), count("attempts")),
        (6, 4),
        "{copied:?}"
    );
    assert_eq!(count("meta"), 1, "the master-key check");

    match copy(&src, &mid.url).await {
        Err(EngineError::Conflict(m)) => assert!(m.contains("not empty"), "{m}"),
        other => panic!("a non-empty target must be refused: {other:?}"),
    }
    match open_engine(&mid.url, MasterKey::generate(), &clock, config()).await {
        Err(EngineError::Key(_)) => {}
        other => panic!("another key must be refused: {:?}", other.map(|_| ())),
    }
    let moved = open_engine(&mid.url, key.clone(), &clock, config())
        .await
        .unwrap()
        .engine;
    assert_eq!(snapshot(&moved, &events).await, before);

    let back = format!("sqlite://{}/back.db", dir.path().display());
    copy(&mid.url, &back).await.unwrap();
    let returned = open_engine(&back, key.clone(), &clock, config())
        .await
        .unwrap()
        .engine;
    assert_eq!(snapshot(&returned, &events).await, before);

    // The copy delivers: the leased delivery's lease runs out and it is sent, signed with
    // the rotated secret and carrying the protected header's real value.
    clock.advance(61_000);
    let n = rx.count();
    let sent = engine::Worker::new(moved.clone()).drain().await.unwrap();
    assert_eq!(sent, 3, "the leased one, the retry and the batch");
    let new = rx.wait_for(n + 3).await.split_off(n);
    let resent = new
        .iter()
        .find(|r| r.h("webhook-id") == leased[0].id)
        .expect("the leased delivery was sent");
    assert_eq!(resent.h("authorization"), "Bearer copy-canary");
    verify_std(resent, &[&secret], clock.now_ms() / 1000).unwrap();
    for x in [&e, &moved, &returned] {
        x.close().await;
    }
}
