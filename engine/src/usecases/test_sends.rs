//! Test sends: a catalog example sent to a saved webhook now (recorded in its delivery
//! log), and "Validate webhook": a `webhook.test` event sent to a URL and headers before
//! they are saved. Both answer the exact request and the response.
//! Mirrors the `test` and `validate` operations of `src/api/webhooks.rs`.
use serde_json::{json, Value};

use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::ids;
use crate::payload::Shape;
use crate::pipeline::attempt::{self, AttemptPlan, RequestSpec};
use crate::records::{NewDelivery, NewEvent};
use crate::rules::outcome::OnFailure;
use crate::rules::signing;
use crate::rules::tenancy::TenantScope;
use domain::{Event, EventType, Format, HeaderInput, SentRequest, TestResult, Trigger};

impl Engine {
    /// Sends a test event to a webhook now, bypassing the queue and its filters; it is
    /// recorded in the delivery log like any delivery.
    pub async fn send_test(
        &self,
        scope: &TenantScope,
        webhook_id: &str,
        event_type: &str,
        payload: Option<Value>,
    ) -> Result<TestResult> {
        let w = self.stored_webhook(scope, webhook_id).await?;
        let catalog = self.store().list_event_types().await?;
        let Some(t) = catalog.iter().find(|t| t.name == event_type) else {
            return Err(EngineError::invalid(
                "event_type",
                format!("unknown event type \"{event_type}\""),
            ));
        };
        if payload.as_ref().is_some_and(|p| !p.is_object()) {
            return Err(EngineError::invalid("payload", "must be a JSON object"));
        }
        let now = self.now_ms();
        let mut event = example_event(t, payload, now);
        event.tenant = w.tenant.clone();
        let delivery = NewDelivery {
            id: ids::new_id(ids::DELIVERY, now),
            webhook_id: w.id.clone(),
        };
        let token = self.lease_token("tst");
        self.store()
            .insert_direct(&event, &delivery, now, &token, now + self.config().lease_ms)
            .await?;
        let stored = self
            .store()
            .events_of_deliveries(std::slice::from_ref(&delivery.id))
            .await?
            .remove(&delivery.id)
            .unwrap_or_default();
        let plan = AttemptPlan {
            webhook: &w,
            delivery_id: &delivery.id,
            events: &stored,
            number: 1,
            retry_base: 0,
            lease_token: Some(token),
            trigger: Trigger::Test,
            on_failure: OnFailure::Final,
        };
        let done = attempt::run(self, plan).await?;
        self.store()
            .record(std::slice::from_ref(&done.update))
            .await?;
        Ok(test_result(&done))
    }

    /// [`validate_target`](Self::validate_target) for a saved webhook being edited: a
    /// protected header sent back without a value uses the stored one, but only while the
    /// URL keeps the saved URL's origin; for another origin each such header is a
    /// field-level error asking for its value (`rules::origin`).
    pub async fn validate_for_webhook(
        &self,
        scope: &TenantScope,
        webhook_id: &str,
        url: &str,
        mut headers: Vec<HeaderInput>,
    ) -> Result<TestResult> {
        let w = self.stored_webhook(scope, webhook_id).await?;
        if !crate::rules::origin::same_origin(&w.url, url) {
            let mut errors = FieldErrors::new();
            for (i, h) in headers.iter().enumerate() {
                if h.protected && h.value.is_none() {
                    errors.add(
                        format!("headers[{i}].value"),
                        format!(
                            "enter the value of \"{}\" again: the URL's origin changed, so the stored value is not sent",
                            h.key.trim()
                        ),
                    );
                }
            }
            errors.into_result()?;
            return self.validate_target(url, headers).await;
        }
        let stored = attempt::custom_headers(self, &w)?;
        for h in headers
            .iter_mut()
            .filter(|h| h.protected && h.value.is_none())
        {
            let key = h.key.trim();
            if let Some((_, value, _)) = stored
                .iter()
                .find(|(k, _, protected)| *protected && k.eq_ignore_ascii_case(key))
            {
                h.value = Some(value.clone());
            }
        }
        self.validate_target(url, headers).await
    }

    /// Sends a `webhook.test` event to a URL with headers before a webhook is saved.
    pub async fn validate_target(
        &self,
        url: &str,
        headers: Vec<HeaderInput>,
    ) -> Result<TestResult> {
        let mut errors = FieldErrors::new();
        crate::rules::validate::check_url(url, &mut errors);
        crate::rules::validate::check_headers(&headers, &|_| false, &mut errors);
        errors.into_result()?;
        let now = self.now_ms();
        let catalog = self.store().list_event_types().await?;
        let t = catalog
            .iter()
            .find(|t| t.name == "webhook.test")
            .ok_or(EngineError::NotFound("event type webhook.test"))?;
        let e = example_event(t, None, now);
        let event = Event::from(e);
        let secret = signing::generate_secret();
        let custom: Vec<(String, String, bool)> = headers
            .into_iter()
            .map(|h| {
                (
                    h.key.trim().to_string(),
                    h.value.unwrap_or_default(),
                    h.protected,
                )
            })
            .collect();
        let templates = Default::default();
        let settings = Default::default();
        let shape = Shape {
            format: Format::Envelope,
            include_result: false,
            templates: &templates,
            settings: &settings,
        };
        let delivery_id = ids::new_id(ids::DELIVERY, now);
        let prepared = attempt::prepare(&RequestSpec {
            url: url.trim(),
            shape: &shape,
            secrets: &[secret],
            headers: &custom,
            events: &[event],
            delivery_id: &delivery_id,
            attempt: 1,
            timeout: std::time::Duration::from_secs(5),
            now_ms: now,
        });
        let sent = attempt::send(self, &prepared).await;
        Ok(result_of(&prepared, &sent))
    }
}

/// The event a test sends: the catalog example, with `payload` as its data when given.
pub(crate) fn example_event(t: &EventType, payload: Option<Value>, now: i64) -> NewEvent {
    let ex = &t.example;
    let str_of = |k: &str| ex.get(k).and_then(Value::as_str).map(str::to_string);
    NewEvent {
        id: ids::new_id(ids::EVENT, now),
        tenant: domain::DEFAULT_TENANT.to_string(),
        event_type: t.name.clone(),
        object: t.object.clone(),
        source: str_of("source"),
        project: str_of("project"),
        severity: ex
            .get("severity")
            .and_then(|s| serde_json::from_value(s.clone()).ok()),
        subject: ex
            .get("subject")
            .and_then(|s| serde_json::from_value(s.clone()).ok()),
        data: payload.unwrap_or_else(|| ex.get("data").cloned().unwrap_or_else(|| json!({}))),
        metadata: ex.get("metadata").cloned().filter(|m| m.is_object()),
        created_ms: now,
    }
}

fn test_result(done: &attempt::Done) -> TestResult {
    result_of(&done.prepared, &done.sent)
}

fn result_of(prepared: &attempt::Prepared, sent: &crate::net::sender::Sent) -> TestResult {
    let request = SentRequest {
        url: prepared.outbound.url.clone(),
        headers: prepared.logged_headers.clone(),
        body: String::from_utf8_lossy(&prepared.outbound.body).into_owned(),
    };
    let duration_ms = sent.duration.as_millis() as u64;
    match &sent.result {
        Ok(r) => {
            let success = domain::is_success(r.status);
            TestResult {
                success,
                status: if success {
                    "succeeded".into()
                } else {
                    "http".into()
                },
                response_code: Some(r.status),
                response_body: Some(r.body.clone()),
                duration_ms,
                error: (!success).then(|| format!("the endpoint answered HTTP {}", r.status)),
                request,
            }
        }
        Err(f) => TestResult {
            success: false,
            status: f.kind.as_str().to_string(),
            response_code: None,
            response_body: None,
            duration_ms,
            error: Some(f.message.clone()),
            request,
        },
    }
}
