//! The durable queue under concurrency, crashes and time: no double claims, lease expiry,
//! start-up lease release, the long-running loop, and the default retry schedule.
mod common;

use engine::rules::outcome::{HealthEffect, Next, Transition};
use engine::rules::tenancy::TenantScope;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use domain::{DeliveryStatus, EventInput, RetryPolicy};
use engine::records::{DeliveryUpdate, NewDelivery, NewEvent};
use engine::{EngineConfig, ExecutionOutcome, Worker};
use serde_json::json;

fn events(n: usize) -> Vec<EventInput> {
    (0..n)
        .map(|i| event("run.completed", json!({"i": i})))
        .collect()
}

/// Every request carried a distinct webhook-id: returns requests per id.
fn per_webhook_id(rx: &Receiver) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in rx.requests() {
        *m.entry(r.h("webhook-id").to_string()).or_insert(0) += 1;
    }
    m
}

async fn all_delivery_ids(h: &Harness, webhook_ids: &[&str]) -> Vec<String> {
    let mut ids = vec![];
    for w in webhook_ids {
        let q = domain::DeliveryQuery {
            limit: 200,
            ..Default::default()
        };
        let page = h
            .engine
            .list_deliveries(&TenantScope::All, w, &q)
            .await
            .unwrap();
        assert!(page.next_cursor.is_none());
        for d in page.data {
            assert_eq!(d.status, DeliveryStatus::Succeeded, "{d:?}");
            assert_eq!(d.attempts, 1, "{d:?}");
            ids.push(d.id);
        }
    }
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_on_one_engine_never_attempt_a_delivery_twice() {
    let h = Harness::with_config(EngineConfig {
        claim_batch: 4,
        ..config()
    })
    .await;
    // A little slow, so both workers are busy at the same time.
    let rx = Receiver::start_with(Reply::ok().delay_ms(10)).await;
    let a = h.create(hook("a", &rx.url)).await;
    let b = h.create(hook("b", &rx.url)).await;
    let got = h
        .engine
        .ingest(&TenantScope::All, events(40), None)
        .await
        .unwrap()
        .events;
    assert!(got.iter().all(|i| i.deliveries == 2));

    let w1 = Worker::new(h.engine.clone());
    let w2 = Worker::new(h.engine.clone());
    let t1 = tokio::spawn(async move { w1.drain().await.unwrap() });
    let t2 = tokio::spawn(async move { w2.drain().await.unwrap() });
    let (n1, n2) = (t1.await.unwrap(), t2.await.unwrap());
    assert_eq!(n1 + n2, 80, "every delivery processed once ({n1} + {n2})");
    assert!(n1 > 0 && n2 > 0, "both workers took part ({n1} + {n2})");

    rx.wait_for(80).await;
    let counts = per_webhook_id(&rx);
    assert_eq!(counts.len(), 80);
    assert!(
        counts.values().all(|&c| c == 1),
        "a delivery was attempted twice: {counts:?}"
    );
    let ids = all_delivery_ids(&h, &[&a.id, &b.id]).await;
    let mut seen: Vec<String> = counts.into_keys().collect();
    seen.sort();
    assert_eq!(ids, seen);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 80);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_engines_on_one_database_never_attempt_a_delivery_twice() {
    let h = Harness::with_config(EngineConfig {
        claim_batch: 3,
        ..config()
    })
    .await;
    let rx = Receiver::start_with(Reply::ok().delay_ms(10)).await;
    let a = h.create(hook("a", &rx.url)).await;
    let got = h
        .engine
        .ingest(&TenantScope::All, events(45), None)
        .await
        .unwrap()
        .events;
    assert!(got.iter().all(|i| i.deliveries == 1));
    // A second process: its own connections to the same file, same key and clock.
    let other = open_engine(
        &h.db_url,
        h.key.clone(),
        &h.clock,
        EngineConfig {
            claim_batch: 3,
            ..config()
        },
    )
    .await
    .unwrap()
    .engine;

    let w1 = Worker::new(h.engine.clone());
    let w2 = Worker::new(other.clone());
    let t1 = tokio::spawn(async move { w1.drain().await.unwrap() });
    let t2 = tokio::spawn(async move { w2.drain().await.unwrap() });
    let (n1, n2) = (t1.await.unwrap(), t2.await.unwrap());
    assert_eq!(n1 + n2, 45, "{n1} + {n2}");
    assert!(n1 > 0 && n2 > 0, "both engines took part ({n1} + {n2})");
    rx.wait_for(45).await;
    let counts = per_webhook_id(&rx);
    assert_eq!(counts.len(), 45);
    assert!(
        counts.values().all(|&c| c == 1),
        "a delivery was attempted twice: {counts:?}"
    );
    assert_eq!(all_delivery_ids(&h, &[&a.id]).await.len(), 45);
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_leases_are_reclaimed() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    h.create(hook("a", &rx.url)).await;
    let got = h
        .engine
        .ingest(&TenantScope::All, events(3), None)
        .await
        .unwrap()
        .events;
    let lease = h.engine.config().lease_ms;

    // A worker claims everything and dies without recording anything.
    let claimed = h
        .store
        .claim_due(h.now(), 10, lease, "dead-worker")
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(claimed
        .iter()
        .all(|c| c.attempt == 1 && c.events.len() == 1));
    for i in &got {
        assert_eq!(
            h.delivery_of(&i.id).await.status,
            DeliveryStatus::Delivering
        );
    }
    assert_eq!(
        h.run_once().await,
        ExecutionOutcome::EmptyQueue,
        "held by the lease"
    );
    h.advance(lease - 1);
    assert_eq!(
        h.run_once().await,
        ExecutionOutcome::EmptyQueue,
        "held until the lease expires"
    );
    assert_eq!(rx.count(), 0);

    h.advance(1);
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(3));
    let reqs = rx.expect_exactly(3).await;
    assert!(
        reqs.iter().all(|r| r.h("x-herald-attempt") == "1"),
        "the dead claim made no attempt"
    );
    let mut ids = vec![];
    for i in &got {
        let d = h.delivery_of(&i.id).await;
        assert_eq!(d.status, DeliveryStatus::Succeeded);
        assert_eq!(d.attempts, 1);
        ids.push(d.id);
    }
    let mut seen: Vec<String> = per_webhook_id(&rx).into_keys().collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);

    // The dead worker coming back late cannot overwrite the outcome: its lease is gone.
    let late = DeliveryUpdate {
        attempt: None,
        delivery_id: ids[0].clone(),
        webhook_id: claimed[0].webhook_id.clone(),
        lease_token: Some("dead-worker".into()),
        transition: Transition::Attempted(Next::Failed { disable: None }),
        health: HealthEffect::Failed {
            final_failure: true,
            disable: None,
        },
        last_status: Some(500),
        last_error: Some("late".into()),
        now: h.now(),
        disable_after_ms: 0,
    };
    assert!(h.store.record(&[late]).await.unwrap().is_empty());
    let d = h
        .engine
        .get_delivery(&TenantScope::All, &ids[0])
        .await
        .unwrap()
        .delivery;
    assert_eq!(d.status, DeliveryStatus::Succeeded);
    assert_eq!(d.last_response_code, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_of_a_dead_process_are_released_at_start() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    rx.script([Reply::status(500)]);
    h.create(hook("a", &rx.url)).await;

    // e1 fails once and is due again at T0 + 5 s; e2 arrives then.
    let e1 = h.ingest(event("run.completed", json!({"n": 1}))).await;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let d1 = h.delivery_of(&e1.id).await.id;
    h.advance(5_000);
    let e2 = h.ingest(event("run.completed", json!({"n": 2}))).await;
    let d2 = h.delivery_of(&e2.id).await.id;

    // The process claims both and is killed.
    let claimed = h
        .store
        .claim_due(h.now(), 10, 60_000, "killed-process")
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    h.store.close().await;

    // The next start, at the same instant: without the release nothing would be due for a minute.
    let engine = open_engine(&h.db_url, h.key.clone(), &h.clock, config())
        .await
        .unwrap()
        .engine;
    assert_eq!(
        Worker::new(engine.clone()).run_once().await.unwrap(),
        ExecutionOutcome::EmptyQueue
    );
    assert_eq!(engine.release_interrupted().await.unwrap(), 2);
    let status = |id: String| {
        let engine = engine.clone();
        async move {
            engine
                .get_delivery(&TenantScope::All, &id)
                .await
                .unwrap()
                .delivery
                .status
        }
    };
    assert_eq!(status(d1.clone()).await, DeliveryStatus::Retrying);
    assert_eq!(status(d2.clone()).await, DeliveryStatus::Pending);
    assert_eq!(
        engine.release_interrupted().await.unwrap(),
        0,
        "nothing left to release"
    );

    let worker = Worker::new(engine.clone());
    assert_eq!(
        worker.run_once().await.unwrap(),
        ExecutionOutcome::Processed(2)
    );
    let reqs = rx.expect_exactly(3).await;
    let attempt_of = |id: &str| {
        reqs[1..]
            .iter()
            .find(|r| r.h("webhook-id") == id)
            .map(|r| r.h("x-herald-attempt").to_string())
    };
    assert_eq!(
        attempt_of(&d1).as_deref(),
        Some("2"),
        "same webhook-id, next attempt"
    );
    assert_eq!(attempt_of(&d2).as_deref(), Some("1"));
    assert_eq!(status(d1).await, DeliveryStatus::Succeeded);
    assert_eq!(status(d2).await, DeliveryStatus::Succeeded);
    engine.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_long_running_loop_delivers_and_stops_cleanly() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    h.create(hook("a", &rx.url)).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(Worker::new(h.engine.clone()).run(stopped, Duration::from_secs(5)));

    let got = h
        .engine
        .ingest(&TenantScope::All, events(5), None)
        .await
        .unwrap()
        .events;
    rx.wait_for(5).await;
    stop.send(true).unwrap();
    tokio::time::timeout(WAIT, task)
        .await
        .expect("the loop stops")
        .unwrap();
    // Outcomes are recorded by the time it returns.
    for i in &got {
        let d = h.delivery_of(&i.id).await;
        assert_eq!(d.status, DeliveryStatus::Succeeded, "{d:?}");
    }
    assert_eq!(per_webhook_id(&rx).len(), 5);
    assert_eq!(rx.count(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_sends_are_not_also_sent_by_a_busy_worker() {
    let h = Harness::new().await;
    let rx = Receiver::start_with(Reply::status(500)).await;
    let wh = h.create(hook("t", &rx.url)).await;
    // Workers claiming as fast as they can while test events are sent.
    let stop = Arc::new(AtomicBool::new(false));
    let busy: Vec<_> = (0..3)
        .map(|_| {
            let (flag, engine) = (stop.clone(), h.engine.clone());
            tokio::spawn(async move {
                let w = Worker::new(engine);
                let mut n = 0;
                while !flag.load(Ordering::SeqCst) {
                    if let ExecutionOutcome::Processed(k) = w.run_once().await.unwrap() {
                        n += k;
                    }
                }
                n
            })
        })
        .collect();
    for _ in 0..50 {
        let res = h
            .engine
            .send_test(&TenantScope::All, &wh.id, "run.completed", None)
            .await
            .unwrap();
        assert_eq!(res.response_code, Some(500));
    }
    stop.store(true, Ordering::SeqCst);
    for b in busy {
        assert_eq!(b.await.unwrap(), 0, "a worker took a test delivery");
    }
    let counts = per_webhook_id(&rx);
    assert_eq!(counts.len(), 50);
    assert!(
        counts.values().all(|&c| c == 1),
        "a test event was sent twice"
    );
    // Test sends are final: nothing is retried later.
    h.advance(86_400_000);
    assert_eq!(h.drain().await, 0);
    assert_eq!(rx.count(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directly_inserted_delivery_is_leased_to_its_sender() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h.create(hook("t", &rx.url)).await;
    let now = h.now();
    let event = NewEvent {
        tenant: "default".into(),
        id: engine::ids::new_id(engine::ids::EVENT, now),
        event_type: "webhook.test".into(),
        object: "test".into(),
        source: None,
        project: None,
        severity: None,
        subject: None,
        data: json!({"hello": "world"}),
        metadata: None,
        created_ms: now,
    };
    let delivery = NewDelivery {
        id: engine::ids::new_id(engine::ids::DELIVERY, now),
        webhook_id: wh.id.clone(),
    };
    let lease = 30_000;
    h.store
        .insert_direct(&event, &delivery, now, "tst_sender", now + lease)
        .await
        .unwrap();
    // No worker may take it while its sender holds it...
    assert!(h
        .store
        .claim_due(now, 10, lease, "other")
        .await
        .unwrap()
        .is_empty());
    h.advance(lease - 1);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(
        h.engine
            .get_delivery(&TenantScope::All, &delivery.id)
            .await
            .unwrap()
            .delivery
            .status,
        DeliveryStatus::Delivering
    );
    // ...but if the sender died, the queue delivers it once the lease expires.
    h.advance(1);
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let r = rx.expect_exactly(1).await.remove(0);
    assert_eq!(r.h("webhook-id"), delivery.id);
    assert_eq!(
        r.json()["events"][0]["data"],
        json!({"test": {"hello": "world"}})
    );
    assert_eq!(
        h.engine
            .get_delivery(&TenantScope::All, &delivery.id)
            .await
            .unwrap()
            .delivery
            .status,
        DeliveryStatus::Succeeded
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_retry_schedule_on_the_manual_clock() {
    let h = Harness::new().await;
    let rx = Receiver::start_with(Reply::status(500)).await;
    let wh = h.create(hook("always-500", &rx.url)).await;
    assert_eq!(wh.retry, RetryPolicy::default());
    let ing = h.ingest(event("run.completed", json!({}))).await;
    let dlv = h.delivery_of(&ing.id).await.id;

    // 5 s ×4 each time, capped at 10 h; 8 retries.
    let expected_delays: Vec<i64> = vec![
        5_000, 20_000, 80_000, 320_000, 1_280_000, 5_120_000, 20_480_000, 36_000_000,
    ];
    let policy = RetryPolicy::default();
    for (i, d) in expected_delays.iter().enumerate() {
        assert_eq!(
            engine::rules::retry::delay_for_retry(&policy, i as u32 + 1, 0.0).as_millis() as i64,
            *d
        );
    }

    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let mut at = T0;
    let mut times = vec![T0];
    for (i, delay) in expected_delays.iter().enumerate() {
        let d = h.detail(&dlv).await;
        assert_eq!(d.delivery.status, DeliveryStatus::Retrying);
        assert_eq!(d.delivery.attempts as usize, i + 1);
        assert_eq!(
            d.attempts[i].next_retry_at.as_deref().map(ms),
            Some(at + delay),
            "attempt {}",
            i + 1
        );
        h.advance(delay - 1);
        assert_eq!(
            h.run_once().await,
            ExecutionOutcome::EmptyQueue,
            "retry {} came early",
            i + 1
        );
        assert_eq!(rx.count(), i + 1);
        h.advance(1);
        assert_eq!(
            h.run_once().await,
            ExecutionOutcome::Processed(1),
            "retry {} is due",
            i + 1
        );
        at += delay;
        times.push(at);
    }

    let reqs = rx.expect_exactly(9).await;
    let signed: Vec<i64> = reqs
        .iter()
        .map(|r| r.h("webhook-timestamp").parse::<i64>().unwrap() * 1000)
        .collect();
    assert_eq!(signed, times, "each attempt signed at its scheduled time");
    let numbers: Vec<String> = reqs
        .iter()
        .map(|r| r.h("x-herald-attempt").to_string())
        .collect();
    assert_eq!(numbers, (1..=9).map(|n| n.to_string()).collect::<Vec<_>>());
    assert!(reqs.iter().all(|r| r.h("webhook-id") == dlv));

    let d = h.detail(&dlv).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Failed);
    assert_eq!(d.delivery.attempts, 9);
    assert_eq!(d.delivery.next_attempt_at, None);
    assert_eq!(d.attempts.len(), 9);
    let started: Vec<i64> = d.attempts.iter().map(|a| ms(&a.started_at)).collect();
    assert_eq!(started, times);
    assert_eq!(d.attempts[8].next_retry_at, None);
    assert!(d.attempts.iter().all(|a| a.response_status == Some(500)));
    // Roughly a day in all (docs/delivery.md#retry-policy).
    let total_h = (at - T0) as f64 / 3_600_000.0;
    assert!((17.0..18.0).contains(&total_h), "{total_h} h");

    h.advance(7 * 86_400_000);
    assert_eq!(h.run_once().await, ExecutionOutcome::EmptyQueue);
    assert_eq!(rx.count(), 9);
}
