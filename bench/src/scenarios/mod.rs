//! The scenarios and what they share: the run context (binaries, receiver, scale,
//! failures found), Herald requests, waiting for deliveries to arrive, and checks of
//! what the receiver saw. Each scenario starts its own Herald on a fresh database, so
//! its CPU time and peak RSS are its own.
mod conditions;
mod deliver;
mod fairness;
mod ingest;
mod latency;
mod pending;
mod raw;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{json, Value};

use crate::herald::{Herald, Receiver, API_KEY};
use crate::load::{LoadResult, Req};
use crate::procfs;
use crate::scale::Scale;
use crate::store::StoreChoice;

pub use conditions::{fanout_conditions, sustained_conditions};
pub use deliver::{sustained, sustained_two};
pub use fairness::fairness;
pub use ingest::{ingest_batch, ingest_single};
pub use latency::latency;
pub use pending::pending;
pub use raw::raw;

pub struct Ctx {
    pub herald_bin: PathBuf,
    /// The receiver binary, for scenarios that need a receiver of their own.
    pub receiver_bin: PathBuf,
    pub store: StoreChoice,
    pub receiver: Receiver,
    pub scale: Scale,
    /// Everything that went wrong (the smoke run fails on any).
    pub failures: Vec<String>,
}

pub type Outcome = Result<Value, String>;

impl Ctx {
    pub fn fail(&mut self, what: impl Into<String>) {
        let what = what.into();
        eprintln!("  FAILED: {what}");
        self.failures.push(what);
    }

    /// A fresh Herald with `n` webhooks to the receiver at `/hook/<i>`, each secret
    /// registered with the receiver; also resets and configures the receiver.
    pub async fn herald_with_hooks(
        &self,
        tag: &str,
        n: usize,
        timeout_ms: u64,
    ) -> Result<Herald, String> {
        self.herald_with_hooks_and(tag, n, timeout_ms, &Value::Null)
            .await
    }

    /// [`herald_with_hooks`](Self::herald_with_hooks) with `extras` (fields such as
    /// `condition` and `redact`) in every webhook.
    pub async fn herald_with_hooks_and(
        &self,
        tag: &str,
        n: usize,
        timeout_ms: u64,
        extras: &Value,
    ) -> Result<Herald, String> {
        let h = Herald::start(&self.herald_bin, tag, &self.store).await?;
        let r = &self.receiver;
        for i in 0..n {
            let path = format!("/hook/{i}");
            let url = format!("http://{}{path}", r.addr);
            let (_, secret) = h.create_webhook(&url, timeout_ms, extras).await?;
            r.control(&format!("secret?path={path}"), &secret).await?;
        }
        r.control("hold?on=0", "").await?;
        r.control(&format!("verify?every={}", self.scale.verify_every), "")
            .await?;
        r.control(&format!("track?on={}", u8::from(self.scale.smoke)), "")
            .await?;
        r.control("reset", "").await?;
        Ok(h)
    }

    /// Checks a load run: every request answered 2xx.
    pub fn check_load(&mut self, what: &str, r: &LoadResult) {
        if r.errors > 0 || r.ok == 0 {
            let first = r.first_error.clone().unwrap_or_default();
            self.fail(format!(
                "{what}: {} ok, {} errors (first: {first})",
                r.ok, r.errors
            ));
        }
    }

    /// Checks the receiver's view: signatures verified and none failed.
    pub fn check_signatures(&mut self, what: &str, stats: &Value) {
        let (ok, bad) = (num(stats, "verified"), num(stats, "verify_failed"));
        if bad > 0.0 || ok == 0.0 {
            self.fail(format!(
                "{what}: {ok} signatures verified, {bad} did not verify"
            ));
        }
    }

    /// Waits (bounded) until the receiver has seen `expected` first attempts — distinct
    /// delivery ids too when tracking (smoke) — and fails when they never arrive.
    pub async fn expect_arrivals(&mut self, what: &str, expected: u64) -> Result<Value, String> {
        let deadline = Instant::now() + Duration::from_secs_f64(self.scale.drain_secs);
        loop {
            let s = self.receiver.stats().await?;
            let seen = num(&s, "first_attempts") as u64;
            let unique = num(&s, "unique_ids") as u64;
            let done = seen >= expected && (!self.scale.smoke || unique >= expected);
            if done {
                return Ok(s);
            }
            if Instant::now() > deadline {
                self.fail(format!(
                    "{what}: {seen} of {expected} deliveries arrived ({unique} distinct ids)"
                ));
                return Ok(s);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn sample(&self, h: &Herald) -> procfs::Sample {
        procfs::Sample::take(&[h.pid()], self.receiver.pid())
    }
}

/// An ingest request to Herald.
pub fn herald_req(body: Bytes) -> Req {
    Req {
        path: "/api/v1/events".into(),
        headers: vec![
            ("authorization", format!("Bearer {API_KEY}")),
            ("content-type", "application/json".into()),
        ],
        body,
    }
}

pub fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(0.0)
}

/// Usage as JSON (CPU seconds of each party, and of the rest of the machine).
pub fn usage_json(u: &procfs::Usage) -> Value {
    json!({
        "secs": round(u.secs, 2),
        "herald_cpu_s": round(u.herald_cpu, 2),
        "receiver_cpu_s": round(u.receiver_cpu, 2),
        "generator_cpu_s": round(u.generator_cpu, 2),
        "database_cpu_s": round(u.database_cpu, 2),
        "other_cpu_s": round(u.other_cpu, 2),
    })
}

pub fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

pub fn mb(bytes: u64) -> f64 {
    round(bytes as f64 / (1024.0 * 1024.0), 1)
}
