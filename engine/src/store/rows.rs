//! Row shapes every backend reads, and their conversion to the engine's records and
//! `domain` types: one definition of how a stored webhook, event, delivery or attempt
//! becomes a value, whichever database it came from. The backends store the same columns
//! under the same names (times as integer ms, JSON as text), so `FromRow` (generic over
//! the database) reads them the same way. List cursors are shared too.
use serde::Serialize;
use sqlx::FromRow;

use crate::clock::rfc3339;
use crate::error::{EngineError, Result};
use crate::records::StoredWebhook;
use domain::{Attempt, BatchSettings, Delivery, DeliveryStatus, ErrorKind, Event, Format};

#[derive(FromRow)]
pub(crate) struct WebhookRow {
    id: String,
    tenant: String,
    name: String,
    url: String,
    description: String,
    active: bool,
    event_types: String,
    filters: String,
    headers: String,
    format: String,
    templates: String,
    settings: String,
    include_result: bool,
    batch_max_events: i64,
    batch_max_wait_ms: i64,
    retry: String,
    timeout_ms: i64,
    secret_sealed: String,
    prev_secret_sealed: Option<String>,
    prev_secret_expires_at: Option<i64>,
    last_success_at: Option<i64>,
    last_failure_at: Option<i64>,
    consecutive_failures: i64,
    failing_since: Option<i64>,
    disabled_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
    condition: String,
    redact: String,
    last_condition_error: Option<String>,
}

impl TryFrom<WebhookRow> for StoredWebhook {
    type Error = EngineError;
    fn try_from(r: WebhookRow) -> Result<Self> {
        Ok(StoredWebhook {
            format: Format::parse(&r.format)
                .ok_or_else(|| EngineError::Corrupt(format!("format {}", r.format)))?,
            event_types: serde_json::from_str(&r.event_types)?,
            filters: serde_json::from_str(&r.filters)?,
            headers: serde_json::from_str(&r.headers)?,
            templates: serde_json::from_str(&r.templates)?,
            settings: serde_json::from_str(&r.settings)?,
            retry: serde_json::from_str(&r.retry)?,
            redact: serde_json::from_str(&r.redact)?,
            last_condition_error: r
                .last_condition_error
                .map(|s| serde_json::from_str(&s))
                .transpose()?,
            condition: r.condition,
            batch: BatchSettings {
                max_events: r.batch_max_events as u32,
                max_wait_ms: r.batch_max_wait_ms as u64,
            },
            id: r.id,
            tenant: r.tenant,
            name: r.name,
            url: r.url,
            description: r.description,
            active: r.active,
            include_result: r.include_result,
            timeout_ms: r.timeout_ms as u64,
            secret_sealed: r.secret_sealed,
            prev_secret_sealed: r.prev_secret_sealed,
            prev_secret_expires_at: r.prev_secret_expires_at,
            last_success_at: r.last_success_at,
            last_failure_at: r.last_failure_at,
            consecutive_failures: r.consecutive_failures as u32,
            failing_since: r.failing_since,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Every column of `webhooks`, in [`WebhookRow`]'s order.
pub(crate) const WEBHOOK_COLUMNS: &str = "id, tenant, name, url, description, active, event_types, filters, headers, format, templates, \
    settings, include_result, batch_max_events, batch_max_wait_ms, retry, timeout_ms, secret_sealed, \
    prev_secret_sealed, prev_secret_expires_at, last_success_at, last_failure_at, consecutive_failures, \
    failing_since, disabled_reason, created_at, updated_at, condition, redact, last_condition_error";

/// The columns an edit writes (settings and secrets, not delivery health bookkeeping).
pub(crate) const EDITABLE: [&str; 24] = [
    "name",
    "url",
    "description",
    "active",
    "event_types",
    "filters",
    "headers",
    "format",
    "templates",
    "settings",
    "include_result",
    "batch_max_events",
    "batch_max_wait_ms",
    "retry",
    "timeout_ms",
    "secret_sealed",
    "prev_secret_sealed",
    "prev_secret_expires_at",
    "disabled_reason",
    "failing_since",
    "consecutive_failures",
    "condition",
    "redact",
    "last_condition_error",
];

/// A value as its JSON text column holds it.
pub(crate) fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialisable")
}

#[derive(FromRow)]
pub(crate) struct EventRow {
    id: String,
    tenant: String,
    #[sqlx(rename = "type")]
    event_type: String,
    object: String,
    source: Option<String>,
    project: Option<String>,
    severity: Option<String>,
    subject: Option<String>,
    data: String,
    metadata: Option<String>,
    created: i64,
}

impl TryFrom<EventRow> for Event {
    type Error = EngineError;
    fn try_from(r: EventRow) -> Result<Event> {
        Ok(Event {
            created: r.created.div_euclid(1000),
            created_at: rfc3339(r.created),
            severity: r.severity.and_then(|s| s.parse().ok()),
            subject: r.subject.map(|s| serde_json::from_str(&s)).transpose()?,
            data: serde_json::from_str(&r.data)?,
            metadata: r.metadata.map(|s| serde_json::from_str(&s)).transpose()?,
            id: r.id,
            tenant: r.tenant,
            event_type: r.event_type,
            object: r.object,
            source: r.source,
            project: r.project,
        })
    }
}

/// The `deliveries` columns [`DeliveryRow`] reads.
pub(crate) const DELIVERY_COLUMNS: &str =
    "id, webhook_id, event_type, status, attempts, next_attempt_at, last_status, last_error, created_at, updated_at";

#[derive(FromRow)]
pub(crate) struct DeliveryRow {
    pub id: String,
    webhook_id: String,
    event_type: String,
    status: String,
    attempts: i64,
    next_attempt_at: Option<i64>,
    last_status: Option<i64>,
    last_error: Option<String>,
    pub created_at: i64,
    updated_at: i64,
}

impl DeliveryRow {
    /// The delivery, with the ids of its events in order.
    pub(crate) fn into_delivery(self, event_ids: Vec<String>) -> Delivery {
        let status = DeliveryStatus::parse(&self.status).unwrap_or(DeliveryStatus::Pending);
        Delivery {
            id: self.id,
            webhook_id: self.webhook_id,
            event_type: self.event_type,
            event_ids,
            attempts: self.attempts as u32,
            next_attempt_at: self
                .next_attempt_at
                .filter(|_| matches!(self.status.as_str(), "pending" | "retrying"))
                .map(rfc3339),
            status,
            last_response_code: self.last_status.map(|s| s as u16),
            last_error: self.last_error,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// The `attempts` columns [`AttemptRow`] reads.
pub(crate) const ATTEMPT_COLUMNS: &str = "id, delivery_id, number, started_at, duration_ms, url, request_headers, \
    request_body, response_status, response_headers, response_body, error_kind, error_message, next_retry_at, trigger";

#[derive(FromRow)]
pub(crate) struct AttemptRow {
    id: String,
    delivery_id: String,
    number: i64,
    started_at: i64,
    duration_ms: i64,
    url: String,
    request_headers: String,
    request_body: String,
    response_status: Option<i64>,
    response_headers: Option<String>,
    response_body: Option<String>,
    error_kind: Option<String>,
    error_message: Option<String>,
    next_retry_at: Option<i64>,
    trigger: String,
}

impl TryFrom<AttemptRow> for Attempt {
    type Error = EngineError;
    fn try_from(r: AttemptRow) -> Result<Attempt> {
        Ok(Attempt {
            attempt: r.number as u32,
            started_at: rfc3339(r.started_at),
            duration_ms: r.duration_ms as u64,
            request_headers: serde_json::from_str(&r.request_headers)?,
            response_status: r.response_status.map(|s| s as u16),
            response_headers: r
                .response_headers
                .map(|s| serde_json::from_str(&s))
                .transpose()?,
            error_kind: r.error_kind.and_then(|s| s.parse::<ErrorKind>().ok()),
            next_retry_at: r.next_retry_at.map(rfc3339),
            trigger: domain::Trigger::parse(&r.trigger).unwrap_or_default(),
            id: r.id,
            delivery_id: r.delivery_id,
            url: r.url,
            request_body: r.request_body,
            response_body: r.response_body,
            error_message: r.error_message,
        })
    }
}

/// Lists are newest first, keyed on `(created_at, id)`; a cursor names the last row seen.
pub(crate) fn encode_cursor(created_at: i64, id: &str) -> String {
    format!("{created_at}~{id}")
}

pub(crate) fn decode_cursor(cursor: &str) -> Option<(i64, String)> {
    let (t, id) = cursor.split_once('~')?;
    Some((t.parse().ok()?, id.to_string()))
}

/// A stored key scope. The column's CHECK admits only known names; anything else reads
/// as the narrowest scope, so a bad row can never widen what a key may do.
pub(crate) fn scope(name: &str) -> domain::Scope {
    domain::Scope::parse(name).unwrap_or(domain::Scope::Ingest)
}

/// A stored user role. The column's CHECK admits only known names; anything else reads
/// as the narrowest role, so a bad row can never widen what a user may do.
pub(crate) fn role(name: &str) -> domain::Role {
    domain::Role::parse(name).unwrap_or(domain::Role::Viewer)
}
