//! PostgreSQL ingest: events, fan-out to deliveries and their links, each as one
//! statement over arrays (`UNNEST`) however many rows; batched webhooks add to their open
//! batch with one upsert per event (the partial unique index allows one open batch per
//! webhook, so two instances can never open two). A commit that leaves deliveries in the
//! table sends `NOTIFY herald_work` in the same statement, delivered when it commits.
use std::sync::Arc;

use sqlx::PgConnection;

use super::{PgStore, WORK_CHANNEL};
use crate::conditions::ConditionCache;
use crate::error::Result;
use crate::records::{BirthLease, BornLeased, Ingested, NewEvent, StoredWebhook};
use crate::rules::fanout;
use crate::store::conditions::ConditionFailures;
use crate::store::rows::json;

/// What writing a set of events produced.
pub(super) struct Written {
    /// One per event, in order.
    pub answers: Vec<Ingested>,
    pub born_leased: Vec<BornLeased>,
}

/// A new single-event delivery.
struct Plain<'a> {
    id: String,
    webhook_id: &'a str,
    event: &'a NewEvent,
    now: i64,
    lease: Option<(&'a str, i64)>,
}

/// An event added to a batching webhook's open batch (or opening one).
struct Batched<'a> {
    sub: &'a fanout::Subscription,
    event: &'a NewEvent,
    now: i64,
}

/// Events, single-event deliveries and their links in one statement; notifies the work
/// channel when `notify`. Either list may be empty.
const INSERT_SQL: &str = "WITH e AS (INSERT INTO events (id, type, object, source, project, severity, subject, data, metadata, created, ingested_at, tenant) \
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int8[], $11::int8[], $21::text[])), \
  d AS (INSERT INTO deliveries (id, webhook_id, event_type, status, due_at, next_attempt_at, batch_open, created_at, updated_at, lease_token) \
    SELECT v.id, v.wh, v.et, CASE WHEN v.tok IS NULL THEN 'pending' ELSE 'delivering' END, COALESCE(v.until, v.now), v.now, FALSE, v.now, v.now, v.tok \
    FROM UNNEST($12::text[], $13::text[], $14::text[], $15::int8[], $16::text[], $17::int8[]) AS v(id, wh, et, now, tok, until)), \
  l AS (INSERT INTO delivery_events (delivery_id, position, event_id) SELECT id, 0, ev FROM UNNEST($12::text[], $18::text[]) AS l(id, ev)) \
  SELECT pg_notify($19, '') WHERE $20";

async fn insert_rows(
    conn: &mut PgConnection,
    events: &[(&NewEvent, i64)],
    plain: &[Plain<'_>],
    notify: bool,
) -> Result<()> {
    let mut q = sqlx::query(INSERT_SQL)
        .bind(
            events
                .iter()
                .map(|(e, _)| e.id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|(e, _)| e.event_type.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|(e, _)| e.object.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|(e, _)| e.source.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|(e, _)| e.project.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|(e, _)| e.severity.map(|s| s.as_str()))
                .collect::<Vec<_>>(),
        );
    let mut subjects = Vec::with_capacity(events.len());
    let mut data = Vec::with_capacity(events.len());
    let mut metadata = Vec::with_capacity(events.len());
    for (e, _) in events {
        subjects.push(e.subject.as_ref().map(serde_json::to_string).transpose()?);
        data.push(serde_json::to_string(&e.data)?);
        metadata.push(e.metadata.as_ref().map(serde_json::to_string).transpose()?);
    }
    q = q
        .bind(subjects)
        .bind(data)
        .bind(metadata)
        .bind(events.iter().map(|(e, _)| e.created_ms).collect::<Vec<_>>())
        .bind(events.iter().map(|(_, now)| *now).collect::<Vec<_>>())
        .bind(plain.iter().map(|p| p.id.as_str()).collect::<Vec<_>>())
        .bind(plain.iter().map(|p| p.webhook_id).collect::<Vec<_>>())
        .bind(
            plain
                .iter()
                .map(|p| p.event.event_type.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(plain.iter().map(|p| p.now).collect::<Vec<_>>())
        .bind(
            plain
                .iter()
                .map(|p| p.lease.map(|l| l.0))
                .collect::<Vec<_>>(),
        )
        .bind(
            plain
                .iter()
                .map(|p| p.lease.map(|l| l.1))
                .collect::<Vec<_>>(),
        )
        .bind(
            plain
                .iter()
                .map(|p| p.event.id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(WORK_CHANNEL)
        .bind(notify)
        .bind(
            events
                .iter()
                .map(|(e, _)| e.tenant.as_str())
                .collect::<Vec<_>>(),
        );
    q.execute(conn).await?;
    Ok(())
}

/// Adds `b.event` to its webhook's open batch, or opens one; a batch that fills closes
/// and falls due at once (docs/delivery.md#batching). One statement: the upsert takes
/// the open batch's row lock, so concurrent ingests (on any instance) append in turn.
async fn add_to_batch(conn: &mut PgConnection, b: &Batched<'_>) -> Result<()> {
    sqlx::query(
        "WITH b AS (INSERT INTO deliveries (id, webhook_id, event_type, status, due_at, next_attempt_at, batch_open, created_at, updated_at) \
           VALUES ($1, $2, $3, 'pending', $4, $4, TRUE, $5, $5) \
           ON CONFLICT (webhook_id) WHERE batch_open DO UPDATE SET event_count = deliveries.event_count + 1, \
             batch_open = deliveries.event_count + 1 < $6, \
             due_at = CASE WHEN deliveries.event_count + 1 >= $6 THEN LEAST(deliveries.due_at, $5) ELSE deliveries.due_at END, \
             next_attempt_at = CASE WHEN deliveries.event_count + 1 >= $6 THEN LEAST(deliveries.next_attempt_at, $5) ELSE deliveries.next_attempt_at END, \
             updated_at = $5 \
           RETURNING id, event_count) \
         INSERT INTO delivery_events (delivery_id, position, event_id) SELECT id, event_count - 1, $7 FROM b",
    )
    .bind(crate::ids::new_id(crate::ids::DELIVERY, b.now))
    .bind(&b.sub.id)
    .bind(&b.event.event_type)
    .bind(b.now + b.sub.batch.max_wait_ms as i64)
    .bind(b.now)
    .bind(b.sub.batch.max_events as i64)
    .bind(&b.event.id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a subscription batches (its events collect into one delivery).
fn batches(sub: &fanout::Subscription) -> bool {
    sub.format.batches() && sub.batch.max_events > 1
}

/// Writes events (each with its ingest time) and their deliveries, routing each event to
/// the active `hooks` it matches (`rules::fanout`). With batching webhooks among them the
/// statements must run in the caller's transaction; without, the write is one statement.
pub(super) async fn write_events(
    conn: &mut PgConnection,
    conditions: &ConditionCache,
    hooks: &[Arc<StoredWebhook>],
    events: &[(&NewEvent, i64)],
    lease: Option<BirthLease<'_>>,
) -> Result<Written> {
    let subs: Vec<fanout::Subscription> = hooks
        .iter()
        .map(|w| fanout::Subscription::of(w, conditions))
        .collect();
    let mut failures = ConditionFailures::default();
    let mut answers = Vec::with_capacity(events.len());
    let mut plain: Vec<Plain> = vec![];
    let mut batched: Vec<Batched> = vec![];
    let mut born_leased = vec![];
    for (index, &(e, now)) in events.iter().enumerate() {
        let routes = fanout::route(&subs, e, conditions.env());
        failures.note(&subs, &routes, e, now);
        let count = routes.to.len();
        for h in routes.to {
            let sub = &subs[h];
            if batches(sub) {
                batched.push(Batched { sub, event: e, now });
                continue;
            }
            let id = crate::ids::new_id(crate::ids::DELIVERY, now);
            let lease = lease.filter(|l| l.takes(born_leased.len(), &hooks[h]));
            if lease.is_some() {
                born_leased.push(BornLeased {
                    id: id.clone(),
                    webhook: hooks[h].clone(),
                    event: index,
                });
            }
            plain.push(Plain {
                id,
                webhook_id: &sub.id,
                event: e,
                now,
                lease: lease.map(|l| (l.token, l.until)),
            });
        }
        answers.push(Ingested {
            id: e.id.clone(),
            deliveries: count,
        });
    }
    let queued = batched.len() + plain.len() - born_leased.len();
    if batched.is_empty() {
        insert_rows(&mut *conn, events, &plain, queued > 0).await?;
    } else {
        // The events first: a batch's link refers to its event.
        insert_rows(&mut *conn, events, &[], false).await?;
        for b in &batched {
            add_to_batch(&mut *conn, b).await?;
        }
        insert_rows(&mut *conn, &[], &plain, queued > 0).await?;
    }
    for (id, failure) in failures.last() {
        sqlx::query("UPDATE webhooks SET last_condition_error = $1 WHERE id = $2")
            .bind(json(failure))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Written {
        answers,
        born_leased,
    })
}

impl PgStore {
    /// Writes `events` with their deliveries atomically: one statement, or a transaction
    /// when a batching webhook needs several.
    pub(super) async fn write_atomically(
        &self,
        events: &[(&NewEvent, i64)],
        lease: Option<BirthLease<'_>>,
    ) -> Result<Written> {
        let mut conn = self.pool.acquire().await?;
        let hooks = PgStore::active_webhooks(&mut conn, events).await?;
        let batching = hooks.iter().any(|w| {
            w.format.batches() && w.batch.max_events > 1 // may route to a batch
        });
        if !batching {
            return write_events(&mut conn, &self.conditions, &hooks, events, lease).await;
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let written = write_events(&mut tx, &self.conditions, &hooks, events, lease).await?;
        tx.commit().await?;
        Ok(written)
    }
}
