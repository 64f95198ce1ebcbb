//! `herald listen`: a local receiver for developers wiring an integration. It prints each
//! delivery as it arrives (time, event type, webhook-id, attempt, body), checks both
//! signatures when it knows a secret, answers a chosen status, and with `--create`
//! registers itself as a webhook for as long as it runs.
use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Router;
use clap::Args;
use engine::rules::signing;
use serde_json::{json, Value};

use super::client::Api;
use super::{signature, CliError, CliResult, ServerArgs};

#[derive(Args, Debug)]
pub struct ListenCmd {
    /// HERALD_URL and HERALD_API_KEY, used by --create.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Print each delivery as one JSON object a line (status lines go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Port to listen on.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Signing secret (`whsec_…`) to verify deliveries with (repeat, or comma-separated).
    #[arg(
        long = "secret",
        env = "HERALD_LISTEN_SECRET",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub secrets: Vec<String>,
    /// HTTP status to answer (e.g. 500 to watch retries happen).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(200..=599))]
    pub status: u16,
    /// The path deliveries arrive on; other paths get 404.
    #[arg(long, default_value = "/")]
    pub path: String,
    /// Register a webhook pointing at URL-BASE + --path (e.g. http://127.0.0.1:8080), verify
    /// with its secret, and delete it when stopped (Ctrl-C, SIGTERM).
    #[arg(long, value_name = "URL-BASE")]
    pub create: Option<String>,
    /// With --create: event types to subscribe to (repeat; default `*`).
    #[arg(long = "event-type", value_name = "TYPE", requires = "create")]
    pub event_types: Vec<String>,
}

struct Shared {
    secrets: Vec<String>,
    status: StatusCode,
    path: String,
    json: bool,
}

pub async fn run(cmd: ListenCmd) -> CliResult {
    for s in &cmd.secrets {
        signing::validate_secret(s).map_err(|e| CliError::usage(format!("--secret: {e}")))?;
    }
    let path = if cmd.path.starts_with('/') {
        cmd.path.clone()
    } else {
        format!("/{}", cmd.path)
    };
    let status = StatusCode::from_u16(cmd.status)
        .map_err(|_| CliError::usage(format!("--status {} is not an HTTP status", cmd.status)))?;
    // Before anything can go wrong half-way: the signal handlers, then the port.
    let stop =
        stop_signals().map_err(|e| CliError::failed(format!("cannot handle signals: {e}")))?;
    let listener = tokio::net::TcpListener::bind((cmd.host.as_str(), cmd.port))
        .await
        .map_err(|e| {
            CliError::failed(format!("cannot listen on {}:{}: {e}", cmd.host, cmd.port))
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::failed(format!("cannot listen: {e}")))?;
    let mut secrets = cmd.secrets.clone();
    let mut created = None;
    if let Some(base) = &cmd.create {
        let api = Api::new(&cmd.server, 200)?;
        let types = if cmd.event_types.is_empty() {
            vec!["*".to_string()]
        } else {
            cmd.event_types.clone()
        };
        let body = json!({
            "name": format!("herald listen {local}"),
            "url": format!("{}{path}", base.trim_end_matches('/')),
            "event_types": types,
        });
        let hook = api.post(&["webhooks"], &body).await?;
        let id = hook["id"].as_str().unwrap_or_default().to_string();
        if let Some(secret) = hook["secret"].as_str() {
            secrets.push(secret.to_string());
        }
        note(
            cmd.json,
            &format!("webhook: {id} (created for this listener; deleted when it stops)"),
        );
        created = Some((api, id));
    }
    let checking = match secrets.len() {
        0 => "signatures not checked (no --secret)".to_string(),
        1 => "checking signatures with 1 secret".to_string(),
        n => format!("checking signatures with {n} secrets"),
    };
    note(
        cmd.json,
        &format!(
            "listening on http://{local}{path} (answering {}; {checking}; Ctrl-C to stop)",
            status.as_u16()
        ),
    );
    let shared = Arc::new(Shared {
        secrets,
        status,
        path,
        json: cmd.json,
    });
    let app = Router::new()
        .fallback(receive)
        .layer(DefaultBodyLimit::max(16 * 1024 * 1024))
        .with_state(shared);
    let stopping = Arc::new(tokio::sync::Notify::new());
    let graceful = stopping.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { graceful.notified().await })
            .await
    });
    stop.await;
    stopping.notify_one();
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    if let Some((api, id)) = created {
        api.delete(&["webhooks", &id]).await.map_err(|mut e| {
            e.message = format!(
                "could not delete webhook {id}: {}; delete it with `herald webhooks delete {id}`",
                e.message
            );
            e
        })?;
        note(cmd.json, &format!("deleted webhook {id}"));
    }
    Ok(())
}

/// A status line: stdout for people, stderr with --json (stdout holds only deliveries).
fn note(json: bool, line: &str) {
    if json {
        eprintln!("{line}");
    } else {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|_| out.flush());
    }
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM; the handlers exist once this returns.
#[cfg(unix)]
fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let now = now_ms();
    if uri.path() != shared.path {
        let line = format!(
            "{}  ignored {method} {} (not {}); answered 404",
            engine::clock::rfc3339(now),
            uri.path(),
            shared.path
        );
        emit(
            &shared,
            &line,
            &json!({"ignored": uri.path(), "status": 404}),
        );
        return StatusCode::NOT_FOUND;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_string()
    };
    let verdict = if shared.secrets.is_empty() {
        None
    } else {
        Some(signature::check(
            &shared.secrets,
            &headers,
            &body,
            now / 1000,
        ))
    };
    let signature_text = match &verdict {
        None => "not checked (no --secret)".to_string(),
        Some(Ok(())) => "verified".to_string(),
        Some(Err(why)) => format!("NOT VERIFIED ({why})"),
    };
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let pretty = match &parsed {
        Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        None => String::from_utf8_lossy(&body).into_owned(),
    };
    let text = format!(
        "── {}  {method} {}  {}\nwebhook-id: {}\nattempt: {}\nsignature: {signature_text}\nanswered: {}\n{pretty}\n",
        engine::clock::rfc3339(now),
        uri.path(),
        header("X-Herald-Event-Type"),
        header("webhook-id"),
        header("X-Herald-Attempt"),
        shared.status.as_u16(),
    );
    let record = json!({
        "received_at": engine::clock::rfc3339(now),
        "method": method.as_str(),
        "path": uri.path(),
        "event_type": headers.get("X-Herald-Event-Type").and_then(|v| v.to_str().ok()),
        "webhook_id": headers.get("webhook-id").and_then(|v| v.to_str().ok()),
        "attempt": headers.get("X-Herald-Attempt").and_then(|v| v.to_str().ok()?.parse::<u64>().ok()),
        "signature": match &verdict { None => "not checked", Some(Ok(())) => "verified", Some(Err(_)) => "not verified" },
        "signature_error": verdict.as_ref().and_then(|v| v.as_ref().err()),
        "status": shared.status.as_u16(),
        "body": parsed.unwrap_or_else(|| Value::String(String::from_utf8_lossy(&body).into_owned())),
    });
    emit(&shared, &text, &record);
    shared.status
}

/// One delivery's output, written at once under the stdout lock and flushed so it can be
/// piped.
fn emit(shared: &Shared, text: &str, record: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = if shared.json {
        writeln!(out, "{record}")
    } else {
        writeln!(out, "{text}")
    }
    .and_then(|_| out.flush());
}
