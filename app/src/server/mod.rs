//! Server-side helpers for the console's server functions (compiled with `ssr` only): the
//! engine and session from the request context, and conversions between engine types and
//! the console's DTOs.
pub mod charts;
pub mod convert;
pub mod draft;
pub mod form;

use engine::Engine;
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::error::ConsoleError;

/// The session key holding the signed-in user's name.
pub const USER_KEY: &str = "user";
/// The session key holding an API key created a moment ago, shown once.
const NEW_KEY: &str = "new_api_key";

/// The engine the server provides to every server function and SSR render.
pub fn engine() -> Result<Engine, ConsoleError> {
    use_context::<Engine>()
        .ok_or_else(|| ConsoleError::Server("the engine is not available here".into()))
}

pub async fn session() -> Result<Session, ConsoleError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer");
        ConsoleError::Server("sessions are not available".into())
    })
}

/// The signed-in user, if any.
pub async fn current_user() -> Result<Option<String>, ConsoleError> {
    let session = session().await?;
    session.get::<String>(USER_KEY).await.map_err(session_error)
}

/// The signed-in user, or `Unauthorized`. Every server function but sign-in starts here.
pub async fn require_user() -> Result<String, ConsoleError> {
    current_user().await?.ok_or(ConsoleError::Unauthorized)
}

/// Starts a session for `user` under a fresh id (no session fixation).
pub async fn sign_in(user: &str) -> Result<(), ConsoleError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    session.insert(USER_KEY, user).await.map_err(session_error)
}

/// Deletes the session from the store and clears the cookie.
pub async fn sign_out() -> Result<(), ConsoleError> {
    session().await?.flush().await.map_err(session_error)
}

/// Keeps a newly created API key for the next read of the settings page (so it can be
/// shown once even when the form was posted without JavaScript).
pub async fn stash_new_key(name: &str, key: &str) -> Result<(), ConsoleError> {
    let session = session().await?;
    session
        .insert(NEW_KEY, (name, key))
        .await
        .map_err(session_error)
}

pub async fn take_new_key() -> Result<Option<(String, String)>, ConsoleError> {
    let session = session().await?;
    session
        .remove::<(String, String)>(NEW_KEY)
        .await
        .map_err(session_error)
}

fn session_error(e: tower_sessions::session::Error) -> ConsoleError {
    tracing::error!(error = %e, "session store failed");
    ConsoleError::Server("the session store failed".into())
}

/// Who a test send counts against (`HERALD_TEST_RATE_LIMIT` is per user or key).
pub fn rate_key(user: &str) -> String {
    format!("console:{user}")
}
