//! Prometheus metrics (`GET /metrics`): counters and the attempt latency histogram come
//! from the engine through the `metrics` facade; queue gauges are read from the store at
//! most once per [`GAUGE_TTL_MS`] whatever the scrape rate (the reads scan tables), timed
//! by the engine's clock. With `HERALD_METRICS_TOKEN` set, a scrape must send it as a
//! bearer token (docs/security.md#metrics).
use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// How long gauges read from the store are reused.
pub const GAUGE_TTL_MS: i64 = 5_000;

#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    /// When the gauges were last read from the store (engine clock, ms).
    scanned_at: Arc<tokio::sync::Mutex<Option<i64>>>,
    token: Option<Arc<str>>,
}

/// Whether gauges read at `scanned_at` are still good at `now`.
pub fn gauges_fresh(scanned_at: Option<i64>, now: i64) -> bool {
    scanned_at.is_some_and(|t| now >= t && now - t < GAUGE_TTL_MS)
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

impl Metrics {
    /// Installs the process-wide recorder once (the `metrics` facade is global by design)
    /// and returns a handle to render it.
    pub fn install(token: Option<String>) -> Metrics {
        let handle = HANDLE.get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("herald_attempt_duration_seconds".into()),
                    &[
                        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                    ],
                )
                .expect("valid buckets")
                .build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            metrics::describe_counter!(
                "herald_events_ingested_total",
                "Events accepted by POST /api/v1/events"
            );
            metrics::describe_counter!("herald_attempts_total", "Delivery attempts by outcome");
            metrics::describe_counter!(
                "herald_condition_errors_total",
                "Events a webhook's condition could not be evaluated on (not delivered), by webhook"
            );
            metrics::describe_histogram!(
                "herald_attempt_duration_seconds",
                "Duration of delivery attempts"
            );
            metrics::describe_counter!(
                "herald_metrics_store_reads_total",
                "Times /metrics read its gauges from the store (at most one per 5 s)"
            );
            handle
        });
        Metrics {
            handle: handle.clone(),
            scanned_at: Arc::default(),
            token: token.filter(|t| !t.is_empty()).map(Arc::from),
        }
    }

    /// Whether the request may scrape: always without a token, else with `Bearer <token>`
    /// (compared in constant time).
    fn allows(&self, headers: &axum::http::HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        same_secret(sent, token)
    }

    /// Reads the queue gauges from the store unless they were read within the TTL. The
    /// lock is held across the read, so concurrent scrapes make one read between them.
    async fn refresh_gauges(&self, engine: &engine::Engine) {
        let mut scanned_at = self.scanned_at.lock().await;
        let now = engine.now_ms();
        if gauges_fresh(*scanned_at, now) {
            return;
        }
        *scanned_at = Some(now);
        metrics::counter!("herald_metrics_store_reads_total").increment(1);
        if let Ok(stats) = engine.queue_stats().await {
            metrics::gauge!("herald_queue_depth").set(stats.depth as f64);
            let age = stats
                .oldest_due
                .map(|t| ((now - t).max(0) as f64) / 1000.0)
                .unwrap_or(0.0);
            metrics::gauge!("herald_oldest_pending_age_seconds").set(age);
        }
        if let Ok(counts) = engine.delivery_counts().await {
            for status in domain::DeliveryStatus::ALL {
                let n = counts
                    .iter()
                    .find(|(s, _)| *s == status)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                metrics::gauge!("herald_deliveries", "status" => status.as_str()).set(n as f64);
            }
        }
    }
}

/// Compares SHA-256 digests byte by byte without stopping early, so the time taken says
/// nothing about how much of the token matched.
fn same_secret(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

pub async fn render(
    State(engine): State<engine::Engine>,
    State(metrics): State<Metrics>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if !metrics.allows(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send the metrics token as Authorization: Bearer <HERALD_METRICS_TOKEN>\n",
        )
            .into_response();
    }
    metrics.refresh_gauges(&engine).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_are_reused_for_the_ttl() {
        let cases = [
            (None, 0, false),
            (Some(1_000), 1_000, true),
            (Some(1_000), 1_000 + GAUGE_TTL_MS - 1, true),
            (Some(1_000), 1_000 + GAUGE_TTL_MS, false),
            (Some(1_000), 999, false), // the clock went back: read again
        ];
        for (scanned_at, now, fresh) in cases {
            assert_eq!(
                gauges_fresh(scanned_at, now),
                fresh,
                "{scanned_at:?} at {now}"
            );
        }
    }
}
