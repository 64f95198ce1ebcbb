//! Group commit of concurrent ingests: requests written in one transaction still get
//! their own answers, their deliveries, and every event arrives once under its own id.
mod common;

use engine::rules::tenancy::TenantScope;
use std::collections::HashSet;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_ingests_each_get_their_own_answer() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    h.create(hook("a", &rx.url)).await;
    h.create(hook("b", &rx.url)).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let engine = h.engine.clone();
        tasks.spawn(async move {
            let n = 1 + i % 3;
            let events = (0..n)
                .map(|j| event("run.completed", json!({"i": i, "j": j})))
                .collect();
            let got = engine
                .ingest(&TenantScope::All, events, None)
                .await
                .expect("ingest");
            assert!(!got.replayed);
            assert_eq!(got.events.len(), n, "one answer per event of this request");
            got.events
        });
    }
    let mut ids = HashSet::new();
    while let Some(got) = tasks.join_next().await {
        for i in got.unwrap() {
            assert_eq!(i.deliveries, 2, "fan-out to both webhooks");
            assert!(ids.insert(i.id.clone()), "event ids are distinct");
            let detail = h.engine.get_event(&TenantScope::All, &i.id).await.unwrap();
            assert_eq!(detail.deliveries.len(), 2);
        }
    }
    let events: usize = (0..40).map(|i| 1 + i % 3).sum();
    assert_eq!(ids.len(), events);
    assert_eq!(h.drain().await, 2 * events);
    let reqs = rx.expect_exactly(2 * events).await;
    let delivery_ids: HashSet<&str> = reqs.iter().map(|r| r.h("webhook-id")).collect();
    assert_eq!(
        delivery_ids.len(),
        2 * events,
        "each arrives once, under its own id"
    );
}
