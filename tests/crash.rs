//! Crash safety: Herald runs as a child process; thousands of events are posted while a
//! receiver fails 30 % of requests; the process is SIGKILLed twice while `POST /events`
//! requests and deliveries are in flight, and restarted. Every acknowledged (202) event must
//! arrive at least once (events whose request was cut are not required), and every event
//! must always carry the same `webhook-id`.
use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

const KEY: &str = "crash-test-key-0123456789abcdef";
const EVENTS: usize = 3000;
const BATCH: usize = 50;
/// Concurrent posting tasks, so requests are in flight when Herald is killed.
const POSTERS: usize = 6;

#[derive(Default)]
struct Seen {
    /// event id -> webhook-ids it arrived with (any answer)
    ids: HashMap<String, HashSet<String>>,
    /// events acknowledged by the receiver with 2xx
    ok: HashSet<String>,
    requests: u64,
}

fn fails(webhook_id: &str, attempt: &str) -> bool {
    // deterministic 30 % failure per (delivery, attempt), FNV-1a
    let mut h: u64 = 0xcbf29ce484222325;
    for b in webhook_id.bytes().chain(attempt.bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    h % 10 < 3
}

async fn receive(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let wid = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let attempt = headers
        .get("x-herald-attempt")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let fail = fails(&wid, &attempt);
    let mut s = seen.lock().unwrap();
    s.requests += 1;
    for e in body["events"].as_array().into_iter().flatten() {
        let id = e["id"].as_str().unwrap_or_default().to_string();
        s.ids.entry(id.clone()).or_default().insert(wid.clone());
        if !fail {
            s.ok.insert(id);
        }
    }
    if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(dir: &std::path::Path, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("serve")
        .env("HERALD_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "HERALD_DATABASE_URL",
            format!("sqlite://{}/herald.db", dir.display()),
        )
        .env("HERALD_BOOTSTRAP_API_KEY", KEY)
        .env("HERALD_ADMIN_PASSWORD", "crash-test-password")
        .env("HERALD_ALLOWED_TARGETS", "127.0.0.0/8")
        .env("HERALD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("herald starts");
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if client
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return child;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "herald did not come up"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits (polling the set, no fixed sleep) until at least `n` events are acknowledged.
async fn eventually_count(acked: &Mutex<HashSet<String>>, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < n {
        assert!(tokio::time::Instant::now() < deadline, "posting stalled");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_event_is_lost_across_kill_9() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::new();
    let mut child = start(dir.path(), port).await;
    let res = client
        .post(format!("{base}/webhooks"))
        .bearer_auth(KEY)
        .json(&json!({"name": "crash", "url": hook_url, "event_types": ["*"],
            "retry": {"max_retries": 30, "backoff": "fixed", "initial_delay_ms": 100, "max_delay_ms": 100}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // Posters keep batches in flight all the time; the killer SIGKILLs Herald after a third
    // and after two thirds of the events are acknowledged, so requests are cut mid-flight.
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let (gen_tx, gen_rx) = tokio::sync::watch::channel(0u32);
    let cut = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut posters = Vec::new();
    for p in 0..POSTERS {
        let (client, base, acked, cut) = (client.clone(), base.clone(), acked.clone(), cut.clone());
        let mut gen_rx = gen_rx.clone();
        posters.push(tokio::spawn(async move {
            let mut n = 0usize;
            while acked.lock().unwrap().len() < EVENTS {
                let generation = *gen_rx.borrow_and_update();
                let events: Vec<Value> = (0..BATCH)
                    .map(|i| json!({"type": "run.completed", "data": {"poster": p, "n": n + i}}))
                    .collect();
                n += BATCH;
                let res = client
                    .post(format!("{base}/events"))
                    .bearer_auth(KEY)
                    .json(&json!({"events": events}))
                    .send()
                    .await;
                let body = match res {
                    Ok(r) if r.status() == 202 => r.json::<Value>().await,
                    Ok(r) => panic!("ingest answered {} while up", r.status()),
                    Err(e) => Err(e),
                };
                match body {
                    Ok(body) => {
                        let mut a = acked.lock().unwrap();
                        for e in body["data"].as_array().unwrap() {
                            assert_eq!(e["deliveries"], 1);
                            a.insert(e["id"].as_str().unwrap().to_string());
                        }
                    }
                    Err(e) => {
                        // Not acknowledged, so not required. Cut mid-flight unless refused.
                        if !e.is_connect() {
                            cut.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        if *gen_rx.borrow() == generation {
                            tokio::time::timeout(Duration::from_secs(60), gen_rx.changed())
                                .await
                                .expect("herald restarted")
                                .unwrap();
                        }
                    }
                }
            }
        }));
    }
    let mut kills = 0;
    for third in 1..=2 {
        eventually_count(&acked, third * EVENTS / 3).await;
        child.kill().await.unwrap();
        let _ = child.wait().await;
        kills += 1;
        child = start(dir.path(), port).await;
        gen_tx.send_modify(|g| *g += 1);
    }
    for p in posters {
        p.await.unwrap();
    }
    let acknowledged = acked.lock().unwrap().clone();
    assert!(
        cut.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "a kill cut at least one POST /events in flight"
    );
    assert_eq!(kills, 2);
    assert!(acknowledged.len() >= EVENTS);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    loop {
        let missing = {
            let s = seen.lock().unwrap();
            acknowledged.iter().filter(|id| !s.ok.contains(*id)).count()
        };
        if missing == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{missing} acknowledged events never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    {
        let s = seen.lock().unwrap();
        for (event, ids) in &s.ids {
            assert_eq!(
                ids.len(),
                1,
                "event {event} arrived under several webhook-ids: {ids:?}"
            );
        }
        assert!(
            s.requests as usize > acknowledged.len(),
            "the receiver's failures caused retries"
        );
    }
    child.kill().await.unwrap();
}
