//! The load loops. `closed_loop`: `conc` connections each send their next request as
//! soon as the last one is answered (throughput), optionally held back by a gate (to keep
//! a backlog bounded). `open_loop`: requests leave at a fixed rate on a schedule, and each
//! carries its scheduled time, so a slow server shows up as latency instead of silently
//! lowering the offered rate. Both are bounded in requests and in time.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;

use crate::client::Conn;

/// One request to send.
pub struct Req {
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

/// Builds request `seq`, stamped `sent_at_ns`.
pub type MakeReq = Arc<dyn Fn(u64, u64) -> Req + Send + Sync>;
/// Whether a closed-loop worker may send now (false: wait a little and ask again).
pub type Gate = Arc<dyn Fn() -> bool + Send + Sync>;

#[derive(Debug, Default)]
pub struct LoadResult {
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub secs: f64,
    /// Response times in µs.
    pub resp_us: Vec<u32>,
}

#[derive(Default)]
struct Shared {
    next: AtomicU64,
    ok: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
    resp_us: Mutex<Vec<u32>>,
}

/// Gives up after this many failed requests.
const MAX_ERRORS: u64 = 200;

impl Shared {
    fn fail(&self, e: String) {
        self.errors.fetch_add(1, Relaxed);
        self.first_error.lock().unwrap().get_or_insert(e);
    }
    fn failed_out(&self) -> bool {
        self.errors.load(Relaxed) >= MAX_ERRORS
    }
    fn into_result(self, secs: f64) -> LoadResult {
        LoadResult {
            ok: self.ok.into_inner(),
            errors: self.errors.into_inner(),
            first_error: self.first_error.into_inner().unwrap(),
            secs,
            resp_us: self.resp_us.into_inner().unwrap(),
        }
    }
}

async fn send_one(conn: &mut Option<Conn>, addr: SocketAddr, req: Req, sh: &Shared) {
    if conn.is_none() {
        match Conn::open(addr).await {
            Ok(c) => *conn = Some(c),
            Err(e) => return sh.fail(e),
        }
    }
    let c = conn.as_mut().expect("connected");
    let headers: Vec<(&str, &str)> = req.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let t = Instant::now();
    match c.send(Method::POST, &req.path, &headers, req.body).await {
        Ok(a) if (200..300).contains(&a.status) => {
            sh.ok.fetch_add(1, Relaxed);
            let us = t.elapsed().as_micros().min(u32::MAX as u128) as u32;
            sh.resp_us.lock().unwrap().push(us);
        }
        Ok(a) => sh.fail(format!(
            "HTTP {}: {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        )),
        Err(e) => {
            *conn = None;
            sh.fail(e)
        }
    }
}

/// `conc` connections sending back to back until `max` requests or `secs` elapse.
pub async fn closed_loop(
    addr: SocketAddr,
    conc: usize,
    max: u64,
    secs: f64,
    make: MakeReq,
    gate: Option<Gate>,
) -> LoadResult {
    let sh = Arc::new(Shared::default());
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(secs);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..conc {
        let (sh, make, gate) = (sh.clone(), make.clone(), gate.clone());
        tasks.spawn(async move {
            let mut conn = None;
            while Instant::now() < end && !sh.failed_out() {
                if let Some(g) = &gate {
                    if !g() {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        continue;
                    }
                }
                let seq = sh.next.fetch_add(1, Relaxed);
                if seq >= max {
                    break;
                }
                send_one(&mut conn, addr, make(seq, crate::now_ns()), &sh).await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let secs = start.elapsed().as_secs_f64();
    Arc::into_inner(sh).expect("workers done").into_result(secs)
}

/// `rate` requests a second for `secs`, spread over `conc` connections; each request is
/// stamped with the time it was scheduled to leave.
pub async fn open_loop(
    addr: SocketAddr,
    rate: f64,
    secs: f64,
    conc: usize,
    make: MakeReq,
) -> LoadResult {
    let sh = Arc::new(Shared::default());
    let total = (rate * secs).round() as u64;
    let start = Instant::now() + Duration::from_millis(20);
    let wall0 = crate::now_ns() + 20_000_000;
    // Late requests still go out, but nothing runs past this.
    let hard_end = start + Duration::from_secs_f64(secs * 3.0 + 10.0);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..conc as u64 {
        let (sh, make) = (sh.clone(), make.clone());
        tasks.spawn(async move {
            let mut conn = None;
            let mut k = i;
            while k < total && Instant::now() < hard_end && !sh.failed_out() {
                let offset = Duration::from_secs_f64(k as f64 / rate);
                tokio::time::sleep_until((start + offset).into()).await;
                let sent_at = wall0 + offset.as_nanos() as u64;
                send_one(&mut conn, addr, make(k, sent_at), &sh).await;
                k += conc as u64;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let secs = start.elapsed().as_secs_f64();
    Arc::into_inner(sh).expect("workers done").into_result(secs)
}
