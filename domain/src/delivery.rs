//! Deliveries and their attempts: the states a delivery moves through, why an attempt
//! failed, what made it, and the shapes the delivery log and test sends answer.
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum DeliveryStatus {
    /// Waiting for its first attempt (or its batch to fill).
    Pending,
    /// An attempt is in flight.
    Delivering,
    /// An attempt failed; another is scheduled.
    Retrying,
    Succeeded,
    /// Failed for good (retries exhausted, or an error that is not retried).
    Failed,
}

crate::named_enum!(DeliveryStatus, "status", "pending, delivering, retrying, succeeded or failed", [
    Pending => "pending",
    Delivering => "delivering",
    Retrying => "retrying",
    Succeeded => "succeeded",
    Failed => "failed",
]);

impl DeliveryStatus {
    /// No further attempt will be made unless someone resends it.
    pub fn is_final(self) -> bool {
        matches!(self, DeliveryStatus::Succeeded | DeliveryStatus::Failed)
    }
}

/// Whether an answer with this HTTP status is a successful delivery: any 2xx, whatever
/// the body says. The one definition every part of Herald uses (docs/delivery.md).
pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Transport-level failure of an attempt.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ErrorKind {
    Connect,
    Dns,
    Tls,
    Timeout,
    /// The target address was refused by the SSRF guard.
    Blocked,
    /// Malformed HTTP exchange (protocol error, reset mid-response, ...).
    Http,
    /// The response body exceeded the read cap.
    BodyTooLarge,
}

crate::named_enum!(ErrorKind, "error kind", "connect, dns, tls, timeout, blocked, http or body_too_large", [
    Connect => "connect",
    Dns => "dns",
    Tls => "tls",
    Timeout => "timeout",
    Blocked => "blocked",
    Http => "http",
    BodyTooLarge => "body_too_large",
]);

/// Which kind of action made an attempt (recorded in the delivery log).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Trigger {
    /// The worker, from the queue (first attempts, retries, re-queued by retry-failed).
    #[default]
    Queue,
    /// A manual resend.
    Resend,
    /// A test send (never part of a delivery's retries).
    Test,
}

crate::named_enum!(Trigger, "trigger", "queue, resend or test", [
    Queue => "queue",
    Resend => "resend",
    Test => "test",
]);

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
    pub error_kind: Option<ErrorKind>,
    pub error_message: Option<String>,
    pub next_retry_at: Option<String>,
    pub trigger: Trigger,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: Delivery,
    pub attempts: Vec<Attempt>,
}

/// Query for a webhook's delivery log.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
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

/// What a test or validate send answers: the exact request and the response.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_any_2xx() {
        for status in 0..=999u16 {
            assert_eq!(
                is_success(status),
                (200..=299).contains(&status),
                "{status}"
            );
        }
        for (status, want) in [
            (199, false),
            (200, true),
            (204, true),
            (299, true),
            (300, false),
        ] {
            assert_eq!(is_success(status), want, "{status}");
        }
    }

    #[test]
    fn wire_names() {
        for k in ErrorKind::ALL {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
            assert_eq!(k.as_str().parse::<ErrorKind>(), Ok(k));
        }
        for s in DeliveryStatus::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        for t in Trigger::ALL {
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
        }
        for bad in ["", "Connect", "bodyTooLarge", "refused"] {
            assert!(bad.parse::<ErrorKind>().is_err(), "{bad}");
        }
        let finals: Vec<_> = DeliveryStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(finals, [DeliveryStatus::Succeeded, DeliveryStatus::Failed]);
    }
}
