//! The store interface tested directly, on whichever backend the harness picks (SQLite,
//! or PostgreSQL when `HERALD_TEST_POSTGRES_URL` is set): webhooks and list paging,
//! ingest with fan-out and idempotency replay, claims and outcomes under lease tokens,
//! resends, re-queues, the queue's figures, and meta. Every backend must pass the same
//! tests; `store_shared.rs` has those with two stores on one database.
mod common;

use common::*;
use domain::{BatchSettings, DeliveryStatus};
use engine::records::{AttemptRecord, DeliveryUpdate, NewEvent, StoredWebhook};
use engine::rules::outcome::{Next, Transition};
use engine::store::Store;
use serde_json::json;

fn webhook(id: &str, created_at: i64) -> StoredWebhook {
    let mut w = StoredWebhook::new(id.into(), format!("sealed-{id}"), created_at);
    w.name = format!("hook {id}");
    w.url = "http://127.0.0.1:9/hook".into();
    w
}

fn new_event(id: &str, t: &str, now: i64) -> NewEvent {
    NewEvent {
        tenant: "default".into(),
        id: id.into(),
        event_type: t.into(),
        object: "run".into(),
        source: None,
        project: Some("p1".into()),
        severity: None,
        subject: None,
        data: json!({"id": id, "z": 1, "a": 2}),
        metadata: None,
        created_ms: now,
    }
}

/// An outcome for a claimed delivery, with its attempt logged.
fn outcome(id: &str, hook: &str, token: Option<&str>, next: Next, now: i64) -> DeliveryUpdate {
    let transition = Transition::Attempted(next);
    let health = engine::rules::outcome::health_effect(domain::Trigger::Queue, &transition);
    DeliveryUpdate {
        attempt: Some(AttemptRecord {
            id: engine::ids::new_id(engine::ids::ATTEMPT, now),
            delivery_id: id.into(),
            number: 1,
            started_at: now,
            duration_ms: 3,
            url: "http://127.0.0.1:9/hook".into(),
            request_headers: "[]".into(),
            request_body: "{}".into(),
            response_status: Some(if transition.status() == DeliveryStatus::Succeeded {
                200
            } else {
                500
            }),
            response_headers: None,
            response_body: Some("body".into()),
            error_kind: None,
            error_message: None,
            next_retry_at: transition.due_at(),
            trigger: domain::Trigger::Queue,
        }),
        delivery_id: id.into(),
        webhook_id: hook.into(),
        lease_token: token.map(str::to_string),
        transition,
        health,
        last_status: Some(200),
        last_error: None,
        now,
        disable_after_ms: 1_000_000,
    }
}

async fn status(s: &dyn Store, id: &str) -> DeliveryStatus {
    s.get_delivery(id).await.unwrap().expect("delivery").status
}

#[tokio::test]
async fn webhooks_round_trip_and_page_newest_first() {
    let h = Harness::new().await;
    let s = &h.store;
    // Two share a creation time: the id breaks the tie.
    for (id, t) in [
        ("wh_a", 10),
        ("wh_b", 20),
        ("wh_c", 20),
        ("wh_d", 30),
        ("wh_e", 40),
    ] {
        s.insert_webhook(&webhook(id, t)).await.unwrap();
    }
    assert_eq!(s.count_webhooks().await.unwrap(), 5);
    let mut got = s.get_webhook("wh_c").await.unwrap().expect("stored");
    assert_eq!(got, webhook("wh_c", 20));
    got.batch = BatchSettings {
        max_events: 7,
        max_wait_ms: 250,
    };
    got.secret_sealed = "rotated".into();
    got.prev_secret_sealed = Some("sealed-wh_c".into());
    got.event_types = vec!["run.*".into()];
    assert!(s.update_webhook(&got).await.unwrap());
    assert_eq!(s.get_webhook("wh_c").await.unwrap().as_ref(), Some(&got));
    assert!(!s.update_webhook(&webhook("wh_missing", 1)).await.unwrap());

    let mut pages = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let page = s.list_webhooks(None, 2, cursor.as_deref()).await.unwrap();
        pages.push(
            page.webhooks
                .iter()
                .map(|w| w.id.clone())
                .collect::<Vec<_>>(),
        );
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        pages,
        vec![vec!["wh_e", "wh_d"], vec!["wh_c", "wh_b"], vec!["wh_a"]]
    );
    let mut some = s
        .get_webhooks(&["wh_a".into(), "wh_e".into(), "nope".into()])
        .await
        .unwrap();
    some.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(
        some.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
        ["wh_a", "wh_e"]
    );

    assert!(s
        .set_webhook_active("wh_a", false, Some("paused"), 99)
        .await
        .unwrap());
    let a = s.get_webhook("wh_a").await.unwrap().unwrap();
    assert_eq!(
        (a.active, a.disabled_reason.as_deref(), a.updated_at),
        (false, Some("paused"), 99)
    );
    assert!(s.set_webhook_active("wh_a", true, None, 100).await.unwrap());
    assert!(s.get_webhook("wh_a").await.unwrap().unwrap().active);
    assert!(s.delete_webhook("wh_b").await.unwrap());
    assert!(!s.delete_webhook("wh_b").await.unwrap());
    assert!(s.get_webhook("wh_b").await.unwrap().is_none());
    assert_eq!(s.count_webhooks().await.unwrap(), 4);
}

#[tokio::test]
async fn ingest_fans_out_and_replays_an_idempotency_key() {
    let h = Harness::new().await;
    let s = &h.store;
    let now = h.now();
    s.insert_webhook(&webhook("wh_all", now)).await.unwrap();
    let mut other = webhook("wh_other", now);
    other.event_types = vec!["other.*".into()];
    s.insert_webhook(&other).await.unwrap();
    let events = [
        new_event("evt_1", "run.completed", now),
        new_event("evt_2", "other.thing", now),
    ];
    let first = s.ingest(&events, now, Some("key-1"), 60_000).await.unwrap();
    assert!(!first.replayed);
    let counts: Vec<usize> = first.events.iter().map(|e| e.deliveries).collect();
    assert_eq!(counts, [1, 2]);
    // Stored as given: key order of the data kept.
    let e = s.get_event("evt_1").await.unwrap().expect("event");
    assert_eq!(
        serde_json::to_string(&e.data).unwrap(),
        r#"{"id":"evt_1","z":1,"a":2}"#
    );
    assert_eq!(s.deliveries_of_event("evt_2").await.unwrap().len(), 2);

    // The same key within the window: the first answer, nothing written.
    let again = [new_event("evt_3", "run.completed", now)];
    let replay = s
        .ingest(&again, now + 1_000, Some("key-1"), 60_000)
        .await
        .unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.events, first.events);
    assert!(s.get_event("evt_3").await.unwrap().is_none());
    // After the window the key is new again.
    let later = s
        .ingest(&again, now + 61_000, Some("key-1"), 60_000)
        .await
        .unwrap();
    assert!(!later.replayed);
    assert!(s.get_event("evt_3").await.unwrap().is_some());
    assert_eq!(s.prune_idempotency_keys(now + 61_000).await.unwrap(), 1);
}

#[tokio::test]
async fn claims_lease_and_outcomes_need_the_lease() {
    let h = Harness::new().await;
    let s = &h.store;
    let now = h.now();
    s.insert_webhook(&webhook("wh_1", now)).await.unwrap();
    let events: Vec<NewEvent> = (0..3)
        .map(|i| new_event(&format!("evt_{i}"), "run.completed", now))
        .collect();
    s.ingest(&events, now, None, 0).await.unwrap();
    assert_eq!(s.queue_stats().await.unwrap().depth, 3);
    assert_eq!(s.next_due().await.unwrap(), Some(now));

    let a = s.claim_due(now, 2, 60_000, "lease-a").await.unwrap();
    let b = s.claim_due(now, 5, 60_000, "lease-b").await.unwrap();
    assert_eq!((a.len(), b.len()), (2, 1));
    assert!(s
        .claim_due(now, 5, 60_000, "lease-c")
        .await
        .unwrap()
        .is_empty());
    assert!(a
        .iter()
        .chain(&b)
        .all(|c| c.attempt == 1 && c.retry_base == 0 && c.events.len() == 1));
    assert_eq!(s.queue_stats().await.unwrap().depth, 0);
    assert_eq!(
        s.next_due().await.unwrap(),
        Some(now + 60_000),
        "the lease's end"
    );

    // The wrong lease: the state stays, the attempt is logged anyway (it happened).
    let d = &a[0];
    let wrong = outcome(&d.id, "wh_1", Some("lease-b"), Next::Succeeded, now + 5);
    assert!(s.record(&[wrong]).await.unwrap().is_empty());
    assert_eq!(status(&**s, &d.id).await, DeliveryStatus::Delivering);
    assert_eq!(s.attempts_of(&d.id).await.unwrap().len(), 1);
    // The right lease: applied, and the webhook's health updated.
    let retry = outcome(
        &d.id,
        "wh_1",
        Some("lease-a"),
        Next::RetryAt(now + 1_000),
        now + 6,
    );
    let ok = outcome(&a[1].id, "wh_1", Some("lease-a"), Next::Succeeded, now + 7);
    s.record(&[retry, ok]).await.unwrap();
    assert_eq!(status(&**s, &d.id).await, DeliveryStatus::Retrying);
    assert_eq!(status(&**s, &a[1].id).await, DeliveryStatus::Succeeded);
    let w = s.get_webhook("wh_1").await.unwrap().unwrap();
    assert_eq!(
        (w.last_success_at, w.last_failure_at),
        (Some(now + 7), Some(now + 6))
    );
    // Due again at its retry time, as attempt 2.
    assert!(s
        .claim_due(now + 999, 5, 60_000, "x")
        .await
        .unwrap()
        .is_empty());
    let again = s
        .claim_due(now + 1_000, 5, 60_000, "lease-d")
        .await
        .unwrap();
    assert_eq!(
        again
            .iter()
            .map(|c| (c.id.as_str(), c.attempt))
            .collect::<Vec<_>>(),
        [(d.id.as_str(), 2)]
    );
    // An expired lease is taken over; giving back a lease makes its deliveries due.
    let taken = s
        .claim_due(now + 60_000, 5, 60_000, "lease-e")
        .await
        .unwrap();
    assert_eq!(taken.len(), 1, "b's lease expired: {taken:?}");
    assert_eq!(s.release_lease("lease-d", now + 2_000).await.unwrap(), 1);
    assert_eq!(status(&**s, &d.id).await, DeliveryStatus::Retrying);
    let counts = s.delivery_counts().await.unwrap();
    assert_eq!(
        counts,
        vec![
            (DeliveryStatus::Delivering, 1),
            (DeliveryStatus::Retrying, 1),
            (DeliveryStatus::Succeeded, 1)
        ]
    );
}

/// Outcomes may commit in more than one transaction (SQLite lets ingest in between), so
/// a retried batch can find part of itself recorded: recording it again changes nothing
/// and logs no attempt twice. Every webhook of an all-success batch is marked healthy.
#[tokio::test]
async fn a_batch_recorded_again_applies_once_and_logs_each_attempt_once() {
    let h = Harness::new().await;
    let s = &h.store;
    let now = h.now();
    for hook in ["wh_a", "wh_b", "wh_c"] {
        s.insert_webhook(&webhook(hook, now)).await.unwrap();
    }
    let events: Vec<NewEvent> = (0..20)
        .map(|i| new_event(&format!("evt_{i}"), "run.completed", now))
        .collect();
    s.ingest(&events, now, None, 0).await.unwrap();
    let claimed = s.claim_due(now, 100, 60_000, "lease-a").await.unwrap();
    assert_eq!(claimed.len(), 60, "20 events to 3 webhooks");
    let batch: Vec<DeliveryUpdate> = claimed
        .iter()
        .map(|c| {
            outcome(
                &c.id,
                &c.webhook_id,
                Some("lease-a"),
                Next::Succeeded,
                now + 5,
            )
        })
        .collect();
    s.record(&batch).await.unwrap();
    s.record(&batch).await.expect("recording again is no error");
    for c in &claimed {
        assert_eq!(status(&**s, &c.id).await, DeliveryStatus::Succeeded);
        let attempts = s.attempts_of(&c.id).await.unwrap();
        assert_eq!(attempts.len(), 1, "one attempt logged for {}", c.id);
    }
    for hook in ["wh_a", "wh_b", "wh_c"] {
        let w = s.get_webhook(hook).await.unwrap().unwrap();
        assert_eq!(w.last_success_at, Some(now + 5), "{hook} marked healthy");
    }
}

/// Batches of every kind of size (one statement of exactly that many rows up to a piece,
/// pieces and chunks beyond), some outcomes with no attempt to log: each applies, and
/// exactly the attempts there were are logged.
#[tokio::test]
async fn batches_of_any_size_apply_every_outcome_and_log_exactly_their_attempts() {
    let h = Harness::new().await;
    let s = &h.store;
    let now = h.now();
    s.insert_webhook(&webhook("wh_1", now)).await.unwrap();
    // (outcomes in the batch, every how many has no attempt: 0 for none)
    let cases = [(1, 0), (3, 2), (11, 3), (16, 0), (17, 5), (40, 4), (64, 1)];
    for (n, every) in cases {
        let events: Vec<NewEvent> = (0..n)
            .map(|i| new_event(&format!("evt_{n}_{i}"), "run.completed", now))
            .collect();
        s.ingest(&events, now, None, 0).await.unwrap();
        let claimed = s.claim_due(now, 100, 60_000, "lease-n").await.unwrap();
        assert_eq!(claimed.len(), n, "case {n}");
        let batch: Vec<DeliveryUpdate> = claimed
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut u = outcome(&c.id, "wh_1", Some("lease-n"), Next::Succeeded, now + 1);
                if every > 0 && i % every == 0 {
                    u.attempt = None;
                }
                u
            })
            .collect();
        s.record(&batch).await.unwrap();
        for u in &batch {
            let id = &u.delivery_id;
            assert_eq!(
                status(&**s, id).await,
                DeliveryStatus::Succeeded,
                "case {n}: {id}"
            );
            let logged = s.attempts_of(id).await.unwrap().len();
            assert_eq!(logged, usize::from(u.attempt.is_some()), "case {n}: {id}");
        }
    }
}

#[tokio::test]
async fn resends_and_requeues_start_from_the_right_state() {
    let h = Harness::new().await;
    let s = &h.store;
    let now = h.now();
    s.insert_webhook(&webhook("wh_1", now)).await.unwrap();
    let events = [
        new_event("evt_a", "run.failed", now),
        new_event("evt_b", "eval.failed", now),
    ];
    s.ingest(&events, now, None, 0).await.unwrap();
    let claimed = s.claim_due(now, 5, 60_000, "w").await.unwrap();
    assert!(
        s.begin_resend(&claimed[0].id, "rsd", now, 60_000)
            .await
            .unwrap()
            .is_none(),
        "leased"
    );
    let fail = |c: &engine::records::Claimed| {
        outcome(
            &c.id,
            "wh_1",
            Some("w"),
            Next::Failed { disable: None },
            now + 1,
        )
    };
    s.record(&[fail(&claimed[0]), fail(&claimed[1])])
        .await
        .unwrap();
    let start = s
        .begin_resend(&claimed[0].id, "rsd", now + 2, 60_000)
        .await
        .unwrap()
        .expect("may start");
    assert_eq!(
        (start.webhook_id.as_str(), start.attempt, start.status),
        ("wh_1", 2, DeliveryStatus::Failed)
    );
    assert!(s
        .begin_resend("dlv_missing", "rsd", now, 60_000)
        .await
        .unwrap()
        .is_none());

    // Only failed deliveries in the window whose type matches.
    let run = s.get_event("evt_a").await.unwrap().unwrap();
    let run_delivery = s.deliveries_of_event(&run.id).await.unwrap().remove(0).id;
    assert_eq!(
        s.requeue_failed("wh_1", now, now + 1, &["run.*".into()], 100, now + 5)
            .await
            .unwrap(),
        1
    );
    assert_eq!(status(&**s, &run_delivery).await, DeliveryStatus::Pending);
    assert_eq!(
        s.requeue_failed("wh_1", now + 1, now + 9, &[], 100, now + 5)
            .await
            .unwrap(),
        0,
        "outside the window"
    );
    assert_eq!(
        s.requeue_failed("wh_1", now, now + 1, &[], 100, now + 5)
            .await
            .unwrap(),
        1,
        "the other one"
    );
    let again = s.claim_due(now + 5, 5, 60_000, "w2").await.unwrap();
    assert_eq!(again.len(), 2);
    assert!(
        again.iter().all(|c| c.attempt == 2 && c.retry_base == 1),
        "{again:?}"
    );
}

#[tokio::test]
async fn meta_values_are_kept_and_replaced() {
    let h = Harness::new().await;
    assert_eq!(h.store.get_meta("suite.k").await.unwrap(), None);
    h.store.set_meta("suite.k", "one").await.unwrap();
    h.store.set_meta("suite.k", "two").await.unwrap();
    assert_eq!(
        h.store.get_meta("suite.k").await.unwrap().as_deref(),
        Some("two")
    );
    assert!(
        h.store
            .get_meta("master_key_check")
            .await
            .unwrap()
            .is_some(),
        "written at open"
    );
    h.store.ping().await.unwrap();
}

#[test]
fn test_database_urls_name_the_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5/t1"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
        "postgresql://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h:1", "t3"), "postgres://h:1/t3");
}
