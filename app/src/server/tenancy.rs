//! Which tenants a console session reaches (docs/tenants.md#console): a user every tenant
//! (the header's tenant switcher picks the one the webhook list shows and new webhooks go
//! to), a portal session only its own (docs/portal.md). Every server function asks here;
//! the engine answers "not found" for anything outside the scope.
use engine::rules::tenancy::TenantScope;
use serde::{Deserialize, Serialize};

use super::{session, session_error};
use crate::error::ConsoleError;
use domain::{PortalLook, DEFAULT_TENANT};

/// The session key holding the tenant the switcher picked.
const TENANT_KEY: &str = "tenant";
/// The session key holding a portal session's tenant and look.
pub const PORTAL_KEY: &str = "portal";

/// A session opened with a portal link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalSession {
    pub tenant: String,
    pub look: PortalLook,
}

/// The portal the session was opened with, if it was.
pub async fn portal() -> Result<Option<PortalSession>, ConsoleError> {
    session()
        .await?
        .get::<PortalSession>(PORTAL_KEY)
        .await
        .map_err(session_error)
}

/// The tenants the session reaches.
pub async fn scope() -> Result<TenantScope, ConsoleError> {
    Ok(match portal().await? {
        Some(p) => TenantScope::Only(p.tenant),
        None => TenantScope::All,
    })
}

/// The tenant the webhook list shows and new webhooks go to.
pub async fn current_tenant() -> Result<String, ConsoleError> {
    if let Some(p) = portal().await? {
        return Ok(p.tenant);
    }
    Ok(session()
        .await?
        .get::<String>(TENANT_KEY)
        .await
        .map_err(session_error)?
        .unwrap_or_else(|| DEFAULT_TENANT.to_string()))
}

/// The switcher's choice (a user's session only; the caller checked the tenant exists).
pub async fn switch_tenant(tenant: &str) -> Result<(), ConsoleError> {
    session()
        .await?
        .insert(TENANT_KEY, tenant)
        .await
        .map_err(session_error)
}

/// Starts a portal session under a fresh id (no session fixation): nothing of a user
/// session it replaces is kept.
pub async fn open_portal(
    session: &tower_sessions::Session,
    portal: PortalSession,
    now_ms: i64,
) -> Result<(), ConsoleError> {
    session.clear().await;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(PORTAL_KEY, portal)
        .await
        .map_err(session_error)?;
    session
        .insert(super::SIGNED_IN_AT, now_ms)
        .await
        .map_err(session_error)
}

/// The portal session on `session` at `now_ms`; one past its absolute lifetime is ended.
pub async fn session_portal(
    session: &tower_sessions::Session,
    now_ms: i64,
) -> Result<Option<PortalSession>, ConsoleError> {
    let Some(portal) = session
        .get::<PortalSession>(PORTAL_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    Ok(super::within_lifetime(session, now_ms)
        .await?
        .then_some(portal))
}
