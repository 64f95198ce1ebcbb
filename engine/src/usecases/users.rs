//! Console users with roles (docs/roles.md): created with a name and a role and a one-time
//! setup token (the user signs in with it and chooses a password), listed, given another
//! role, reset (a new setup token) and removed; never the last admin away. A reset,
//! a removal or a password change ends the user's sessions: they carry the credential
//! version they signed in under, and the console compares it at every request
//! (`user_access`). Mirrors `src/api/users.rs`.
use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::records::{NewUser, UserAccess, UserChange, UserChanged};
use crate::rules::roles::name_problem;
use domain::{Role, User, UserSetup};

/// How long a setup token handed to a new or reset user can be used.
pub const USER_SETUP_TOKEN_MS: i64 = 24 * 3_600_000;

impl Engine {
    /// Creates a user who has yet to choose a password: the answer holds their setup
    /// token, this once.
    pub async fn create_user(&self, name: &str, role: Role) -> Result<UserSetup> {
        if let Some(problem) = name_problem(name) {
            return Err(EngineError::invalid("name", problem));
        }
        let token = super::accounts::new_setup_token();
        let hash = self.hash(&token).await?;
        let now = self.now_ms();
        let expires_at = now + USER_SETUP_TOKEN_MS;
        let user = NewUser {
            name,
            role,
            setup_hash: &hash,
            setup_expires_at: expires_at,
            now,
        };
        if !self.store().insert_user(&user).await? {
            return Err(EngineError::invalid("name", "a user of this name exists"));
        }
        self.user_setup(name, token, expires_at).await
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        self.store().list_users().await
    }

    pub async fn user(&self, name: &str) -> Result<User> {
        self.list_users()
            .await?
            .into_iter()
            .find(|u| u.name == name)
            .ok_or(EngineError::NotFound("user"))
    }

    /// The role in force and the credential version the user's sessions must carry;
    /// `None` when the user was removed.
    pub async fn user_access(&self, name: &str) -> Result<Option<UserAccess>> {
        self.store().user_access(name).await
    }

    /// Gives the user another role; refused for the last admin.
    pub async fn set_user_role(&self, name: &str, role: Role) -> Result<User> {
        let changed = self
            .store()
            .change_user(name, UserChange::Role(role), self.now_ms())
            .await?;
        outcome(changed, "role")?;
        self.user(name).await
    }

    /// Removes the user (their sessions end at their next request); refused for the
    /// last admin.
    pub async fn remove_user(&self, name: &str) -> Result<()> {
        let changed = self
            .store()
            .change_user(name, UserChange::Remove, self.now_ms())
            .await?;
        outcome(changed, "name")
    }

    /// Replaces the user's password with a new setup token and ends their sessions.
    pub async fn reset_user(&self, name: &str) -> Result<UserSetup> {
        let token = super::accounts::new_setup_token();
        let hash = self.hash(&token).await?;
        let now = self.now_ms();
        let expires_at = now + USER_SETUP_TOKEN_MS;
        self.store()
            .replace_credential(name, &hash, Some(expires_at), now)
            .await?
            .ok_or(EngineError::NotFound("user"))?;
        self.user_setup(name, token, expires_at).await
    }

    /// Sets the user's own password (chosen after the setup token, or changed in
    /// Settings) and ends their other sessions: the new credential version, which the
    /// session that made the change takes on.
    pub async fn set_user_password(&self, name: &str, password: &str) -> Result<i64> {
        super::accounts::check_password(password)?;
        let hash = self.hash(password).await?;
        self.store()
            .replace_credential(name, &hash, None, self.now_ms())
            .await?
            .ok_or(EngineError::NotFound("user"))
    }

    async fn user_setup(&self, name: &str, token: String, expires_at: i64) -> Result<UserSetup> {
        Ok(UserSetup {
            user: self.user(name).await?,
            setup_token: token,
            expires_at: crate::clock::rfc3339(expires_at),
        })
    }
}

/// What a [`UserChanged`] means to the caller; the last admin is a field error on `field`.
fn outcome(changed: UserChanged, field: &str) -> Result<()> {
    match changed {
        UserChanged::Done => Ok(()),
        UserChanged::NoSuchUser => Err(EngineError::NotFound("user")),
        UserChanged::LastAdmin => Err(EngineError::invalid(
            field,
            "the last admin must stay an admin: make another user admin first",
        )),
    }
}
