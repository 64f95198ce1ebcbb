//! Multi-row statements for the two hot paths, ingest and recording outcomes: every SQL
//! statement is a round trip to SQLite's connection thread (two thread switches), so one
//! statement per chunk of rows instead of one per row is most of their cost. Chunks come
//! in a few fixed sizes, so only a handful of statements are ever prepared and cached.
//! Statements that always go together are sent as one multi-statement query (sqlx binds
//! the arguments across them in order): one round trip instead of several.
use std::collections::HashSet;

use sqlx::{Row, SqliteConnection};

use crate::error::Result;
use crate::records::{AttemptRecord, DeliveryUpdate, NewEvent};

/// Chunk sizes, largest first; a slice is cut greedily into these.
const SIZES: [usize; 4] = [64, 16, 4, 1];

/// `items` cut into chunks whose lengths are all in [`SIZES`].
pub(super) fn chunks<T>(mut items: &[T]) -> Vec<&[T]> {
    let mut out = vec![];
    while !items.is_empty() {
        let n = SIZES
            .iter()
            .copied()
            .find(|s| *s <= items.len())
            .unwrap_or(1);
        let (head, rest) = items.split_at(n);
        out.push(head);
        items = rest;
    }
    out
}

/// `(?, ?, ?), (?, ?, ?)` for `rows` rows of `cols` columns.
fn marks(rows: usize, cols: usize) -> String {
    let row = format!("({})", vec!["?"; cols].join(", "));
    vec![row; rows].join(", ")
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

fn events_sql(n: usize) -> String {
    format!(
        "INSERT INTO events (id, type, object, source, project, severity, subject, data, metadata, created, ingested_at, tenant) \
         VALUES {}",
        marks(n, 12)
    )
}

fn bind_events<'q>(mut q: Query<'q>, chunk: &'q [(&NewEvent, i64)]) -> Result<Query<'q>> {
    for (e, now) in chunk {
        q = q
            .bind(&e.id)
            .bind(&e.event_type)
            .bind(&e.object)
            .bind(&e.source)
            .bind(&e.project)
            .bind(e.severity.map(|s| s.as_str()))
            .bind(e.subject.as_ref().map(serde_json::to_string).transpose()?)
            .bind(serde_json::to_string(&e.data)?)
            .bind(e.metadata.as_ref().map(serde_json::to_string).transpose()?)
            .bind(e.created_ms)
            .bind(*now)
            .bind(&e.tenant);
    }
    Ok(q)
}

/// A new single-event delivery: (delivery id, webhook id, event type, event id, now, and
/// the lease it is born with — token and until — when handed off).
pub(super) type Plain<'a> = (
    String,
    &'a str,
    &'a str,
    &'a str,
    i64,
    Option<(&'a str, i64)>,
);

/// Two statements: the deliveries, and their links to their events.
fn deliveries_sql(n: usize) -> String {
    format!(
        "INSERT INTO deliveries (id, webhook_id, event_type, status, due_at, next_attempt_at, batch_open, \
         created_at, updated_at, lease_token) VALUES {}; \
         INSERT INTO delivery_events (delivery_id, position, event_id) VALUES {}",
        marks(n, 9).replace("?, ?, ?, ?, ?, ?, ?, ?, ?", "?, ?, ?, ?, ?, ?, 0, ?, ?, ?"),
        marks(n, 2).replace("?, ?", "?, 0, ?")
    )
}

fn bind_deliveries<'q>(mut q: Query<'q>, chunk: &'q [Plain<'q>]) -> Query<'q> {
    for (id, webhook, event_type, _, now, lease) in chunk {
        let (status, due_at) = match lease {
            Some((_, until)) => ("delivering", *until),
            None => ("pending", *now),
        };
        q = q
            .bind(id)
            .bind(*webhook)
            .bind(*event_type)
            .bind(status)
            .bind(due_at)
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(lease.map(|(token, _)| token));
    }
    for (id, _, _, event, _, _) in chunk {
        q = q.bind(id).bind(*event);
    }
    q
}

/// True when `n` rows make exactly one chunk.
fn one_chunk(n: usize) -> bool {
    SIZES.contains(&n)
}

/// Up to this many outcomes go in one statement of exactly that many rows: a piece of a
/// recorded batch (write_gate.rs) is one round trip whatever its size, so it holds the
/// write connection (ingest's way in) as briefly as it can. At most this many shapes of
/// the statement are prepared and cached.
pub(super) const ONE_TRIP: usize = 16;

/// Inserts events (each with its ingest time) and single-event deliveries — due at once,
/// or born leased (`delivering`, due again when the lease ends) — with their links.
/// When each fits one chunk (a small request: the latency-sensitive case) it is all one
/// round trip; otherwise one per chunk.
pub(super) async fn insert_events_and_deliveries(
    conn: &mut SqliteConnection,
    events: &[(&NewEvent, i64)],
    rows: &[Plain<'_>],
) -> Result<()> {
    if one_chunk(events.len()) && one_chunk(rows.len()) {
        let sql = format!(
            "{}; {}",
            events_sql(events.len()),
            deliveries_sql(rows.len())
        );
        let q = bind_events(sqlx::query(&sql), events)?;
        bind_deliveries(q, rows).execute(&mut *conn).await?;
        return Ok(());
    }
    for chunk in chunks(events) {
        let sql = events_sql(chunk.len());
        bind_events(sqlx::query(&sql), chunk)?
            .execute(&mut *conn)
            .await?;
    }
    for chunk in chunks(rows) {
        let sql = deliveries_sql(chunk.len());
        bind_deliveries(sqlx::query(&sql), chunk)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Inserts events, each with its ingest time.
pub(super) async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[(&NewEvent, i64)],
) -> Result<()> {
    insert_events_and_deliveries(conn, events, &[]).await
}

fn attempts_sql(n: usize) -> String {
    format!(
        // Only for deliveries that still exist: one deleted (with its webhook) while its
        // attempt was in flight must not fail the whole group commit. An attempt already
        // logged (a retried record whose earlier pieces committed) is left as it is.
        "INSERT OR IGNORE INTO attempts (id, delivery_id, number, started_at, duration_ms, url, request_headers, request_body, \
         response_status, response_headers, response_body, error_kind, error_message, next_retry_at, trigger) \
         SELECT * FROM (VALUES {}) AS v WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = v.column2)",
        marks(n, 15)
    )
}

fn bind_attempts<'q>(mut q: Query<'q>, chunk: &'q [&AttemptRecord]) -> Query<'q> {
    for a in chunk {
        q = q
            .bind(&a.id)
            .bind(&a.delivery_id)
            .bind(a.number as i64)
            .bind(a.started_at)
            .bind(a.duration_ms as i64)
            .bind(&a.url)
            .bind(&a.request_headers)
            .bind(&a.request_body)
            .bind(a.response_status.map(|s| s as i64))
            .bind(&a.response_headers)
            .bind(&a.response_body)
            .bind(a.error_kind.map(|k| k.as_str()))
            .bind(&a.error_message)
            .bind(a.next_retry_at)
            .bind(a.trigger.as_str());
    }
    q
}

/// Records attempts (those whose delivery is gone are left out).
pub(super) async fn insert_attempts(
    conn: &mut SqliteConnection,
    attempts: &[&AttemptRecord],
) -> Result<()> {
    for chunk in chunks(attempts) {
        let sql = attempts_sql(chunk.len());
        bind_attempts(sqlx::query(&sql), chunk)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn update_sql(n: usize) -> String {
    format!(
        "UPDATE deliveries SET status = v.column2, due_at = v.column3, next_attempt_at = v.column3, lease_token = NULL, \
         attempts = attempts + v.column4, last_status = COALESCE(v.column5, last_status), last_error = v.column6, \
         updated_at = v.column7 FROM (VALUES {}) AS v \
         WHERE deliveries.id = v.column1 AND (v.column8 IS NULL OR deliveries.lease_token = v.column8) RETURNING id",
        marks(n, 8)
    )
}

fn bind_update<'q>(mut q: Query<'q>, chunk: &'q [DeliveryUpdate]) -> Query<'q> {
    for u in chunk {
        q = q
            .bind(&u.delivery_id)
            .bind(u.transition.status().as_str())
            .bind(u.transition.due_at())
            .bind(u.attempt.is_some() as i64)
            .bind(u.last_status.map(|s| s as i64))
            .bind(&u.last_error)
            .bind(u.now)
            .bind(&u.lease_token);
    }
    q
}

/// Applies a piece of outcomes (distinct ids, at most [`ONE_TRIP`]): their deliveries'
/// new states, only while the lease is still held when one is given, and their attempts,
/// logged whether or not it was (the attempt happened). One round trip; returns the ids
/// the states applied to.
pub(super) async fn update_and_log(
    conn: &mut SqliteConnection,
    piece: &[DeliveryUpdate],
) -> Result<HashSet<String>> {
    debug_assert!(piece.len() <= ONE_TRIP, "a piece of {}", piece.len());
    if piece.is_empty() {
        return Ok(HashSet::new());
    }
    let attempts: Vec<&AttemptRecord> = piece.iter().filter_map(|u| u.attempt.as_ref()).collect();
    let mut sql = update_sql(piece.len());
    if !attempts.is_empty() {
        sql = format!("{sql}; {}", attempts_sql(attempts.len()));
    }
    let q = bind_attempts(bind_update(sqlx::query(&sql), piece), &attempts);
    let rows = q.fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(|row| row.get::<String, _>(0)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_use_few_sizes() {
        let v: Vec<u32> = (0..150).collect();
        let lens: Vec<usize> = chunks(&v).iter().map(|c| c.len()).collect();
        assert_eq!(lens, vec![64, 64, 16, 4, 1, 1]);
        assert_eq!(lens.iter().sum::<usize>(), 150);
        assert!(chunks::<u32>(&[]).is_empty());
        assert_eq!(marks(2, 3), "(?, ?, ?), (?, ?, ?)");
    }
}
