//! PostgreSQL SQL for reading what happened: events, deliveries (the delivery log) and
//! attempts.
use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};

use super::PgStore;
use crate::error::Result;
use crate::store::rows::{
    decode_cursor, encode_cursor, AttemptRow, DeliveryRow, EventRow, ATTEMPT_COLUMNS,
    DELIVERY_COLUMNS,
};
use crate::store::{AttemptPoint, LogStore};
use domain::{Attempt, Delivery, DeliveryQuery, DeliveryStatus, Event, Page};

const EVENT_COLUMNS: &str =
    "e.id, e.tenant, e.type, e.object, e.source, e.project, e.severity, e.subject, e.data, e.metadata, e.created";

impl PgStore {
    async fn event_ids_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<String>>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = sqlx::query(
            "SELECT delivery_id, event_id FROM delivery_events WHERE delivery_id = ANY($1) \
             ORDER BY delivery_id, position",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            out.entry(row.get("delivery_id"))
                .or_default()
                .push(row.get("event_id"));
        }
        Ok(out)
    }

    async fn deliveries_from(&self, rows: Vec<DeliveryRow>) -> Result<Vec<Delivery>> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut events = self.event_ids_of(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let ev = events.remove(&r.id).unwrap_or_default();
                r.into_delivery(ev)
            })
            .collect())
    }
}

#[async_trait]
impl LogStore for PgStore {
    async fn events_of_deliveries(&self, ids: &[String]) -> Result<HashMap<String, Vec<Event>>> {
        let mut out: HashMap<String, Vec<Event>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT de.delivery_id, {EVENT_COLUMNS} FROM delivery_events de JOIN events e ON e.id = de.event_id \
             WHERE de.delivery_id = ANY($1) ORDER BY de.delivery_id, de.position"
        );
        for row in sqlx::query(&sql).bind(ids).fetch_all(&self.pool).await? {
            out.entry(row.get("delivery_id"))
                .or_default()
                .push(event_from(&row)?);
        }
        Ok(out)
    }

    async fn get_event(&self, id: &str) -> Result<Option<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(event_from).transpose()
    }

    async fn deliveries_of_event(&self, event_id: &str) -> Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id IN \
             (SELECT delivery_id FROM delivery_events WHERE event_id = $1) ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query_as(&sql)
            .bind(event_id)
            .fetch_all(&self.pool)
            .await?;
        self.deliveries_from(rows).await
    }

    async fn get_delivery(&self, id: &str) -> Result<Option<Delivery>> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1");
        let row: Option<DeliveryRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(self.deliveries_from(vec![r]).await?.pop()),
            None => Ok(None),
        }
    }

    async fn attempts_of(&self, delivery_id: &str) -> Result<Vec<Attempt>> {
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY number DESC, started_at DESC"
        );
        let rows: Vec<AttemptRow> = sqlx::query_as(&sql)
            .bind(delivery_id)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(Attempt::try_from).collect()
    }

    /// A webhook's delivery log, newest first.
    async fn list_deliveries(&self, webhook_id: &str, q: &DeliveryQuery) -> Result<Page<Delivery>> {
        let limit = q.limit.clamp(1, 200) as i64;
        let mut sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE webhook_id = $1");
        let mut n = 1;
        let mut next = |sql: &mut String, clause: &str| {
            n += 1;
            sql.push_str(&clause.replace("$?", &format!("${n}")));
        };
        if q.status.is_some() {
            next(&mut sql, " AND status = $?");
        }
        if q.event_type.is_some() {
            next(&mut sql, " AND event_type = $?");
        }
        if q.since.is_some() {
            next(&mut sql, " AND created_at >= $?");
        }
        if q.until.is_some() {
            next(&mut sql, " AND created_at < $?");
        }
        let cursor = q.cursor.as_deref().and_then(decode_cursor);
        if cursor.is_some() {
            next(&mut sql, " AND (created_at, id) < ($?");
            next(&mut sql, ", $?)");
        }
        next(&mut sql, " ORDER BY created_at DESC, id DESC LIMIT $?");
        let mut query = sqlx::query_as::<_, DeliveryRow>(&sql).bind(webhook_id);
        if let Some(s) = q.status {
            query = query.bind(s.as_str());
        }
        if let Some(t) = &q.event_type {
            query = query.bind(t);
        }
        if let Some(s) = q.since {
            query = query.bind(s);
        }
        if let Some(u) = q.until {
            query = query.bind(u);
        }
        if let Some((t, id)) = &cursor {
            query = query.bind(t).bind(id);
        }
        let mut rows = query.bind(limit + 1).fetch_all(&self.pool).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| encode_cursor(r.created_at, &r.id))
        } else {
            None
        };
        Ok(Page {
            data: self.deliveries_from(rows).await?,
            next_cursor,
        })
    }

    async fn attempt_series(&self, webhook_id: &str, since: i64) -> Result<Vec<AttemptPoint>> {
        let rows = sqlx::query(
            "SELECT a.started_at, a.duration_ms, a.response_status FROM attempts a JOIN deliveries d ON d.id = a.delivery_id \
             WHERE d.webhook_id = $1 AND a.started_at >= $2 ORDER BY a.started_at",
        )
        .bind(webhook_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let status: Option<i64> = r.get("response_status");
                AttemptPoint {
                    started_at: r.get("started_at"),
                    duration_ms: r.get("duration_ms"),
                    succeeded: status
                        .and_then(|s| u16::try_from(s).ok())
                        .is_some_and(domain::is_success),
                }
            })
            .collect())
    }

    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        let mut counts: HashMap<String, i64> =
            rows.iter().map(|r| (r.get("status"), r.get("n"))).collect();
        Ok(DeliveryStatus::ALL
            .into_iter()
            .filter_map(|s| Some((s, counts.remove(s.as_str())?)))
            .filter(|(_, n)| *n > 0)
            .collect())
    }
}

fn event_from(r: &PgRow) -> Result<Event> {
    EventRow::from_row(r)?.try_into()
}
