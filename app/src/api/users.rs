//! Server functions of the settings page's users section (admins only, docs/roles.md):
//! list, create with a role and reset (the setup token is shown once), change the role,
//! remove. Mirrors `src/api/users.rs`.
use leptos::prelude::*;

use crate::dto::*;
use crate::error::ConsoleError;

/// Every user, and a setup token handed out a moment ago (this once).
#[server(prefix = "/console-api")]
pub async fn list_users() -> Result<UsersData, ConsoleError> {
    use crate::server::{engine, require, take_shown_once, Need, ShownOnce};
    require(Need::Admin).await?;
    let users = engine()?.list_users().await?;
    let new_setup = take_shown_once(ShownOnce::SetupToken)
        .await?
        .map(|(name, token)| NewSetupToken { name, token });
    Ok(UsersData { users, new_setup })
}

/// Creates a user with a role; their setup token goes to the session and is shown by the
/// next read of the list (so it survives the redirect of a form posted without
/// JavaScript).
#[server(prefix = "/console-api")]
pub async fn create_user(name: String, role: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, require, stash_shown_once, Need, ShownOnce};
    require(Need::Admin).await?;
    let role = parse_role(&role)?;
    let setup = engine()?.create_user(name.trim(), role).await?;
    stash_shown_once(ShownOnce::SetupToken, &setup.user.name, &setup.setup_token).await
}

#[server(prefix = "/console-api")]
pub async fn set_user_role(name: String, role: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, require, Need};
    require(Need::Admin).await?;
    let role = parse_role(&role)?;
    engine()?.set_user_role(&name, role).await?;
    Ok(())
}

/// A new setup token for the user (shown once, like at creation); their sessions end.
#[server(prefix = "/console-api")]
pub async fn reset_user(name: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, require, stash_shown_once, Need, ShownOnce};
    require(Need::Admin).await?;
    let setup = engine()?.reset_user(&name).await?;
    stash_shown_once(ShownOnce::SetupToken, &setup.user.name, &setup.setup_token).await
}

#[server(prefix = "/console-api")]
pub async fn remove_user(name: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, require, Need};
    require(Need::Admin).await?;
    Ok(engine()?.remove_user(&name).await?)
}

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<domain::Role, ConsoleError> {
    domain::Role::parse(role)
        .ok_or_else(|| ConsoleError::invalid("role", "must be admin, editor or viewer"))
}
