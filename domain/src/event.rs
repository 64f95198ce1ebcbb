//! Events as the platform posts them and as Herald stores them, and the event-type
//! catalog they are checked against.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::delivery::Delivery;
use crate::filters::{Severity, Subject};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// An event as posted by the platform. Unknown fields are refused so typos are errors.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventInput {
    /// The tenant whose webhooks receive the event (`default` when absent).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9_-]{1,64}$")
    )]
    pub tenant: Option<String>,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub object: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Value,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Value>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub source: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub project: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default, deserialize_with = "crate::object::object_opt")]
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
    pub tenant: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub object: String,
    /// Unix seconds.
    pub created: i64,
    pub created_at: String,
    pub source: Option<String>,
    pub project: Option<String>,
    pub severity: Option<Severity>,
    pub subject: Option<Subject>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Value>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: Event,
    pub deliveries: Vec<Delivery>,
}

/// A type in the event catalog.
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
    /// Lowercase dotted segments of a-z, 0-9 and `_`, at most 128 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 128,
            pattern = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"
        )
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
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
