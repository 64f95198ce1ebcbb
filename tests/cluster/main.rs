//! Several `herald serve` processes (the real binary) on one PostgreSQL database
//! (docs/scaling.md#instances): 5,000 events fanned out over three instances while one of
//! them is SIGKILLed twice and restarted, and an `api` instance with a `worker` instance.
//! These need a PostgreSQL server (`HERALD_TEST_POSTGRES_URL`; `scripts/pg` starts one),
//! so they are ignored in a plain `cargo test` and run by scripts/test's PostgreSQL step:
//! `scripts/pg cargo test -p herald --test cluster -- --include-ignored`.
#[path = "../../engine/tests/common/db.rs"]
#[allow(dead_code)]
mod db;
mod instance;
mod receiver;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use instance::{Shared, KEY};
use serde_json::{json, Value};
use sqlx::Connection;

const EVENTS: usize = 5_000;
const BATCH: usize = 50;

fn master_key() -> String {
    engine::secrets::MasterKey::generate().to_base64()
}

async fn db(dir: &std::path::Path) -> db::TestDb {
    assert!(
        db::on_postgres(),
        "set HERALD_TEST_POSTGRES_URL to a PostgreSQL server (scripts/pg starts one)"
    );
    db::TestDb::create(dir).await
}

async fn create_webhook(client: &reqwest::Client, api: &str, url: &str) -> String {
    let res = client
        .post(format!("{api}/webhooks"))
        .bearer_auth(KEY)
        .json(&json!({"name": "cluster", "url": url, "event_types": ["*"],
            "retry": {"max_retries": 30, "backoff": "fixed", "initial_delay_ms": 100, "max_delay_ms": 100}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Polls `check` every 50 ms until true; panics after `secs`.
async fn until<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn scalar(db_url: &str, sql: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect(db_url).await.unwrap();
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
    let _ = conn.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/pg cargo test -p herald --test cluster -- --include-ignored"]
async fn three_instances_deliver_everything_once_in_flight_across_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path()).await;
    let key = master_key();
    let shared = Shared {
        db_url: &db.url,
        master_key: &key,
        dir: dir.path(),
    };
    let rx = receiver::start().await;
    let mut nodes = [
        shared.start("node-a", "all").await,
        shared.start("node-b", "all").await,
        shared.start("node-c", "all").await,
    ];
    let client = reqwest::Client::new();
    create_webhook(&client, &nodes[0].api(""), &rx.url).await;

    let mut acknowledged = 0;
    let mut kills: Vec<Instant> = vec![];
    for (n, start) in (0..EVENTS).step_by(BATCH).enumerate() {
        if (kills.is_empty() && start >= EVENTS / 3)
            || (kills.len() == 1 && start >= 2 * EVENTS / 3)
        {
            nodes[2].kill().await; // node-c, mid-flight
            kills.push(Instant::now());
            nodes[2] = shared.start("node-c", "all").await;
        }
        let events: Vec<Value> = (start..start + BATCH)
            .map(|i| json!({"type": "run.completed", "data": {"n": i}}))
            .collect();
        let node = &nodes[n % nodes.len()];
        let res = client
            .post(node.api("/events"))
            .bearer_auth(KEY)
            .json(&json!({ "events": events }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "{}: {}", node.name, node.log_tail());
        acknowledged += res.json::<Value>().await.unwrap()["data"]
            .as_array()
            .unwrap()
            .len();
    }
    assert_eq!((acknowledged, kills.len()), (EVENTS, 2));

    until("every delivery arrived", 240, || async {
        rx.delivered() == EVENTS
    })
    .await;
    until("every outcome recorded, no lease held", 60, || async {
        scalar(&db.url, "SELECT COUNT(*) FROM deliveries WHERE status <> 'succeeded' OR lease_token IS NOT NULL").await == 0
    })
    .await;
    assert_eq!(
        scalar(&db.url, "SELECT COUNT(*) FROM deliveries").await,
        EVENTS as i64
    );

    let duplicates = {
        let seen = rx.seen.lock().unwrap();
        assert!(
            seen.overlaps.is_empty(),
            "in flight twice at once: {:?}",
            seen.overlaps
        );
        assert!(
            seen.requests > EVENTS,
            "the receiver's failures caused retries"
        );
        // Each event under one webhook-id; a delivery answered 2xx twice only when its first
        // success was in flight when node-c was killed (its outcome never recorded).
        let mut ids_of_event: HashMap<&str, HashSet<&str>> = HashMap::new();
        let mut duplicates = 0;
        for (wid, answers) in &seen.by_id {
            for a in answers {
                for e in &a.event_ids {
                    ids_of_event.entry(e).or_default().insert(wid);
                }
            }
            let oks: Vec<Instant> = answers.iter().filter(|a| a.ok).map(|a| a.at).collect();
            if oks.len() > 1 {
                duplicates += 1;
                let first = oks[0];
                assert!(
                    kills.iter().any(|k| first + Duration::from_secs(3) >= *k
                        && first <= *k + Duration::from_secs(1)),
                    "{wid} succeeded twice, the first time away from any kill"
                );
            }
        }
        assert_eq!(ids_of_event.len(), EVENTS);
        assert!(
            ids_of_event.values().all(|ids| ids.len() == 1),
            "an event under two webhook-ids"
        );
        duplicates
    };
    eprintln!("duplicates across the kills: {duplicates}");

    // The attempt log: no two attempts of one delivery from different instances overlap,
    // and the work was shared.
    let overlapping = scalar(
        &db.url,
        "SELECT COUNT(*) FROM attempts a JOIN attempts b ON a.delivery_id = b.delivery_id AND a.id < b.id \
         AND split_part(a.lease_token, '.', 1) <> split_part(b.lease_token, '.', 1) \
         AND a.started_at < b.started_at + b.duration_ms AND b.started_at < a.started_at + a.duration_ms",
    )
    .await;
    assert_eq!(
        overlapping, 0,
        "attempts of one delivery overlapped across instances"
    );
    assert_eq!(
        scalar(
            &db.url,
            "SELECT COUNT(*) FROM attempts WHERE lease_token IS NULL"
        )
        .await,
        0
    );
    let instances = scalar(
        &db.url,
        "SELECT COUNT(DISTINCT split_part(lease_token, '.', 1)) FROM attempts",
    )
    .await;
    assert!(instances >= 2, "attempts came from {instances} instance(s)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/pg cargo test -p herald --test cluster -- --include-ignored"]
async fn an_api_instance_and_a_worker_instance_deliver_end_to_end_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path()).await;
    let key = master_key();
    let shared = Shared {
        db_url: &db.url,
        master_key: &key,
        dir: dir.path(),
    };
    let rx = receiver::start().await;
    let api = shared.start("front", "api").await;
    let worker = shared.start("back", "worker").await;
    let client = reqwest::Client::new();
    create_webhook(&client, &api.api(""), &rx.url).await;

    // The worker instance serves no API, only health and metrics.
    let refused = client
        .get(worker.api("/webhooks"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
    for path in ["/healthz", "/metrics"] {
        let ok = client
            .get(format!("{}{path}", worker.base))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200, "{path}");
    }

    // One event at a time: the worker hears of each at once (NOTIFY), not at its next
    // poll (up to a second when idle).
    let mut latencies = vec![];
    for i in 0..20 {
        let before = rx.delivered();
        let posted = Instant::now();
        let res = client
            .post(api.api("/events"))
            .bearer_auth(KEY)
            .json(&json!({"type": "run.completed", "data": {"i": i}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        until("the event arrived", 30, || async {
            rx.delivered() > before
        })
        .await;
        latencies.push(posted.elapsed());
    }
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    assert!(
        median < Duration::from_millis(250),
        "median ingest → arrival {median:?}"
    );

    // Every attempt was made by the worker instance.
    until("all recorded", 30, || async {
        scalar(
            &db.url,
            "SELECT COUNT(*) FROM deliveries WHERE status = 'succeeded' AND lease_token IS NULL",
        )
        .await
            == 20
    })
    .await;
    let by_front = scalar(
        &db.url,
        "SELECT COUNT(*) FROM attempts WHERE split_part(lease_token, '.', 1) <> 'back'",
    )
    .await;
    assert_eq!(by_front, 0, "the api instance made attempts");
}

#[tokio::test]
async fn split_roles_need_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("serve")
        .env(
            "HERALD_DATABASE_URL",
            format!("sqlite://{}/h.db", dir.path().display()),
        )
        .env("HERALD_ROLE", "worker")
        .env("HERALD_ADMIN_PASSWORD", "roles-test-password")
        .env("HERALD_ADDR", "127.0.0.1:0")
        .env("HERALD_LOG", "error")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a PostgreSQL database"), "{err}");
}
