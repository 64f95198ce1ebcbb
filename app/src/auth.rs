//! Signing in and out, the session check, and the admin password. Sessions are
//! tower-sessions (cookie `herald_session`, stored in the database); the id is renewed at
//! sign-in and the session is deleted at sign-out.
use leptos::prelude::*;

use crate::error::ConsoleError;

/// The account name the console knows.
pub const ADMIN: &str = "admin";

/// The signed-in user's name, or `None`.
#[server(prefix = "/console-api")]
pub async fn current_user() -> Result<Option<String>, ConsoleError> {
    crate::server::current_user().await
}

#[server(prefix = "/console-api")]
pub async fn login(username: String, password: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, sign_in};
    let engine = engine()?;
    let username = username.trim().to_string();
    if !engine.check_login(&username, &password).await? {
        return Err(ConsoleError::BadLogin);
    }
    sign_in(&username).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/console-api")]
pub async fn logout() -> Result<(), ConsoleError> {
    crate::server::sign_out().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/console-api")]
pub async fn change_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<(), ConsoleError> {
    use crate::server::{engine, require_user};
    let user = require_user().await?;
    let engine = engine()?;
    if !engine.check_login(&user, &current).await? {
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
    if user != ADMIN {
        return Err(ConsoleError::Conflict(
            "only the admin account has a password here".into(),
        ));
    }
    engine
        .set_admin_password(&new_password)
        .await
        .map_err(|e| match ConsoleError::from(e) {
            // The engine names the field `password`; the form calls it `new_password`.
            ConsoleError::Invalid(mut f) => {
                if let Some(m) = f.remove("password") {
                    f.insert("new_password".into(), m);
                }
                ConsoleError::Invalid(f)
            }
            other => other,
        })
}
