//! Managing webhooks: create, read, partial update, delete, toggle and list. Validation
//! collects every field error before anything is written. Mirrors `src/api/webhooks.rs`.
use std::collections::HashSet;

use crate::clock::rfc3339;
use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::ids;
use crate::payload::formats;
use crate::records::{StoredHeader, StoredWebhook};
use crate::rules::signing;
use crate::rules::tenancy::TenantScope;
use crate::rules::validate as v;
use crate::usecases::conditions::check_condition_and_redact;
use domain::{ConditionError, Header, HeaderInput, Health, Page, Webhook, WebhookInput};

/// Templates are short messages; each `{{data}}` copies a value, so keep them bounded.
pub const MAX_TEMPLATE_CHARS: usize = 4096;

impl Engine {
    /// The user-facing view of a stored webhook: protected values hidden, times formatted.
    pub fn view(&self, w: &StoredWebhook) -> Webhook {
        Webhook {
            id: w.id.clone(),
            tenant: w.tenant.clone(),
            name: w.name.clone(),
            url: w.url.clone(),
            description: w.description.clone(),
            active: w.active,
            event_types: w.event_types.clone(),
            filters: w.filters.clone(),
            headers: w
                .headers
                .iter()
                .map(|h| Header {
                    key: h.key.clone(),
                    value: if h.protected { None } else { h.value.clone() },
                    protected: h.protected,
                })
                .collect(),
            format: w.format,
            templates: w.templates.clone(),
            settings: w.settings.clone(),
            include_result: w.include_result,
            batch: w.batch,
            retry: w.retry.clone(),
            timeout_ms: w.timeout_ms,
            condition: w.condition.clone(),
            redact: w.redact.clone(),
            health: Health {
                last_success_at: w.last_success_at.map(rfc3339),
                last_failure_at: w.last_failure_at.map(rfc3339),
                consecutive_failures: w.consecutive_failures,
                disabled_reason: w.disabled_reason.clone(),
                last_condition_error: w.last_condition_error.as_ref().map(|f| ConditionError {
                    message: f.message.clone(),
                    event_id: f.event_id.clone(),
                    at: rfc3339(f.at),
                }),
            },
            created_at: rfc3339(w.created_at),
            updated_at: rfc3339(w.updated_at),
            secret: None,
        }
    }

    /// Creates a webhook in the tenant `input` names (or the scope's own, or `default`).
    pub async fn create_webhook(
        &self,
        scope: &TenantScope,
        mut input: WebhookInput,
    ) -> Result<Webhook> {
        let tenant = scope
            .tenant_for_new(input.tenant.take().as_deref())
            .ok_or(EngineError::NotFound("tenant"))?;
        let now = self.now_ms();
        let id = ids::new_id(ids::WEBHOOK, now);
        let mut errors = FieldErrors::new();
        if let Err(EngineError::Invalid(e)) = self.existing_tenant(&tenant, "tenant").await {
            errors.0.extend(e.0);
        }
        if input.name.is_none() {
            errors.add("name", "is required");
        }
        if input.url.is_none() {
            errors.add("url", "is required");
        }
        let secret = input
            .secret
            .clone()
            .unwrap_or_else(signing::generate_secret);
        if let Err(e) = signing::validate_secret(&secret) {
            errors.add("secret", e.to_string());
        }
        let mut w = StoredWebhook::new(id.clone(), self.seal_secret(&id, &secret), now);
        w.tenant = tenant;
        self.apply_input(&mut w, input, errors).await?;
        self.store().insert_webhook(&w).await?;
        let mut view = self.view(&w);
        view.secret = Some(secret);
        Ok(view)
    }

    pub async fn get_webhook(&self, scope: &TenantScope, id: &str) -> Result<Webhook> {
        Ok(self.view(&self.stored_webhook(scope, id).await?))
    }

    /// The webhook, when it exists in a tenant `scope` reaches; "not found" otherwise, so
    /// another tenant's ids cannot be told from ids that never existed.
    pub(crate) async fn stored_webhook(
        &self,
        scope: &TenantScope,
        id: &str,
    ) -> Result<StoredWebhook> {
        self.store()
            .get_webhook(id)
            .await?
            .filter(|w| scope.admits(&w.tenant))
            .ok_or(EngineError::NotFound("webhook"))
    }

    /// Partial update: only the fields present change.
    pub async fn update_webhook(
        &self,
        scope: &TenantScope,
        id: &str,
        mut input: WebhookInput,
    ) -> Result<Webhook> {
        let mut w = self.stored_webhook(scope, id).await?;
        let mut errors = FieldErrors::new();
        if input.tenant.take().is_some_and(|t| t != w.tenant) {
            errors.add("tenant", "cannot be changed; a webhook stays in its tenant");
        }
        if input.secret.is_some() {
            errors.add("secret", "cannot be changed here; use rotate-secret");
        }
        let reactivated = input.active == Some(true) && !w.active;
        self.apply_input(&mut w, input, errors).await?;
        if reactivated {
            w.disabled_reason = None;
            w.failing_since = None;
            w.consecutive_failures = 0;
        }
        w.updated_at = self.now_ms();
        if !self.store().update_webhook(&w).await? {
            return Err(EngineError::NotFound("webhook"));
        }
        Ok(self.view(&w))
    }

    pub async fn set_webhook_active(
        &self,
        scope: &TenantScope,
        id: &str,
        active: bool,
    ) -> Result<Webhook> {
        self.update_webhook(
            scope,
            id,
            WebhookInput {
                active: Some(active),
                ..Default::default()
            },
        )
        .await
    }

    pub async fn delete_webhook(&self, scope: &TenantScope, id: &str) -> Result<()> {
        self.stored_webhook(scope, id).await?;
        if self.store().delete_webhook(id).await? {
            Ok(())
        } else {
            Err(EngineError::NotFound("webhook"))
        }
    }

    /// The webhooks of the tenants `scope` reaches, newest first.
    pub async fn list_webhooks(
        &self,
        scope: &TenantScope,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<Webhook>> {
        let page = self
            .store()
            .list_webhooks(scope.only(), limit.clamp(1, 200), cursor)
            .await?;
        Ok(Page {
            data: page.webhooks.iter().map(|w| self.view(w)).collect(),
            next_cursor: page.next_cursor,
        })
    }

    async fn known_event_types(&self) -> Result<HashSet<String>> {
        Ok(self
            .store()
            .list_event_types()
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect())
    }

    /// Applies `input` to `w`, validating the result as a whole.
    async fn apply_input(
        &self,
        w: &mut StoredWebhook,
        input: WebhookInput,
        mut errors: FieldErrors,
    ) -> Result<()> {
        let known = self.known_event_types().await?;
        if let Some(name) = input.name {
            v::check_name(&name, &mut errors);
            w.name = name.trim().to_string();
        }
        if let Some(url) = input.url {
            v::check_url(&url, &mut errors);
            w.url = url.trim().to_string();
        }
        if let Some(d) = input.description {
            v::check_description(&d, &mut errors);
            w.description = d;
        }
        if let Some(a) = input.active {
            w.active = a;
        }
        if let Some(t) = input.event_types {
            v::check_event_types(&t, &|name| known.contains(name), &mut errors);
            w.event_types = t;
        }
        if let Some(f) = input.filters {
            v::check_filters(&f, &mut errors);
            w.filters = f;
        }
        if let Some(headers) = input.headers {
            w.headers = self.merge_headers(w, headers, &mut errors);
        }
        if let Some(f) = input.format {
            w.format = f;
        }
        if let Some(s) = input.settings {
            w.settings = s;
        }
        if let Some(t) = input.templates {
            w.templates = t;
        }
        if let Some(r) = input.include_result {
            w.include_result = r;
        }
        if let Some(b) = input.batch {
            w.batch = b;
        }
        if let Some(r) = input.retry {
            w.retry = r;
        }
        if let Some(t) = input.timeout_ms {
            w.timeout_ms = t;
        }
        if let Some(c) = input.condition {
            if c.trim() != w.condition {
                // A new condition starts without the old one's error.
                w.last_condition_error = None;
            }
            w.condition = c.trim().to_string();
        }
        if let Some(r) = input.redact {
            w.redact = r;
        }
        // Checks that depend on several fields run on the merged result.
        v::check_batch(&w.batch, w.format, &mut errors);
        v::check_retry(&w.retry, &mut errors);
        v::check_timeout(w.timeout_ms, &mut errors);
        v::check_settings(w.format, &w.settings, &mut errors);
        self.check_templates(w, &known, &mut errors).await?;
        check_condition_and_redact(w, &mut errors);
        errors.into_result()
    }

    async fn check_templates(
        &self,
        w: &StoredWebhook,
        known: &HashSet<String>,
        errors: &mut FieldErrors,
    ) -> Result<()> {
        if w.templates.is_empty() {
            return Ok(());
        }
        let catalog = self.store().list_event_types().await?;
        for (event_type, src) in &w.templates {
            let field = format!("templates.{event_type}");
            if src.chars().count() > MAX_TEMPLATE_CHARS {
                errors.add(
                    field,
                    format!("must be at most {MAX_TEMPLATE_CHARS} characters"),
                );
                continue;
            }
            if !known.contains(event_type) {
                errors.add(field, format!("unknown event type \"{event_type}\""));
                continue;
            }
            let Some(chat) = w.format.chat() else {
                errors.add(
                    field,
                    format!("the {} format does not use templates", w.format.as_str()),
                );
                continue;
            };
            let example = catalog
                .iter()
                .find(|t| &t.name == event_type)
                .map(|t| t.example.clone())
                .unwrap_or_default();
            let view = crate::catalog::to_event_view(&example, "evt_example", 1_732_262_400);
            if let Err(e) = formats::validate_template(chat, event_type, src, &view) {
                errors.add(
                    field,
                    format!("line {}, column {}: {}", e.line, e.column, e.message),
                );
            }
        }
        Ok(())
    }

    /// New header list: plain values stored as given, protected values sealed; a protected
    /// header sent back without a value keeps its stored one.
    fn merge_headers(
        &self,
        w: &StoredWebhook,
        input: Vec<HeaderInput>,
        errors: &mut FieldErrors,
    ) -> Vec<StoredHeader> {
        let stored_protected = |key: &str| {
            w.headers
                .iter()
                .find(|h| h.protected && h.sealed.is_some() && h.key.eq_ignore_ascii_case(key))
                .cloned()
        };
        v::check_headers(&input, &|k| stored_protected(k).is_some(), errors);
        input
            .into_iter()
            .map(|h| {
                let key = h.key.trim().to_string();
                match (h.protected, h.value) {
                    (true, Some(value)) => StoredHeader {
                        sealed: Some(self.seal_header(&w.id, &value)),
                        value: None,
                        key,
                        protected: true,
                    },
                    (true, None) => StoredHeader {
                        sealed: stored_protected(&key).and_then(|s| s.sealed),
                        value: None,
                        key,
                        protected: true,
                    },
                    (false, value) => StoredHeader {
                        value: Some(value.unwrap_or_default()),
                        sealed: None,
                        key,
                        protected: false,
                    },
                }
            })
            .collect()
    }
}
