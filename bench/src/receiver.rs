//! The benchmark's webhook receiver: answers 204 at once, counts requests, verifies the
//! Standard Webhooks signature of a sample (every request when asked), measures
//! arrival − `data.sent_at_ns` for first attempts, and can hold requests open (so a
//! queue stays pending), or answer requests under a path prefix only after a delay (a
//! slow receiver beside the fast one). Control endpoints live under `/_control/`:
//! `secret?path=P` (body: the secret for requests to P), `reset`, `hold?on=0|1`,
//! `slow?prefix=P&ms=N` (requests to paths starting with P answer after N ms; `ms=0`:
//! none), `verify?every=N`, `track?on=0|1` (count distinct `webhook-id`s), `stats` (JSON).
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use tokio::sync::watch;

/// The longest a held request is kept open.
pub const MAX_HOLD: Duration = Duration::from_secs(40);

pub struct State {
    count: AtomicU64,
    first_attempts: AtomicU64,
    verified: AtomicU64,
    verify_failed: AtomicU64,
    held_now: AtomicU64,
    slow_count: AtomicU64,
    slow_now: AtomicU64,
    slow: RwLock<Option<(String, Duration)>>,
    verify_every: AtomicU64,
    tracking: AtomicBool,
    ids: Mutex<HashSet<String>>,
    latencies_us: Mutex<Vec<u32>>,
    secrets: RwLock<HashMap<String, String>>,
    hold: watch::Sender<bool>,
}

impl Default for State {
    fn default() -> Self {
        State {
            count: AtomicU64::new(0),
            first_attempts: AtomicU64::new(0),
            verified: AtomicU64::new(0),
            verify_failed: AtomicU64::new(0),
            held_now: AtomicU64::new(0),
            slow_count: AtomicU64::new(0),
            slow_now: AtomicU64::new(0),
            slow: RwLock::new(None),
            verify_every: AtomicU64::new(100),
            tracking: AtomicBool::new(false),
            ids: Mutex::new(HashSet::new()),
            latencies_us: Mutex::new(Vec::with_capacity(1 << 16)),
            secrets: RwLock::new(HashMap::new()),
            hold: watch::channel(false).0,
        }
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: u16, body: impl Into<Bytes>) -> Reply {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    r
}

/// The digits after `"sent_at_ns":` in `body`.
pub fn sent_at_ns(body: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"sent_at_ns\":";
    let at = body.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let digits = body[at..].iter().take_while(|b| b.is_ascii_digit());
    let mut n: u64 = 0;
    let mut any = false;
    for d in digits {
        n = n.checked_mul(10)?.checked_add((d - b'0') as u64)?;
        any = true;
    }
    any.then_some(n)
}

fn query<'a>(q: Option<&'a str>, key: &str) -> Option<&'a str> {
    q?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then_some(v)
    })
}

pub async fn handle(
    state: Arc<State>,
    req: Request<hyper::body::Incoming>,
) -> Result<Reply, Infallible> {
    let path = req.uri().path().to_string();
    let q = req.uri().query().map(str::to_string);
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(reply(400, "bad body")),
    };
    if let Some(cmd) = path.strip_prefix("/_control/") {
        return Ok(control(&state, cmd, q.as_deref(), &body));
    }
    let arrived = crate::now_ns();
    let n = state.count.fetch_add(1, Relaxed);
    let header = |k: &str| parts.headers.get(k).and_then(|v| v.to_str().ok());
    if header("x-herald-attempt").unwrap_or("1") == "1" {
        state.first_attempts.fetch_add(1, Relaxed);
        if let Some(sent) = sent_at_ns(&body) {
            let us = arrived.saturating_sub(sent) / 1000;
            state
                .latencies_us
                .lock()
                .unwrap()
                .push(us.min(u32::MAX as u64) as u32);
        }
    }
    let id = header("webhook-id").unwrap_or_default();
    if state.tracking.load(Relaxed) {
        state.ids.lock().unwrap().insert(id.to_string());
    }
    let every = state.verify_every.load(Relaxed).max(1);
    if n.is_multiple_of(every) {
        let secret = state.secrets.read().unwrap().get(&path).cloned();
        let ok = secret.is_some_and(|s| {
            let now = (arrived / 1_000_000_000) as i64;
            engine::rules::signing::verify(
                &[&s],
                id,
                header("webhook-timestamp").unwrap_or_default(),
                header("webhook-signature").unwrap_or_default(),
                &body,
                now,
            )
            .is_ok()
        });
        let counter = if ok {
            &state.verified
        } else {
            &state.verify_failed
        };
        counter.fetch_add(1, Relaxed);
    }
    let delay = match &*state.slow.read().unwrap() {
        Some((prefix, d)) if path.starts_with(prefix.as_str()) => Some(*d),
        _ => None,
    };
    if let Some(d) = delay {
        state.slow_count.fetch_add(1, Relaxed);
        state.slow_now.fetch_add(1, Relaxed);
        tokio::time::sleep(d).await; // the slow receiver being slow
        state.slow_now.fetch_sub(1, Relaxed);
    }
    if *state.hold.borrow() {
        state.held_now.fetch_add(1, Relaxed);
        let mut rx = state.hold.subscribe();
        let _ = tokio::time::timeout(MAX_HOLD, rx.wait_for(|h| !*h)).await;
        state.held_now.fetch_sub(1, Relaxed);
    }
    Ok(reply(204, Bytes::new()))
}

fn control(state: &State, cmd: &str, q: Option<&str>, body: &[u8]) -> Reply {
    let on = query(q, "on") == Some("1");
    match cmd {
        "secret" => {
            let Some(path) = query(q, "path") else {
                return reply(400, "path=");
            };
            let secret = String::from_utf8_lossy(body).trim().to_string();
            state
                .secrets
                .write()
                .unwrap()
                .insert(path.to_string(), secret);
        }
        "reset" => {
            for c in [
                &state.count,
                &state.first_attempts,
                &state.verified,
                &state.verify_failed,
            ] {
                c.store(0, Relaxed);
            }
            state.latencies_us.lock().unwrap().clear();
            state.ids.lock().unwrap().clear();
        }
        "slow" => {
            let ms: u64 = query(q, "ms").and_then(|v| v.parse().ok()).unwrap_or(0);
            let prefix = query(q, "prefix").unwrap_or("/slow").to_string();
            *state.slow.write().unwrap() = (ms > 0).then(|| (prefix, Duration::from_millis(ms)));
        }
        "hold" => {
            state.hold.send_replace(on);
        }
        "track" => state.tracking.store(on, Relaxed),
        "verify" => {
            let every = query(q, "every")
                .and_then(|v| v.parse().ok())
                .unwrap_or(100);
            state.verify_every.store(every, Relaxed);
        }
        "stats" => return reply(200, stats(state).to_string()),
        _ => return reply(404, "unknown control"),
    }
    reply(204, Bytes::new())
}

fn stats(state: &State) -> serde_json::Value {
    let mut lat = state.latencies_us.lock().unwrap().clone();
    lat.sort_unstable();
    let pct = |p: f64| crate::stats::percentile_sorted(&lat, p);
    serde_json::json!({
        "count": state.count.load(Relaxed),
        "first_attempts": state.first_attempts.load(Relaxed),
        "verified": state.verified.load(Relaxed),
        "verify_failed": state.verify_failed.load(Relaxed),
        "held_now": state.held_now.load(Relaxed),
        "slow_count": state.slow_count.load(Relaxed),
        "slow_now": state.slow_now.load(Relaxed),
        "unique_ids": state.ids.lock().unwrap().len(),
        "latency_samples": lat.len(),
        "p50_us": pct(50.0),
        "p99_us": pct(99.0),
        "max_us": lat.last().copied().unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sent_at() {
        assert_eq!(sent_at_ns(br#"{"a":{"sent_at_ns":12345}}"#), Some(12345));
        assert_eq!(sent_at_ns(br#"{"sent_at_ns":"x"}"#), None);
        assert_eq!(sent_at_ns(b"{}"), None);
    }

    #[test]
    fn query_params() {
        assert_eq!(query(Some("a=1&on=1"), "on"), Some("1"));
        assert_eq!(query(None, "on"), None);
    }
}
