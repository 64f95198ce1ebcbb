//! Start-up: logging, the store and master key, the engine, the admin account and the
//! bootstrap key, the worker, the router, and a clean shutdown on SIGTERM / Ctrl-C.
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use engine::net::ssrf::AllowList;
use engine::secrets::{load_or_create_key_file, MasterKey};
use engine::store::sqlite::sqlite_path;
use engine::{Engine, EngineConfig};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::sync::watch;
use tower_sessions::{Expiry, SessionManagerLayer};

use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::state::AppState;

const REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub fn init_tracing(filter: &str, format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The master key: from the setting, or the key file beside the database (created 0600).
fn master_key(config: &Config) -> Result<MasterKey, BoxError> {
    if let Some(k) = &config.master_key {
        return MasterKey::from_base64(k).map_err(|e| format!("HERALD_MASTER_KEY: {e}").into());
    }
    let dir = sqlite_path(&config.database_url)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let path = dir.join("herald.key");
    let (key, created) = load_or_create_key_file(&path)
        .map_err(|e| format!("master key file {}: {e}", path.display()))?;
    if created {
        tracing::info!(path = %path.display(), "created a new master key; back it up with the database");
    }
    Ok(key)
}

fn engine_config(config: &Config) -> Result<EngineConfig, BoxError> {
    let allowed: AllowList = config
        .allowed_targets
        .parse()
        .map_err(|e| format!("HERALD_ALLOWED_TARGETS: {e}"))?;
    Ok(EngineConfig {
        allowed_targets: allowed,
        disable_after_ms: config.disable_after.as_millis() as i64,
        test_rate_limit: config.test_rate_limit,
        max_in_flight_per_tenant: config.max_in_flight_per_tenant.map(|n| n as usize),
        instance_id: config.cluster.instance_id.clone(),
        retention: config.retention,
        ..EngineConfig::default()
    })
}

/// Opens the store and the engine (used by every command).
pub async fn open_engine(config: &Config) -> Result<Engine, BoxError> {
    open_engine_with_clock(config, std::sync::Arc::new(engine::clock::SystemClock)).await
}

/// [`open_engine`] with the engine reading time from `clock`.
pub async fn open_engine_with_clock(
    config: &Config,
    clock: std::sync::Arc<dyn engine::clock::Clock>,
) -> Result<Engine, BoxError> {
    if let Some(path) = sqlite_path(&config.database_url) {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
    }
    let key = master_key(config)?;
    Ok(Engine::builder(engine_config(config)?)
        .clock(clock)
        .open_url(&config.database_url, key)
        .await?)
}

pub async fn create_api_key(
    config: Config,
    name: &str,
    scope: domain::Scope,
) -> Result<(), BoxError> {
    let engine = open_engine(&config).await?;
    let (key, plaintext) = engine.create_api_key(name, scope, None).await?;
    eprintln!(
        "Created API key {} ({}, scope {}). It is shown only this once:",
        key.name, key.id, key.scope
    );
    println!("{plaintext}");
    Ok(())
}

pub async fn set_admin_password(config: Config, password: Option<String>) -> Result<(), BoxError> {
    let engine = open_engine(&config).await?;
    let password = match password {
        Some(p) => p,
        None => {
            eprintln!("New admin password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    engine.set_admin_password(&password).await?;
    eprintln!("The admin password is set.");
    Ok(())
}

/// Admin password from the setting; without one, while the admin has chosen no password,
/// a one-time setup token (valid for an hour, a new one at every start) printed to the
/// terminal only (docs/security.md#one-time-setup-token).
pub(crate) async fn ensure_admin(engine: &Engine, config: &Config) -> Result<(), BoxError> {
    if let Some(p) = &config.admin_password {
        engine.set_admin_password(p).await?;
        return Ok(());
    }
    if !engine.has_admin().await? {
        let token = engine::usecases::accounts::new_setup_token();
        engine.set_setup_token(&token).await?;
        // Printed to the terminal only, never to the log.
        eprintln!("\n  No admin password is set. Within the next hour, sign in once as \"admin\" with this\n  one-time setup token, then choose your password:\n\n      {token}\n");
    }
    Ok(())
}

/// The whole HTTP application for an engine listening on `bound` (also used by
/// in-process tests).
pub async fn router(
    engine: Engine,
    config: &Config,
    bound: std::net::SocketAddr,
) -> Result<Router, BoxError> {
    let hosts = crate::host_check::AllowedHosts::new(crate::host_check::HostSources {
        public_url: config.public_url.as_deref(),
        listen: &bound.to_string(),
        allowed_hosts: &config.allowed_hosts,
    })?;
    let mut conf = get_configuration(None)?;
    conf.leptos_options.site_root =
        crate::site_root::SiteLookup::from_process(config.site_root.as_deref())
            .resolve()
            .to_string_lossy()
            .into_owned()
            .into();
    conf.leptos_options.output_name = "herald".into();
    let leptos_options = conf.leptos_options;
    let state = AppState {
        engine: engine.clone(),
        leptos_options: leptos_options.clone(),
        metrics: Metrics::install(config.metrics_token.clone()),
        public_url: config
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string()),
    };

    let sessions = crate::sessions::Sessions::over(engine.session_pool());
    let embedding = config.embedding();
    crate::portal::check(&embedding, config.public_url.as_deref())?;
    let secure = config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("herald_session")
        .with_http_only(true)
        .with_same_site(embedding.cookies.same_site())
        .with_secure(secure)
        // The idle limit; the absolute one (12 h) is `app::server::ABSOLUTE_LIFETIME_MS`.
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::hours(2),
        ));

    let routes = generate_route_list(app::App);
    let ctx_engine = engine.clone();
    // The engine, and the page's CSP nonce (set by `security::page_headers`) for the
    // hydration script and the other inline scripts Leptos writes.
    let provide = move || {
        provide_context(ctx_engine.clone());
        let nonce = use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<crate::security::CspNonce>().cloned());
        if let Some(n) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(n.0));
        }
    };
    let fn_engine = engine.clone();
    let server_fns = post(move |req: axum::extract::Request| {
        let engine = fn_engine.clone();
        async move {
            leptos_axum::handle_server_fns_with_context(
                move || provide_context(engine.clone()),
                req,
            )
            .await
        }
    });

    let console = Router::new()
        .route("/console-api/{*fn_name}", server_fns)
        .route(
            "/portal/{token}",
            get(crate::portal::open).with_state(engine.clone()),
        )
        .route(
            "/portal-look.css",
            get(crate::portal::look_css).with_state(engine.clone()),
        )
        .leptos_routes_with_context(&state, routes, provide.clone(), {
            let options = leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide, app::shell))
        .layer(axum::middleware::from_fn(crate::security::guard_server_fns))
        .layer(axum::middleware::from_fn_with_state(
            engine.clone(),
            crate::security::require_session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(embedding.clone()),
            crate::security::page_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            config.proxy(),
            crate::security::client_info,
        ))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            (config.proxy(), embedding.cookies),
            crate::security::secure_cookie,
        ))
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            crate::host_check::check_host,
        ));

    Ok(Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(crate::metrics::render))
        .nest("/api/v1", crate::api::router())
        .merge(console)
        // Every request gets an `x-request-id` (kept when the caller sends one), logged on
        // its span and echoed back. Only method, path and status are logged: never bodies,
        // query strings or headers, where secrets travel.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .with_state(state))
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl axum::response::IntoResponse {
    match state.engine.ready().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok"),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "store unavailable",
        ),
    }
}

/// `herald serve`: build the application and run it until SIGTERM or Ctrl-C.
pub async fn serve(config: Config) -> Result<(), BoxError> {
    crate::application::Application::build(config)
        .await?
        .run_until_stopped(shutdown_signal())
        .await
}

/// Periodic chores: forget old idempotency keys and expired sessions.
pub(crate) async fn housekeeping(engine: Engine, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = engine.housekeeping().await {
            tracing::warn!(error = %e, "housekeeping failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Retention (docs/retention.md): purges expired rows in small batches off the request
/// path, then rests for the retention's pause; does nothing when the retention is off.
pub(crate) async fn retention(engine: Engine, mut stop: watch::Receiver<bool>) {
    let retention = engine.retention();
    metrics::gauge!("herald_retention_seconds").set(retention.seconds());
    if retention == engine::rules::retention::Retention::Forever {
        return;
    }
    loop {
        if let Err(e) = engine.purge_expired().await {
            tracing::warn!(error = %e, "purging expired rows failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(retention.pause()) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
