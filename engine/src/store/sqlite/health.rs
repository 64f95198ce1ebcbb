//! A webhook's health after delivery outcomes: success resets failures; a final failure
//! starts or continues the auto-disable window and disables the webhook once it is long
//! enough (docs/delivery.md#auto-disable); a 410 disables it at once. What an outcome does
//! is decided by the engine's rule (`rules::outcome::health_effect`); this writes it.
use sqlx::SqliteConnection;

use crate::error::Result;
use crate::records::DeliveryUpdate;
use crate::rules::outcome::HealthEffect;

/// Updates the webhook's health after an outcome; returns its id when this disabled it.
pub(super) async fn apply(
    conn: &mut SqliteConnection,
    u: &DeliveryUpdate,
) -> Result<Option<String>> {
    let (final_failure, disable) = match &u.health {
        HealthEffect::Unchanged => return Ok(None),
        HealthEffect::Succeeded => {
            all_succeeded(conn, &[u]).await?;
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
            crate::rules::outcome::failing_too_long(since, u.now, u.disable_after_ms)
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

/// Health after the applied outcomes, in order, per webhook. The webhooks whose outcomes
/// here are all successes share one statement (the last success is what remains);
/// the others have theirs applied one by one.
pub(super) async fn apply_all(
    conn: &mut SqliteConnection,
    applied: &[&DeliveryUpdate],
) -> Result<Vec<String>> {
    let mut hooks: Vec<&str> = applied.iter().map(|u| u.webhook_id.as_str()).collect();
    hooks.sort_unstable();
    hooks.dedup();
    let mut disabled = vec![];
    let mut succeeded = vec![];
    for hook in hooks {
        let mine: Vec<&DeliveryUpdate> = applied
            .iter()
            .copied()
            .filter(|u| u.webhook_id == hook)
            .collect();
        if mine.iter().all(|u| u.health == HealthEffect::Succeeded) {
            succeeded.push(*mine.last().expect("at least one"));
            continue;
        }
        for u in mine {
            if let Some(id) = apply(&mut *conn, u).await? {
                disabled.push(id);
            }
        }
    }
    all_succeeded(conn, &succeeded).await?;
    Ok(disabled)
}

/// Marks each webhook's last success (one outcome per webhook), one statement for all.
async fn all_succeeded(conn: &mut SqliteConnection, last: &[&DeliveryUpdate]) -> Result<()> {
    if last.is_empty() {
        return Ok(());
    }
    let rows = vec!["(?, ?)"; last.len()].join(", ");
    let sql = format!(
        "UPDATE webhooks SET last_success_at = v.column2, consecutive_failures = 0, failing_since = NULL \
         FROM (VALUES {rows}) AS v WHERE webhooks.id = v.column1"
    );
    let mut q = sqlx::query(&sql);
    for u in last {
        q = q.bind(&u.webhook_id).bind(u.now);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}
