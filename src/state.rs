//! What every handler can reach: the engine, the Leptos options and the metrics handle.
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

#[derive(Clone)]
pub struct AppState {
    pub engine: engine::Engine,
    pub leptos_options: LeptosOptions,
    pub metrics: crate::metrics::Metrics,
    /// `HERALD_PUBLIC_URL` without a trailing `/`: where portal links point.
    pub public_url: Option<String>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

impl FromRef<AppState> for engine::Engine {
    fn from_ref(s: &AppState) -> Self {
        s.engine.clone()
    }
}

impl FromRef<AppState> for crate::metrics::Metrics {
    fn from_ref(s: &AppState) -> Self {
        s.metrics.clone()
    }
}
