//! Signing in and out, the session check, the "choose your password" step after a setup
//! token, and each user's own password. Sessions are tower-sessions (cookie
//! `herald_session`, stored in the database); the id is renewed at sign-in and at a
//! password change, which also ends the user's other sessions, and the session is deleted
//! at sign-out (docs/security.md#sessions, docs/roles.md#sessions).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ConsoleError;

/// Where the sign-in page is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInStep {
    SignIn,
    /// Signed in with the one-time setup token: a password must be chosen now.
    ChoosePassword,
    SignedIn,
}

/// Who is signed in, for the header and for which controls a page offers (the server
/// checks every call again, `server::access`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    /// The user's name; for a portal session, the tenant's id.
    pub name: String,
    /// A portal session acts as an editor of its own tenant.
    pub role: domain::Role,
    /// The tenant the webhook list shows and new webhooks go to (docs/tenants.md#console).
    pub tenant: String,
    /// Set for a session opened with a portal link (docs/portal.md).
    pub portal: Option<domain::PortalLook>,
}

impl SignedInUser {
    /// Whether the role covers changing webhooks and deliveries (docs/roles.md).
    pub fn can_edit(&self) -> bool {
        self.role != domain::Role::Viewer
    }
    pub fn is_admin(&self) -> bool {
        self.role == domain::Role::Admin && self.portal.is_none()
    }
    /// A user's session: Settings and the tenant switcher; not a portal's.
    pub fn is_user(&self) -> bool {
        self.portal.is_none()
    }
}

/// The signed-in user (or portal session), or `None`.
#[server(prefix = "/console-api")]
pub async fn current_user() -> Result<Option<SignedInUser>, ConsoleError> {
    use crate::server::{access, tenancy, Principal};
    let tenant = tenancy::current_tenant().await?;
    Ok(access::current().await?.map(|p| match p {
        Principal::User { name, role } => SignedInUser {
            name,
            role,
            tenant,
            portal: None,
        },
        Principal::Portal(p) => SignedInUser {
            name: p.tenant.clone(),
            role: domain::Role::Editor,
            tenant: p.tenant,
            portal: Some(p.look),
        },
    }))
}

/// The tenants a user may switch between, by id (a portal session: none).
#[server(prefix = "/console-api")]
pub async fn switcher_tenants() -> Result<Vec<(String, String)>, ConsoleError> {
    use crate::server::{access::require_user, engine, tenancy, Need};
    use engine::rules::tenancy::TenantScope;
    if tenancy::portal().await?.is_some() {
        return Ok(vec![]);
    }
    require_user(Need::Read).await?;
    let page = engine()?.list_tenants(&TenantScope::All, 100, None).await?;
    Ok(page.data.into_iter().map(|t| (t.id, t.name)).collect())
}

/// Picks the tenant the webhook list shows (a user's session only), and goes there.
#[server(prefix = "/console-api")]
pub async fn switch_tenant(tenant: String) -> Result<(), ConsoleError> {
    use crate::server::{access::require_user, engine, tenancy, Need};
    use engine::rules::tenancy::TenantScope;
    require_user(Need::Read).await?;
    engine()?.get_tenant(&TenantScope::All, &tenant).await?;
    tenancy::switch_tenant(&tenant).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/console-api")]
pub async fn login_step() -> Result<SignInStep, ConsoleError> {
    use crate::server::{access, setup_user};
    Ok(if access::current().await?.is_some() {
        SignInStep::SignedIn
    } else if setup_user().await?.is_some() {
        SignInStep::ChoosePassword
    } else {
        SignInStep::SignIn
    })
}

/// Signs in. Throttled per account and per client address (429 with `Retry-After`), and
/// refused at once when the server is busy hashing (503).
#[server(prefix = "/console-api")]
pub async fn login(username: String, password: String) -> Result<(), ConsoleError> {
    use crate::server::{access::sign_in, begin_setup, client_address, engine};
    use engine::usecases::sign_in::{LoginAttempt, LoginOutcome};
    let username = username.trim().to_string();
    let attempt = LoginAttempt {
        username: &username,
        password: &password,
        client: client_address(),
    };
    match engine()?.sign_in(attempt).await? {
        LoginOutcome::Refused => Err(ConsoleError::BadLogin),
        LoginOutcome::SignedIn => {
            sign_in(&username).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        LoginOutcome::ChoosePassword => {
            begin_setup(&username).await?;
            leptos_axum::redirect("/login");
            Ok(())
        }
    }
}

/// The step after signing in with the setup token: sets the password, ends the user's
/// other sessions and signs in under a fresh session id.
#[server(prefix = "/console-api")]
pub async fn choose_password(new_password: String, confirm: String) -> Result<(), ConsoleError> {
    use crate::server::{access::sign_in, engine, setup_user};
    let user = setup_user().await?.ok_or(ConsoleError::Unauthorized)?;
    if new_password != confirm {
        return Err(ConsoleError::invalid(
            "confirm",
            "does not match the new password",
        ));
    }
    engine()?
        .set_user_password(&user, &new_password)
        .await
        .map_err(new_password_field)?;
    sign_in(&user).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/console-api")]
pub async fn logout() -> Result<(), ConsoleError> {
    crate::server::sign_out().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Changes the signed-in user's own password (every role may): the current one is
/// checked like a sign-in (and throttled the same way); then the user's other sessions
/// end and this one gets a fresh id.
#[server(prefix = "/console-api")]
pub async fn change_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<(), ConsoleError> {
    use crate::server::access::{keep_after_password_change, require_user, Need};
    use crate::server::{client_address, engine};
    use engine::usecases::sign_in::{LoginAttempt, LoginOutcome};
    let (user, _) = require_user(Need::Read).await?;
    let engine = engine()?;
    let attempt = LoginAttempt {
        username: &user,
        password: &current,
        client: client_address(),
    };
    if engine.sign_in(attempt).await? != LoginOutcome::SignedIn {
        return Err(ConsoleError::invalid(
            "current",
            "is not your current password",
        ));
    }
    if new_password != confirm {
        return Err(ConsoleError::invalid(
            "confirm",
            "does not match the new password",
        ));
    }
    let version = engine
        .set_user_password(&user, &new_password)
        .await
        .map_err(new_password_field)?;
    keep_after_password_change(version).await
}

/// The engine names the field `password`; the forms call it `new_password`.
#[cfg(feature = "ssr")]
fn new_password_field(e: engine::EngineError) -> ConsoleError {
    match ConsoleError::from(e) {
        ConsoleError::Invalid(mut f) => {
            if let Some(m) = f.remove("password") {
                f.insert("new_password".into(), m);
            }
            ConsoleError::Invalid(f)
        }
        other => other,
    }
}
