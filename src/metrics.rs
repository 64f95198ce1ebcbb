//! Prometheus metrics (`GET /metrics`): counters and the attempt latency histogram come
//! from the engine through the `metrics` facade; queue gauges are read from the store at
//! scrape time.
use std::sync::OnceLock;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

impl Metrics {
    /// Installs the process-wide recorder once (the `metrics` facade is global by design)
    /// and returns a handle to render it.
    pub fn install() -> Metrics {
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
            handle
        });
        Metrics {
            handle: handle.clone(),
        }
    }
}

pub async fn render(
    State(engine): State<engine::Engine>,
    State(metrics): State<Metrics>,
) -> impl IntoResponse {
    let now = engine.now_ms();
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
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.handle.render(),
    )
}
