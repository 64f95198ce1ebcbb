//! Signing in and out, the session check, the first-start "choose your password" step
//! and the admin password. Sessions are tower-sessions (cookie `herald_session`, stored in
//! the database); the id is renewed at sign-in and at a password change, which also ends
//! every other session, and the session is deleted at sign-out (docs/security.md#sessions).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ConsoleError;

/// The account name the console knows.
pub const ADMIN: &str = "admin";

/// Where the sign-in page is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInStep {
    SignIn,
    /// Signed in with the one-time setup token: a password must be chosen now.
    ChoosePassword,
    SignedIn,
}

/// The signed-in user's name, or `None`.
#[server(prefix = "/console-api")]
pub async fn current_user() -> Result<Option<String>, ConsoleError> {
    crate::server::current_user().await
}

#[server(prefix = "/console-api")]
pub async fn login_step() -> Result<SignInStep, ConsoleError> {
    use crate::server::{current_user, setup_user};
    Ok(if current_user().await?.is_some() {
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
    use crate::server::{begin_setup, client_address, engine, sign_in};
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

/// The step after signing in with the setup token: sets the password, ends every other
/// session and signs in under a fresh session id.
#[server(prefix = "/console-api")]
pub async fn choose_password(new_password: String, confirm: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, session_id, setup_user, sign_in};
    let user = setup_user().await?.ok_or(ConsoleError::Unauthorized)?;
    if new_password != confirm {
        return Err(ConsoleError::invalid(
            "confirm",
            "does not match the new password",
        ));
    }
    let keep = session_id().await?.unwrap_or_default();
    engine()?
        .choose_admin_password(&new_password, &keep)
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

/// Changes the password: the current one is checked like a sign-in (and throttled the
/// same way); then every other session ends and this one gets a fresh id.
#[server(prefix = "/console-api")]
pub async fn change_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<(), ConsoleError> {
    use crate::server::{client_address, engine, renew_id, require_user, session_id};
    use engine::usecases::sign_in::{LoginAttempt, LoginOutcome};
    let user = require_user().await?;
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
    if user != ADMIN {
        return Err(ConsoleError::Conflict(
            "only the admin account has a password here".into(),
        ));
    }
    engine
        .set_admin_password(&new_password)
        .await
        .map_err(new_password_field)?;
    let keep = session_id().await?.unwrap_or_default();
    engine.end_other_sessions(&keep).await?;
    renew_id().await
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
