//! Webhooks: what a user configures (inputs) and what Herald answers (with health).
//! Protected header values never appear in an answer: `Header::value` is `None` for them.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::condition::{ConditionError, Redaction};
use crate::filters::Filters;
use crate::format::Format;
use crate::retry::RetryPolicy;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

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
    /// An HTTP header name (RFC 9110 token characters).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
    )]
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub protected: bool,
}

/// Events that arrive within `max_wait_ms` are coalesced, up to `max_events` a request.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BatchSettings {
    /// More than 1 only for formats that batch.
    #[serde(deserialize_with = "crate::whole::whole")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub max_events: u32,
    #[serde(deserialize_with = "crate::whole::whole")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 60_000))]
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
    /// The last time the webhook's `condition` failed to evaluate on an event (the event
    /// did not match), and why (docs/conditions.md#errors).
    #[serde(default)]
    pub last_condition_error: Option<ConditionError>,
}

/// One hour of a webhook's attempts (the console's activity chart).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ActivityBucket {
    /// `HH:00` UTC.
    pub label: String,
    pub total: u32,
    pub succeeded: u32,
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
}

/// The default per-attempt timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// The shortest and longest per-attempt timeout.
pub const TIMEOUT_RANGE_MS: (u64, u64) = (1_000, 30_000);

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Webhook {
    pub id: String,
    /// The tenant the webhook belongs to (docs/tenants.md).
    pub tenant: String,
    pub name: String,
    pub url: String,
    pub description: String,
    pub active: bool,
    pub event_types: Vec<String>,
    pub filters: Filters,
    pub headers: Vec<Header>,
    pub format: Format,
    pub templates: BTreeMap<String, String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: Map<String, Value>,
    pub include_result: bool,
    pub batch: BatchSettings,
    pub retry: RetryPolicy,
    pub timeout_ms: u64,
    /// A CEL expression over the event; empty means every event (docs/conditions.md).
    pub condition: String,
    /// Fields removed, masked or hashed before the payload is built.
    pub redact: Vec<Redaction>,
    pub health: Health,
    pub created_at: String,
    pub updated_at: String,
    /// Only in the answer to create.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub secret: Option<String>,
}

impl Webhook {
    /// The PagerDuty routing key from `settings`, or "".
    pub fn routing_key(&self) -> &str {
        self.settings
            .get("routing_key")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// Create and partial update of a webhook: every field optional; on create `name` and
/// `url` are required.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookInput {
    /// Create only: the tenant (`default` when absent). Fixed once created.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9_-]{1,64}$")
    )]
    pub tenant: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 128, pattern = r"\S")
    )]
    pub name: Option<String>,
    /// An `http` or `https` URL.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^https?://[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[1-9][0-9]{0,3})?([/?#].*)?$"
        )
    )]
    pub url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub description: Option<String>,
    pub active: Option<bool>,
    pub event_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::object::object_opt")]
    pub filters: Option<Filters>,
    pub headers: Option<Vec<HeaderInput>>,
    pub format: Option<Format>,
    pub templates: Option<BTreeMap<String, String>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub settings: Option<Map<String, Value>>,
    pub include_result: Option<bool>,
    #[serde(default, deserialize_with = "crate::object::object_opt")]
    pub batch: Option<BatchSettings>,
    #[serde(default, deserialize_with = "crate::object::object_opt")]
    pub retry: Option<RetryPolicy>,
    #[serde(default, deserialize_with = "crate::whole::whole_opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1000, maximum = 30000))]
    pub timeout_ms: Option<u64>,
    /// A CEL expression over the event; "" removes the condition.
    pub condition: Option<String>,
    pub redact: Option<Vec<Redaction>>,
    /// Create only: bring your own `whsec_…` secret.
    pub secret: Option<String>,
}
