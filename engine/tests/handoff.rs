//! Ingest handing new deliveries straight to the worker: born leased in the ingest
//! transaction, passed with their event and webhook, bounded by the lane's capacity, and
//! never lost when the lane is not read (a crash gives them back to the table).
mod common;

use engine::rules::outcome::{HealthEffect, Next, Transition};
use engine::rules::tenancy::TenantScope;
use std::collections::HashMap;
use std::time::Duration;

use common::*;
use domain::{DeliveryStatus, EventInput};
use engine::records::DeliveryUpdate;
use engine::Worker;
use serde_json::json;

fn events(n: usize) -> Vec<EventInput> {
    (0..n)
        .map(|i| event("run.completed", json!({"i": i})))
        .collect()
}

async fn status(h: &Harness, delivery_id: &str) -> DeliveryStatus {
    h.engine
        .get_delivery(&TenantScope::All, delivery_id)
        .await
        .unwrap()
        .delivery
        .status
}

#[tokio::test]
async fn ingest_hands_due_deliveries_to_the_lane_up_to_its_capacity() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let a = h.create(hook("a", &rx.url)).await;
    let b = h.create(hook("b", &rx.url)).await;
    let mut lane = h.engine.open_lane("wrk_test", 4);

    let got = h
        .engine
        .ingest(&TenantScope::All, events(3), None)
        .await
        .unwrap()
        .events;
    assert!(got.iter().all(|i| i.deliveries == 2));

    // Four of the six deliveries were handed over, with their events and webhooks.
    let handed = lane.try_recv().expect("a hand-off");
    assert!(lane.try_recv().is_none(), "one hand-off per ingest");
    assert_eq!(handed.len(), 4);
    for x in &handed {
        assert_eq!(x.claimed.lease_token, "wrk_test");
        assert_eq!(x.claimed.attempt, 1);
        assert_eq!(x.webhook.id, x.claimed.webhook_id);
        assert!([&a.id, &b.id].contains(&&x.webhook.id));
        assert_eq!(x.claimed.events.len(), 1);
        let e = &x.claimed.events[0];
        let i = got
            .iter()
            .position(|g| g.id == e.id)
            .expect("an ingested event");
        assert_eq!(e.data, json!({"i": i}), "the event's own payload");
        assert_eq!(x.lease_until, h.now() + h.engine.config().lease_ms);
        // Leased in the table to the worker: no one else claims it.
        assert_eq!(status(&h, &x.claimed.id).await, DeliveryStatus::Delivering);
    }

    // The other two wait in the table; the queue takes only those.
    assert_eq!(h.drain().await, 2);
    let first = rx.expect_exactly(2).await;

    // The lane is never read (the worker died): nothing is lost. The start-up release
    // makes them due again and they are delivered once each.
    drop(lane);
    assert_eq!(h.engine.release_interrupted().await.unwrap(), 4);
    assert_eq!(h.drain().await, 4);
    let all = rx.expect_exactly(6).await;
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for r in &all {
        *per_id.entry(r.h("webhook-id").to_string()).or_default() += 1;
    }
    assert_eq!(per_id.len(), 6, "six distinct deliveries");
    assert!(per_id.values().all(|&n| n == 1), "{per_id:?}");
    assert!(first
        .iter()
        .all(|r| !handed.iter().any(|x| x.claimed.id == r.h("webhook-id"))));
    for x in &handed {
        assert_eq!(status(&h, &x.claimed.id).await, DeliveryStatus::Succeeded);
    }
}

#[tokio::test]
async fn room_comes_back_as_the_worker_starts_hand_offs() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    h.create(hook("a", &rx.url)).await;
    let mut lane = h.engine.open_lane("wrk_test", 2);
    h.engine
        .ingest(&TenantScope::All, events(3), None)
        .await
        .unwrap();
    assert_eq!(lane.try_recv().map(|v| v.len()), Some(2));
    // Full: the next event's delivery stays in the table.
    h.engine
        .ingest(&TenantScope::All, events(1), None)
        .await
        .unwrap();
    assert!(lane.try_recv().is_none());
    lane.started(2);
    h.engine
        .ingest(&TenantScope::All, events(1), None)
        .await
        .unwrap();
    assert_eq!(lane.try_recv().map(|v| v.len()), Some(1));
    // Closing the lane stops hand-offs altogether.
    h.engine.open_lane("wrk_other", 8);
    drop(lane);
    let mut lane = h.engine.open_lane("wrk_last", 8);
    h.engine
        .ingest(&TenantScope::All, events(1), None)
        .await
        .unwrap();
    let x = lane.try_recv().expect("handed to the newest lane");
    assert_eq!(x[0].claimed.lease_token, "wrk_last");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_worker_delivers_hand_offs_without_claiming_them() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h.create(hook("a", &rx.url)).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(Worker::new(h.engine.clone()).run(stopped, Duration::from_secs(5)));
    // The worker opens its lane as it starts: wait until ingest can hand off.
    let probe = h
        .engine
        .ingest(&TenantScope::All, events(1), None)
        .await
        .unwrap()
        .events;
    rx.wait_for(1).await;
    let _ = probe;

    let mut ids = vec![];
    for _ in 0..5 {
        let got = h
            .engine
            .ingest(&TenantScope::All, events(4), None)
            .await
            .unwrap()
            .events;
        ids.extend(got.into_iter().map(|g| g.id));
    }
    rx.wait_for(21).await;
    stop.send(true).unwrap();
    let stats = tokio::time::timeout(WAIT, task)
        .await
        .expect("the loop stops")
        .unwrap();
    assert_eq!(stats.handed + stats.claimed, 21, "{stats:?}");
    assert!(
        stats.handed >= 20,
        "ingest after start-up goes through the lane: {stats:?}"
    );
    assert_eq!(stats.stale, 0);
    for id in &ids {
        let d = h.delivery_of(id).await;
        assert_eq!(d.status, DeliveryStatus::Succeeded, "{d:?}");
        assert_eq!(d.attempts, 1);
    }
    assert_eq!(rx.count(), 21);
    assert_eq!(h.webhook(&wh.id).await.id, wh.id);
}

#[tokio::test]
async fn an_outcome_for_a_deleted_webhook_does_not_block_the_others() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let a = h.create(hook("a", &rx.url)).await;
    let b = h.create(hook("b", &rx.url)).await;
    h.engine
        .ingest(&TenantScope::All, events(1), None)
        .await
        .unwrap();
    let claimed = h
        .store
        .claim_due(h.now(), 10, 60_000, "wrk_test")
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    // `a` is deleted (with its deliveries) while both attempts are in flight.
    h.engine
        .delete_webhook(&TenantScope::All, &a.id)
        .await
        .unwrap();
    let updates: Vec<DeliveryUpdate> = claimed
        .iter()
        .map(|c| DeliveryUpdate {
            attempt: Some(engine::records::AttemptRecord {
                id: format!("att_{}", c.id),
                delivery_id: c.id.clone(),
                number: 1,
                started_at: h.now(),
                duration_ms: 1,
                url: rx.url.clone(),
                request_headers: "[]".into(),
                request_body: "{}".into(),
                response_status: Some(200),
                response_headers: Some("[]".into()),
                response_body: Some(String::new()),
                error_kind: None,
                error_message: None,
                next_retry_at: None,
                trigger: domain::Trigger::Queue,
            }),
            delivery_id: c.id.clone(),
            webhook_id: c.webhook_id.clone(),
            lease_token: Some("wrk_test".into()),
            transition: Transition::Attempted(Next::Succeeded),
            health: HealthEffect::Succeeded,
            last_status: Some(200),
            last_error: None,
            now: h.now(),
            disable_after_ms: 0,
        })
        .collect();
    h.store.record(&updates).await.expect("recorded");
    let mine = claimed.iter().find(|c| c.webhook_id == b.id).unwrap();
    let d = h
        .engine
        .get_delivery(&TenantScope::All, &mine.id)
        .await
        .unwrap();
    assert_eq!(d.delivery.status, DeliveryStatus::Succeeded);
    assert_eq!(d.attempts.len(), 1);
    let gone = claimed.iter().find(|c| c.webhook_id == a.id).unwrap();
    assert!(h
        .engine
        .get_delivery(&TenantScope::All, &gone.id)
        .await
        .is_err());
}

/// The most requests the receiver was answering at one moment.
fn max_concurrent(rx: &Receiver) -> usize {
    let mut edges: Vec<(std::time::Instant, i32)> = vec![];
    for r in rx.requests() {
        edges.push((r.arrived, 1));
        edges.push((r.answered.expect("answered"), -1));
    }
    // At equal instants, count the answer before the arrival.
    edges.sort_by_key(|&(t, d)| (t, d));
    let (mut now, mut max) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        max = max.max(now);
    }
    max as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_gets_at_most_its_share_of_requests_in_flight() {
    let h = Harness::with_config(engine::EngineConfig {
        max_in_flight_per_webhook: 2,
        ..config()
    })
    .await;
    let slow = Receiver::start_with(Reply::ok().delay_ms(100)).await;
    let fast = Receiver::start().await;
    h.create(hook("slow", &slow.url)).await;
    h.create(hook("fast", &fast.url)).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(Worker::new(h.engine.clone()).run(stopped, Duration::from_secs(5)));
    let got = h
        .engine
        .ingest(&TenantScope::All, events(8), None)
        .await
        .unwrap()
        .events;
    // The fast receiver is not held up behind the slow one's backlog.
    fast.wait_for(8).await;
    assert!(
        slow.count() < 8,
        "the slow webhook's backlog is still going"
    );
    slow.wait_for(8).await;
    stop.send(true).unwrap();
    tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
    assert_eq!(max_concurrent(&slow), 2, "two at a time, never more");
    for i in &got {
        let detail = h.engine.get_event(&TenantScope::All, &i.id).await.unwrap();
        assert_eq!(detail.deliveries.len(), 2);
        assert!(detail
            .deliveries
            .iter()
            .all(|d| d.status == DeliveryStatus::Succeeded && d.attempts == 1));
    }
}
