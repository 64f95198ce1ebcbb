//! Herald's domain types: what a webhook, an event, a delivery and an attempt are, with
//! their states and inputs, as one set of Rust types shared by the engine, the REST API and
//! the console. This crate is data and names only (serde, no I/O, no rules): it builds for
//! `wasm32-unknown-unknown`, so the console's browser half uses the very types the server
//! does. The rules over these types (matching, validation, retry delays) live in the
//! engine's `rules` folder. The JSON shapes are described in `docs/api.md`.
pub mod account;
pub mod condition;
pub mod delivery;
pub mod event;
pub mod filters;
pub mod format;
pub mod object;
pub mod page;
pub mod retry;
pub mod tenant;
pub mod webhook;
pub mod whole;

pub use account::{ApiKey, Role, Scope, User, UserSetup};
pub use condition::{
    ConditionCheck, ConditionCheckResult, ConditionError, ConditionSample, RedactAction, Redaction,
};
pub use delivery::{
    is_success, Attempt, Delivery, DeliveryDetail, DeliveryQuery, DeliveryStatus, ErrorKind,
    SentRequest, TestResult, Trigger,
};
pub use event::{Event, EventDetail, EventInput, EventType, EventTypeInput};
pub use filters::{Filters, Severity, Subject, SubjectFilter};
pub use format::{ChatFormat, Format};
pub use page::Page;
pub use retry::{Backoff, RetryPolicy};
pub use tenant::{
    PortalLink, PortalLinkInput, PortalLook, Tenant, TenantInput, TenantUpdate, DEFAULT_TENANT,
};
pub use webhook::{
    ActivityBucket, BatchSettings, Header, HeaderInput, Health, Webhook, WebhookInput,
};

/// A string that names none of an enum's values: `UnknownName { kind: "severity", .. }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown {} {:?} (expected {})",
            self.kind, self.value, self.expected
        )
    }
}

impl std::error::Error for UnknownName {}

/// Gives an enum of wire names `ALL`, `as_str`, `Display` and `FromStr` from one table, so
/// the names are written once.
macro_rules! named_enum {
    ($ty:ident, $kind:literal, $expected:literal, [$($variant:ident => $name:literal),+ $(,)?]) => {
        impl $ty {
            /// Every value, in order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
            /// The value with this wire name.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = $crate::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| $crate::UnknownName {
                    kind: $kind,
                    value: s.to_string(),
                    expected: $expected,
                })
            }
        }
    };
}
pub(crate) use named_enum;
