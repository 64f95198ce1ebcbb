//! PostgreSQL SQL for webhooks: create, read, update, delete, list, and the active set
//! ingest routes to. Secrets and protected header values arrive here already sealed.
use std::sync::Arc;

use async_trait::async_trait;

use super::PgStore;
use crate::error::Result;
use crate::records::{NewEvent, StoredWebhook};
use crate::rules::fanout;
use crate::store::rows::{
    decode_cursor, encode_cursor, json, WebhookRow, EDITABLE, WEBHOOK_COLUMNS,
};
use crate::store::{WebhookPage, WebhookStore};

type Query<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds [`EDITABLE`]'s columns of `w`, in order ($1 … $24).
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

/// `$from, $from+1, …` for `n` parameters.
pub(super) fn params(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn rows_to_webhooks(rows: Vec<WebhookRow>) -> Result<Vec<StoredWebhook>> {
    rows.into_iter().map(StoredWebhook::try_from).collect()
}

impl PgStore {
    /// The active webhooks of the tenants of `events`, on the caller's connection (what
    /// fan-out routes them to, and what handed-off deliveries are attempted with, shared
    /// by all of them); other tenants' webhooks are never read. In id order, so
    /// transactions that touch several lock them in the same order.
    pub(super) async fn active_webhooks(
        conn: &mut sqlx::PgConnection,
        events: &[(&NewEvent, i64)],
    ) -> Result<Vec<Arc<StoredWebhook>>> {
        let tenants = fanout::tenants_of(events.iter().map(|(e, _)| *e));
        let sql = format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant = ANY($1) AND active ORDER BY id"
        );
        let rows: Vec<WebhookRow> = sqlx::query_as(&sql).bind(&tenants).fetch_all(conn).await?;
        Ok(rows_to_webhooks(rows)?.into_iter().map(Arc::new).collect())
    }
}

#[async_trait]
impl WebhookStore for PgStore {
    async fn insert_webhook(&self, w: &StoredWebhook) -> Result<()> {
        let sql = format!(
            "INSERT INTO webhooks ({}, id, last_success_at, last_failure_at, created_at, updated_at, tenant) VALUES ({})",
            EDITABLE.join(", "),
            params(1, EDITABLE.len() + 6)
        );
        bind_editable(sqlx::query(&sql), w)
            .bind(&w.id)
            .bind(w.last_success_at)
            .bind(w.last_failure_at)
            .bind(w.created_at)
            .bind(w.updated_at)
            .bind(&w.tenant)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Writes the user-editable settings and secrets of `w` (not its delivery health).
    async fn update_webhook(&self, w: &StoredWebhook) -> Result<bool> {
        let sets: Vec<String> = EDITABLE
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let n = EDITABLE.len();
        let sql = format!(
            "UPDATE webhooks SET {}, updated_at = ${} WHERE id = ${}",
            sets.join(", "),
            n + 1,
            n + 2
        );
        let done = bind_editable(sqlx::query(&sql), w)
            .bind(w.updated_at)
            .bind(&w.id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_webhook(&self, id: &str) -> Result<bool> {
        // attempts and delivery_events go with their deliveries (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_webhook(&self, id: &str) -> Result<Option<StoredWebhook>> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1");
        let row: Option<WebhookRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(StoredWebhook::try_from).transpose()
    }

    async fn get_webhooks(&self, ids: &[String]) -> Result<Vec<StoredWebhook>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ANY($1)");
        let rows = sqlx::query_as(&sql).bind(ids).fetch_all(&self.pool).await?;
        rows_to_webhooks(rows)
    }

    /// Newest first; `cursor` continues a previous page.
    async fn list_webhooks(
        &self,
        tenant: Option<&str>,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<WebhookPage> {
        let (t, id) = cursor
            .and_then(decode_cursor)
            .unwrap_or((i64::MAX, String::new()));
        let sql = format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE ($4::text IS NULL OR tenant = $4) AND (created_at, id) < ($1, $2) \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        );
        let rows = sqlx::query_as(&sql)
            .bind(t)
            .bind(&id)
            .bind(limit as i64 + 1)
            .bind(tenant)
            .fetch_all(&self.pool)
            .await?;
        let mut list = rows_to_webhooks(rows)?;
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

    async fn set_webhook_active(
        &self,
        id: &str,
        active: bool,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE webhooks SET active = $1, disabled_reason = $2, \
             failing_since = CASE WHEN $1 THEN NULL ELSE failing_since END, updated_at = $3 WHERE id = $4",
        )
        .bind(active)
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn count_webhooks(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM webhooks")
            .fetch_one(&self.pool)
            .await?)
    }
}
