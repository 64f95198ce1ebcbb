//! Test harness: a Herald app on a random 127.0.0.1 port over a fresh database (a SQLite
//! file, or a fresh PostgreSQL database when `HERALD_TEST_POSTGRES_URL` is set, as in the
//! engine's tests), a bootstrap API key, the worker running, and receivers that record
//! what they get.
#![allow(dead_code)]

pub mod console;
#[path = "../../engine/tests/common/db.rs"]
mod db;
#[allow(unused_imports)] // not every test binary uses every helper
pub use console::session_cookie;
#[allow(unused_imports)]
pub use db::{on_postgres, TestDb};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use clap::Parser;
use herald::application::Application;
use herald::config::Cli;
use tokio::sync::{watch, Notify};

pub const API_KEY: &str = "test-api-key-0123456789abcdef";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub engine: engine::Engine,
    pub dir: tempfile::TempDir,
    stop: watch::Sender<bool>,
    /// Last: dropped after everything using it.
    pub db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The console password every test app's admin has.
pub const ADMIN_PASSWORD: &str = "test-admin-password";

/// Starts Herald in-process through the same [`Application`] builder `herald serve`
/// uses, on a free port over a fresh database (see `TestDb`), with the bootstrap API key and the
/// admin password set. `extra` are command-line flags, e.g. `--test-rate-limit 2`.
pub async fn spawn_app(extra: &[&str]) -> TestApp {
    spawn_app_with_clock(extra, std::sync::Arc::new(engine::clock::SystemClock)).await
}

/// [`spawn_app`] with the engine reading time from `clock` (e.g. a `ManualClock`).
pub async fn spawn_app_with_clock(
    extra: &[&str],
    clock: std::sync::Arc<dyn engine::clock::Clock>,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    // On PostgreSQL there is no folder beside the database for the key file.
    let key = engine::secrets::MasterKey::generate().to_base64();
    let mut args = vec![
        "herald",
        "--database-url",
        &db.url,
        "--log",
        "warn",
        "--addr",
        "127.0.0.1:0",
        "--bootstrap-api-key",
        API_KEY,
        "--admin-password",
        ADMIN_PASSWORD,
    ];
    if on_postgres() {
        args.extend(["--master-key", &key]);
    }
    if !extra.contains(&"--allowed-targets") {
        args.extend(["--allowed-targets", "127.0.0.0/8"]);
    }
    args.extend_from_slice(extra);
    let cli = Cli::parse_from(args);
    let app = Application::build_with_clock(cli.config, clock)
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr());
    let engine = app.engine().clone();
    let (stop, mut stop_rx) = watch::channel(false);
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stop_rx.changed().await;
    }));
    TestApp {
        base,
        client: reqwest::Client::new(),
        engine,
        dir,
        stop,
        db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(API_KEY)
    }
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(API_KEY)
    }
    pub fn patch(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.patch(self.url(path)).bearer_auth(API_KEY)
    }
    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(API_KEY)
    }
    /// Creates a webhook to `url` subscribed to everything; returns its JSON.
    pub async fn webhook(&self, url: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut body = serde_json::json!({"name": "hook", "url": url, "event_types": ["*"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        let res = self.post("/webhooks").json(&body).send().await.unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }
    pub async fn json(&self, req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }
}

#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

struct Inner {
    got: Mutex<Vec<Received>>,
    status: Mutex<u16>,
    notify: Notify,
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    inner.got.lock().unwrap().push(Received { headers, body });
    inner.notify.notify_waiters();
    StatusCode::from_u16(*inner.status.lock().unwrap()).unwrap()
}

/// A receiver on 127.0.0.1 answering `status` until told otherwise.
pub async fn receiver(status: u16) -> Receiver {
    let inner = Arc::new(Inner {
        got: Mutex::new(vec![]),
        status: Mutex::new(status),
        notify: Notify::new(),
    });
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(inner.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, inner }
}

impl Receiver {
    pub fn set_status(&self, status: u16) {
        *self.inner.status.lock().unwrap() = status;
    }
    pub fn received(&self) -> Vec<Received> {
        self.inner.got.lock().unwrap().clone()
    }
    /// Waits (up to 15 s) until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.inner.notify.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "receiver got {} requests, wanted {n}",
                    self.received().len()
                );
            }
        }
    }
}

/// Polls `check` until it is true (up to 15 s); for state the server changes on its own.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Signs in to the console as admin through the real login server function; answers a
/// client that does not follow redirects and the `herald_session=…` cookie.
pub async fn console_session(app: &TestApp) -> (reqwest::Client, String) {
    let client = console::client();
    let cookie = console::signed_in(&client, &app.base, ADMIN_PASSWORD).await;
    (client, cookie)
}
