//! Instances sharing one store (docs/scaling.md#instances), through the engine: leases
//! name their instance; a starting instance never releases a live one's leases; leases of
//! an instance that stopped beating are released by the others; a commit on one instance
//! signals the others; test-send limits are counted across instances. On PostgreSQL these
//! hold across engines on one database. SQLite is one process per database file, and the
//! tests assert that behaviour there instead (every lease released at start, no signals,
//! limits per process), so the difference between the backends is written down here.
mod common;

use engine::rules::tenancy::TenantScope;
use std::time::Duration;

use common::*;
use domain::DeliveryStatus;
use engine::EngineConfig;
use serde_json::json;

/// Fast heartbeats, so "dead" comes quickly (real time: the database's clock).
fn quick() -> EngineConfig {
    EngineConfig {
        heartbeat_ms: 100,
        dead_after_ms: 600,
        ..config()
    }
}

/// Polls `check` until true (at most [`WAIT`]).
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_instance_keeps_live_leases_and_takes_back_dead_ones() {
    let h = Harness::with_config(quick()).await;
    let rx = Receiver::start().await;
    h.create(hook("a", &rx.url)).await;
    let membership = h.engine.join("all", true).await.unwrap();
    let got = h
        .engine
        .ingest(
            &TenantScope::All,
            vec![event("run.completed", json!({"n": 1}))],
            None,
        )
        .await
        .unwrap();
    // The harness instance claims it: its lease names it.
    let token = format!("{}.wrk_test", h.engine.instance_id());
    let claimed = h.store.claim_due(h.now(), 5, 60_000, &token).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let delivery = h.delivery_of(&got.events[0].id).await.id;

    // A second instance starts on the same database.
    let other = open_engine(&h.db_url, h.key.clone(), &h.clock, quick())
        .await
        .unwrap()
        .engine;
    assert_ne!(other.instance_id(), h.engine.instance_id());
    let released = other.release_interrupted().await.unwrap();
    let status = h
        .engine
        .get_delivery(&TenantScope::All, &delivery)
        .await
        .unwrap()
        .delivery
        .status;
    if on_postgres() {
        assert_eq!(released, 0, "the lease of a live instance is kept");
        assert_eq!(status, DeliveryStatus::Delivering);
    } else {
        // One process per SQLite file: whatever was leased belonged to the last run.
        assert_eq!(released, 1);
        assert_eq!(status, DeliveryStatus::Pending);
    }
    membership.leave().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_of_an_instance_that_stops_beating_are_released_by_the_others() {
    let h = Harness::with_config(quick()).await;
    let rx = Receiver::start().await;
    h.create(hook("a", &rx.url)).await;
    let got = h
        .engine
        .ingest(
            &TenantScope::All,
            vec![event("run.completed", json!({"n": 1}))],
            None,
        )
        .await
        .unwrap();
    let delivery = h.delivery_of(&got.events[0].id).await.id;
    // "ghost" registers, takes the delivery, and is never heard of again (killed).
    h.store.heartbeat("ghost", "all", true).await.unwrap();
    let claimed = h
        .store
        .claim_due(h.now(), 5, 60_000, "ghost.wrk_1")
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // While it is alive, nobody releases its lease.
    let dead_after = quick().dead_after_ms;
    let released = h
        .store
        .release_dead_leases("someone", dead_after, h.now())
        .await
        .unwrap();
    assert_eq!(released, 0);
    let membership = h.engine.join("all", true).await.unwrap();
    if on_postgres() {
        // The live instance's heartbeat task releases it once the ghost is silent for
        // dead_after_ms, though the lease itself runs for another minute.
        until("the dead instance's lease is released", || async {
            h.engine
                .get_delivery(&TenantScope::All, &delivery)
                .await
                .unwrap()
                .delivery
                .status
                == DeliveryStatus::Pending
        })
        .await;
        assert_eq!(h.run_once().await, engine::ExecutionOutcome::Processed(1));
        rx.expect_exactly(1).await;
    } else {
        // No instances on SQLite: the lease stays until it expires or the next start.
        assert_eq!(
            h.engine
                .get_delivery(&TenantScope::All, &delivery)
                .await
                .unwrap()
                .delivery
                .status,
            DeliveryStatus::Delivering
        );
    }
    membership.leave().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_on_one_instance_signals_the_others() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    h.create(hook("a", &rx.url)).await;
    let other = engine::store::open(&h.db_url).await.unwrap();
    let Some(mut signals) = other.work_signals().await.unwrap() else {
        assert!(!on_postgres(), "PostgreSQL signals work to other instances");
        return;
    };
    while signals.try_recv().is_ok() {} // a fresh connection may count as one
                                        // No worker lane on this engine: the delivery waits in the table, and others hear.
    h.engine
        .ingest(
            &TenantScope::All,
            vec![event("run.completed", json!({"n": 1}))],
            None,
        )
        .await
        .unwrap();
    let heard = tokio::time::timeout(WAIT, signals.recv()).await;
    assert_eq!(
        heard.ok().flatten(),
        Some(()),
        "a signal after the ingest commit"
    );
    // A re-queue signals too.
    assert_eq!(h.drain().await, 1);
    while signals.try_recv().is_ok() {}
    let claimed = h.store.claim_due(h.now(), 5, 60_000, "x.y").await.unwrap();
    assert!(claimed.is_empty());
    assert_eq!(h.store.release_lease("nobody.z", h.now()).await.unwrap(), 0);
    let got = h
        .engine
        .ingest(
            &TenantScope::All,
            vec![event("run.completed", json!({"n": 2}))],
            None,
        )
        .await
        .unwrap();
    assert_eq!(got.events[0].deliveries, 1);
    let heard = tokio::time::timeout(WAIT, signals.recv()).await;
    assert_eq!(heard.ok().flatten(), Some(()));
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_send_limits_count_across_instances() {
    let limited = EngineConfig {
        test_rate_limit: 2,
        ..config()
    };
    let h = Harness::with_config(limited.clone()).await;
    let other = open_engine(&h.db_url, h.key.clone(), &h.clock, limited)
        .await
        .unwrap()
        .engine;
    h.engine.check_test_rate("key_1").await.unwrap();
    other.check_test_rate("key_1").await.unwrap();
    let third = other.check_test_rate("key_1").await;
    if on_postgres() {
        assert!(
            matches!(third, Err(engine::EngineError::RateLimited(60))),
            "{third:?}"
        );
        assert!(h.engine.check_test_rate("key_1").await.is_err());
        other.check_test_rate("key_2").await.unwrap(); // callers apart
        h.advance(60_000);
        other.check_test_rate("key_1").await.unwrap(); // the window moved on
    } else {
        // One process per SQLite file: each engine counts its own sends.
        third.expect("the other engine's second send");
        assert!(other.check_test_rate("key_1").await.is_err(), "its third");
        h.engine.check_test_rate("key_1").await.unwrap(); // this one's second
    }
}
