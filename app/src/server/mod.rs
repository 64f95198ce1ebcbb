//! Server-side helpers for the console's server functions (compiled with `ssr` only): the
//! engine and session from the request context, who may call (`access`), and conversions
//! between engine types and the console's DTOs.
pub mod access;
pub mod charts;
pub mod convert;
pub mod draft;
pub mod form;
pub mod tenancy;

use std::net::IpAddr;

use engine::Engine;
use leptos::prelude::use_context;
use tower_sessions::Session;

pub use access::{require, Need, Principal};
pub(crate) use access::{within_lifetime, SIGNED_IN_AT};

use crate::error::ConsoleError;

/// The session key holding the user who signed in with the setup token and must choose
/// a password before anything else.
pub(crate) const SETUP_KEY: &str = "setup_user";
/// The session key holding an API key created a moment ago, shown once.
const NEW_KEY: &str = "new_api_key";
/// The session key holding a user's setup token handed out a moment ago, shown once.
const NEW_SETUP_TOKEN: &str = "new_setup_token";

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

/// Deletes the session from the store and clears the cookie.
pub async fn sign_out() -> Result<(), ConsoleError> {
    session().await?.flush().await.map_err(session_error)
}

/// A secret shown once on the settings page: kept in the session until the next read of
/// its list (so it can be shown even when the form was posted without JavaScript), sealed
/// with the master key: no session row holds it in plaintext (docs/security.md#sessions).
#[derive(Clone, Copy, Debug)]
pub enum ShownOnce {
    /// A new API key.
    ApiKey,
    /// A new or reset user's setup token.
    SetupToken,
}

impl ShownOnce {
    fn key(self) -> &'static str {
        match self {
            ShownOnce::ApiKey => NEW_KEY,
            ShownOnce::SetupToken => NEW_SETUP_TOKEN,
        }
    }
}

/// Keeps `secret` (named `name`) for the next [`take_shown_once`].
pub async fn stash_shown_once(
    slot: ShownOnce,
    name: &str,
    secret: &str,
) -> Result<(), ConsoleError> {
    let sealed = engine()?.seal_for_session(secret);
    let session = session().await?;
    session
        .insert(slot.key(), (name, sealed))
        .await
        .map_err(session_error)
}

/// The secret stashed by [`stash_shown_once`], opened, and forgotten.
pub async fn take_shown_once(slot: ShownOnce) -> Result<Option<(String, String)>, ConsoleError> {
    let session = session().await?;
    let Some((name, sealed)) = session
        .remove::<(String, String)>(slot.key())
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
