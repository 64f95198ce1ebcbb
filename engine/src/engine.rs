//! The engine handle the console and the REST API share: the store, the master key, the
//! guarded sender, the clock and the settings. Cheap to clone.
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::error::{EngineError, Result};
use crate::hasher::{self, Hasher};
use crate::net::sender::Sender;
use crate::net::ssrf::AllowList;
use crate::pipeline::handoff::{Handoff, LaneReceiver};
use crate::pipeline::ingest_queue::IngestQueue;
use crate::rules::ratelimit::RateLimiter;
use crate::secrets::MasterKey;
use crate::store::Store;
use crate::usecases::cached::Cached;
use crate::usecases::sign_in::LoginThrottle;
use domain::EventType;

pub const DAY_MS: i64 = 86_400_000;
/// Requests in flight at once in one worker (fixed in this version).
pub const MAX_IN_FLIGHT: usize = 512;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Private targets that may be delivered to anyway (`HERALD_ALLOWED_TARGETS`).
    pub allowed_targets: AllowList,
    /// Auto-disable window (`HERALD_DISABLE_AFTER`).
    pub disable_after_ms: i64,
    /// How long a rotated-out secret keeps signing (0–7 days).
    pub secret_grace_ms: i64,
    /// How long a claimed delivery is held before another worker may take it.
    pub lease_ms: i64,
    /// Requests in flight at once.
    pub max_in_flight: usize,
    /// Requests in flight at once to one webhook: a backlog is sent over this many
    /// kept-alive connections instead of opening `max_in_flight` at a receiver.
    pub max_in_flight_per_webhook: usize,
    /// Requests in flight at once for one tenant's webhooks, so that one tenant's backlog
    /// leaves the rest of the window to the others; `None`: half of `max_in_flight`
    /// (docs/scaling.md#fairness-between-tenants).
    pub max_in_flight_per_tenant: Option<usize>,
    /// Deliveries claimed per statement.
    pub claim_batch: u32,
    /// `Idempotency-Key` memory.
    pub idempotency_window_ms: i64,
    /// Test and validate sends per minute per user or key.
    pub test_rate_limit: u32,
    /// This process's instance id (`HERALD_INSTANCE_ID`); random when `None`. Leases name
    /// it (docs/scaling.md#instances).
    pub instance_id: Option<String>,
    /// How often a running instance notes it is alive in a shared store.
    pub heartbeat_ms: i64,
    /// An instance silent this long is dead: other instances release its leases.
    pub dead_after_ms: i64,
    /// How long finished work is kept (`HERALD_RETENTION`, docs/retention.md).
    pub retention: crate::rules::retention::Retention,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            allowed_targets: AllowList::default(),
            disable_after_ms: 5 * DAY_MS,
            secret_grace_ms: DAY_MS,
            lease_ms: 60_000,
            max_in_flight: MAX_IN_FLIGHT,
            max_in_flight_per_webhook: 64,
            max_in_flight_per_tenant: None,
            claim_batch: 64,
            idempotency_window_ms: DAY_MS,
            test_rate_limit: 10,
            instance_id: None,
            heartbeat_ms: 2_000,
            dead_after_ms: 10_000,
            retention: crate::rules::retention::Retention::Forever,
        }
    }
}

type Jitter = dyn Fn() -> f64 + Send + Sync;

struct Inner {
    store: Arc<dyn Store>,
    key: MasterKey,
    sender: Sender,
    clock: Arc<dyn Clock>,
    jitter: Box<Jitter>,
    config: EngineConfig,
    handoff: Arc<Handoff>,
    test_limiter: RateLimiter,
    ingest_queue: IngestQueue,
    catalog: Cached<Vec<EventType>>,
    tenants: Cached<std::collections::HashSet<String>>,
    instance: String,
    /// When this instance last noted it is alive in a shared store (see `cluster`).
    liveness: crate::cluster::Liveness,
    /// The dedicated password-hashing threads (see `hasher`).
    hasher: Hasher,
    login_throttle: LoginThrottle,
}

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

const KEY_CHECK: &str = "master_key_check";

pub struct EngineBuilder {
    config: EngineConfig,
    clock: Arc<dyn Clock>,
    jitter: Box<Jitter>,
}

impl EngineBuilder {
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// The source of retry jitter, uniform in [-1, 1]; tests pass a constant.
    pub fn jitter(mut self, f: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Box::new(f);
        self
    }
    /// Opens the store named by `url` (see [`store::open`](crate::store::open)), then the
    /// engine over it.
    pub async fn open_url(self, url: &str, key: MasterKey) -> Result<Engine> {
        let store = crate::store::open(url).await?;
        self.open(store, key).await
    }

    /// Opens the store, checks the master key against it (refusing a wrong one), and
    /// seeds the event catalog.
    pub async fn open(self, store: Arc<dyn Store>, key: MasterKey) -> Result<Engine> {
        match store.get_meta(KEY_CHECK).await? {
            Some(check) if !key.verify_check(&check) => {
                return Err(EngineError::Key(
                    "the master key does not match this database; refusing to start rather than lose secrets".into(),
                ))
            }
            Some(_) => {}
            None => store.set_meta(KEY_CHECK, &key.key_check()).await?,
        }
        let handoff = Arc::new(Handoff::default());
        let instance = self
            .config
            .instance_id
            .clone()
            .unwrap_or_else(|| crate::ids::new_id("ins", self.clock.now_ms()));
        let engine = Engine {
            inner: Arc::new(Inner {
                sender: Sender::new(
                    self.config.allowed_targets.clone(),
                    self.config.max_in_flight_per_webhook,
                ),
                ingest_queue: IngestQueue::start(
                    store.clone(),
                    handoff.clone(),
                    self.config.lease_ms,
                ),
                catalog: Cached::default(),
                tenants: Cached::default(),
                store,
                key,
                clock: self.clock,
                jitter: self.jitter,
                test_limiter: RateLimiter::new(self.config.test_rate_limit),
                instance,
                liveness: Default::default(),
                hasher: Hasher::start(hasher::THREADS, hasher::QUEUE),
                login_throttle: LoginThrottle::default(),
                config: self.config,
                handoff,
            }),
        };
        engine.seed_catalog().await?;
        Ok(engine)
    }
}

impl Engine {
    pub fn builder(config: EngineConfig) -> EngineBuilder {
        EngineBuilder {
            config,
            clock: Arc::new(SystemClock),
            jitter: Box::new(|| rand::Rng::gen_range(&mut rand::thread_rng(), -1.0..=1.0)),
        }
    }

    /// The store, for the engine's own modules: everything outside reaches it through the
    /// engine's methods (`usecases`, `ops`).
    pub(crate) fn store(&self) -> &dyn Store {
        &*self.inner.store
    }
    pub fn sender(&self) -> &Sender {
        &self.inner.sender
    }
    /// The event-type catalog, from memory (see `usecases::cached`).
    pub(crate) async fn cached_catalog(&self) -> Result<Arc<Vec<EventType>>> {
        self.inner
            .catalog
            .get(self.store().list_event_types())
            .await
    }
    pub(crate) fn forget_catalog(&self) {
        self.inner.catalog.forget();
    }
    /// The ids of every tenant, from memory (see `usecases::cached`).
    pub(crate) async fn cached_tenants(&self) -> Result<Arc<std::collections::HashSet<String>>> {
        self.inner
            .tenants
            .get(async { Ok(self.store().tenant_ids().await?.into_iter().collect()) })
            .await
    }
    pub(crate) fn forget_tenants(&self) {
        self.inner.tenants.forget();
    }
    pub(crate) fn ingest_queue(&self) -> &IngestQueue {
        &self.inner.ingest_queue
    }
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }
    pub fn jitter(&self) -> f64 {
        (self.inner.jitter)().clamp(-1.0, 1.0)
    }

    /// Counts a test or validate send by `who`; refuses past the per-minute limit. A
    /// shared store counts across instances; otherwise it is counted in memory.
    pub async fn check_test_rate(&self, who: &str) -> Result<()> {
        let (now, limit) = (self.now_ms(), self.config().test_rate_limit);
        let decision = match self.store().count_test_send(who, now, limit).await? {
            Some(d) => d,
            None => self.inner.test_limiter.check(who, now),
        };
        decision.map_err(EngineError::RateLimited)
    }

    pub(crate) fn hasher(&self) -> &Hasher {
        &self.inner.hasher
    }
    pub(crate) fn login_throttle(&self) -> &LoginThrottle {
        &self.inner.login_throttle
    }

    pub(crate) fn inner_liveness(&self) -> &crate::cluster::Liveness {
        &self.inner.liveness
    }

    /// This process's instance id.
    pub fn instance_id(&self) -> &str {
        &self.inner.instance
    }

    /// A new lease token of `kind` (`wrk`, `rsd`, `tst`): `<instance>.<id>`, so a lease
    /// names the instance holding it (ids never contain `.`).
    pub(crate) fn lease_token(&self, kind: &str) -> String {
        format!(
            "{}.{}",
            self.inner.instance,
            crate::ids::new_id(kind, self.now_ms())
        )
    }

    /// Tells the worker there may be new work.
    pub fn wake(&self) {
        self.inner.handoff.wake();
    }
    pub(crate) async fn woken(&self) {
        self.inner.handoff.woken().await
    }
    /// Opens the lane through which ingest hands new deliveries to the worker leasing as
    /// `token` (see [`handoff`](crate::pipeline::handoff)); [`Worker::run`](crate::Worker::run)
    /// opens its own. Replaces any lane open before.
    pub fn open_lane(&self, token: &str, capacity: usize) -> LaneReceiver {
        self.inner.handoff.open(token, capacity)
    }
    pub(crate) fn close_lane(&self) {
        self.inner.handoff.close();
    }
    /// What the running worker's claims pass over, for ingest's hand-offs.
    pub(crate) fn pass_over(&self, skip: crate::store::Skip) {
        self.inner.handoff.pass_over(skip);
    }

    pub(crate) fn seal_secret(&self, webhook_id: &str, secret: &str) -> String {
        self.inner
            .key
            .seal(secret.as_bytes(), format!("{webhook_id}:secret").as_bytes())
    }
    /// The key a webhook's `hash` redactions are keyed with: derived from the master key
    /// and the webhook id, so it survives signing-secret rotation (docs/conditions.md#hash).
    pub(crate) fn redaction_key(&self, webhook_id: &str) -> [u8; 32] {
        self.inner
            .key
            .derive(&format!("herald redact v1:{webhook_id}"))
    }
    pub(crate) fn open_secret(&self, webhook_id: &str, sealed: &str) -> Result<String> {
        self.open(sealed, &format!("{webhook_id}:secret"))
    }
    pub(crate) fn seal_header(&self, webhook_id: &str, value: &str) -> String {
        self.inner
            .key
            .seal(value.as_bytes(), format!("{webhook_id}:header").as_bytes())
    }
    pub(crate) fn open_header(&self, webhook_id: &str, sealed: &str) -> Result<String> {
        self.open(sealed, &format!("{webhook_id}:header"))
    }
    /// Seals a value the console keeps in its session for a moment (a new API key, shown
    /// once after a form post), so no session row holds it in plaintext.
    pub fn seal_for_session(&self, value: &str) -> String {
        self.inner.key.seal(value.as_bytes(), b"console-session")
    }
    pub fn open_from_session(&self, sealed: &str) -> Result<String> {
        self.open(sealed, "console-session")
    }
    fn open(&self, sealed: &str, aad: &str) -> Result<String> {
        let bytes = self
            .inner
            .key
            .open(sealed, aad.as_bytes())
            .map_err(|e| EngineError::Key(format!("cannot open a sealed value: {e}")))?;
        String::from_utf8(bytes)
            .map_err(|_| EngineError::Corrupt("sealed value is not UTF-8".into()))
    }
}
