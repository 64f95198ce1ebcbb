//! Server functions of the webhook and delivery pages: the webhook's summary and charts,
//! its secret (revealed only on request) and rotation, the delivery log, resend, retry
//! failed, and one delivery with its attempts.
use leptos::prelude::*;

use crate::dto::*;
use crate::error::ConsoleError;

/// The webhook page's data: settings (URL masked), catalog, the last 24 h of attempts.
#[server(prefix = "/console-api")]
pub async fn webhook_detail(id: String) -> Result<WebhookDetailData, ConsoleError> {
    use crate::server::{charts, convert, engine, require, Need};
    require(Need::Read).await?;
    let scope = crate::server::tenancy::scope().await?;
    let engine = engine()?;
    let webhook = convert::webhook_masked(engine.get_webhook(&scope, &id).await?);
    let event_types = engine
        .list_event_types()
        .await?
        .into_iter()
        .map(convert::event_type)
        .collect();
    let now = engine.now_ms();
    Ok(WebhookDetailData {
        webhook,
        event_types,
        chart: engine.webhook_activity(&scope, &id).await?,
        default_since: charts::datetime_local(now - 24 * 3_600_000),
    })
}

/// The current signing secret: only ever sent in answer to "Reveal secret".
#[server(prefix = "/console-api")]
pub async fn reveal_secret(id: String) -> Result<String, ConsoleError> {
    use crate::server::{engine, require, Need};
    require(Need::Edit).await?;
    let scope = crate::server::tenancy::scope().await?;
    Ok(engine()?.webhook_secret(&scope, &id).await?)
}

/// Makes a new secret; the old one keeps signing for the grace period. The new secret is
/// not sent back: "Reveal secret" shows it.
#[server(prefix = "/console-api")]
pub async fn rotate_secret(id: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, require, Need};
    require(Need::Edit).await?;
    let scope = crate::server::tenancy::scope().await?;
    engine()?.rotate_secret(&scope, &id, None).await?;
    Ok(())
}

/// A page of the delivery log, newest first. Empty filters mean "any".
#[server(prefix = "/console-api")]
pub async fn list_deliveries(
    webhook_id: String,
    status: String,
    event_type: String,
    cursor: String,
) -> Result<DeliveryPage, ConsoleError> {
    use crate::server::{engine, require, Need};
    use domain::{DeliveryQuery, DeliveryStatus};
    require(Need::Read).await?;
    let scope = crate::server::tenancy::scope().await?;
    let status = match status.as_str() {
        "" => None,
        s => Some(
            DeliveryStatus::parse(s)
                .ok_or_else(|| ConsoleError::invalid("status", "unknown status"))?,
        ),
    };
    let query = DeliveryQuery {
        status,
        event_type: (!event_type.is_empty()).then_some(event_type),
        limit: 50,
        cursor: (!cursor.is_empty()).then_some(cursor),
        ..Default::default()
    };
    let page = engine()?
        .list_deliveries(&scope, &webhook_id, &query)
        .await?;
    Ok(DeliveryPage {
        deliveries: page.data,
        next_cursor: page.next_cursor,
    })
}

/// A new attempt of the delivery now (same `webhook-id`); an immediate outbound request,
/// so it counts against the user's test-send rate limit.
#[server(prefix = "/console-api")]
pub async fn resend(id: String) -> Result<Delivery, ConsoleError> {
    use crate::server::{engine, require, Need};
    let user = require(Need::Edit).await?;
    let scope = crate::server::tenancy::scope().await?;
    let engine = engine()?;
    engine.check_test_rate(&user.rate_key()).await?;
    Ok(engine.resend(&scope, &id).await?.delivery)
}

/// Re-queues the webhook's failed deliveries created in [since, until); `since` and
/// `until` are `datetime-local` values read as UTC. Answers how many were re-queued.
#[server(prefix = "/console-api")]
pub async fn retry_failed(
    webhook_id: String,
    since: String,
    until: String,
) -> Result<u64, ConsoleError> {
    use crate::server::{engine, form::utc_time, require, Need};
    require(Need::Edit).await?;
    let scope = crate::server::tenancy::scope().await?;
    if since.trim().is_empty() {
        return Err(ConsoleError::invalid("since", "is required"));
    }
    let until = (!until.trim().is_empty()).then(|| utc_time(&until));
    Ok(engine()?
        .retry_failed(
            &scope,
            &webhook_id,
            &utc_time(&since),
            until.as_deref(),
            &[],
        )
        .await?)
}

/// One delivery with every attempt (request headers already masked by the engine).
#[server(prefix = "/console-api")]
pub async fn get_delivery(id: String) -> Result<DeliveryDetailView, ConsoleError> {
    use crate::server::{convert, engine, require, Need};
    require(Need::Read).await?;
    let scope = crate::server::tenancy::scope().await?;
    let engine = engine()?;
    let detail = engine.get_delivery(&scope, &id).await?;
    let webhook_name = match engine
        .get_webhook(&scope, &detail.delivery.webhook_id)
        .await
    {
        Ok(w) => w.name,
        Err(_) => detail.delivery.webhook_id.clone(),
    };
    Ok(DeliveryDetailView {
        delivery: detail.delivery,
        webhook_name,
        attempts: detail.attempts.into_iter().map(convert::attempt).collect(),
    })
}
