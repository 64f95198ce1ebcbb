//! The records the engine and its store exchange: webhooks as stored (secrets sealed),
//! events and deliveries about to be written, claimed work, and the update an attempt
//! produces. Plain data; the store converts rows to and from these and nothing else.
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::rules::outcome::{HealthEffect, Transition};
use domain::{
    BatchSettings, ErrorKind, Event, Filters, Format, Redaction, RetryPolicy, Severity, Subject,
    Trigger,
};

/// A header as stored: protected values only sealed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StoredHeader {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
    pub protected: bool,
}

/// A webhook as the engine works with it (secrets still sealed).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredWebhook {
    pub id: String,
    /// The owning tenant (docs/tenants.md); fixed once created.
    pub tenant: String,
    pub name: String,
    pub url: String,
    pub description: String,
    pub active: bool,
    pub event_types: Vec<String>,
    pub filters: Filters,
    pub headers: Vec<StoredHeader>,
    pub format: Format,
    pub templates: BTreeMap<String, String>,
    pub settings: Map<String, Value>,
    pub include_result: bool,
    pub batch: BatchSettings,
    pub retry: RetryPolicy,
    pub timeout_ms: u64,
    pub secret_sealed: String,
    pub prev_secret_sealed: Option<String>,
    pub prev_secret_expires_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub consecutive_failures: u32,
    pub failing_since: Option<i64>,
    pub disabled_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// CEL condition; "" for none (docs/conditions.md).
    pub condition: String,
    pub redact: Vec<Redaction>,
    pub last_condition_error: Option<ConditionFailure>,
}

/// The last time a webhook's condition failed to evaluate on an event.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ConditionFailure {
    pub message: String,
    pub event_id: String,
    /// Unix ms.
    pub at: i64,
}

impl StoredWebhook {
    /// A new active webhook with the defaults every field starts from.
    pub fn new(id: String, secret_sealed: String, now: i64) -> StoredWebhook {
        StoredWebhook {
            id,
            tenant: domain::DEFAULT_TENANT.to_string(),
            name: String::new(),
            url: String::new(),
            description: String::new(),
            active: true,
            event_types: vec!["*".into()],
            filters: Default::default(),
            headers: vec![],
            format: Default::default(),
            templates: Default::default(),
            settings: Default::default(),
            include_result: false,
            batch: Default::default(),
            retry: Default::default(),
            timeout_ms: 5_000,
            secret_sealed,
            prev_secret_sealed: None,
            prev_secret_expires_at: None,
            last_success_at: None,
            last_failure_at: None,
            consecutive_failures: 0,
            failing_since: None,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
            condition: String::new(),
            redact: vec![],
            last_condition_error: None,
        }
    }
}

/// An event ready to be stored (validated, id and time assigned).
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub id: String,
    pub tenant: String,
    pub event_type: String,
    pub object: String,
    pub source: Option<String>,
    pub project: Option<String>,
    pub severity: Option<Severity>,
    pub subject: Option<Subject>,
    pub data: Value,
    pub metadata: Option<Value>,
    pub created_ms: i64,
}

impl From<NewEvent> for Event {
    fn from(e: NewEvent) -> Event {
        Event {
            id: e.id,
            tenant: e.tenant,
            event_type: e.event_type,
            object: e.object,
            created: e.created_ms.div_euclid(1000),
            created_at: crate::clock::rfc3339(e.created_ms),
            source: e.source,
            project: e.project,
            severity: e.severity,
            subject: e.subject,
            data: e.data,
            metadata: e.metadata,
        }
    }
}

/// A delivery the caller wants created with an explicit id (for fan-out the store makes them).
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub id: String,
    pub webhook_id: String,
}

/// A delivery claimed by a worker: it holds the lease until it records an outcome.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: String,
    pub webhook_id: String,
    /// The number of the attempt about to be made (1 for the first).
    pub attempt: u32,
    /// Attempts made before the last manual re-queue; retries count from here.
    pub retry_base: u32,
    pub lease_token: String,
    /// Its events in order (shared by the deliveries of one event when handed off).
    pub events: Arc<[Event]>,
}

/// New deliveries that are due at once are born leased to a worker (hand-off): at most
/// `max` of them, leased as `token` until `until`.
#[derive(Clone, Copy, Debug)]
pub struct BirthLease<'a> {
    pub token: &'a str,
    pub until: i64,
    pub max: usize,
    /// Webhooks and tenants whose deliveries are not born leased: the worker would only
    /// give them back (docs/scaling.md#fairness-between-tenants).
    pub skip: &'a crate::store::Skip,
}

impl BirthLease<'_> {
    /// Whether one more delivery, of `webhook`, is born leased after `leased` were.
    pub fn takes(&self, leased: usize, webhook: &StoredWebhook) -> bool {
        leased < self.max && !self.skip.covers(webhook)
    }
}

/// A delivery born leased: its id, its webhook as the transaction read it, and which of
/// the written events it carries (an index into the ingested events, in order).
#[derive(Clone, Debug)]
pub struct BornLeased {
    pub id: String,
    pub webhook: Arc<StoredWebhook>,
    pub event: usize,
}

/// One HTTP request made for a delivery, as recorded.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub id: String,
    pub delivery_id: String,
    pub number: u32,
    pub started_at: i64,
    pub duration_ms: u64,
    pub url: String,
    pub request_headers: String,
    pub request_body: String,
    pub response_status: Option<u16>,
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    pub error_kind: Option<ErrorKind>,
    pub error_message: Option<String>,
    pub next_retry_at: Option<i64>,
    pub trigger: Trigger,
}

/// The state a delivery moves to after an attempt (or settled without one), and its
/// effect on the webhook's health.
#[derive(Clone, Debug)]
pub struct DeliveryUpdate {
    pub attempt: Option<AttemptRecord>,
    pub delivery_id: String,
    pub webhook_id: String,
    /// When set, the update applies only while this lease is still held.
    pub lease_token: Option<String>,
    pub transition: Transition,
    pub health: HealthEffect,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub now: i64,
    /// Disable after failing this long (auto-disable window), in ms.
    pub disable_after_ms: i64,
}

/// What ingest answers for one event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ingested {
    pub id: String,
    pub deliveries: usize,
}

/// An API key to store: its hash only, never its value.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub scope: domain::Scope,
    pub tenant: Option<&'a str>,
    pub created_at: i64,
}

/// A console user to store, with the hash of their one-time setup token.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: domain::Role,
    pub setup_hash: &'a str,
    pub setup_expires_at: i64,
    pub now: i64,
}

/// What the session check needs of a user: the role in force and the credential version
/// their sessions must carry (docs/roles.md#sessions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserAccess {
    pub role: domain::Role,
    pub credential_version: i64,
}

/// A change to a user that must never leave the console without an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    Role(domain::Role),
    Remove,
}

/// What a [`UserChange`] came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChanged {
    Done,
    NoSuchUser,
    /// Refused: the user is the last admin.
    LastAdmin,
}

/// The live key a request was made with: who, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHolder {
    pub id: String,
    pub scope: domain::Scope,
    /// The one tenant the key reaches; `None`: every tenant.
    pub tenant: Option<String>,
}

/// What an account signs in with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The argon2 hash (empty once a setup token is used up).
    pub hash: String,
    pub kind: CredentialKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    /// A password the user or the operator chose.
    Password,
    /// The one-time setup token printed at first start, valid until `expires_at` (ms).
    SetupToken { expires_at: i64 },
    /// The setup token was used; no password is chosen yet.
    SetupUsed,
}

impl Credential {
    /// From the `users` row: `setup_expires_at` is set while the account is in setup.
    pub fn from_row(hash: String, setup_expires_at: Option<i64>) -> Credential {
        let kind = match setup_expires_at {
            None => CredentialKind::Password,
            Some(_) if hash.is_empty() => CredentialKind::SetupUsed,
            Some(expires_at) => CredentialKind::SetupToken { expires_at },
        };
        Credential { hash, kind }
    }
}

/// A tenant as stored, with its number of webhooks (docs/tenants.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantRecord {
    pub id: String,
    pub name: String,
    pub webhooks: u64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What deleting a tenant did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantDeletion {
    NotFound,
    /// Refused: it still has this many webhooks (and no cascade was asked for).
    HasWebhooks(u64),
    /// Deleted, with this many webhooks (their deliveries and attempts too).
    Deleted(u64),
}

/// A portal link as stored: only the SHA-256 of its token (docs/portal.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalLinkRecord {
    pub token_hash: String,
    pub tenant: String,
    pub title: Option<String>,
    pub accent: Option<String>,
    pub expires_at: i64,
    pub created_at: i64,
}
