//! The console's account: the admin password (argon2), set and checked. API keys are in
//! `api_keys`.
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::engine::Engine;
use crate::error::{EngineError, Result};

pub const ADMIN: &str = "admin";

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| EngineError::Corrupt(format!("hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

impl Engine {
    pub async fn has_admin(&self) -> Result<bool> {
        Ok(self.store().password_hash(ADMIN).await?.is_some())
    }

    pub async fn set_admin_password(&self, password: &str) -> Result<()> {
        if password.chars().count() < 8 {
            return Err(EngineError::invalid(
                "password",
                "must be at least 8 characters",
            ));
        }
        let hash = hash_password(password)?;
        self.store()
            .set_password_hash(ADMIN, &hash, self.now_ms())
            .await
    }

    /// True when the username and password match. Runs argon2 off the async threads.
    pub async fn check_login(&self, username: &str, password: &str) -> Result<bool> {
        let stored = self.store().password_hash(username).await?;
        let password = password.to_string();
        let ok = tokio::task::spawn_blocking(move || match stored {
            Some(h) => verify_password(&password, &h),
            None => {
                // Same work for unknown users, so timing does not tell who exists.
                let _ = hash_password(&password);
                false
            }
        })
        .await
        .unwrap_or(false);
        Ok(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
