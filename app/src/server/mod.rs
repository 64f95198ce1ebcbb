//! Server-side helpers for the console's server functions (compiled with `ssr` only): the
//! engine and session from the request context, and conversions between engine types and
//! the console's DTOs.
pub mod charts;
pub mod convert;
pub mod draft;
pub mod form;
pub mod tenancy;

use std::net::IpAddr;

use engine::Engine;
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::error::ConsoleError;

/// The session key holding the signed-in user's name.
pub const USER_KEY: &str = "user";
/// The session key holding when the user signed in (ms), for the absolute lifetime.
const SIGNED_IN_AT: &str = "signed_in_at";
/// The session key holding the user who signed in with the setup token and must choose
/// a password before anything else.
const SETUP_KEY: &str = "setup_user";
/// The session key holding an API key created a moment ago, shown once.
const NEW_KEY: &str = "new_api_key";

/// A session ends this long after signing in, however active (docs/security.md#sessions);
/// the idle limit is the session cookie's expiry.
pub const ABSOLUTE_LIFETIME_MS: i64 = 12 * 3_600_000;

/// What the server's request guard learned about the caller (`src/client.rs`), put in
/// the request's extensions for server functions.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientInfo {
    /// The socket peer, or the trusted proxy's `X-Forwarded-For`.
    pub address: Option<IpAddr>,
}

/// The caller's address, when known.
pub fn client_address() -> Option<IpAddr> {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<ClientInfo>().copied())
        .and_then(|c| c.address)
}

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

/// True when a session that signed in at `signed_in_at` has outlived the absolute lifetime.
pub fn outlived(signed_in_at: Option<i64>, now_ms: i64) -> bool {
    signed_in_at.is_none_or(|at| now_ms - at >= ABSOLUTE_LIFETIME_MS || at > now_ms)
}

/// The user signed in on `session` at `now_ms`; a session past its absolute lifetime is
/// ended here.
pub async fn session_user(session: &Session, now_ms: i64) -> Result<Option<String>, ConsoleError> {
    let Some(user) = session
        .get::<String>(USER_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    Ok(within_lifetime(session, now_ms).await?.then_some(user))
}

/// False (and the session ended) when `session` has outlived the absolute lifetime.
pub(crate) async fn within_lifetime(session: &Session, now_ms: i64) -> Result<bool, ConsoleError> {
    let at = session
        .get::<i64>(SIGNED_IN_AT)
        .await
        .map_err(session_error)?;
    if outlived(at, now_ms) {
        session.flush().await.map_err(session_error)?;
        return Ok(false);
    }
    Ok(true)
}

/// The signed-in user, if any.
pub async fn current_user() -> Result<Option<String>, ConsoleError> {
    session_user(&session().await?, engine()?.now_ms()).await
}

/// The user who signed in with the setup token and has to choose a password, if any.
pub async fn setup_user() -> Result<Option<String>, ConsoleError> {
    let session = session().await?;
    session
        .get::<String>(SETUP_KEY)
        .await
        .map_err(session_error)
}

/// After the setup token: a session that may only choose the password.
pub async fn begin_setup(user: &str) -> Result<(), ConsoleError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    session.insert(SETUP_KEY, user).await.map_err(session_error)
}

/// The session's id in the store, when it has one.
pub async fn session_id() -> Result<Option<String>, ConsoleError> {
    Ok(session().await?.id().map(|id| id.to_string()))
}

/// The signed-in user, or `Unauthorized`. Every server function but sign-in starts here.
pub async fn require_user() -> Result<String, ConsoleError> {
    current_user().await?.ok_or(ConsoleError::Unauthorized)
}

/// Starts a session for `user` under a fresh id (no session fixation).
pub async fn sign_in(user: &str) -> Result<(), ConsoleError> {
    let session = session().await?;
    let now = engine()?.now_ms();
    session.cycle_id().await.map_err(session_error)?;
    session
        .remove::<String>(SETUP_KEY)
        .await
        .map_err(session_error)?;
    session
        .insert(USER_KEY, user)
        .await
        .map_err(session_error)?;
    session
        .insert(SIGNED_IN_AT, now)
        .await
        .map_err(session_error)
}

/// Gives the session a fresh id (after a password change); what it holds stays.
pub async fn renew_id() -> Result<(), ConsoleError> {
    session().await?.cycle_id().await.map_err(session_error)
}

/// Deletes the session from the store and clears the cookie.
pub async fn sign_out() -> Result<(), ConsoleError> {
    session().await?.flush().await.map_err(session_error)
}

/// Keeps a newly created API key for the next read of the settings page (so it can be
/// shown once even when the form was posted without JavaScript), sealed with the master
/// key: no session row holds it in plaintext (docs/security.md#sessions).
pub async fn stash_new_key(name: &str, key: &str) -> Result<(), ConsoleError> {
    let sealed = engine()?.seal_for_session(key);
    let session = session().await?;
    session
        .insert(NEW_KEY, (name, sealed))
        .await
        .map_err(session_error)
}

/// The key stashed by [`stash_new_key`], opened, and forgotten.
pub async fn take_new_key() -> Result<Option<(String, String)>, ConsoleError> {
    let session = session().await?;
    let Some((name, sealed)) = session
        .remove::<(String, String)>(NEW_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    Ok(Some((name, engine()?.open_from_session(&sealed)?)))
}

pub(crate) fn session_error(e: tower_sessions::session::Error) -> ConsoleError {
    tracing::error!(error = %e, "session store failed");
    ConsoleError::Server("the session store failed".into())
}

/// Who a test send counts against (`HERALD_TEST_RATE_LIMIT` is per user or key).
pub fn rate_key(user: &str) -> String {
    format!("console:{user}")
}
