//! A webhook's signing secret: reveal it, and rotate it with a grace period during which
//! the previous secret keeps signing too (see docs/receiving.md). Mirrors the `secret` and
//! `rotate-secret` operations of `src/api/webhooks.rs`.
use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::rules::signing;
use crate::rules::tenancy::TenantScope;

/// Grace period bounds for secret rotation.
pub const MAX_SECRET_GRACE_MS: i64 = 7 * crate::engine::DAY_MS;

impl Engine {
    /// The current signing secret (its explicit endpoint, "Reveal secret").
    pub async fn webhook_secret(&self, scope: &TenantScope, id: &str) -> Result<String> {
        let w = self.stored_webhook(scope, id).await?;
        self.open_secret(&w.id, &w.secret_sealed)
    }

    /// Makes a new secret; the old one keeps signing for `grace_ms` (default from config).
    pub async fn rotate_secret(
        &self,
        scope: &TenantScope,
        id: &str,
        grace_ms: Option<i64>,
    ) -> Result<String> {
        let grace = grace_ms.unwrap_or(self.config().secret_grace_ms);
        if !(0..=MAX_SECRET_GRACE_MS).contains(&grace) {
            return Err(EngineError::invalid(
                "grace_period_ms",
                "must be between 0 and 604800000 (7 days)",
            ));
        }
        let mut w = self.stored_webhook(scope, id).await?;
        let now = self.now_ms();
        let secret = signing::generate_secret();
        w.prev_secret_sealed = (grace > 0).then(|| w.secret_sealed.clone());
        w.prev_secret_expires_at = (grace > 0).then_some(now + grace);
        w.secret_sealed = self.seal_secret(&w.id, &secret);
        w.updated_at = now;
        self.store().update_webhook(&w).await?;
        Ok(secret)
    }
}
