//! A webhook's retry policy and its bounds. The schedule it produces is a rule
//! (`engine::rules::retry`); the bounds are here because the console shows them too.
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Smallest delay ever scheduled, and smallest allowed `initial_delay_ms`.
pub const MIN_DELAY_MS: u64 = 100;
/// Largest allowed `initial_delay_ms` / `max_delay_ms`, and the `Retry-After` cap.
pub const MAX_DELAY_MS: u64 = 86_400_000;
/// Largest allowed `max_retries`.
pub const MAX_RETRIES: u32 = 30;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Backoff {
    /// `initial * 4^(retry-1)`.
    #[default]
    Exponential,
    /// `initial` every time.
    Fixed,
}

crate::named_enum!(Backoff, "backoff", "exponential or fixed", [
    Exponential => "exponential",
    Fixed => "fixed",
]);

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RetryPolicy {
    #[serde(deserialize_with = "crate::whole::whole")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 30))]
    pub max_retries: u32,
    pub backoff: Backoff,
    #[serde(deserialize_with = "crate::whole::whole")]
    #[cfg_attr(feature = "openapi", schema(minimum = 100, maximum = 86_400_000))]
    pub initial_delay_ms: u64,
    /// At least `initial_delay_ms`.
    #[serde(deserialize_with = "crate::whole::whole")]
    #[cfg_attr(feature = "openapi", schema(minimum = 100, maximum = 86_400_000))]
    pub max_delay_ms: u64,
}

/// 8 retries, exponential from 5 s by ×4, capped at 10 h: about a day in all.
impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 8,
            backoff: Backoff::Exponential,
            initial_delay_ms: 5_000,
            max_delay_ms: 36_000_000,
        }
    }
}
