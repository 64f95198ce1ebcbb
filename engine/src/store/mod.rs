//! The store seam: everything the engine keeps, behind one interface, [`Store`].
//!
//! **Why a trait object.** The engine holds an `Arc<dyn Store>` and never names a backend.
//! A trait (rather than an enum over backends) keeps each backend in its own folder with
//! its own SQL, lets the shared test suite (`engine/tests/store_suite.rs`) run unchanged
//! against every backend through [`open`], and lets a backend's private helpers stay
//! private. The cost, one boxed future per call (`async_trait`), is noise next to a
//! database round trip. The interface is split by area into supertraits so each reads in
//! one sitting: [`WebhookStore`], [`QueueStore`], [`LogStore`], [`AccountStore`].
//!
//! Backends: [`sqlite`] (the embedded default, one process per database file) and
//! [`postgres`] (several instances on one database, docs/scaling.md). A backend converts rows to the engine's
//! [`records`](crate::records) and `domain` types and nothing else; rules (fan-out,
//! health) are the engine's, which backends call rather than re-implement.
pub(crate) mod conditions;
pub mod copy;
pub mod postgres;
pub(crate) mod rows;
pub mod sqlite;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{EngineError, Result};
use crate::records::{
    BirthLease, BornLeased, Claimed, Credential, DeliveryUpdate, Ingested, KeyHolder, NewApiKey,
    NewDelivery, NewEvent, NewUser, PortalLinkRecord, StoredWebhook, TenantDeletion, TenantRecord,
    UserAccess, UserChange, UserChanged,
};
use domain::{
    ApiKey, Attempt, Delivery, DeliveryQuery, DeliveryStatus, Event, EventType, Page, User,
};

/// Opens the store named by `url` (`sqlite://…`, or `postgres://…` / `postgresql://…`),
/// creating a SQLite file if missing, and runs its migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(sqlite::SqliteStore::open(url).await?));
    }
    if postgres::is_postgres_url(url) {
        return Ok(Arc::new(postgres::PgStore::open(url).await?));
    }
    Err(EngineError::Config(format!(
        "unsupported database URL (expected sqlite://… or postgres://…): {}",
        url.split(':').next().unwrap_or_default()
    )))
}

/// The store as a whole: every area, plus what the process around it needs.
#[async_trait]
pub trait Store:
    WebhookStore + QueueStore + LogStore + AccountStore + TenantStore + ClusterStore + Send + Sync
{
    /// Answers when the store answers (for `/healthz`).
    async fn ping(&self) -> Result<()>;
    async fn get_meta(&self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<()>;
    /// The connection pool console sessions are kept in.
    fn session_pool(&self) -> SessionPool;
    /// Closes every connection (at shutdown, after the worker stopped).
    async fn close(&self);
}

/// Where the console's sessions live (the same database as everything else).
#[derive(Clone, Debug)]
pub enum SessionPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Webhooks as stored (secrets and protected header values already sealed).
#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn insert_webhook(&self, w: &StoredWebhook) -> Result<()>;
    /// False when there is no such webhook.
    async fn update_webhook(&self, w: &StoredWebhook) -> Result<bool>;
    /// False when there is no such webhook.
    async fn delete_webhook(&self, id: &str) -> Result<bool>;
    async fn get_webhook(&self, id: &str) -> Result<Option<StoredWebhook>>;
    async fn get_webhooks(&self, ids: &[String]) -> Result<Vec<StoredWebhook>>;
    /// Newest first, `limit` at most, after `cursor`; with the next page's cursor.
    /// Of `tenant` (every tenant when `None`).
    async fn list_webhooks(
        &self,
        tenant: Option<&str>,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<WebhookPage>;
    /// Sets `active` (and the reason it was disabled); false when there is no such webhook.
    async fn set_webhook_active(
        &self,
        id: &str,
        active: bool,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool>;
    async fn count_webhooks(&self) -> Result<i64>;
}

/// The delivery queue: ingest with fan-out, claims with leases, outcomes, re-queues.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Stores the events and their deliveries in one transaction; durable when it returns.
    /// With an idempotency key seen within `idempotency_window_ms`, the first answer is
    /// returned and nothing is written.
    async fn ingest(
        &self,
        events: &[NewEvent],
        now: i64,
        idempotency_key: Option<&str>,
        idempotency_window_ms: i64,
    ) -> Result<IngestOutcome>;
    /// Several ingest requests in one transaction (group commit); deliveries due at once
    /// are born leased under `lease` (hand-off).
    async fn ingest_group(
        &self,
        requests: &[(&[NewEvent], i64)],
        lease: Option<BirthLease<'_>>,
    ) -> Result<GroupIngested>;
    /// One event and one delivery with an explicit id, leased at birth (test sends).
    async fn insert_direct(
        &self,
        event: &NewEvent,
        delivery: &NewDelivery,
        now: i64,
        lease_token: &str,
        lease_until: i64,
    ) -> Result<()>;
    /// Leases up to `limit` due deliveries as `token` for `lease_ms`, oldest due first.
    async fn claim_due(
        &self,
        now: i64,
        limit: u32,
        lease_ms: i64,
        token: &str,
    ) -> Result<Vec<Claimed>> {
        self.claim(&Claim {
            now,
            limit,
            lease_ms,
            token,
            skip: &Skip::default(),
        })
        .await
    }
    /// Leases up to `claim.limit` due deliveries, oldest due first, of webhooks and
    /// tenants not in `claim.skip` (docs/scaling.md#fairness-between-tenants): with a
    /// skip list, at most `skip.per_webhook` of one webhook, found through the
    /// `(webhook_id, due_at)` index so a skipped backlog costs nothing to pass over.
    async fn claim(&self, claim: &Claim<'_>) -> Result<Vec<Claimed>>;
    /// Records attempt outcomes in one transaction; answers the ids of webhooks that were
    /// disabled by these outcomes.
    async fn record(&self, updates: &[DeliveryUpdate]) -> Result<Vec<String>>;
    /// Re-queues the webhook's failed deliveries created in `[since, until)` whose event
    /// type matches one of `patterns` (any when empty), at most `max`.
    async fn requeue_failed(
        &self,
        webhook_id: &str,
        since: i64,
        until: i64,
        patterns: &[String],
        max: u32,
        now: i64,
    ) -> Result<u64>;
    /// Leases a delivery for a manual resend; `None` when it is missing or leased.
    async fn begin_resend(
        &self,
        delivery_id: &str,
        token: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<ResendStart>>;
    /// At start-up of instance `instance`: makes due again every delivery leased by an
    /// instance that is not alive (no heartbeat within `dead_after_ms`) or by this
    /// instance's previous run under the same id, never one another live instance holds.
    /// A backend that is one process per database releases every lease.
    async fn release_stale_leases(
        &self,
        instance: &str,
        dead_after_ms: i64,
        now: i64,
    ) -> Result<u64>;
    /// Makes the deliveries leased as `token` due again.
    async fn release_lease(&self, token: &str, now: i64) -> Result<u64>;
    /// Makes the deliveries `ids` due again where they are still leased as `token` (a
    /// worker giving back what it will not send soon).
    async fn release_deliveries(&self, token: &str, ids: &[String], now: i64) -> Result<u64>;
    async fn queue_stats(&self) -> Result<QueueStats>;
    /// The earliest due time of a delivery waiting in the table.
    async fn next_due(&self) -> Result<Option<i64>>;
    async fn prune_idempotency_keys(&self, older_than: i64) -> Result<u64>;
    /// One purge batch in one transaction (docs/retention.md): up to `limit` finished
    /// (succeeded or failed) deliveries last changed before `cutoff`, with their attempts,
    /// then up to `limit` events that arrived before `cutoff` and that no delivery still
    /// names. Pending, delivering and retrying deliveries, and their events, stay.
    async fn purge_batch(&self, cutoff: i64, limit: u32) -> Result<Purged>;
}

/// Reading what happened: events, deliveries and attempts.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// The events of each delivery, in order.
    async fn events_of_deliveries(&self, ids: &[String]) -> Result<HashMap<String, Vec<Event>>>;
    async fn get_event(&self, id: &str) -> Result<Option<Event>>;
    async fn deliveries_of_event(&self, event_id: &str) -> Result<Vec<Delivery>>;
    async fn get_delivery(&self, id: &str) -> Result<Option<Delivery>>;
    async fn attempts_of(&self, delivery_id: &str) -> Result<Vec<Attempt>>;
    async fn list_deliveries(&self, webhook_id: &str, q: &DeliveryQuery) -> Result<Page<Delivery>>;
    /// The webhook's attempts since `since`, oldest first (for the console's chart).
    async fn attempt_series(&self, webhook_id: &str, since: i64) -> Result<Vec<AttemptPoint>>;
    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, i64)>>;
}

/// Who may act (API keys, the console's users) and the event-type catalog.
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn insert_api_key(&self, key: &NewApiKey<'_>) -> Result<()>;
    /// The key's id and scope when `hash` is a live key (and notes its use).
    async fn use_api_key(&self, hash: &str, now: i64) -> Result<Option<KeyHolder>>;
    async fn api_key_exists(&self, hash: &str) -> Result<bool>;
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>>;
    async fn revoke_api_key(&self, id: &str, now: i64) -> Result<bool>;
    /// The account's password hash or one-time setup token (docs/security.md).
    async fn credential(&self, username: &str) -> Result<Option<Credential>>;
    /// Inserts or replaces the account's credential: a password when `setup_expires_at` is
    /// `None`, else a one-time setup token valid until then.
    async fn put_credential(
        &self,
        username: &str,
        hash: &str,
        setup_expires_at: Option<i64>,
        now: i64,
    ) -> Result<()>;
    /// Sets a password chosen by the user or the operator (ends any setup token).
    async fn set_password_hash(&self, username: &str, hash: &str, now: i64) -> Result<()> {
        self.put_credential(username, hash, None, now).await
    }
    /// Replaces the credential with a one-time setup token valid until `expires_at`.
    async fn set_setup_token(
        &self,
        username: &str,
        hash: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        self.put_credential(username, hash, Some(expires_at), now)
            .await
    }
    /// Uses up the setup token whose hash is `hash`; false when it was used already.
    async fn consume_setup_token(&self, username: &str, hash: &str) -> Result<bool>;
    /// Sets an existing user's credential (a password when `setup_expires_at` is `None`,
    /// else a setup token) and ends their sessions: the new credential version, or
    /// `None` when there is no such user.
    async fn replace_credential(
        &self,
        username: &str,
        hash: &str,
        setup_expires_at: Option<i64>,
        now: i64,
    ) -> Result<Option<i64>>;
    /// False when a user of that name exists already.
    async fn insert_user(&self, user: &NewUser<'_>) -> Result<bool>;
    /// Every console user, by name.
    async fn list_users(&self) -> Result<Vec<User>>;
    async fn user_access(&self, username: &str) -> Result<Option<UserAccess>>;
    /// Changes a user's role or removes the user, atomically refusing to leave no admin
    /// (`rules::roles::keeps_an_admin`).
    async fn change_user(
        &self,
        username: &str,
        change: UserChange,
        now: i64,
    ) -> Result<UserChanged>;
    /// False when a type of that name exists already.
    async fn insert_event_type(&self, t: &EventType, now: i64) -> Result<bool>;
    async fn list_event_types(&self) -> Result<Vec<EventType>>;
    async fn prune_sessions(&self, now_ms: i64) -> Result<u64>;
}

/// Tenants and the links that open their portal (docs/tenants.md, docs/portal.md).
#[async_trait]
pub trait TenantStore: Send + Sync {
    /// False when a tenant with that id exists already.
    async fn insert_tenant(&self, t: &TenantRecord) -> Result<bool>;
    async fn get_tenant(&self, id: &str) -> Result<Option<TenantRecord>>;
    /// Every tenant's id (ingest checks events against them, from memory).
    async fn tenant_ids(&self) -> Result<Vec<String>>;
    /// By id, `limit` at most, after the id `cursor`; with the next page's cursor.
    async fn list_tenants(
        &self,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<(Vec<TenantRecord>, Option<String>)>;
    /// False when there is no such tenant.
    async fn rename_tenant(&self, id: &str, name: &str, now: i64) -> Result<bool>;
    /// Deletes the tenant in one transaction; with `cascade` its webhooks (with their
    /// deliveries and attempts), events and portal links go too and its API keys are
    /// revoked at `now`.
    async fn delete_tenant(&self, id: &str, cascade: bool, now: i64) -> Result<TenantDeletion>;
    async fn insert_portal_link(&self, link: &PortalLinkRecord) -> Result<()>;
    /// Uses up the link whose token hashes to `token_hash` if it is unused and not
    /// expired at `now`: at most one caller ever gets it.
    async fn take_portal_link(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<PortalLinkRecord>>;
}

/// Several instances on one database (docs/scaling.md#instances): who is alive, leases
/// of the dead, the signal that another instance committed work, and limits counted
/// across instances. The defaults are a backend that is one process per database
/// (SQLite): nobody else to hear from, nobody else's leases, counts kept in memory.
#[async_trait]
pub trait ClusterStore: Send + Sync {
    /// True when several processes may share this store.
    fn shared(&self) -> bool {
        false
    }
    /// Notes that `instance` (running as `role`) is alive now; `first` at its start.
    async fn heartbeat(&self, _instance: &str, _role: &str, _first: bool) -> Result<()> {
        Ok(())
    }
    /// Forgets `instance` (a clean stop: its leases were given back).
    async fn deregister(&self, _instance: &str) -> Result<()> {
        Ok(())
    }
    /// Makes due again the deliveries leased by instances with no heartbeat within
    /// `dead_after_ms` (`instance`, the caller, is alive). Returns how many.
    async fn release_dead_leases(
        &self,
        _instance: &str,
        _dead_after_ms: i64,
        _now: i64,
    ) -> Result<u64> {
        Ok(0)
    }
    /// A signal each time any instance commits deliveries to the table (coalesced;
    /// also after a reconnect, when signals may have been missed). `None` when no other
    /// process writes to this store.
    async fn work_signals(&self) -> Result<Option<tokio::sync::mpsc::Receiver<()>>> {
        Ok(None)
    }
    /// Counts a test or validate send by `who` at `now` against `limit` per minute,
    /// across instances (`rules::ratelimit::decide`); `None` when this store does not
    /// count them (the engine counts in memory).
    async fn count_test_send(
        &self,
        _who: &str,
        _now: i64,
        _limit: u32,
    ) -> Result<Option<std::result::Result<(), u64>>> {
        Ok(None)
    }
}

/// One page of stored webhooks.
#[derive(Debug)]
pub struct WebhookPage {
    pub webhooks: Vec<StoredWebhook>,
    pub next_cursor: Option<String>,
}

/// What ingest answers: one entry per event, and whether this was a replay of an earlier
/// request with the same idempotency key (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub events: Vec<Ingested>,
    pub replayed: bool,
}

/// What a group ingest answers: each request's events, and the deliveries born leased.
#[derive(Debug)]
pub struct GroupIngested {
    pub answers: Vec<Vec<Ingested>>,
    pub born_leased: Vec<BornLeased>,
}

/// A resend that may start: the delivery's webhook, the number of the attempt about to be
/// made, and the status the delivery had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResendStart {
    pub webhook_id: String,
    pub attempt: u32,
    pub status: DeliveryStatus,
}

/// What one purge batch removed, by table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    pub events: u64,
    pub deliveries: u64,
    pub attempts: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.events + self.deliveries + self.attempts
    }
}

/// One claim from the table (see [`QueueStore::claim`]).
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub now: i64,
    pub limit: u32,
    pub lease_ms: i64,
    pub token: &'a str,
    pub skip: &'a Skip,
}

/// What a claim passes over: webhooks and tenants that already hold their share of the
/// claiming worker (rules::fairness::claims_more), and how many of one webhook it takes.
/// Ingest does not hand such webhooks' new deliveries to the worker either. Both lists are
/// sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skip {
    pub webhooks: Vec<String>,
    pub tenants: Vec<String>,
    pub per_webhook: u32,
}

impl Skip {
    pub fn is_empty(&self) -> bool {
        self.webhooks.is_empty() && self.tenants.is_empty()
    }

    /// Whether `webhook` is passed over (the lists are sorted).
    pub fn covers(&self, webhook: &StoredWebhook) -> bool {
        self.webhooks.binary_search(&webhook.id).is_ok()
            || self.tenants.binary_search(&webhook.tenant).is_ok()
    }
}

/// Deliveries waiting, and the due time of the oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    pub depth: i64,
    pub oldest_due: Option<i64>,
}

/// One attempt for the chart: when, how long, and whether it succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptPoint {
    pub started_at: i64,
    pub duration_ms: i64,
    pub succeeded: bool,
}
