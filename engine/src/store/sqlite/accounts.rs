//! SQL for who may act and what may be sent: API keys (hashed), the admin user, and
//! the event-type catalog.
use sqlx::Row;

use super::SqliteStore;
use crate::clock::rfc3339;
use crate::error::Result;
use crate::records::{
    Credential, KeyHolder, NewApiKey, NewUser, UserAccess, UserChange, UserChanged,
};
use crate::rules::roles::keeps_an_admin;
use crate::store::AccountStore;
use async_trait::async_trait;
use domain::{ApiKey, EventType, User};

#[async_trait]
impl AccountStore for SqliteStore {
    async fn insert_api_key(&self, key: &NewApiKey<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, name, prefix, hash, scope, created_at, tenant) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(key.id)
        .bind(key.name)
        .bind(key.prefix)
        .bind(key.hash)
        .bind(key.scope.as_str())
        .bind(key.created_at)
        .bind(key.tenant)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The key id for a live key with this hash, marking it used.
    async fn use_api_key(&self, hash: &str, now: i64) -> Result<Option<KeyHolder>> {
        let row = sqlx::query(
            "SELECT id, scope, tenant, last_used_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.get("id");
        let last: Option<i64> = row.get("last_used_at");
        // Write "last used" at most once a minute per key: not on every request.
        if last.is_none_or(|l| now - l > 60_000) {
            sqlx::query("UPDATE api_keys SET last_used_at = ? WHERE id = ?")
                .bind(now)
                .bind(&id)
                .execute(&self.write)
                .await?;
        }
        let scope = super::super::rows::scope(row.get("scope"));
        Ok(Some(KeyHolder {
            id,
            scope,
            tenant: row.get("tenant"),
        }))
    }

    async fn api_key_exists(&self, hash: &str) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM api_keys WHERE hash = ? AND revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_one(&self.write)
        .await?
            > 0)
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, scope, tenant, created_at, last_used_at FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at DESC, id DESC",
        )
        .fetch_all(&self.write)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ApiKey {
                id: r.get("id"),
                name: r.get("name"),
                prefix: r.get("prefix"),
                scope: super::super::rows::scope(r.get("scope")),
                tenant: r.get("tenant"),
                created_at: rfc3339(r.get("created_at")),
                last_used_at: r.get::<Option<i64>, _>("last_used_at").map(rfc3339),
            })
            .collect())
    }

    async fn revoke_api_key(&self, id: &str, now: i64) -> Result<bool> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn credential(&self, username: &str) -> Result<Option<Credential>> {
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("SELECT password_hash, setup_expires_at FROM users WHERE username = ?")
                .bind(username)
                .fetch_optional(&self.write)
                .await?;
        Ok(row.map(|(hash, expires)| Credential::from_row(hash, expires)))
    }

    async fn put_credential(
        &self,
        username: &str,
        hash: &str,
        setup_expires_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (username, password_hash, setup_expires_at, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, \
             setup_expires_at = excluded.setup_expires_at, updated_at = excluded.updated_at",
        )
        .bind(username)
        .bind(hash)
        .bind(setup_expires_at)
        .bind(now)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn consume_setup_token(&self, username: &str, hash: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = '' \
             WHERE username = ? AND password_hash = ? AND setup_expires_at IS NOT NULL",
        )
        .bind(username)
        .bind(hash)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn replace_credential(
        &self,
        username: &str,
        hash: &str,
        setup_expires_at: Option<i64>,
        now: i64,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "UPDATE users SET password_hash = ?, setup_expires_at = ?, updated_at = ?, \
             credential_version = credential_version + 1 WHERE username = ? \
             RETURNING credential_version",
        )
        .bind(hash)
        .bind(setup_expires_at)
        .bind(now)
        .bind(username)
        .fetch_optional(&self.write)
        .await?)
    }

    async fn insert_user(&self, user: &NewUser<'_>) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO users (username, password_hash, setup_expires_at, role, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
        )
        .bind(user.name)
        .bind(user.setup_hash)
        .bind(user.setup_expires_at)
        .bind(user.role.as_str())
        .bind(user.now)
        .bind(user.now)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT username, role, created_at, setup_expires_at FROM users ORDER BY username",
        )
        .fetch_all(&self.write)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, role, created_at, setup)| User {
                name,
                role: super::super::rows::role(&role),
                created_at: rfc3339(created_at),
                setup_pending: setup.is_some(),
            })
            .collect())
    }

    async fn user_access(&self, username: &str) -> Result<Option<UserAccess>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT role, credential_version FROM users WHERE username = ?")
                .bind(username)
                .fetch_optional(&self.write)
                .await?;
        Ok(row.map(|(role, credential_version)| UserAccess {
            role: super::super::rows::role(&role),
            credential_version,
        }))
    }

    async fn change_user(
        &self,
        username: &str,
        change: UserChange,
        now: i64,
    ) -> Result<UserChanged> {
        let mut tx = self.write.begin().await?;
        // The admins first, locked, then the user: two changes cannot both see a second admin.
        let admins: Vec<(String,)> =
            sqlx::query_as("SELECT username FROM users WHERE role = 'admin'")
                .fetch_all(&mut *tx)
                .await?;
        let from: Option<(String,)> = sqlx::query_as("SELECT role FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((from,)) = from else {
            return Ok(UserChanged::NoSuchUser);
        };
        let to = match change {
            UserChange::Role(role) => Some(role),
            UserChange::Remove => None,
        };
        let from = super::super::rows::role(&from);
        if !keeps_an_admin(from, to, admins.len() as u64) {
            return Ok(UserChanged::LastAdmin);
        }
        match to {
            Some(role) => {
                sqlx::query("UPDATE users SET role = ?, updated_at = ? WHERE username = ?")
                    .bind(role.as_str())
                    .bind(now)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM users WHERE username = ?")
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(UserChanged::Done)
    }

    /// Inserts the event type unless one with that name exists; true when inserted.
    async fn insert_event_type(&self, t: &EventType, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO event_types (name, description, object, example, schema, builtin, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&t.name)
        .bind(&t.description)
        .bind(&t.object)
        .bind(serde_json::to_string(&t.example)?)
        .bind(t.schema.as_ref().map(serde_json::to_string).transpose()?)
        .bind(t.builtin)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_event_types(&self) -> Result<Vec<EventType>> {
        let rows = sqlx::query("SELECT name, description, object, example, schema, builtin FROM event_types ORDER BY name")
            .fetch_all(&self.write)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(EventType {
                    name: r.get("name"),
                    description: r.get("description"),
                    object: r.get("object"),
                    example: serde_json::from_str(r.get("example"))?,
                    schema: r
                        .get::<Option<String>, _>("schema")
                        .map(|s| serde_json::from_str(&s))
                        .transpose()?,
                    builtin: r.get("builtin"),
                })
            })
            .collect()
    }

    /// Deletes console sessions that have expired (`expiry_date` is unix seconds).
    async fn prune_sessions(&self, now_ms: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM tower_sessions WHERE expiry_date < ?")
                .bind(now_ms / 1000)
                .execute(&self.write)
                .await?
                .rows_affected(),
        )
    }
}
