//! The console's account: the admin password (argon2) and the one-time setup token
//! printed at first start (docs/security.md#one-time-setup-token). Every hash runs on the
//! engine's hashing pool (`hasher`), never on the async threads or tokio's blocking pool.
//! Sign-in and its throttle are in `sign_in`; other users in `users`; API keys in
//! `api_keys`.
use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::passwords;
use crate::records::{Credential, CredentialKind};
use crate::usecases::sign_in::LoginOutcome;

pub const ADMIN: &str = "admin";

/// How long the printed setup token can be used.
pub const SETUP_TOKEN_MS: i64 = 3_600_000;

/// What a correct secret for `credential` means at `now`.
fn accepted(kind: CredentialKind, now: i64) -> LoginOutcome {
    match kind {
        CredentialKind::Password => LoginOutcome::SignedIn,
        CredentialKind::SetupToken { expires_at } if now < expires_at => {
            LoginOutcome::ChoosePassword
        }
        CredentialKind::SetupToken { .. } | CredentialKind::SetupUsed => LoginOutcome::Refused,
    }
}

/// A new one-time setup token: 32 random bytes, URL-safe (docs/security.md).
pub fn new_setup_token() -> String {
    crate::rules::signing::generate_secret()
        .trim_start_matches("whsec_")
        .replace(['+', '/', '='], "")
}

/// A password must be at least 8 characters.
pub(crate) fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(EngineError::invalid(
            "password",
            "must be at least 8 characters",
        ));
    }
    Ok(())
}

impl Engine {
    /// True when some admin has a password of its own (not only a setup token).
    pub async fn has_admin(&self) -> Result<bool> {
        Ok(self
            .list_users()
            .await?
            .iter()
            .any(|u| u.role == domain::Role::Admin && !u.setup_pending))
    }

    /// Sets the `admin` account's password (`HERALD_ADMIN_PASSWORD`, `herald admin
    /// set-password`), creating the account when missing.
    pub async fn set_admin_password(&self, password: &str) -> Result<()> {
        check_password(password)?;
        let hash = self.hash(password).await?;
        self.store()
            .set_password_hash(ADMIN, &hash, self.now_ms())
            .await
    }

    /// Makes `token` the admin's one-time setup token, usable for an hour.
    pub async fn set_setup_token(&self, token: &str) -> Result<()> {
        let hash = self.hash(token).await?;
        let now = self.now_ms();
        self.store()
            .set_setup_token(ADMIN, &hash, now + SETUP_TOKEN_MS, now)
            .await
    }

    /// Checks `password` against the account's credential on the hashing pool; a setup
    /// token is used up by the first sign-in that shows it.
    pub(crate) async fn check_credential(
        &self,
        username: &str,
        password: &str,
    ) -> Result<LoginOutcome> {
        let stored = self.store().credential(username).await?;
        let password = password.to_string();
        let hash = stored.as_ref().map(|c| c.hash.clone());
        let ok = self
            .hasher()
            .run(move |memory| match hash {
                Some(h) => passwords::verify(&password, &h, memory),
                None => {
                    // Same work for unknown users, so timing does not tell who exists.
                    let _ = passwords::hash(&password, memory);
                    false
                }
            })
            .await
            .map_err(|_| EngineError::Busy)?;
        let Some(Credential { hash, kind }) = stored.filter(|_| ok) else {
            return Ok(LoginOutcome::Refused);
        };
        let outcome = accepted(kind, self.now_ms());
        if outcome == LoginOutcome::ChoosePassword
            && !self.store().consume_setup_token(username, &hash).await?
        {
            return Ok(LoginOutcome::Refused);
        }
        Ok(outcome)
    }

    pub(crate) async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_string();
        self.hasher()
            .run(move |memory| passwords::hash(&password, memory))
            .await
            .map_err(|_| EngineError::Busy)?
            .map_err(|e| EngineError::Corrupt(format!("hashing failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_correct_secret_means() {
        use CredentialKind::*;
        let cases = [
            (Password, 0, LoginOutcome::SignedIn),
            (
                SetupToken { expires_at: 10 },
                9,
                LoginOutcome::ChoosePassword,
            ),
            (SetupToken { expires_at: 10 }, 10, LoginOutcome::Refused),
            (SetupUsed, 0, LoginOutcome::Refused),
        ];
        for (kind, now, want) in cases {
            assert_eq!(accepted(kind, now), want, "{kind:?} at {now}");
        }
    }
}
