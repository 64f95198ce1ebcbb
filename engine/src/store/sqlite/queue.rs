//! SQL for the delivery queue: ingest (event + fan-out + deliveries in one transaction),
//! claim with a lease, record attempt outcomes in one group commit, re-queue, and the
//! start-up release of leases a dead process held.
use std::sync::Arc;

use sqlx::{Row, SqliteConnection};

use super::{batch, SqliteStore};
use crate::error::{EngineError, Result};
use crate::records::{
    AttemptRecord, BirthLease, BornLeased, Claimed, DeliveryUpdate, Ingested, NewDelivery,
    NewEvent, StoredWebhook,
};
use crate::rules::fanout;
use crate::rules::outcome::HealthEffect;
use crate::store::{GroupIngested, IngestOutcome, LogStore, QueueStats, QueueStore, ResendStart};
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
        let hooks = SqliteStore::active_webhooks(&mut tx).await?;
        let rows: Vec<(&NewEvent, i64)> = events.iter().map(|e| (e, now)).collect();
        let (answer, _) = write_events(&mut tx, &hooks, &rows, None).await?;
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
        let mut tx = self.write.begin().await?;
        let hooks = SqliteStore::active_webhooks(&mut tx).await?;
        let rows: Vec<(&NewEvent, i64)> = requests
            .iter()
            .flat_map(|(events, now)| events.iter().map(move |e| (e, *now)))
            .collect();
        let (answers, leased) = write_events(&mut tx, &hooks, &rows, lease).await?;
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
    /// `lease_ms`, and reads their events.
    async fn claim_due(
        &self,
        now: i64,
        limit: u32,
        lease_ms: i64,
        token: &str,
    ) -> Result<Vec<Claimed>> {
        let rows = sqlx::query(
            "UPDATE deliveries SET status = 'delivering', lease_token = ?, due_at = ?, batch_open = 0, updated_at = ? \
             WHERE id IN (SELECT id FROM deliveries WHERE due_at <= ? ORDER BY due_at LIMIT ?) \
             RETURNING id, webhook_id, attempts, retry_base",
        )
        .bind(token)
        .bind(now + lease_ms)
        .bind(now)
        .bind(now)
        .bind(limit as i64)
        .fetch_all(&self.write)
        .await?;
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
            // The usual case: multi-row statements (see batch.rs).
            let mut tx = self.write.begin().await?;
            let attempts: Vec<&AttemptRecord> =
                updates.iter().filter_map(|u| u.attempt.as_ref()).collect();
            let applied = batch::update_and_log(&mut tx, updates, &attempts).await?;
            let applied: Vec<&DeliveryUpdate> = updates
                .iter()
                .filter(|u| applied.contains(&u.delivery_id))
                .collect();
            let disabled = batch::apply_health_all(&mut tx, &applied).await?;
            tx.commit().await?;
            return Ok(disabled);
        }
        let mut tx = self.write.begin().await?;
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
            if let Some(id) = apply_health(&mut tx, u).await? {
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
        let mut filter = String::new();
        let mut binds: Vec<String> = vec![];
        if !patterns.is_empty() && !patterns.iter().any(|p| p == "*") {
            let parts: Vec<&str> = patterns
                .iter()
                .map(|p| match p.strip_suffix(".*") {
                    Some(prefix) => {
                        binds.push(format!("{prefix}.%"));
                        "event_type LIKE ?"
                    }
                    None => {
                        binds.push(p.clone());
                        "event_type = ?"
                    }
                })
                .collect();
            filter = format!(" AND ({})", parts.join(" OR "));
        }
        let sql = format!(
            "UPDATE deliveries SET status = 'pending', due_at = ?, next_attempt_at = ?, retry_base = attempts, \
             last_error = NULL, updated_at = ? WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = ? \
             AND status = 'failed' AND created_at >= ? AND created_at < ?{filter} ORDER BY created_at LIMIT ?)"
        );
        let mut q = sqlx::query(&sql)
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(webhook_id)
            .bind(since)
            .bind(until);
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.bind(max as i64)
            .execute(&self.write)
            .await?
            .rows_affected())
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

/// Writes events (each with its ingest time) and their deliveries in the caller's
/// transaction, routing each event to the active `hooks` it matches; one answer per
/// event, and the deliveries born leased under `lease`.
async fn write_events(
    conn: &mut SqliteConnection,
    hooks: &[Arc<StoredWebhook>],
    events: &[(&NewEvent, i64)],
    lease: Option<BirthLease<'_>>,
) -> Result<(Vec<Ingested>, Vec<BornLeased>)> {
    let subs: Vec<fanout::Subscription> =
        hooks.iter().map(|w| fanout::Subscription::of(w)).collect();
    // Batched deliveries link events as they go, so the events must be in first; without
    // any, events and deliveries go in together at the end (one round trip when small).
    let batching = subs
        .iter()
        .any(|s| s.format.batches() && s.batch.max_events > 1);
    if batching {
        batch::insert_events(&mut *conn, events).await?;
    }
    let mut answer = Vec::with_capacity(events.len());
    let mut plain: Vec<batch::Plain> = vec![];
    let mut leased = vec![];
    for (index, &(e, now)) in events.iter().enumerate() {
        let facts = fanout::facts(e);
        let mut count = 0;
        for (h, sub) in subs.iter().enumerate() {
            if !fanout::routes_to(sub, &facts) {
                continue;
            }
            count += 1;
            if sub.format.batches() && sub.batch.max_events > 1 {
                add_to_delivery(&mut *conn, sub, e, now).await?;
                continue;
            }
            let id = crate::ids::new_id(crate::ids::DELIVERY, now);
            let born_leased = lease.filter(|l| leased.len() < l.max);
            if let Some(l) = born_leased {
                leased.push(BornLeased {
                    id: id.clone(),
                    webhook: hooks[h].clone(),
                    event: index,
                });
                plain.push((
                    id,
                    &sub.id,
                    &e.event_type,
                    &e.id,
                    now,
                    Some((l.token, l.until)),
                ));
            } else {
                plain.push((id, &sub.id, &e.event_type, &e.id, now, None));
            }
        }
        answer.push(Ingested {
            id: e.id.clone(),
            deliveries: count,
        });
    }
    let unwritten = if batching { &[][..] } else { events };
    batch::insert_events_and_deliveries(conn, unwritten, &plain).await?;
    Ok((answer, leased))
}

async fn insert_delivery(
    conn: &mut SqliteConnection,
    id: &str,
    webhook_id: &str,
    event_type: &str,
    due_at: i64,
    now: i64,
    batch_open: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deliveries (id, webhook_id, event_type, status, due_at, next_attempt_at, batch_open, created_at, updated_at) \
         VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(webhook_id)
    .bind(event_type)
    .bind(due_at)
    .bind(due_at)
    .bind(batch_open)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

async fn link(
    conn: &mut SqliteConnection,
    delivery_id: &str,
    position: i64,
    event_id: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO delivery_events (delivery_id, position, event_id) VALUES (?, ?, ?)")
        .bind(delivery_id)
        .bind(position)
        .bind(event_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds `e` to `sub`'s open batch when it batches and one is open, else to a new delivery.
async fn add_to_delivery(
    conn: &mut SqliteConnection,
    sub: &fanout::Subscription,
    e: &NewEvent,
    now: i64,
) -> Result<()> {
    let batching = sub.format.batches() && sub.batch.max_events > 1;
    if batching {
        let open = sqlx::query("SELECT id, event_count FROM deliveries WHERE webhook_id = ? AND batch_open = 1 LIMIT 1")
            .bind(&sub.id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = open {
            let id: String = row.get("id");
            let count: i64 = row.get("event_count");
            link(&mut *conn, &id, count, &e.id).await?;
            let full = count + 1 >= sub.batch.max_events as i64;
            sqlx::query(
                "UPDATE deliveries SET event_count = event_count + 1, batch_open = ?, \
                 due_at = CASE WHEN ? THEN MIN(due_at, ?) ELSE due_at END, \
                 next_attempt_at = CASE WHEN ? THEN MIN(next_attempt_at, ?) ELSE next_attempt_at END, updated_at = ? WHERE id = ?",
            )
            .bind(!full)
            .bind(full)
            .bind(now)
            .bind(full)
            .bind(now)
            .bind(now)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
            return Ok(());
        }
    }
    let id = crate::ids::new_id(crate::ids::DELIVERY, now);
    let due = if batching {
        now + sub.batch.max_wait_ms as i64
    } else {
        now
    };
    insert_delivery(&mut *conn, &id, &sub.id, &e.event_type, due, now, batching).await?;
    link(conn, &id, 0, &e.id).await
}

/// Updates the webhook's health after an outcome; returns its id when this disabled it.
pub(super) async fn apply_health(
    conn: &mut SqliteConnection,
    u: &DeliveryUpdate,
) -> Result<Option<String>> {
    let (final_failure, disable) = match &u.health {
        HealthEffect::Unchanged => return Ok(None),
        HealthEffect::Succeeded => {
            sqlx::query("UPDATE webhooks SET last_success_at = ?, consecutive_failures = 0, failing_since = NULL WHERE id = ?")
                .bind(u.now)
                .bind(&u.webhook_id)
                .execute(&mut *conn)
                .await?;
            return Ok(None);
        }
        HealthEffect::Failed {
            final_failure,
            disable,
        } => {
            sqlx::query(
                "UPDATE webhooks SET last_failure_at = ?, consecutive_failures = consecutive_failures + 1, \
                 failing_since = CASE WHEN ? THEN COALESCE(failing_since, ?) ELSE failing_since END WHERE id = ?",
            )
            .bind(u.now)
            .bind(final_failure)
            .bind(u.now)
            .bind(&u.webhook_id)
            .execute(&mut *conn)
            .await?;
            (*final_failure, disable)
        }
    };
    let reason = match disable {
        Some(r) => Some(r.clone()),
        None if final_failure => {
            let since: Option<i64> = sqlx::query_scalar(
                "SELECT failing_since FROM webhooks WHERE id = ? AND active = 1",
            )
            .bind(&u.webhook_id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
            since.filter(|s| u.now - s >= u.disable_after_ms).map(|s| {
                format!(
                    "Disabled automatically: every delivery has failed since {}",
                    crate::clock::rfc3339(s)
                )
            })
        }
        None => None,
    };
    let Some(reason) = reason else {
        return Ok(None);
    };
    let done = sqlx::query("UPDATE webhooks SET active = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND active = 1")
        .bind(&reason)
        .bind(u.now)
        .bind(&u.webhook_id)
        .execute(&mut *conn)
        .await?;
    Ok((done.rows_affected() == 1).then(|| u.webhook_id.clone()))
}
