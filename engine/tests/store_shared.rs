//! Two stores on one database at once, as two instances would open it: the same
//! idempotency key sent to both is written once, and events added to a batching webhook
//! from both fill one open batch at a time. On PostgreSQL the second store is a second
//! pool; SQLite is one process per database file (docs/scaling.md), so there both "stores"
//! are the same one and the test checks the single-process path.
mod common;

use std::sync::Arc;

use common::*;
use domain::{BatchSettings, DeliveryStatus};
use engine::records::{NewEvent, StoredWebhook};
use engine::store::Store;
use serde_json::json;

/// A second store on the harness's database, as a second instance would open it. SQLite
/// is one process per database file (docs/scaling.md): its writers from two stores would
/// fight over the file lock, so on SQLite the "second" store is the same one.
async fn second_store(h: &Harness) -> Arc<dyn Store> {
    if on_postgres() {
        engine::store::open(&h.db_url).await.unwrap()
    } else {
        h.store.clone()
    }
}

fn webhook(id: &str, created_at: i64) -> StoredWebhook {
    let mut w = StoredWebhook::new(id.into(), format!("sealed-{id}"), created_at);
    w.url = "http://127.0.0.1:9/hook".into();
    w
}

fn new_event(id: &str, now: i64) -> NewEvent {
    NewEvent {
        tenant: "default".into(),
        id: id.into(),
        event_type: "run.completed".into(),
        object: "run".into(),
        source: None,
        project: None,
        severity: None,
        subject: None,
        data: json!({"id": id}),
        metadata: None,
        created_ms: now,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_given_one_key_at_once_write_once() {
    let h = Harness::new().await;
    let now = h.now();
    h.store
        .insert_webhook(&webhook("wh_all", now))
        .await
        .unwrap();
    let second = second_store(&h).await;
    let mut tasks = vec![];
    for (i, store) in [
        h.store.clone(),
        second.clone(),
        h.store.clone(),
        second.clone(),
    ]
    .into_iter()
    .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            let e = [new_event(&format!("evt_k{i}"), now)];
            store
                .ingest(&e, now, Some("shared-key"), 60_000)
                .await
                .unwrap()
        }));
    }
    let mut outcomes = vec![];
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let written: Vec<_> = outcomes.iter().filter(|o| !o.replayed).collect();
    assert_eq!(written.len(), 1, "exactly one request wrote: {outcomes:?}");
    assert!(outcomes.iter().all(|o| o.events == written[0].events));
    let counts = h.store.delivery_counts().await.unwrap();
    assert_eq!(counts, vec![(DeliveryStatus::Pending, 1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batches_filled_from_two_stores_stay_one_open_batch() {
    let h = Harness::new().await;
    let now = h.now();
    let mut w = webhook("wh_batch", now);
    w.batch = BatchSettings {
        max_events: 4,
        max_wait_ms: 1_000,
    };
    h.store.insert_webhook(&w).await.unwrap();
    let second = second_store(&h).await;
    let mut tasks = vec![];
    for i in 0..10 {
        let store = if i % 2 == 0 {
            h.store.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            let e = [new_event(&format!("evt_{i:02}"), now)];
            store.ingest(&e, now, None, 0).await.unwrap()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().events[0].deliveries, 1);
    }
    let claimed = h
        .store
        .claim_due(now + 1_000, 10, 60_000, "w")
        .await
        .unwrap();
    let mut sizes: Vec<usize> = claimed.iter().map(|c| c.events.len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [2, 4, 4], "two full batches and the open one");
    let mut ids: Vec<String> = claimed
        .iter()
        .flat_map(|c| c.events.iter().map(|e| e.id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10, "every event in exactly one batch");
}
