//! What users see: webhooks, events, deliveries, attempts, event types, API keys — the
//! JSON shapes of SPEC §1 and §4. Inputs deny unknown fields so typos are errors.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::classify::ErrorKind;
pub use crate::filter::{Filters, Severity, Subject};
pub use crate::retry::{Backoff, RetryPolicy};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// How a webhook's requests are shaped.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Format {
    #[default]
    Envelope,
    Event,
    Slack,
    Discord,
    Teams,
    Pagerduty,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Envelope,
        Format::Event,
        Format::Slack,
        Format::Discord,
        Format::Teams,
        Format::Pagerduty,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Envelope => "envelope",
            Format::Event => "event",
            Format::Slack => "slack",
            Format::Discord => "discord",
            Format::Teams => "teams",
            Format::Pagerduty => "pagerduty",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
    /// The chat/incident format behind this one, if it is rendered from a template.
    pub fn chat(self) -> Option<crate::formats::ChatFormat> {
        use crate::formats::ChatFormat;
        match self {
            Format::Slack => Some(ChatFormat::Slack),
            Format::Discord => Some(ChatFormat::Discord),
            Format::Teams => Some(ChatFormat::Teams),
            Format::Pagerduty => Some(ChatFormat::Pagerduty),
            Format::Envelope | Format::Event => None,
        }
    }
    /// Whether one request may carry several events.
    pub fn batches(self) -> bool {
        self == Format::Envelope
    }
}

/// A custom header as read back: protected values are never returned.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Header {
    pub key: String,
    /// `null` when protected.
    pub value: Option<String>,
    pub protected: bool,
}

/// A custom header as written. A protected header whose value is `null` (or omitted) on
/// update keeps the stored value.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HeaderInput {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub protected: bool,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BatchSettings {
    pub max_events: u32,
    pub max_wait_ms: u64,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            max_events: 1,
            max_wait_ms: 0,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    pub last_success_at: Option<String>,
    pub last_failure_at: Option<String>,
    pub consecutive_failures: u32,
    pub disabled_reason: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Webhook {
    pub id: String,
    pub name: String,
    pub url: String,
    pub description: String,
    pub active: bool,
    pub event_types: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub filters: Filters,
    pub headers: Vec<Header>,
    pub format: Format,
    pub templates: BTreeMap<String, String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: Map<String, Value>,
    pub include_result: bool,
    pub batch: BatchSettings,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub retry: RetryPolicy,
    pub timeout_ms: u64,
    pub health: Health,
    pub created_at: String,
    pub updated_at: String,
    /// Only in the answer to create.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub secret: Option<String>,
}

/// Create and partial update of a webhook: every field optional; on create `name` and
/// `url` are required.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookInput {
    pub name: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
    pub event_types: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub filters: Option<Filters>,
    pub headers: Option<Vec<HeaderInput>>,
    pub format: Option<Format>,
    pub templates: Option<BTreeMap<String, String>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub settings: Option<Map<String, Value>>,
    pub include_result: Option<bool>,
    pub batch: Option<BatchSettings>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub retry: Option<RetryPolicy>,
    pub timeout_ms: Option<u64>,
    /// Create only: bring your own `whsec_…` secret.
    pub secret: Option<String>,
}

/// An event as posted by the platform.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventInput {
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub object: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Value,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub severity: Option<Severity>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub subject: Option<Subject>,
    /// Unix seconds or RFC 3339; server time when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub created: Option<Value>,
}

/// A stored event.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub object: String,
    /// Unix seconds.
    pub created: i64,
    pub created_at: String,
    pub source: Option<String>,
    pub project: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub severity: Option<Severity>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub subject: Option<Subject>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Value>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum DeliveryStatus {
    Pending,
    Delivering,
    Retrying,
    Succeeded,
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 5] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivering,
        DeliveryStatus::Retrying,
        DeliveryStatus::Succeeded,
        DeliveryStatus::Failed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivering => "delivering",
            DeliveryStatus::Retrying => "retrying",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub event_type: String,
    pub event_ids: Vec<String>,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
    pub last_response_code: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Attempt {
    pub id: String,
    pub delivery_id: String,
    pub attempt: u32,
    pub started_at: String,
    pub duration_ms: u64,
    pub url: String,
    /// Request headers with protected values masked.
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub response_status: Option<u16>,
    pub response_headers: Option<Vec<(String, String)>>,
    /// At most 16 KiB.
    pub response_body: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub error_kind: Option<ErrorKind>,
    pub error_message: Option<String>,
    pub next_retry_at: Option<String>,
    /// `queue`, `resend` or `retry_failed`.
    pub trigger: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: Delivery,
    pub attempts: Vec<Attempt>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: Event,
    pub deliveries: Vec<Delivery>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventType {
    pub name: String,
    pub description: String,
    pub object: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub example: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub schema: Option<Value>,
    pub builtin: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventTypeInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub object: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub example: Option<Value>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub schema: Option<Value>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// One page of a list, newest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Query for a webhook's delivery log.
#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct DeliveryQuery {
    pub status: Option<DeliveryStatus>,
    pub event_type: Option<String>,
    /// Unix ms, inclusive.
    pub since: Option<i64>,
    /// Unix ms, exclusive.
    pub until: Option<i64>,
    pub limit: u32,
    pub cursor: Option<String>,
}

/// What the test and validate sends answer (SPEC §4).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TestResult {
    pub success: bool,
    /// `succeeded` or the error kind.
    pub status: String,
    pub response_code: Option<u16>,
    pub response_body: Option<String>,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub request: SentRequest,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SentRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}
