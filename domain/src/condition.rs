//! Conditions and redaction: the shapes a webhook's `condition` and `redact` settings and
//! the condition check take (docs/conditions.md). The engine evaluates them.
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A condition that could not be evaluated on an event.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConditionError {
    pub message: String,
    pub event_id: String,
    pub at: String,
}

/// What a redaction does to the value at its path (docs/conditions.md#redaction).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum RedactAction {
    /// Drop the field (or array element).
    #[default]
    Remove,
    /// Replace the value with `"[redacted]"`.
    Mask,
    /// Replace the value with `sha256:<hex>` of an HMAC keyed per webhook.
    Hash,
}

/// One field to redact before a webhook's payload is built.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Redaction {
    /// `data.…` or `metadata.…`, dotted keys, `[n]` or `[*]` for array elements.
    pub path: String,
    #[serde(default)]
    pub action: RedactAction,
}

/// `POST /webhooks/condition-check`: evaluate a condition (and preview a redaction) on
/// `event`, or on the catalog example of each of `event_types`, without saving anything.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConditionCheck {
    #[serde(default)]
    pub condition: String,
    #[serde(default)]
    pub redact: Vec<Redaction>,
    /// An event as posted (`type`, `data`, …). When absent, `event_types` are used.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub event: Option<Value>,
    /// Catalog event types whose examples to check (patterns such as `evaluation.*` too).
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// The result of a condition check on one event.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConditionSample {
    pub event_type: String,
    /// Whether the event matches; `false` when the condition errors on it.
    pub matches: bool,
    /// Why the condition could not be evaluated on this event.
    pub error: Option<String>,
    /// The event's `data` and `metadata` after redaction.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub redacted: Value,
}

/// The answer to a condition check.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConditionCheckResult {
    pub samples: Vec<ConditionSample>,
}
