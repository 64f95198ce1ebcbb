//! The console's one error type, shared by server functions and the views. Field errors
//! keep the engine's field paths (`url`, `headers[1].key`, `retry.max_retries` …) so each
//! message can be shown next to its input.
use std::collections::BTreeMap;
use std::fmt;

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

/// `field path -> messages`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConsoleError {
    /// No session, or it ended: sign in again.
    Unauthorized,
    /// Sign-in refused.
    BadLogin,
    /// The signed-in user's role does not cover this (docs/roles.md); nothing changed.
    Forbidden,
    /// Input refused; nothing was changed.
    Invalid(FieldErrors),
    NotFound(String),
    Conflict(String),
    /// Too many test sends; retry after this many seconds.
    RateLimited(u64),
    /// Too many failed sign-ins for this account or address; retry after this many
    /// seconds (docs/security.md#login-throttling).
    TooManyAttempts(u64),
    /// The server is busy checking other sign-ins; retry in a moment.
    Busy,
    /// Something failed on the server (details are in the server log only).
    Server(String),
    /// The request did not reach the server function, or its answer was unreadable.
    Transport(String),
}

impl ConsoleError {
    pub fn invalid(field: &str, message: &str) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_string(), vec![message.to_string()]);
        ConsoleError::Invalid(errors)
    }

    /// The HTTP status a server function answers with this error (never 500 for what
    /// the caller did), and the `Retry-After` seconds when there is one to wait.
    pub fn status(&self) -> (u16, Option<u64>) {
        match self {
            ConsoleError::Unauthorized | ConsoleError::BadLogin => (401, None),
            ConsoleError::Forbidden => (403, None),
            ConsoleError::Invalid(_) => (422, None),
            ConsoleError::NotFound(_) => (404, None),
            ConsoleError::Conflict(_) => (409, None),
            ConsoleError::RateLimited(secs) | ConsoleError::TooManyAttempts(secs) => {
                (429, Some(*secs))
            }
            ConsoleError::Busy => (503, Some(1)),
            ConsoleError::Transport(_) => (400, None),
            ConsoleError::Server(_) => (500, None),
        }
    }

    /// The field errors, when this is a validation error.
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            ConsoleError::Invalid(f) => Some(f),
            _ => None,
        }
    }
}

impl fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsoleError::Unauthorized => f.write_str("Your session has ended. Sign in again."),
            ConsoleError::BadLogin => f.write_str("Wrong username or password."),
            ConsoleError::Forbidden => {
                f.write_str("Your role does not allow this; nothing was changed.")
            }
            ConsoleError::Invalid(fields) => {
                let n = fields.len();
                write!(
                    f,
                    "Nothing was saved: {n} field{} need{} attention.",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" }
                )
            }
            ConsoleError::NotFound(what) => write!(f, "{what} not found."),
            ConsoleError::Conflict(message) => f.write_str(message),
            ConsoleError::RateLimited(secs) => {
                write!(f, "Too many test sends; try again in {secs} s.")
            }
            ConsoleError::TooManyAttempts(secs) => write!(
                f,
                "Too many failed sign-ins. Wait {secs} s before trying again."
            ),
            ConsoleError::Busy => {
                f.write_str("The server is busy checking other sign-ins; try again in a moment.")
            }
            ConsoleError::Server(message) => f.write_str(message),
            ConsoleError::Transport(message) => {
                write!(f, "The server could not be reached: {message}")
            }
        }
    }
}

impl std::error::Error for ConsoleError {}

impl FromServerFnError for ConsoleError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ConsoleError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<engine::EngineError> for ConsoleError {
    fn from(e: engine::EngineError) -> Self {
        use engine::EngineError as E;
        match e {
            E::Invalid(fields) => ConsoleError::Invalid(fields.0),
            E::NotFound(what) => ConsoleError::NotFound(capitalize(what)),
            E::Conflict(message) => ConsoleError::Conflict(message),
            E::RateLimited(secs) => ConsoleError::RateLimited(secs),
            E::TooManyAttempts(secs) => ConsoleError::TooManyAttempts(secs),
            E::Busy => ConsoleError::Busy,
            other => {
                tracing::error!(error = %other, "console request failed");
                ConsoleError::Server(
                    "Something went wrong on the server; the server log has the details.".into(),
                )
            }
        }
    }
}

#[cfg(feature = "ssr")]
fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
