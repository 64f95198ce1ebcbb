//! The receiver the cluster tests deliver to: a real HTTP server on 127.0.0.1 that fails
//! 30 % of first attempts (chosen by a hash of the `webhook-id`, so the same deliveries
//! fail whichever instance sends them), answers after a few milliseconds, and records per
//! `webhook-id` every answer and every time two requests for one id were in flight at once.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;

/// One request as answered.
#[derive(Clone, Debug)]
pub struct Answer {
    pub at: Instant,
    pub ok: bool,
    pub event_ids: Vec<String>,
}

#[derive(Default)]
pub struct Seen {
    pub by_id: HashMap<String, Vec<Answer>>,
    in_flight: HashMap<String, usize>,
    /// `webhook-id`s that had two requests in flight at once.
    pub overlaps: Vec<String>,
    pub requests: usize,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub seen: Arc<Mutex<Seen>>,
}

/// Deterministic 30 % of first attempts fail (FNV-1a of the webhook-id).
pub fn fails_first(webhook_id: &str) -> bool {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in webhook_id.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    h % 10 < 3
}

/// Leaves the in-flight count however the handler ends (answered or dropped).
struct InFlight(Arc<Mutex<Seen>>, String);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.lock().unwrap();
        if let Some(n) = s.in_flight.get_mut(&self.1) {
            *n -= 1;
        }
    }
}

async fn receive(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let id = header("webhook-id");
    let fail = header("x-herald-attempt") == "1" && fails_first(&id);
    let _guard = {
        let mut s = seen.lock().unwrap();
        s.requests += 1;
        let n = s.in_flight.entry(id.clone()).or_default();
        *n += 1;
        if *n > 1 {
            s.overlaps.push(id.clone());
        }
        InFlight(seen.clone(), id.clone())
    };
    tokio::time::sleep(Duration::from_millis(3)).await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let event_ids = body["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .collect();
    seen.lock()
        .unwrap()
        .by_id
        .entry(id)
        .or_default()
        .push(Answer {
            at: Instant::now(),
            ok: !fail,
            event_ids,
        });
    if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

pub async fn start() -> Receiver {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, seen }
}

impl Receiver {
    /// How many distinct `webhook-id`s got a 2xx answer.
    pub fn delivered(&self) -> usize {
        let s = self.seen.lock().unwrap();
        s.by_id.values().filter(|a| a.iter().any(|a| a.ok)).count()
    }
}
