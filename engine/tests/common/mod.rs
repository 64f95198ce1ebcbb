//! Shared parts of the engine's integration tests: a real database (a SQLite file in a
//! temp dir, or a fresh PostgreSQL database when `HERALD_TEST_POSTGRES_URL` is set — see
//! `db.rs`), an engine on a `ManualClock` with zero jitter, and real HTTP receivers on
//! 127.0.0.1 that record every request and answer from a per-test script.
#![allow(dead_code)]

mod db;
#[allow(unused_imports)] // not every test binary uses every helper
pub use db::{on_postgres, with_database, TestDb};

use engine::rules::tenancy::TenantScope;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tempfile::TempDir;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use domain::{Delivery, DeliveryDetail, EventInput, Webhook, WebhookInput};
use engine::clock::{Clock, ManualClock};
use engine::records::Ingested;
use engine::secrets::MasterKey;
use engine::store::Store;

/// An engine and the store it was opened over (tests reach the store through its
/// interface, as a second backend's tests would).
pub struct Opened {
    pub engine: Engine,
    pub store: Arc<dyn Store>,
}
use engine::{Engine, EngineConfig, ExecutionOutcome, Worker};

/// 2024-11-22T08:00:00Z: where every test's clock starts.
pub const T0: i64 = 1_732_262_400_000;
/// How long any wait for a receiver may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);
pub const MASK: &str = "••••••";

// ---------------------------------------------------------------------------------------
// Receiver
// ---------------------------------------------------------------------------------------

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Option<Duration>,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            headers: vec![],
            body: String::new(),
            delay: None,
        }
    }
    pub fn ok() -> Self {
        Reply::status(200).body("ok")
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    pub fn body(mut self, b: &str) -> Self {
        self.body = b.to_string();
        self
    }
    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay = Some(Duration::from_millis(ms));
        self
    }
}

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// When the request reached the handler.
    pub arrived: Instant,
    /// When the handler answered (after any scripted delay).
    pub answered: Option<Instant>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The header's value; panics with the header list when it is missing.
    pub fn h(&self, name: &str) -> &str {
        self.header(name)
            .unwrap_or_else(|| panic!("header {name} missing; got {:?}", self.headers))
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).expect("request body is UTF-8")
    }
}

struct ReceiverState {
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Reply>,
    count: watch::Sender<usize>,
}

/// A real HTTP server on 127.0.0.1 that records every request.
pub struct Receiver {
    pub url: String,
    pub port: u16,
    state: Arc<ReceiverState>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(st): State<Arc<ReceiverState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = st
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| st.default.lock().unwrap().clone());
    let recorded = Recorded {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
        arrived: Instant::now(),
        answered: None,
    };
    let index = {
        let mut list = st.requests.lock().unwrap();
        list.push(recorded);
        list.len() - 1
    };
    st.count.send_replace(index + 1);
    if let Some(d) = reply.delay {
        tokio::time::sleep(d).await; // the receiver being slow, not synchronisation
    }
    st.requests.lock().unwrap()[index].answered = Some(Instant::now());
    let mut resp = (
        StatusCode::from_u16(reply.status).expect("valid status"),
        reply.body,
    )
        .into_response();
    for (k, v) in reply.headers {
        resp.headers_mut().append(
            HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            HeaderValue::from_str(&v).expect("header value"),
        );
    }
    resp
}

impl Receiver {
    /// Starts a receiver answering `200 ok` unless scripted otherwise.
    pub async fn start() -> Receiver {
        Self::start_with(Reply::ok()).await
    }

    /// Starts a receiver whose answer, once the script is used up, is `default`.
    pub async fn start_with(default: Reply) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let port = listener.local_addr().unwrap().port();
        let (count, _) = watch::channel(0usize);
        let state = Arc::new(ReceiverState {
            requests: Mutex::new(vec![]),
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(default),
            count,
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver serves");
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            port,
            state,
            task,
        }
    }

    /// Queues answers for the next requests, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.script.lock().unwrap().extend(replies);
    }

    pub fn set_default(&self, reply: Reply) {
        *self.state.default.lock().unwrap() = reply;
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.state.requests.lock().unwrap().len()
    }

    /// Waits (at most [`WAIT`]) until at least `n` requests have arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Recorded> {
        let mut rx = self.state.count.subscribe();
        let reached = tokio::time::timeout(WAIT, rx.wait_for(|c| *c >= n))
            .await
            .is_ok_and(|r| r.is_ok());
        assert!(
            reached,
            "timed out waiting for {n} requests at {}; got {}",
            self.url,
            self.count()
        );
        self.requests()
    }

    /// Waits for exactly `n` requests: at least `n` arrived, and no more than `n`.
    pub async fn expect_exactly(&self, n: usize) -> Vec<Recorded> {
        let got = self.wait_for(n).await;
        assert_eq!(
            got.len(),
            n,
            "expected exactly {n} requests at {}",
            self.url
        );
        got
    }
}

/// A port on 127.0.0.1 where nothing listens.
pub async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

// ---------------------------------------------------------------------------------------
// Engine harness
// ---------------------------------------------------------------------------------------

/// The configuration every test starts from: loopback allowed, everything else default.
pub fn config() -> EngineConfig {
    EngineConfig {
        allowed_targets: "127.0.0.0/8".parse().expect("allow list"),
        ..EngineConfig::default()
    }
}

pub async fn open_engine(
    db_url: &str,
    key: MasterKey,
    clock: &ManualClock,
    config: EngineConfig,
) -> engine::Result<Opened> {
    let store = engine::store::open(db_url).await?;
    let engine = Engine::builder(config)
        .clock(Arc::new(clock.clone()))
        .jitter(|| 0.0)
        .open(store.clone(), key)
        .await?;
    Ok(Opened { engine, store })
}

/// A database (see [`TestDb`]), an engine over it on a manual clock, and a worker.
pub struct Harness {
    pub dir: TempDir,
    pub db_url: String,
    pub clock: ManualClock,
    pub key: MasterKey,
    pub engine: Engine,
    /// The store under `engine`, through the store interface.
    pub store: Arc<dyn Store>,
    pub worker: Worker,
    /// Last, so it is dropped after everything using it.
    pub db: TestDb,
}

impl Harness {
    pub async fn new() -> Harness {
        Self::with_config(config()).await
    }

    pub async fn with_config(config: EngineConfig) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = TestDb::create(dir.path()).await;
        let db_url = db.url.clone();
        let clock = ManualClock::new(T0);
        let key = MasterKey::generate();
        let Opened { engine, store } = open_engine(&db_url, key.clone(), &clock, config)
            .await
            .expect("engine opens");
        let worker = Worker::new(engine.clone());
        Harness {
            dir,
            db_url,
            clock,
            key,
            engine,
            store,
            worker,
            db,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
    pub fn now_s(&self) -> i64 {
        self.clock.now_ms().div_euclid(1000)
    }
    pub fn advance(&self, ms: i64) {
        self.clock.advance(ms);
    }

    pub async fn run_once(&self) -> ExecutionOutcome {
        self.worker.run_once().await.expect("run_once")
    }

    pub async fn drain(&self) -> usize {
        self.worker.drain().await.expect("drain")
    }

    pub async fn create(&self, input: WebhookInput) -> Webhook {
        self.engine
            .create_webhook(&TenantScope::All, input)
            .await
            .expect("webhook created")
    }

    /// Ingests one event; returns its id and delivery count.
    pub async fn ingest(&self, e: EventInput) -> Ingested {
        let mut got = self
            .engine
            .ingest(&TenantScope::All, vec![e], None)
            .await
            .expect("ingest");
        assert!(!got.replayed);
        assert_eq!(got.events.len(), 1);
        got.events.remove(0)
    }

    /// The one delivery of an event.
    pub async fn delivery_of(&self, event_id: &str) -> Delivery {
        let mut d = self
            .engine
            .get_event(&TenantScope::All, event_id)
            .await
            .expect("event")
            .deliveries;
        assert_eq!(
            d.len(),
            1,
            "event {event_id} should have exactly one delivery: {d:?}"
        );
        d.remove(0)
    }

    /// A delivery with its attempts, oldest attempt first.
    pub async fn detail(&self, delivery_id: &str) -> DeliveryDetail {
        let mut d = self
            .engine
            .get_delivery(&TenantScope::All, delivery_id)
            .await
            .expect("delivery");
        d.attempts.sort_by_key(|a| a.attempt);
        d
    }

    pub async fn webhook(&self, id: &str) -> Webhook {
        self.engine
            .get_webhook(&TenantScope::All, id)
            .await
            .expect("webhook")
    }
}

/// A webhook input with a name and url, everything else default.
pub fn hook(name: &str, url: &str) -> WebhookInput {
    WebhookInput {
        name: Some(name.into()),
        url: Some(url.into()),
        ..Default::default()
    }
}

/// An event input of `event_type` with `data`, nothing else.
pub fn event(event_type: &str, data: Value) -> EventInput {
    EventInput {
        tenant: None,
        event_type: event_type.into(),
        object: None,
        data,
        metadata: None,
        source: None,
        project: None,
        severity: None,
        subject: None,
        created: None,
    }
}

/// An event with project and severity set.
pub fn event_in(event_type: &str, project: &str, severity: &str) -> EventInput {
    EventInput {
        project: Some(project.into()),
        severity: Some(severity.parse().expect("severity")),
        ..event(event_type, serde_json::json!({"n": 1}))
    }
}

/// `sha256=<hex HMAC-SHA256(secret string, "{ts}.{body}")>`, written here independently of
/// the engine's signer.
pub fn herald_signature(secret: &str, ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Verifies the Standard Webhooks headers of a recorded request against `secrets`.
pub fn verify_std(
    r: &Recorded,
    secrets: &[&str],
    now_s: i64,
) -> Result<(), engine::rules::signing::VerifyError> {
    engine::rules::signing::verify(
        secrets,
        r.h("webhook-id"),
        r.h("webhook-timestamp"),
        r.h("webhook-signature"),
        &r.body,
        now_s,
    )
}

/// Parses an RFC 3339 time from the engine's JSON into unix ms.
pub fn ms(t: &str) -> i64 {
    engine::clock::parse_time(t).unwrap_or_else(|| panic!("not a time: {t}"))
}
