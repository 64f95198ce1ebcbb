//! SQL for the delivery queue: ingest (event + fan-out + deliveries in one transaction),
//! claim with a lease, record attempt outcomes in one group commit, re-queue, and the
//! start-up release of leases a dead process held.
use std::collections::HashSet;
use std::sync::Arc;

use sqlx::{Connection, Row};

use super::fanout_write::{insert_delivery, link, write_events};
use super::write_gate::{Cede, CLAIM_PIECE, PIECE};
use super::{batch, health, SqliteStore};
use crate::error::{EngineError, Result};
use crate::records::{BirthLease, Claimed, DeliveryUpdate, NewDelivery, NewEvent};
use crate::rules::filter::subscribes;
use crate::store::{
    Claim, GroupIngested, IngestOutcome, LogStore, QueueStats, QueueStore, ResendStart,
};
use async_trait::async_trait;
use domain::DeliveryStatus;

#[async_trait]
impl QueueStore for SqliteStore {
    /// Stores the events and their deliveries in one transaction; when this returns Ok the
    /// events are durable. With an idempotency key seen within `idempotency_window_ms`, the
    /// first answer is returned and nothing is written.
    async fn ingest(
        &self,
        events: &[NewEvent],
        now: i64,
        idempotency_key: Option<&str>,
        idempotency_window_ms: i64,
    ) -> Result<IngestOutcome> {
        let _first = self.gate.urgent();
        let mut tx = self.write.begin().await?;
        if let Some(key) = idempotency_key {
            let seen: Option<String> = sqlx::query_scalar(
                "SELECT response FROM idempotency_keys WHERE key = ? AND created_at > ?",
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
        }
        let rows: Vec<(&NewEvent, i64)> = events.iter().map(|e| (e, now)).collect();
        let hooks = SqliteStore::active_webhooks(&mut tx, &rows).await?;
        let (answer, _) = write_events(&mut tx, &self.conditions, &hooks, &rows, None).await?;
        if let Some(key) = idempotency_key {
            sqlx::query("INSERT OR REPLACE INTO idempotency_keys (key, response, created_at) VALUES (?, ?, ?)")
                .bind(key)
                .bind(serde_json::to_string(&answer)?)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(IngestOutcome {
            events: answer,
            replayed: false,
        })
    }

    /// Stores several ingest requests (events, each request's time) in one transaction
    /// (group commit); one answer per request, in order. Durable when this returns Ok.
    /// With `lease`, up to `lease.max` deliveries due at once are born leased (hand-off)
    /// and returned; their `event` indexes count the requests' events in order.
    async fn ingest_group(
        &self,
        requests: &[(&[NewEvent], i64)],
        lease: Option<BirthLease<'_>>,
    ) -> Result<GroupIngested> {
        let _first = self.gate.urgent();
        let mut tx = self.write.begin().await?;
        let rows: Vec<(&NewEvent, i64)> = requests
            .iter()
            .flat_map(|(events, now)| events.iter().map(move |e| (e, *now)))
            .collect();
        let hooks = SqliteStore::active_webhooks(&mut tx, &rows).await?;
        let (answers, leased) =
            write_events(&mut tx, &self.conditions, &hooks, &rows, lease).await?;
        tx.commit().await?;
        let mut answers = answers.into_iter();
        let answers = requests
            .iter()
            .map(|(events, _)| answers.by_ref().take(events.len()).collect())
            .collect();
        Ok(GroupIngested {
            answers,
            born_leased: leased,
        })
    }

    /// Stores one event and one delivery of it to `webhook_id`, bypassing subscriptions
    /// (test events). The delivery is born leased to `lease_token` until `lease_until`, so
    /// no worker can claim (and send it a second time) while the caller sends it.
    async fn insert_direct(
        &self,
        event: &NewEvent,
        delivery: &NewDelivery,
        now: i64,
        lease_token: &str,
        lease_until: i64,
    ) -> Result<()> {
        let _first = self.gate.urgent();
        let mut tx = self.write.begin().await?;
        batch::insert_events(&mut tx, &[(event, now)]).await?;
        insert_delivery(
            &mut tx,
            &delivery.id,
            &delivery.webhook_id,
            &event.event_type,
            lease_until,
            now,
            false,
        )
        .await?;
        sqlx::query("UPDATE deliveries SET status = 'delivering', lease_token = ? WHERE id = ?")
            .bind(lease_token)
            .bind(&delivery.id)
            .execute(&mut *tx)
            .await?;
        link(&mut tx, &delivery.id, 0, &event.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` due deliveries (including those whose lease expired) for
    /// `lease_ms`, passing over `skip`, and reads their events.
    async fn claim(&self, c: &Claim<'_>) -> Result<Vec<Claimed>> {
        let set = "UPDATE deliveries SET status = 'delivering', lease_token = ?, due_at = ?, batch_open = 0, updated_at = ? ";
        let returning = " RETURNING id, webhook_id, attempts, retry_base";
        let rows = if c.skip.is_empty() {
            // A piece at a time, letting ingest in between (write_gate.rs; giving way
            // at the pool once), until the limit or a piece that comes back short.
            let sql = format!(
                "{set}WHERE id IN (SELECT id FROM deliveries WHERE due_at <= ? ORDER BY due_at LIMIT ?){returning}"
            );
            let mut rows = vec![];
            let mut cede = Cede::Once;
            loop {
                let want = (c.limit as usize - rows.len()).min(CLAIM_PIECE);
                let mut conn = self.background_writer(&mut cede).await?;
                let piece = sqlx::query(&sql)
                    .bind(c.token)
                    .bind(c.now + c.lease_ms)
                    .bind(c.now)
                    .bind(c.now)
                    .bind(want as i64)
                    .fetch_all(&mut *conn)
                    .await?;
                let short = piece.len() < want;
                rows.extend(piece);
                if short || rows.len() >= c.limit as usize {
                    break rows;
                }
            }
        } else {
            // The webhooks with anything queued, one index seek each (a loose scan of
            // `deliveries_webhook_due`), then each one's oldest due: a skipped backlog is
            // never walked through. One statement: pieces could take more than
            // `per_webhook` of one webhook between them.
            let mut conn = self.background_writer(&mut Cede::Once).await?;
            let sql = format!(
                "{set}WHERE rowid IN (WITH RECURSIVE hooks(id) AS ( \
                   SELECT MIN(webhook_id) FROM deliveries WHERE due_at IS NOT NULL \
                   UNION ALL SELECT (SELECT MIN(webhook_id) FROM deliveries WHERE due_at IS NOT NULL AND webhook_id > hooks.id) \
                   FROM hooks WHERE hooks.id IS NOT NULL) \
                 SELECT d.rowid FROM hooks h JOIN webhooks w ON w.id = h.id \
                 JOIN deliveries d ON d.rowid IN (SELECT x.rowid FROM deliveries x \
                   WHERE x.webhook_id = h.id AND x.due_at <= ? ORDER BY x.due_at LIMIT ?) \
                 WHERE h.id NOT IN (SELECT value FROM json_each(?)) AND w.tenant NOT IN (SELECT value FROM json_each(?)) \
                 ORDER BY d.due_at LIMIT ?){returning}"
            );
            sqlx::query(&sql)
                .bind(c.token)
                .bind(c.now + c.lease_ms)
                .bind(c.now)
                .bind(c.now)
                .bind(c.skip.per_webhook.max(1) as i64)
                .bind(serde_json::to_string(&c.skip.webhooks)?)
                .bind(serde_json::to_string(&c.skip.tenants)?)
                .bind(c.limit as i64)
                .fetch_all(&mut *conn)
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

    /// Applies attempt outcomes in one transaction (group commit). Returns the ids of
    /// webhooks this disabled.
    async fn record(&self, updates: &[DeliveryUpdate]) -> Result<Vec<String>> {
        let mut ids: Vec<&str> = updates.iter().map(|u| u.delivery_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() == updates.len() {
            // The usual case: multi-row statements (see batch.rs), a piece at a time.
            // The outcomes give way to ingest once (write_gate.rs): at the pool, or by
            // committing what is done when an ingest waits after a piece; the rest
            // follows in one more transaction. (Once: under a steady stream of ingests
            // every give-way costs a commit.) A retry after a failure in the second
            // transaction changes nothing the first committed: those leases are gone
            // and those attempts are already logged.
            let mut disabled = vec![];
            let mut rest = updates;
            let mut cede = Cede::Once;
            while !rest.is_empty() {
                let mut conn = self.background_writer(&mut cede).await?;
                let mut tx = conn.begin().await?;
                let mut applied = HashSet::new();
                let mut done = 0;
                for piece in rest.chunks(PIECE) {
                    applied.extend(batch::update_and_log(&mut tx, piece).await?);
                    done += piece.len();
                    if cede == Cede::Once && self.gate.urgent_waiting() {
                        cede = Cede::Never;
                        break;
                    }
                }
                let (segment, after) = rest.split_at(done);
                let applied: Vec<&DeliveryUpdate> = segment
                    .iter()
                    .filter(|u| applied.contains(&u.delivery_id))
                    .collect();
                disabled.extend(health::apply_all(&mut tx, &applied).await?);
                tx.commit().await?;
                rest = after;
            }
            return Ok(disabled);
        }
        let mut conn = self.background_writer(&mut Cede::Once).await?;
        let mut tx = conn.begin().await?;
        let mut disabled = vec![];
        for u in updates {
            let applied = sqlx::query(
                "UPDATE deliveries SET status = ?, due_at = ?, next_attempt_at = ?, lease_token = NULL, \
                 attempts = attempts + ?, last_status = COALESCE(?, last_status), last_error = ?, updated_at = ? \
                 WHERE id = ? AND (? IS NULL OR lease_token = ?)",
            )
            .bind(u.transition.status().as_str())
            .bind(u.transition.due_at())
            .bind(u.transition.due_at())
            .bind(u.attempt.is_some() as i64)
            .bind(u.last_status.map(|s| s as i64))
            .bind(&u.last_error)
            .bind(u.now)
            .bind(&u.delivery_id)
            .bind(&u.lease_token)
            .bind(&u.lease_token)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if let Some(a) = &u.attempt {
                // The attempt happened whether or not we still held the lease: log it.
                batch::insert_attempts(&mut tx, &[a]).await?;
            }
            if applied == 0 {
                continue;
            }
            if let Some(id) = health::apply(&mut tx, u).await? {
                disabled.push(id);
            }
        }
        tx.commit().await?;
        Ok(disabled)
    }

    /// Re-queues a webhook's failed deliveries created in `[since, until)` whose event type
    /// matches one of `patterns` (all when empty); at most `max`. Returns how many.
    async fn requeue_failed(
        &self,
        webhook_id: &str,
        since: i64,
        until: i64,
        patterns: &[String],
        max: u32,
        now: i64,
    ) -> Result<u64> {
        // The event-type patterns are matched by the engine's one rule
        // (`rules::filter::subscribes`), never re-written as SQL `LIKE` (where `_` and `%`
        // are wildcards and could disagree with it).
        let mut tx = self.write.begin().await?;
        let candidates: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, event_type FROM deliveries WHERE webhook_id = ? AND status = 'failed' \
             AND created_at >= ? AND created_at < ? ORDER BY created_at",
        )
        .bind(webhook_id)
        .bind(since)
        .bind(until)
        .fetch_all(&mut *tx)
        .await?;
        let chosen: Vec<String> = candidates
            .into_iter()
            .filter(|(_, t)| patterns.is_empty() || subscribes(patterns, t))
            .map(|(id, _)| id)
            .take(max as usize)
            .collect();
        let mut requeued = 0;
        for chunk in chosen.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "UPDATE deliveries SET status = 'pending', due_at = ?, next_attempt_at = ?, retry_base = attempts, \
                 last_error = NULL, updated_at = ? WHERE status = 'failed' AND id IN ({marks})"
            );
            let mut q = sqlx::query(&sql).bind(now).bind(now).bind(now);
            for id in chunk {
                q = q.bind(id);
            }
            requeued += q.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(requeued)
    }

    /// Marks a delivery as being sent by a manual resend; fails when a worker holds it.
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
            "UPDATE deliveries SET lease_token = ?, due_at = CASE WHEN due_at IS NULL THEN NULL ELSE ? END, \
             batch_open = 0, updated_at = ? \
             WHERE id = ? AND status != 'delivering' RETURNING webhook_id, attempts, status",
        )
        .bind(token)
        .bind(now + lease_ms)
        .bind(now)
        .bind(delivery_id)
        .fetch_optional(&self.write)
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

    /// Releases leases held by a previous run of this process (one Herald per database,
    /// so every lease is one): those deliveries are due again at once. Returns how many.
    async fn release_stale_leases(
        &self,
        _instance: &str,
        _dead_after_ms: i64,
        now: i64,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, \
             due_at = ?, lease_token = NULL, updated_at = ? WHERE status = 'delivering'",
        )
        .bind(now)
        .bind(now)
        .execute(&self.write)
        .await?
        .rows_affected())
    }

    async fn release_deliveries(&self, token: &str, ids: &[String], now: i64) -> Result<u64> {
        let mut conn = self.background_writer(&mut Cede::Once).await?;
        Ok(sqlx::query(
            "UPDATE deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, \
             due_at = ?, lease_token = NULL, updated_at = ? WHERE status = 'delivering' AND lease_token = ? \
             AND id IN (SELECT value FROM json_each(?))",
        )
        .bind(now)
        .bind(now)
        .bind(token)
        .bind(serde_json::to_string(ids)?)
        .execute(&mut *conn)
        .await?
        .rows_affected())
    }

    /// Queue depth (deliveries waiting) and the time the oldest one became due.
    async fn queue_stats(&self) -> Result<QueueStats> {
        let row = sqlx::query("SELECT COUNT(*) AS n, MIN(due_at) AS oldest FROM deliveries WHERE status IN ('pending', 'retrying')")
            .fetch_one(&self.read)
            .await?;
        Ok(QueueStats {
            depth: row.get("n"),
            oldest_due: row.get("oldest"),
        })
    }

    /// When the next delivery becomes due, if any.
    async fn next_due(&self) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT MIN(due_at) FROM deliveries WHERE due_at IS NOT NULL")
                .fetch_one(&self.read)
                .await?,
        )
    }

    /// Drops idempotency keys older than the window.
    async fn prune_idempotency_keys(&self, older_than: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= ?")
                .bind(older_than)
                .execute(&self.write)
                .await?
                .rows_affected(),
        )
    }

    async fn purge_batch(&self, cutoff: i64, limit: u32) -> Result<crate::store::Purged> {
        super::purge::purge_batch(self, cutoff, limit).await
    }

    /// Gives back the deliveries a worker holds (graceful shutdown).
    async fn release_lease(&self, token: &str, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, \
             due_at = ?, lease_token = NULL, updated_at = ? WHERE status = 'delivering' AND lease_token = ?",
        )
        .bind(now)
        .bind(now)
        .bind(token)
        .execute(&self.write)
        .await?
        .rows_affected())
    }
}
