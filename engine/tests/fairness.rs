//! Fairness between tenants (docs/scaling.md#fairness-between-tenants) on every store: a
//! tenant's backlog to a receiver that never answers takes at most its share of the
//! long-running worker, and another tenant's deliveries — waiting in the table behind
//! that backlog, or handed over by ingest — are still sent at once; claims pass over the
//! webhooks and tenants they are told to skip.
mod common;

use std::time::Duration;

use common::*;
use domain::{TenantInput, WebhookInput};
use engine::rules::tenancy::TenantScope;
use engine::store::{Claim, Skip};
use engine::{EngineConfig, Worker};
use serde_json::json;

const ALL: &TenantScope = &TenantScope::All;

async fn tenant(h: &Harness, id: &str) {
    h.engine
        .create_tenant(TenantInput {
            id: Some(id.into()),
            name: Some(format!("{id} Corp")),
        })
        .await
        .expect("tenant created");
}

fn in_tenant(t: &str, name: &str, url: &str) -> WebhookInput {
    WebhookInput {
        tenant: Some(t.into()),
        ..hook(name, url)
    }
}

fn for_tenant(t: &str, n: usize) -> domain::EventInput {
    domain::EventInput {
        tenant: Some(t.into()),
        ..event("run.completed", json!({ "n": n }))
    }
}

/// Ingests `n` events for tenant `t` in one request.
async fn ingest_many(h: &Harness, t: &str, n: usize) {
    let events = (0..n).map(|i| for_tenant(t, i)).collect();
    h.engine.ingest(ALL, events, None).await.expect("ingest");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenants_backlog_to_a_hung_receiver_does_not_starve_another_tenant() {
    // A window of 32, 2 per webhook; a tenant's share is half the window: 16.
    let h = Harness::with_config(EngineConfig {
        max_in_flight: 32,
        max_in_flight_per_webhook: 2,
        ..config()
    })
    .await;
    tenant(&h, "noisy").await;
    tenant(&h, "quiet").await;
    // Answers long after the test is over.
    let hung = Receiver::start_with(Reply::ok().delay_ms(120_000)).await;
    let fast = Receiver::start().await;
    for i in 0..10 {
        h.create(in_tenant("noisy", &format!("noisy {i}"), &hung.url))
            .await;
    }
    h.create(in_tenant("quiet", "quiet", &fast.url)).await;
    // 200 of the noisy tenant's deliveries are due first, then one of the quiet tenant's.
    ingest_many(&h, "noisy", 20).await;
    h.advance(1);
    let queued = h.ingest(for_tenant("quiet", 0)).await;

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(Worker::new(h.engine.clone()).run(stopped, Duration::from_millis(100)));
    // The quiet tenant's delivery behind the backlog is claimed and sent.
    let got = fast.wait_for(1).await;
    assert_eq!(got[0].h("webhook-id"), h.delivery_of(&queued.id).await.id);
    // And one handed over by ingest while the backlog holds its share starts at once.
    let handed = h.ingest(for_tenant("quiet", 1)).await;
    let got = fast.wait_for(2).await;
    assert_eq!(got[1].h("webhook-id"), h.delivery_of(&handed.id).await.id);
    // The noisy tenant has exactly its share in flight: 16 of its 10 × 2 webhook places.
    hung.wait_for(16).await;
    assert_eq!(hung.count(), 16, "no more than the tenant's share");

    stop.send(true).unwrap();
    let stats = tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
    assert!(stats.claimed >= 17, "{stats:?}");
    // Everything the worker held is due again: 200 noisy deliveries waiting.
    let left = h.store.queue_stats().await.unwrap();
    assert_eq!(left.depth, 200);
}

#[tokio::test]
async fn claims_pass_over_skipped_webhooks_and_tenants() {
    let h = Harness::new().await;
    tenant(&h, "a").await;
    tenant(&h, "b").await;
    let url = "http://127.0.0.1:9/hook";
    let a1 = h.create(in_tenant("a", "a1", url)).await;
    let a2 = h.create(in_tenant("a", "a2", url)).await;
    let b = h.create(in_tenant("b", "b", url)).await;
    ingest_many(&h, "a", 5).await;
    h.advance(1);
    ingest_many(&h, "b", 5).await;
    let claim = |token: &'static str, skip: Skip| {
        let store = h.store.clone();
        let now = h.now();
        async move {
            let claim = Claim {
                now,
                limit: 4,
                lease_ms: 60_000,
                token,
                skip: &skip,
            };
            let got = store.claim(&claim).await.expect("claim");
            let mut hooks: Vec<String> = got.into_iter().map(|c| c.webhook_id).collect();
            hooks.sort();
            hooks
        }
    };
    // Skipping tenant a: only b's, oldest first, whatever a has queued before them.
    let skip_a = Skip {
        tenants: vec!["a".into()],
        per_webhook: 4,
        ..Skip::default()
    };
    assert_eq!(claim("w1", skip_a).await, vec![b.id.clone(); 4]);
    // Skipping webhook a1, at most 1 of each other webhook: one of a2, one of b.
    let skip_a1 = Skip {
        webhooks: vec![a1.id.clone()],
        per_webhook: 1,
        ..Skip::default()
    };
    let mut want = vec![a2.id.clone(), b.id.clone()];
    want.sort();
    assert_eq!(claim("w2", skip_a1).await, want);
    // Nothing skipped: the oldest due first, which are a's.
    let got = claim("w3", Skip::default()).await;
    assert!(got.iter().all(|w| *w == a1.id || *w == a2.id), "{got:?}");
    // Giving back makes them due again, only where the lease is still the giver's.
    let mine = h
        .store
        .claim_due(h.now(), 1, 60_000, "w4")
        .await
        .expect("claim");
    let ids: Vec<String> = mine.iter().map(|c| c.id.clone()).collect();
    assert_eq!(
        h.store
            .release_deliveries("other", &ids, h.now())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        h.store
            .release_deliveries("w4", &ids, h.now())
            .await
            .unwrap(),
        1
    );
    let again = h.store.claim_due(h.now(), 10, 60_000, "w5").await.unwrap();
    assert!(again.iter().any(|c| c.id == ids[0]));
}
