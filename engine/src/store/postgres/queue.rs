//! PostgreSQL SQL for the delivery queue: ingest (with idempotency keys), claims with
//! leases (`FOR UPDATE SKIP LOCKED`: instances never wait on rows another one is
//! taking), re-queues, resends, lease releases and the queue's figures. Recording
//! outcomes is in `record.rs`, writing events and deliveries in `ingest.rs`.
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::Row;

use super::{PgStore, WORK_CHANNEL};
use crate::error::{EngineError, Result};
use crate::records::{BirthLease, Claimed, DeliveryUpdate, NewDelivery, NewEvent};
use crate::store::{
    Claim, GroupIngested, IngestOutcome, LogStore, QueueStats, QueueStore, ResendStart,
};
use domain::DeliveryStatus;

/// The advisory-lock namespace ingest with an idempotency key locks the key's hash in
/// (the second key of `pg_advisory_xact_lock(int, int)`), so two instances given the same
/// key at once write it once and the second replays the first's answer.
const IDEMPOTENCY_LOCKS: i32 = 0x4845_4931; // "HEI1"

/// What a released lease goes back to: retrying when an attempt was made, else pending.
const RELEASE_SET: &str = "status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, \
    due_at = $1, lease_token = NULL, updated_at = $1";

#[async_trait]
impl QueueStore for PgStore {
    async fn ingest(
        &self,
        events: &[NewEvent],
        now: i64,
        idempotency_key: Option<&str>,
        idempotency_window_ms: i64,
    ) -> Result<IngestOutcome> {
        let rows: Vec<(&NewEvent, i64)> = events.iter().map(|e| (e, now)).collect();
        let Some(key) = idempotency_key else {
            let written = self.write_atomically(&rows, None).await?;
            return Ok(IngestOutcome {
                events: written.answers,
                replayed: false,
            });
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(IDEMPOTENCY_LOCKS)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        let seen: Option<String> = sqlx::query_scalar(
            "SELECT response FROM idempotency_keys WHERE key = $1 AND created_at > $2",
        )
        .bind(key)
        .bind(now - idempotency_window_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(response) = seen {
            return Ok(IngestOutcome {
                events: serde_json::from_str(&response)?,
                replayed: true,
            });
        }
        let hooks = PgStore::active_webhooks(&mut tx, &rows).await?;
        let written =
            super::ingest::write_events(&mut tx, &self.conditions, &hooks, &rows, None).await?;
        sqlx::query(
            "INSERT INTO idempotency_keys (key, response, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET response = excluded.response, created_at = excluded.created_at",
        )
        .bind(key)
        .bind(serde_json::to_string(&written.answers)?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(IngestOutcome {
            events: written.answers,
            replayed: false,
        })
    }

    async fn ingest_group(
        &self,
        requests: &[(&[NewEvent], i64)],
        lease: Option<BirthLease<'_>>,
    ) -> Result<GroupIngested> {
        let rows: Vec<(&NewEvent, i64)> = requests
            .iter()
            .flat_map(|(events, now)| events.iter().map(move |e| (e, *now)))
            .collect();
        let written = self.write_atomically(&rows, lease).await?;
        let mut answers = written.answers.into_iter();
        let answers = requests
            .iter()
            .map(|(events, _)| answers.by_ref().take(events.len()).collect())
            .collect();
        Ok(GroupIngested {
            answers,
            born_leased: written.born_leased,
        })
    }

    /// One event and one delivery of it, born leased to its sender (test sends): one
    /// statement.
    async fn insert_direct(
        &self,
        event: &NewEvent,
        delivery: &NewDelivery,
        now: i64,
        lease_token: &str,
        lease_until: i64,
    ) -> Result<()> {
        sqlx::query(
            "WITH e AS (INSERT INTO events (id, type, object, source, project, severity, subject, data, metadata, created, ingested_at, tenant) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $16)), \
             d AS (INSERT INTO deliveries (id, webhook_id, event_type, status, due_at, next_attempt_at, batch_open, created_at, updated_at, lease_token) \
               VALUES ($12, $13, $2, 'delivering', $14, $14, FALSE, $11, $11, $15)) \
             INSERT INTO delivery_events (delivery_id, position, event_id) VALUES ($12, 0, $1)",
        )
        .bind(&event.id)
        .bind(&event.event_type)
        .bind(&event.object)
        .bind(&event.source)
        .bind(&event.project)
        .bind(event.severity.map(|s| s.as_str()))
        .bind(event.subject.as_ref().map(serde_json::to_string).transpose()?)
        .bind(serde_json::to_string(&event.data)?)
        .bind(event.metadata.as_ref().map(serde_json::to_string).transpose()?)
        .bind(event.created_ms)
        .bind(now)
        .bind(&delivery.id)
        .bind(&delivery.webhook_id)
        .bind(lease_until)
        .bind(lease_token)
        .bind(&event.tenant)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims up to `limit` due deliveries (including those whose lease expired), oldest
    /// due first, passing over `skip` and rows another transaction is taking.
    async fn claim(&self, c: &Claim<'_>) -> Result<Vec<Claimed>> {
        let set = "UPDATE deliveries d SET status = 'delivering', lease_token = $1, due_at = $2, batch_open = FALSE, updated_at = $3 ";
        let returning = " WHERE d.id = c.id RETURNING d.id, d.webhook_id, d.attempts, d.retry_base";
        let rows = if c.skip.is_empty() {
            let sql = format!(
                "{set}FROM (SELECT id FROM deliveries WHERE due_at <= $3 ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED) c{returning}"
            );
            sqlx::query(&sql)
                .bind(c.token)
                .bind(c.now + c.lease_ms)
                .bind(c.now)
                .bind(c.limit as i64)
                .fetch_all(&self.pool)
                .await?
        } else {
            // The webhooks with anything queued, one index seek each (a loose scan of
            // `deliveries_webhook_due`), then each one's oldest due from the same index
            // (it includes the id, so the plan reads only the index): a skipped backlog is
            // never walked through. The candidates' ids are then locked by primary key.
            let sql = format!(
                "{set}FROM (SELECT q.id FROM deliveries q WHERE q.due_at <= $3 AND q.id = ANY(ARRAY( \
                   WITH RECURSIVE hooks(id) AS ( \
                     SELECT MIN(webhook_id) FROM deliveries WHERE due_at IS NOT NULL \
                     UNION ALL SELECT (SELECT MIN(webhook_id) FROM deliveries WHERE due_at IS NOT NULL AND webhook_id > hooks.id) \
                     FROM hooks WHERE hooks.id IS NOT NULL) \
                   SELECT x.id FROM hooks h JOIN webhooks w ON w.id = h.id \
                   CROSS JOIN LATERAL (SELECT id FROM deliveries WHERE webhook_id = h.id AND due_at <= $3 ORDER BY due_at LIMIT $5) x \
                   WHERE NOT (h.id = ANY($6)) AND NOT (w.tenant = ANY($7)))) \
                 ORDER BY q.due_at LIMIT $4 FOR UPDATE OF q SKIP LOCKED) c{returning}"
            );
            sqlx::query(&sql)
                .bind(c.token)
                .bind(c.now + c.lease_ms)
                .bind(c.now)
                .bind(c.limit as i64)
                .bind(c.skip.per_webhook.max(1) as i64)
                .bind(&c.skip.webhooks)
                .bind(&c.skip.tenants)
                .fetch_all(&self.pool)
                .await?
        };
        let token = c.token;
        let mut claimed: Vec<Claimed> = rows
            .into_iter()
            .map(|r| Claimed {
                id: r.get("id"),
                webhook_id: r.get("webhook_id"),
                attempt: r.get::<i64, _>("attempts") as u32 + 1,
                retry_base: r.get::<i64, _>("retry_base") as u32,
                lease_token: token.to_string(),
                events: Arc::from(vec![]),
            })
            .collect();
        if claimed.is_empty() {
            return Ok(claimed);
        }
        let ids: Vec<String> = claimed.iter().map(|c| c.id.clone()).collect();
        let mut events = self.events_of_deliveries(&ids).await?;
        for c in &mut claimed {
            c.events = events.remove(&c.id).unwrap_or_default().into();
        }
        Ok(claimed)
    }

    async fn record(&self, updates: &[DeliveryUpdate]) -> Result<Vec<String>> {
        self.record_updates(updates).await
    }

    async fn requeue_failed(
        &self,
        webhook_id: &str,
        since: i64,
        until: i64,
        patterns: &[String],
        max: u32,
        now: i64,
    ) -> Result<u64> {
        // Exact types and `prefix.*` patterns (docs/delivery.md#retry-failed), as two arrays.
        let any = patterns.is_empty() || patterns.iter().any(|p| p == "*");
        let (mut exact, mut prefixes) = (vec![], vec![]);
        for p in patterns {
            match p.strip_suffix(".*") {
                Some(prefix) => prefixes.push(format!("{prefix}.")),
                None => exact.push(p.as_str().to_string()),
            }
        }
        let row = sqlx::query(
            "WITH r AS (UPDATE deliveries SET status = 'pending', due_at = $1, next_attempt_at = $1, retry_base = attempts, \
               last_error = NULL, updated_at = $1 WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = $2 \
               AND status = 'failed' AND created_at >= $3 AND created_at < $4 \
               AND ($5 OR event_type = ANY($6) OR EXISTS (SELECT 1 FROM UNNEST($7::text[]) p WHERE starts_with(event_type, p))) \
               ORDER BY created_at LIMIT $8 FOR UPDATE SKIP LOCKED) RETURNING 1) \
             SELECT COUNT(*) AS n, (SELECT pg_notify($9, '') WHERE EXISTS (SELECT 1 FROM r)) IS NULL AS quiet FROM r",
        )
        .bind(now)
        .bind(webhook_id)
        .bind(since)
        .bind(until)
        .bind(any)
        .bind(&exact)
        .bind(&prefixes)
        .bind(max as i64)
        .bind(WORK_CHANNEL)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get::<i64, _>("n") as u64)
    }

    async fn begin_resend(
        &self,
        delivery_id: &str,
        token: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<ResendStart>> {
        let row = sqlx::query(
            // A resend sends the events the delivery holds now: its batch closes, so
            // events that arrive later start a new one (docs/delivery.md#batching).
            "UPDATE deliveries SET lease_token = $1, due_at = CASE WHEN due_at IS NULL THEN NULL ELSE $2 END, \
             batch_open = FALSE, updated_at = $3 \
             WHERE id = $4 AND status <> 'delivering' RETURNING webhook_id, attempts, status",
        )
        .bind(token)
        .bind(now + lease_ms)
        .bind(now)
        .bind(delivery_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let status: String = r.get("status");
            Ok(ResendStart {
                webhook_id: r.get("webhook_id"),
                attempt: r.get::<i64, _>("attempts") as u32 + 1,
                status: DeliveryStatus::parse(&status)
                    .ok_or_else(|| EngineError::Corrupt(format!("delivery status {status:?}")))?,
            })
        })
        .transpose()
    }

    async fn release_stale_leases(
        &self,
        instance: &str,
        dead_after_ms: i64,
        now: i64,
    ) -> Result<u64> {
        // This instance is starting: whatever its id holds is a previous run's.
        self.release_unowned(instance, false, dead_after_ms, now)
            .await
    }

    async fn release_lease(&self, token: &str, now: i64) -> Result<u64> {
        let sql = format!(
            "WITH r AS (UPDATE deliveries SET {RELEASE_SET} WHERE lease_token = $2 AND status = 'delivering' RETURNING 1) \
             SELECT COUNT(*) AS n, (SELECT pg_notify($3, '') WHERE EXISTS (SELECT 1 FROM r)) IS NULL AS quiet FROM r"
        );
        let row = sqlx::query(&sql)
            .bind(now)
            .bind(token)
            .bind(WORK_CHANNEL)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>("n") as u64)
    }

    async fn release_deliveries(&self, token: &str, ids: &[String], now: i64) -> Result<u64> {
        let sql = format!(
            "WITH r AS (UPDATE deliveries SET {RELEASE_SET} WHERE lease_token = $2 AND status = 'delivering' \
             AND id = ANY($4) RETURNING 1) \
             SELECT COUNT(*) AS n, (SELECT pg_notify($3, '') WHERE EXISTS (SELECT 1 FROM r)) IS NULL AS quiet FROM r"
        );
        let row = sqlx::query(&sql)
            .bind(now)
            .bind(token)
            .bind(WORK_CHANNEL)
            .bind(ids)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>("n") as u64)
    }

    async fn queue_stats(&self) -> Result<QueueStats> {
        // Waiting deliveries always have a due time: the partial index finds them.
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(due_at) AS oldest FROM deliveries \
             WHERE due_at IS NOT NULL AND status IN ('pending', 'retrying')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(QueueStats {
            depth: row.get("n"),
            oldest_due: row.get("oldest"),
        })
    }

    async fn next_due(&self) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT MIN(due_at) FROM deliveries WHERE due_at IS NOT NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn prune_idempotency_keys(&self, older_than: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= $1")
                .bind(older_than)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    async fn purge_batch(&self, cutoff: i64, limit: u32) -> Result<crate::store::Purged> {
        super::purge::purge_batch(self, cutoff, limit).await
    }
}
