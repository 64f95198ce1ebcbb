//! SQL for webhooks: create, read, update, delete, list, and the subscription view the
//! fan-out reads. Secrets and protected header values arrive here already sealed.
use super::SqliteStore;
use crate::error::Result;
use crate::records::{NewEvent, StoredWebhook};
use crate::rules::fanout;
use crate::store::rows::{
    decode_cursor, encode_cursor, json, WebhookRow, EDITABLE, WEBHOOK_COLUMNS as COLUMNS,
};
use crate::store::{WebhookPage, WebhookStore};
use async_trait::async_trait;

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

fn bind_editable<'q>(q: Query<'q>, w: &'q StoredWebhook) -> Query<'q> {
    q.bind(&w.name)
        .bind(&w.url)
        .bind(&w.description)
        .bind(w.active)
        .bind(json(&w.event_types))
        .bind(json(&w.filters))
        .bind(json(&w.headers))
        .bind(w.format.as_str())
        .bind(json(&w.templates))
        .bind(json(&w.settings))
        .bind(w.include_result)
        .bind(w.batch.max_events as i64)
        .bind(w.batch.max_wait_ms as i64)
        .bind(json(&w.retry))
        .bind(w.timeout_ms as i64)
        .bind(&w.secret_sealed)
        .bind(&w.prev_secret_sealed)
        .bind(w.prev_secret_expires_at)
        .bind(&w.disabled_reason)
        .bind(w.failing_since)
        .bind(w.consecutive_failures as i64)
        .bind(&w.condition)
        .bind(json(&w.redact))
        .bind(w.last_condition_error.as_ref().map(json))
}

impl SqliteStore {
    /// The active webhooks of the tenants of `events`, inside the caller's transaction
    /// (what fan-out routes them to, and what handed-off deliveries are attempted with,
    /// shared by all of them). Other tenants' webhooks are never read.
    pub(super) async fn active_webhooks(
        conn: &mut sqlx::SqliteConnection,
        events: &[(&NewEvent, i64)],
    ) -> Result<Vec<std::sync::Arc<StoredWebhook>>> {
        let tenants = fanout::tenants_of(events.iter().map(|(e, _)| *e));
        let sql = format!(
            "SELECT {COLUMNS} FROM webhooks WHERE tenant IN (SELECT value FROM json_each(?)) AND active = 1"
        );
        sqlx::query_as::<_, WebhookRow>(&sql)
            .bind(serde_json::to_string(&tenants)?)
            .fetch_all(conn)
            .await?
            .into_iter()
            .map(|row| StoredWebhook::try_from(row).map(std::sync::Arc::new))
            .collect()
    }
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn insert_webhook(&self, w: &StoredWebhook) -> Result<()> {
        let columns = EDITABLE.join(", ");
        let marks = vec!["?"; EDITABLE.len() + 6].join(", ");
        let sql = format!(
            "INSERT INTO webhooks ({columns}, id, last_success_at, last_failure_at, created_at, updated_at, tenant) \
             VALUES ({marks})"
        );
        bind_editable(sqlx::query(&sql), w)
            .bind(&w.id)
            .bind(w.last_success_at)
            .bind(w.last_failure_at)
            .bind(w.created_at)
            .bind(w.updated_at)
            .bind(&w.tenant)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Writes the user-editable settings and secrets of `w` (not its delivery health).
    /// Returns false when it no longer exists.
    async fn update_webhook(&self, w: &StoredWebhook) -> Result<bool> {
        let sets: Vec<String> = EDITABLE.iter().map(|c| format!("{c} = ?")).collect();
        let sql = format!(
            "UPDATE webhooks SET {}, updated_at = ? WHERE id = ?",
            sets.join(", ")
        );
        let done = bind_editable(sqlx::query(&sql), w)
            .bind(w.updated_at)
            .bind(&w.id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_webhook(&self, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        // attempts and delivery_events go with their deliveries (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM webhooks WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_webhook(&self, id: &str) -> Result<Option<StoredWebhook>> {
        let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?");
        let row: Option<WebhookRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.write)
            .await?;
        row.map(StoredWebhook::try_from).transpose()
    }

    /// Several webhooks by id (for the worker), from the read pool.
    async fn get_webhooks(&self, ids: &[String]) -> Result<Vec<StoredWebhook>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id IN ({marks})");
        let mut q = sqlx::query_as::<_, WebhookRow>(&sql);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(&self.read)
            .await?
            .into_iter()
            .map(StoredWebhook::try_from)
            .collect()
    }

    /// Newest first; `cursor` continues a previous page.
    async fn list_webhooks(
        &self,
        tenant: Option<&str>,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<WebhookPage> {
        // Row-value comparison: everything older than the cursor (all rows without one).
        let (t, id) = cursor
            .and_then(decode_cursor)
            .unwrap_or((i64::MAX, String::new()));
        let sql = format!(
            "SELECT {COLUMNS} FROM webhooks WHERE (?1 IS NULL OR tenant = ?1) AND (created_at, id) < (?2, ?3) \
             ORDER BY created_at DESC, id DESC LIMIT ?4"
        );
        let rows: Vec<WebhookRow> = sqlx::query_as(&sql)
            .bind(tenant)
            .bind(t)
            .bind(&id)
            .bind(limit as i64 + 1)
            .fetch_all(&self.write)
            .await?;
        let mut list: Vec<StoredWebhook> = rows
            .into_iter()
            .map(StoredWebhook::try_from)
            .collect::<Result<_>>()?;
        let next = if list.len() > limit as usize {
            list.truncate(limit as usize);
            list.last().map(|w| encode_cursor(w.created_at, &w.id))
        } else {
            None
        };
        Ok(WebhookPage {
            webhooks: list,
            next_cursor: next,
        })
    }

    /// Sets a webhook active or inactive; clears the disabled reason when activating.
    async fn set_webhook_active(
        &self,
        id: &str,
        active: bool,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE webhooks SET active = ?, disabled_reason = ?, \
             failing_since = CASE WHEN ? THEN NULL ELSE failing_since END, updated_at = ? WHERE id = ?",
        )
        .bind(active)
        .bind(reason)
        .bind(active)
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn count_webhooks(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM webhooks")
            .fetch_one(&self.read)
            .await?)
    }
}
