//! Who calls a server function and whether they may (docs/roles.md). Every server
//! function but sign-in starts with [`require`] and the [`Need`] of what it does; the
//! answer is the [`Principal`] acting, or `Unauthorized` (no session, or it ended: past
//! its lifetime, the user removed, reset or their password changed elsewhere) or
//! `Forbidden` (the role does not cover it; nothing is changed). The role is read from
//! the store at every call, so a new role counts at once.
use domain::Role;
use engine::rules::roles::allows;
pub use engine::rules::roles::Need;
use engine::Engine;
use tower_sessions::Session;

use super::tenancy::{session_portal, PortalSession};
use super::{engine, session, session_error};
use crate::error::ConsoleError;

/// The session key holding the signed-in user's name.
pub const USER_KEY: &str = "user";
/// The session key holding the role the user signed in with (shown; the store's counts).
const ROLE_KEY: &str = "role";
/// The session key holding the credential version the user signed in under.
const VERSION_KEY: &str = "credential_version";
/// The session key holding when the user (or a portal link) signed in (ms), for the
/// absolute lifetime.
pub(crate) const SIGNED_IN_AT: &str = "signed_in_at";

/// Who is acting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A console user, signed in with their password.
    User { name: String, role: Role },
    /// A session opened with a portal link (docs/portal.md): one tenant's webhooks and
    /// deliveries, read and changed; nothing of Settings.
    Portal(PortalSession),
}

impl Principal {
    /// Who a test send counts against (`HERALD_TEST_RATE_LIMIT` is per user or key; a
    /// tenant's portal sessions count together).
    pub fn rate_key(&self) -> String {
        match self {
            Principal::User { name, .. } => format!("console:{name}"),
            Principal::Portal(p) => format!("portal:{}", p.tenant),
        }
    }

    fn may(&self, need: Need) -> bool {
        match self {
            Principal::User { role, .. } => allows(*role, need),
            Principal::Portal(_) => need != Need::Admin,
        }
    }
}

/// The signed-in user (their name and role), or `Forbidden` for a portal session:
/// Settings (a password, the retention setting, keys, users) is a user's only.
pub async fn require_user(need: Need) -> Result<(String, Role), ConsoleError> {
    match require(need).await? {
        Principal::User { name, role } => Ok((name, role)),
        Principal::Portal(_) => Err(ConsoleError::Forbidden),
    }
}

/// The signed-in principal, or `Unauthorized`; `Forbidden` when its role does not cover
/// `need`.
pub async fn require(need: Need) -> Result<Principal, ConsoleError> {
    let principal = current().await?.ok_or(ConsoleError::Unauthorized)?;
    if principal.may(need) {
        Ok(principal)
    } else {
        Err(ConsoleError::Forbidden)
    }
}

/// The signed-in principal, if any.
pub async fn current() -> Result<Option<Principal>, ConsoleError> {
    session_principal(&session().await?, &engine()?).await
}

/// True when a session that signed in at `signed_in_at` has outlived the absolute lifetime.
pub fn outlived(signed_in_at: Option<i64>, now_ms: i64) -> bool {
    signed_in_at.is_none_or(|at| now_ms - at >= super::ABSOLUTE_LIFETIME_MS || at > now_ms)
}

/// The principal signed in on `session`. A session past its absolute lifetime, of a
/// removed user, or under an older credential version is ended here.
pub async fn session_principal(
    session: &Session,
    engine: &Engine,
) -> Result<Option<Principal>, ConsoleError> {
    let Some(name) = session
        .get::<String>(USER_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(session_portal(session, engine.now_ms())
            .await?
            .map(Principal::Portal));
    };
    // Sessions from before roles carry no version: the version every user started at.
    let version = session
        .get::<i64>(VERSION_KEY)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if !within_lifetime(session, engine.now_ms()).await? {
        return Ok(None);
    }
    let access = engine.user_access(&name).await?;
    match access.filter(|a| a.credential_version == version) {
        Some(access) => Ok(Some(Principal::User {
            name,
            role: access.role,
        })),
        None => {
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
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

/// Starts a session for `user` under a fresh id (no session fixation), remembering their
/// role and credential version.
pub async fn sign_in(user: &str) -> Result<(), ConsoleError> {
    let session = session().await?;
    let engine = engine()?;
    let access = engine
        .user_access(user)
        .await?
        .ok_or(ConsoleError::BadLogin)?;
    session.cycle_id().await.map_err(session_error)?;
    session
        .remove::<String>(super::SETUP_KEY)
        .await
        .map_err(session_error)?;
    session
        .insert(USER_KEY, user)
        .await
        .map_err(session_error)?;
    session
        .insert(ROLE_KEY, access.role)
        .await
        .map_err(session_error)?;
    session
        .insert(VERSION_KEY, access.credential_version)
        .await
        .map_err(session_error)?;
    session
        .insert(SIGNED_IN_AT, engine.now_ms())
        .await
        .map_err(session_error)
}

/// After the user changed their own password: this session takes on the new credential
/// `version` (every other session of theirs has ended) under a fresh id.
pub async fn keep_after_password_change(version: i64) -> Result<(), ConsoleError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(VERSION_KEY, version)
        .await
        .map_err(session_error)
}
