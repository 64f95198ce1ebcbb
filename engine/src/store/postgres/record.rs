//! PostgreSQL: recording attempt outcomes (group commit). The usual batch — distinct
//! deliveries whose outcomes leave their webhooks healthy — is one statement: the new
//! states (only where the lease is still held), the attempt log (whatever happened to the
//! lease: the request was made) and the webhooks' last success, over arrays. Failures go
//! through a transaction that applies each outcome's health in turn (auto-disable,
//! docs/delivery.md#auto-disable); webhook rows are always locked in id order, so
//! instances recording at once cannot deadlock on them.
use std::collections::HashSet;

use sqlx::{PgConnection, Row};

use super::PgStore;
use crate::error::Result;
use crate::records::DeliveryUpdate;
use crate::rules::outcome::HealthEffect;

/// The update + attempt log statement; `{health}` is either empty or the success CTE.
const UPDATE_SQL: &str = "WITH v AS (SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::text[], $7::int8[], $8::text[], $9::bool[]) \
      AS v(id, status, due, inc, last_status, last_error, now, token, ok)), \
  u AS (UPDATE deliveries d SET status = v.status, due_at = v.due, next_attempt_at = v.due, lease_token = NULL, \
      attempts = d.attempts + v.inc, last_status = COALESCE(v.last_status, d.last_status), last_error = v.last_error, updated_at = v.now \
      FROM v WHERE d.id = v.id AND (v.token IS NULL OR d.lease_token = v.token) RETURNING d.id, d.webhook_id, v.now, v.ok), \
  a AS (INSERT INTO attempts (id, delivery_id, number, started_at, duration_ms, url, request_headers, request_body, response_status, \
      response_headers, response_body, error_kind, error_message, next_retry_at, trigger, lease_token) \
      SELECT * FROM UNNEST($10::text[], $11::text[], $12::int8[], $13::int8[], $14::int8[], $15::text[], $16::text[], $17::text[], \
        $18::int8[], $19::text[], $20::text[], $21::text[], $22::text[], $23::int8[], $24::text[], $25::text[]) \
        AS a(id, delivery_id, number, started_at, duration_ms, url, request_headers, request_body, response_status, \
        response_headers, response_body, error_kind, error_message, next_retry_at, trigger, lease_token) \
      WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id) ON CONFLICT (id) DO NOTHING) \
  {health} SELECT id FROM u";

/// Healthy webhooks: their last success (locked in id order first).
const SUCCESS_HEALTH: &str = "s AS (SELECT webhook_id, MAX(now) AS now FROM u WHERE ok GROUP BY webhook_id), \
  lk AS (SELECT w.id, s.now FROM webhooks w JOIN s ON s.webhook_id = w.id ORDER BY w.id FOR NO KEY UPDATE OF w), \
  h AS (UPDATE webhooks w SET last_success_at = lk.now, consecutive_failures = 0, failing_since = NULL FROM lk WHERE w.id = lk.id)";

/// Applies the deliveries' new states and logs their attempts; with `success_health`,
/// also marks the webhooks of applied successes healthy. Returns the ids applied.
async fn update_and_log(
    conn: &mut PgConnection,
    updates: &[&DeliveryUpdate],
    success_health: bool,
) -> Result<HashSet<String>> {
    let sql = UPDATE_SQL.replace(
        "{health}",
        &if success_health {
            format!(", {SUCCESS_HEALTH}")
        } else {
            String::new()
        },
    );
    let attempts: Vec<_> = updates
        .iter()
        .filter_map(|u| Some((u.attempt.as_ref()?, u.lease_token.as_deref())))
        .collect();
    let rows = sqlx::query(&sql)
        .bind(
            updates
                .iter()
                .map(|u| u.delivery_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            updates
                .iter()
                .map(|u| u.transition.status().as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            updates
                .iter()
                .map(|u| u.transition.due_at())
                .collect::<Vec<_>>(),
        )
        .bind(
            updates
                .iter()
                .map(|u| u.attempt.is_some() as i64)
                .collect::<Vec<_>>(),
        )
        .bind(
            updates
                .iter()
                .map(|u| u.last_status.map(i64::from))
                .collect::<Vec<_>>(),
        )
        .bind(
            updates
                .iter()
                .map(|u| u.last_error.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(updates.iter().map(|u| u.now).collect::<Vec<_>>())
        .bind(
            updates
                .iter()
                .map(|u| u.lease_token.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            updates
                .iter()
                .map(|u| u.health == HealthEffect::Succeeded)
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.delivery_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.number as i64)
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.started_at)
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.duration_ms as i64)
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.url.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.request_headers.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.request_body.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.response_status.map(i64::from))
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.response_headers.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.response_body.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.error_kind.map(|k| k.as_str()))
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.error_message.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.next_retry_at)
                .collect::<Vec<_>>(),
        )
        .bind(
            attempts
                .iter()
                .map(|(a, _)| a.trigger.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(attempts.iter().map(|(_, t)| *t).collect::<Vec<_>>())
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
}

/// Updates the webhook's health after one applied outcome; returns its id when this
/// disabled it.
async fn apply_health(conn: &mut PgConnection, u: &DeliveryUpdate) -> Result<Option<String>> {
    let (final_failure, disable) = match &u.health {
        HealthEffect::Unchanged => return Ok(None),
        HealthEffect::Succeeded => {
            sqlx::query(
                "UPDATE webhooks SET last_success_at = $1, consecutive_failures = 0, failing_since = NULL WHERE id = $2",
            )
            .bind(u.now)
            .bind(&u.webhook_id)
            .execute(&mut *conn)
            .await?;
            return Ok(None);
        }
        HealthEffect::Failed {
            final_failure,
            disable,
        } => (*final_failure, disable),
    };
    let row = sqlx::query(
        "UPDATE webhooks SET last_failure_at = $1, consecutive_failures = consecutive_failures + 1, \
         failing_since = CASE WHEN $2 THEN COALESCE(failing_since, $1) ELSE failing_since END WHERE id = $3 \
         RETURNING failing_since, active",
    )
    .bind(u.now)
    .bind(final_failure)
    .bind(&u.webhook_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let since: Option<i64> = row.get("failing_since");
    let active: bool = row.get("active");
    let reason = match disable {
        Some(r) => Some(r.clone()),
        None if final_failure && active => {
            crate::rules::outcome::failing_too_long(since, u.now, u.disable_after_ms)
        }
        None => None,
    };
    let Some(reason) = reason else {
        return Ok(None);
    };
    let done = sqlx::query(
        "UPDATE webhooks SET active = FALSE, disabled_reason = $1, updated_at = $2 WHERE id = $3 AND active",
    )
    .bind(&reason)
    .bind(u.now)
    .bind(&u.webhook_id)
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() == 1).then(|| u.webhook_id.clone()))
}

impl PgStore {
    /// Applies attempt outcomes atomically; returns the ids of webhooks they disabled.
    pub(super) async fn record_updates(&self, updates: &[DeliveryUpdate]) -> Result<Vec<String>> {
        if updates.is_empty() {
            return Ok(vec![]);
        }
        let mut ids: Vec<&str> = updates.iter().map(|u| u.delivery_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let distinct = ids.len() == updates.len();
        let healthy = updates
            .iter()
            .all(|u| matches!(u.health, HealthEffect::Unchanged | HealthEffect::Succeeded));
        let all: Vec<&DeliveryUpdate> = updates.iter().collect();
        if distinct && healthy {
            let mut conn = self.pool.acquire().await?;
            update_and_log(&mut conn, &all, true).await?;
            return Ok(vec![]);
        }
        let mut tx = self.pool.begin().await?;
        let mut applied: Vec<&DeliveryUpdate> = vec![];
        if distinct {
            let ids = update_and_log(&mut tx, &all, false).await?;
            applied.extend(all.iter().copied().filter(|u| ids.contains(&u.delivery_id)));
        } else {
            // The same delivery twice (rare): one after the other, in order.
            for u in &all {
                if !update_and_log(&mut tx, &[u], false).await?.is_empty() {
                    applied.push(u);
                }
            }
        }
        // Health per webhook in id order (lock order), each webhook's outcomes in order.
        let mut hooks: Vec<&str> = applied.iter().map(|u| u.webhook_id.as_str()).collect();
        hooks.sort_unstable();
        hooks.dedup();
        let mut disabled = vec![];
        for hook in hooks {
            for u in applied.iter().filter(|u| u.webhook_id == hook) {
                if let Some(id) = apply_health(&mut tx, u).await? {
                    disabled.push(id);
                }
            }
        }
        tx.commit().await?;
        Ok(disabled)
    }
}
