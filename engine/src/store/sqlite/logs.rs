//! SQL for reading what happened: events, deliveries (the delivery log) and attempts.
use std::collections::HashMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row};

use super::SqliteStore;
use crate::error::Result;
use crate::store::rows::{
    decode_cursor, encode_cursor, AttemptRow, DeliveryRow, EventRow, DELIVERY_COLUMNS,
};
use crate::store::{AttemptPoint, LogStore};
use async_trait::async_trait;
use domain::{Attempt, Delivery, DeliveryQuery, DeliveryStatus, Event, Page};

fn event_from(r: &SqliteRow) -> Result<Event> {
    EventRow::from_row(r)?.try_into()
}

fn delivery_from(r: &SqliteRow, event_ids: Vec<String>) -> Result<Delivery> {
    Ok(DeliveryRow::from_row(r)?.into_delivery(event_ids))
}

fn attempt_from(r: &SqliteRow) -> Result<Attempt> {
    AttemptRow::from_row(r)?.try_into()
}

impl SqliteStore {
    async fn event_ids_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<String>>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let sql = format!(
            "SELECT delivery_id, event_id FROM delivery_events WHERE delivery_id IN ({marks}) ORDER BY delivery_id, position"
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        for row in q.fetch_all(&self.read).await? {
            out.entry(row.get("delivery_id"))
                .or_default()
                .push(row.get("event_id"));
        }
        Ok(out)
    }

    async fn deliveries_from(&self, rows: Vec<SqliteRow>) -> Result<Vec<Delivery>> {
        let ids: Vec<String> = rows.iter().map(|r| r.get("id")).collect();
        let mut events = self.event_ids_of(&ids).await?;
        rows.iter()
            .map(|r| {
                let id: String = r.get("id");
                let ev = events.remove(&id).unwrap_or_default();
                delivery_from(r, ev)
            })
            .collect()
    }
}

#[async_trait]
impl LogStore for SqliteStore {
    /// The events of each delivery, in order.
    async fn events_of_deliveries(&self, ids: &[String]) -> Result<HashMap<String, Vec<Event>>> {
        let mut out: HashMap<String, Vec<Event>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT de.delivery_id, e.* FROM delivery_events de JOIN events e ON e.id = de.event_id \
                 WHERE de.delivery_id IN ({marks}) ORDER BY de.delivery_id, de.position"
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            for row in q.fetch_all(&self.write).await? {
                out.entry(row.get("delivery_id"))
                    .or_default()
                    .push(event_from(&row)?);
            }
        }
        Ok(out)
    }

    async fn get_event(&self, id: &str) -> Result<Option<Event>> {
        let row = sqlx::query("SELECT * FROM events WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(event_from).transpose()
    }

    async fn deliveries_of_event(&self, event_id: &str) -> Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id IN (SELECT delivery_id FROM delivery_events WHERE event_id = ?) \
             ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(event_id)
            .fetch_all(&self.read)
            .await?;
        self.deliveries_from(rows).await
    }

    async fn get_delivery(&self, id: &str) -> Result<Option<Delivery>> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.write)
            .await?;
        match row {
            Some(r) => Ok(self.deliveries_from(vec![r]).await?.pop()),
            None => Ok(None),
        }
    }

    async fn attempts_of(&self, delivery_id: &str) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(
            "SELECT * FROM attempts WHERE delivery_id = ? ORDER BY number DESC, started_at DESC",
        )
        .bind(delivery_id)
        .fetch_all(&self.write)
        .await?;
        rows.iter().map(attempt_from).collect()
    }

    /// A webhook's delivery log, newest first.
    async fn list_deliveries(&self, webhook_id: &str, q: &DeliveryQuery) -> Result<Page<Delivery>> {
        let limit = q.limit.clamp(1, 200) as i64;
        let mut sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE webhook_id = ?");
        if q.status.is_some() {
            sql.push_str(" AND status = ?");
        }
        if q.event_type.is_some() {
            sql.push_str(" AND event_type = ?");
        }
        if q.since.is_some() {
            sql.push_str(" AND created_at >= ?");
        }
        if q.until.is_some() {
            sql.push_str(" AND created_at < ?");
        }
        let cursor = q.cursor.as_deref().and_then(decode_cursor);
        if cursor.is_some() {
            sql.push_str(" AND (created_at < ? OR (created_at = ? AND id < ?))");
        }
        sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
        let mut query = sqlx::query(&sql).bind(webhook_id);
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
            query = query.bind(t).bind(t).bind(id);
        }
        let mut rows = query.bind(limit + 1).fetch_all(&self.read).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last()
                .map(|r| encode_cursor(r.get("created_at"), &r.get::<String, _>("id")))
        } else {
            None
        };
        Ok(Page {
            data: self.deliveries_from(rows).await?,
            next_cursor,
        })
    }

    /// Attempts of a webhook since `since` as (started_at, duration_ms, succeeded) — the
    /// raw series behind the console's charts.
    async fn attempt_series(&self, webhook_id: &str, since: i64) -> Result<Vec<AttemptPoint>> {
        let rows = sqlx::query(
            "SELECT a.started_at, a.duration_ms, a.response_status FROM attempts a JOIN deliveries d ON d.id = a.delivery_id \
             WHERE d.webhook_id = ? AND a.started_at >= ? ORDER BY a.started_at",
        )
        .bind(webhook_id)
        .bind(since)
        .fetch_all(&self.read)
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

    /// How many deliveries are in each status, for metrics.
    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, i64)>> {
        // One pass with a counter per status: GROUP BY over an unindexed column sorts every
        // row in memory first (tens of MB with a million deliveries, on every scrape).
        let row = sqlx::query(
            "SELECT COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'delivering'), 0), \
             COALESCE(SUM(status = 'retrying'), 0), COALESCE(SUM(status = 'succeeded'), 0), \
             COALESCE(SUM(status = 'failed'), 0) FROM deliveries",
        )
        .fetch_one(&self.read)
        .await?;
        Ok(DeliveryStatus::ALL
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, row.get::<i64, _>(i)))
            .filter(|(_, n)| *n > 0)
            .collect())
    }
}
