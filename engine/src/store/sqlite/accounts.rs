//! SQL for who may act and what may be sent: API keys (hashed), the admin user, and
//! the event-type catalog.
use sqlx::Row;

use super::SqliteStore;
use crate::clock::rfc3339;
use crate::error::Result;
use crate::records::{Credential, KeyHolder, NewApiKey};
use crate::store::AccountStore;
use async_trait::async_trait;
use domain::{ApiKey, EventType};

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

    async fn end_other_sessions(&self, keep: &str) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM tower_sessions WHERE id <> ?")
            .bind(keep)
            .execute(&self.write)
            .await?
            .rows_affected())
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
