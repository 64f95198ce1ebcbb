//! Writing ingested events and their deliveries inside the ingest transaction: each event
//! goes to the active webhooks the fan-out rule picks (`rules::fanout`), joining a
//! webhook's open batch or starting a delivery of its own (docs/receiving.md#batching);
//! deliveries due at once may be born leased for the hand-off.
use std::sync::Arc;

use sqlx::{Row, SqliteConnection};

use super::batch;
use crate::conditions::ConditionCache;
use crate::error::Result;
use crate::records::{BirthLease, BornLeased, Ingested, NewEvent, StoredWebhook};
use crate::rules::fanout;
use crate::store::conditions::ConditionFailures;
use crate::store::rows::json;

/// Writes events (each with its ingest time) and their deliveries in the caller's
/// transaction, routing each event to the active `hooks` it matches; one answer per
/// event, and the deliveries born leased under `lease`.
pub(super) async fn write_events(
    conn: &mut SqliteConnection,
    conditions: &ConditionCache,
    hooks: &[Arc<StoredWebhook>],
    events: &[(&NewEvent, i64)],
    lease: Option<BirthLease<'_>>,
) -> Result<(Vec<Ingested>, Vec<BornLeased>)> {
    let subs: Vec<fanout::Subscription> = hooks
        .iter()
        .map(|w| fanout::Subscription::of(w, conditions))
        .collect();
    let mut failures = ConditionFailures::default();
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
        let routes = fanout::route(&subs, e, conditions.env());
        failures.note(&subs, &routes, e, now);
        let count = routes.to.len();
        for h in routes.to {
            let sub = &subs[h];
            if sub.format.batches() && sub.batch.max_events > 1 {
                add_to_delivery(&mut *conn, sub, e, now).await?;
                continue;
            }
            let id = crate::ids::new_id(crate::ids::DELIVERY, now);
            let born_leased = lease.filter(|l| l.takes(leased.len(), &hooks[h]));
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
    batch::insert_events_and_deliveries(&mut *conn, unwritten, &plain).await?;
    for (id, failure) in failures.last() {
        sqlx::query("UPDATE webhooks SET last_condition_error = ? WHERE id = ?")
            .bind(json(failure))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok((answer, leased))
}

pub(super) async fn insert_delivery(
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

pub(super) async fn link(
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
