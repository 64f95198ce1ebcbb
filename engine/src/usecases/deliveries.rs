//! The delivery log and what users do with it: list a webhook's deliveries, read one with
//! its attempts, resend one now, and retry every failed delivery of a time window.
//! Mirrors `src/api/deliveries.rs`.
use crate::clock::parse_time;
use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::pipeline::attempt::{self, AttemptPlan};
use crate::rules::filter::validate_pattern;
use crate::rules::outcome::OnFailure;
use crate::rules::tenancy::TenantScope;
use crate::store::ResendStart;
use domain::Trigger;
use domain::{Delivery, DeliveryDetail, DeliveryQuery, Page};

/// `retry-failed` re-queues at most this many deliveries.
pub const MAX_REQUEUE: u32 = 10_000;

/// Most event types or patterns one retry-failed may name (each at most 128 characters,
/// `rules::filter::validate_pattern`).
pub const MAX_RETRY_TYPES: usize = 100;

impl Engine {
    pub async fn list_deliveries(
        &self,
        scope: &TenantScope,
        webhook_id: &str,
        q: &DeliveryQuery,
    ) -> Result<Page<Delivery>> {
        self.stored_webhook(scope, webhook_id).await?;
        self.store().list_deliveries(webhook_id, q).await
    }

    pub async fn get_delivery(&self, scope: &TenantScope, id: &str) -> Result<DeliveryDetail> {
        let delivery = self.visible_delivery(scope, id).await?;
        let attempts = self.store().attempts_of(id).await?;
        Ok(DeliveryDetail { delivery, attempts })
    }

    /// The delivery, when its webhook is in a tenant `scope` reaches.
    async fn visible_delivery(&self, scope: &TenantScope, id: &str) -> Result<Delivery> {
        let delivery = self
            .store()
            .get_delivery(id)
            .await?
            .ok_or(EngineError::NotFound("delivery"))?;
        self.stored_webhook(scope, &delivery.webhook_id)
            .await
            .map_err(|_| EngineError::NotFound("delivery"))?;
        Ok(delivery)
    }

    /// A new attempt of a delivery now, with the same `webhook-id`.
    pub async fn resend(&self, scope: &TenantScope, delivery_id: &str) -> Result<DeliveryDetail> {
        self.visible_delivery(scope, delivery_id).await?;
        let now = self.now_ms();
        let token = self.lease_token("rsd");
        let Some(ResendStart {
            webhook_id,
            attempt,
            status,
        }) = self
            .store()
            .begin_resend(delivery_id, &token, now, self.config().lease_ms)
            .await?
        else {
            return match self.store().get_delivery(delivery_id).await? {
                None => Err(EngineError::NotFound("delivery")),
                Some(_) => Err(EngineError::Conflict(
                    "this delivery is being attempted right now; try again in a moment".into(),
                )),
            };
        };
        let w = self.stored_webhook(scope, &webhook_id).await?;
        let events = self
            .store()
            .events_of_deliveries(&[delivery_id.to_string()])
            .await?
            .remove(delivery_id)
            .unwrap_or_default();
        let plan = AttemptPlan {
            webhook: &w,
            delivery_id,
            events: &events,
            number: attempt,
            retry_base: attempt - 1,
            lease_token: Some(token),
            trigger: Trigger::Resend,
            // A finished delivery gets one new attempt; a pending one keeps its retries.
            on_failure: if status.is_final() {
                OnFailure::Final
            } else {
                OnFailure::Retry
            },
        };
        let done = attempt::run(self, plan).await?;
        self.store().record(&[done.update]).await?;
        self.get_delivery(scope, delivery_id).await
    }

    /// Re-queues the webhook's failed deliveries created in `[since, until)`.
    pub async fn retry_failed(
        &self,
        scope: &TenantScope,
        webhook_id: &str,
        since: &str,
        until: Option<&str>,
        event_types: &[String],
    ) -> Result<u64> {
        let mut errors = FieldErrors::new();
        let since_ms = parse_time(since);
        if since_ms.is_none() {
            errors.add("since", "must be an RFC 3339 time or unix seconds");
        }
        let until_ms = match until {
            None => Some(i64::MAX),
            Some(u) => parse_time(u),
        };
        if until_ms.is_none() {
            errors.add("until", "must be an RFC 3339 time or unix seconds");
        }
        if event_types.len() > MAX_RETRY_TYPES {
            errors.add(
                "event_types",
                format!("at most {MAX_RETRY_TYPES} event types or patterns"),
            );
        }
        for (i, t) in event_types.iter().take(MAX_RETRY_TYPES).enumerate() {
            if let Err(e) = validate_pattern(t) {
                errors.add(format!("event_types[{i}]"), e);
            }
        }
        let w = self.stored_webhook(scope, webhook_id).await?;
        errors.into_result()?;
        if !w.active {
            return Err(EngineError::Conflict(
                "the webhook is inactive; activate it before retrying".into(),
            ));
        }
        // A window that ends before it starts holds nothing: nothing is re-queued.
        if until_ms <= since_ms {
            return Ok(0);
        }
        let now = self.now_ms();
        let n = self
            .store()
            .requeue_failed(
                webhook_id,
                since_ms.unwrap_or(0),
                until_ms.unwrap_or(i64::MAX),
                event_types,
                MAX_REQUEUE,
                now,
            )
            .await?;
        self.wake();
        Ok(n)
    }
}
