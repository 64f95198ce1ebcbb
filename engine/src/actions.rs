//! What the platform and users do with events and deliveries: ingest, look up, resend,
//! retry failed since a time, send test events, validate a URL before saving, and manage
//! the event-type catalog.
use serde_json::{json, Value};

use crate::clock::parse_time;
use crate::deliver::{self, Trigger};
use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::filter::{validate_event_type_name, validate_pattern};
use crate::ids;
use crate::model::*;
use crate::payload::Shape;
use crate::signing;
use crate::store::{Ingested, NewDelivery, NewEvent};

/// At most this many events in one ingest request.
pub const MAX_BATCH: usize = 1000;
/// `retry-failed` re-queues at most this many deliveries.
pub const MAX_REQUEUE: u32 = 10_000;

impl Engine {
    /// Validates and stores events with their deliveries; durable when this returns.
    pub async fn ingest(
        &self,
        inputs: Vec<EventInput>,
        idempotency_key: Option<&str>,
    ) -> Result<(Vec<Ingested>, bool)> {
        if inputs.is_empty() {
            return Err(EngineError::invalid("events", "send at least one event"));
        }
        if inputs.len() > MAX_BATCH {
            return Err(EngineError::invalid(
                "events",
                format!("at most {MAX_BATCH} events per request"),
            ));
        }
        let now = self.now_ms();
        let catalog = self.cached_catalog().await?;
        let single = inputs.len() == 1;
        let mut errors = FieldErrors::new();
        let mut events = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.into_iter().enumerate() {
            let prefix = if single {
                String::new()
            } else {
                format!("events[{i}].")
            };
            match self.new_event(input, &catalog, now, &prefix, &mut errors) {
                Some(e) => events.push(e),
                None => continue,
            }
        }
        errors.into_result()?;
        let count = events.len() as u64;
        let result = match idempotency_key {
            // Written together with whatever else is being ingested (group commit); the
            // queue wakes the worker when it leaves deliveries in the table.
            None => (self.ingest_queue().ingest(events, now).await?, false),
            Some(key) => {
                let result = self
                    .store()
                    .ingest(&events, now, Some(key), self.config().idempotency_window_ms)
                    .await?;
                if !result.1 {
                    self.wake();
                }
                result
            }
        };
        if !result.1 {
            metrics::counter!("herald_events_ingested_total").increment(count);
        }
        Ok(result)
    }

    fn new_event(
        &self,
        input: EventInput,
        catalog: &[EventType],
        now: i64,
        prefix: &str,
        errors: &mut FieldErrors,
    ) -> Option<NewEvent> {
        let before = errors.0.len();
        let known = catalog.iter().find(|t| t.name == input.event_type);
        if let Err(e) = validate_event_type_name(&input.event_type) {
            errors.add(format!("{prefix}type"), e);
        } else if known.is_none() {
            errors.add(
                format!("{prefix}type"),
                format!(
                    "unknown event type \"{}\"; add it with POST /api/v1/event-types",
                    input.event_type
                ),
            );
        }
        if !input.data.is_object() {
            errors.add(format!("{prefix}data"), "must be a JSON object");
        }
        if input
            .metadata
            .as_ref()
            .is_some_and(|m| !m.is_object() && !m.is_null())
        {
            errors.add(format!("{prefix}metadata"), "must be a JSON object");
        }
        let created_ms = match &input.created {
            None | Some(Value::Null) => Some(now),
            Some(Value::Number(n)) => n.as_i64().map(|s| s * 1000),
            Some(Value::String(s)) => parse_time(s),
            Some(_) => None,
        };
        if created_ms.is_none() {
            errors.add(
                format!("{prefix}created"),
                "must be unix seconds or an RFC 3339 time",
            );
        }
        for (field, value) in [
            ("source", &input.source),
            ("project", &input.project),
            ("object", &input.object),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.is_empty() || v.len() > 200)
            {
                errors.add(format!("{prefix}{field}"), "must be 1 to 200 characters");
            }
        }
        if errors.0.len() != before {
            return None;
        }
        let object = input
            .object
            .or_else(|| known.map(|t| t.object.clone()))
            .unwrap_or_else(|| "event".into());
        Some(NewEvent {
            id: ids::new_id(ids::EVENT, now),
            event_type: input.event_type,
            object,
            source: input.source,
            project: input.project,
            severity: input.severity,
            subject: input.subject,
            data: input.data,
            metadata: input.metadata.filter(|m| !m.is_null()),
            created_ms: created_ms.unwrap_or(now),
        })
    }

    pub async fn get_event(&self, id: &str) -> Result<EventDetail> {
        let event = self
            .store()
            .get_event(id)
            .await?
            .ok_or(EngineError::NotFound("event"))?;
        let deliveries = self.store().deliveries_of_event(id).await?;
        Ok(EventDetail { event, deliveries })
    }

    pub async fn list_deliveries(
        &self,
        webhook_id: &str,
        q: &DeliveryQuery,
    ) -> Result<Page<Delivery>> {
        self.stored_webhook(webhook_id).await?;
        self.store().list_deliveries(webhook_id, q).await
    }

    pub async fn get_delivery(&self, id: &str) -> Result<DeliveryDetail> {
        let delivery = self
            .store()
            .get_delivery(id)
            .await?
            .ok_or(EngineError::NotFound("delivery"))?;
        let attempts = self.store().attempts_of(id).await?;
        Ok(DeliveryDetail { delivery, attempts })
    }

    /// A new attempt of a delivery now, with the same `webhook-id`.
    pub async fn resend(&self, delivery_id: &str) -> Result<DeliveryDetail> {
        let now = self.now_ms();
        let token = ids::new_id("rsd", now);
        let Some((webhook_id, attempt, status)) = self
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
        let w = self.stored_webhook(&webhook_id).await?;
        let events = self
            .store()
            .events_of_deliveries(&[delivery_id.to_string()])
            .await?
            .remove(delivery_id)
            .unwrap_or_default();
        let finished = matches!(status.as_str(), "succeeded" | "failed");
        let done = deliver::attempt(
            self,
            &w,
            delivery_id,
            &events,
            attempt,
            attempt - 1,
            Some(token),
            Trigger::Resend,
            finished,
        )
        .await?;
        self.store().record(&[done.update]).await?;
        self.get_delivery(delivery_id).await
    }

    /// Re-queues the webhook's failed deliveries created in `[since, until)`.
    pub async fn retry_failed(
        &self,
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
        if let (Some(s), Some(u)) = (since_ms, until_ms) {
            if u <= s {
                errors.add("until", "must be after since");
            }
        }
        for (i, t) in event_types.iter().enumerate() {
            if let Err(e) = validate_pattern(t) {
                errors.add(format!("event_types[{i}]"), e);
            }
        }
        let w = self.stored_webhook(webhook_id).await?;
        errors.into_result()?;
        if !w.active {
            return Err(EngineError::Conflict(
                "the webhook is inactive; activate it before retrying".into(),
            ));
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

    /// Sends a test event to a webhook now, bypassing the queue and its filters; it is
    /// recorded in the delivery log like any delivery.
    pub async fn send_test(
        &self,
        webhook_id: &str,
        event_type: &str,
        payload: Option<Value>,
    ) -> Result<TestResult> {
        let w = self.stored_webhook(webhook_id).await?;
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
        let event = example_event(t, payload, now);
        let delivery = NewDelivery {
            id: ids::new_id(ids::DELIVERY, now),
            webhook_id: w.id.clone(),
        };
        let token = ids::new_id("tst", now);
        self.store()
            .insert_direct(&event, &delivery, now, &token, now + self.config().lease_ms)
            .await?;
        let stored = self
            .store()
            .events_of_deliveries(std::slice::from_ref(&delivery.id))
            .await?
            .remove(&delivery.id)
            .unwrap_or_default();
        let done = deliver::attempt(
            self,
            &w,
            &delivery.id,
            &stored,
            1,
            0,
            Some(token),
            Trigger::Test,
            true,
        )
        .await?;
        self.store()
            .record(std::slice::from_ref(&done.update))
            .await?;
        Ok(test_result(&done))
    }

    /// [`validate_target`](Self::validate_target) for a saved webhook being edited: a
    /// protected header sent back without a value uses the stored one.
    pub async fn validate_for_webhook(
        &self,
        webhook_id: &str,
        url: &str,
        mut headers: Vec<HeaderInput>,
    ) -> Result<TestResult> {
        let w = self.stored_webhook(webhook_id).await?;
        let stored = deliver::custom_headers(self, &w)?;
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
        crate::validate::check_url(url, &mut errors);
        crate::validate::check_headers(&headers, &|_| false, &mut errors);
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
        let prepared = deliver::prepare(
            url.trim(),
            &shape,
            &[secret],
            &custom,
            &[event],
            &delivery_id,
            1,
            std::time::Duration::from_secs(5),
            now,
        );
        let sent = self.sender().send(&prepared.outbound).await;
        Ok(result_of(&prepared, &sent))
    }

    pub async fn list_event_types(&self) -> Result<Vec<EventType>> {
        self.store().list_event_types().await
    }

    pub async fn create_event_type(&self, input: EventTypeInput) -> Result<EventType> {
        let mut errors = FieldErrors::new();
        if let Err(e) = validate_event_type_name(&input.name) {
            errors.add("name", e);
        }
        if input.description.chars().count() > 1024 {
            errors.add("description", "must be at most 1024 characters");
        }
        if input.example.as_ref().is_some_and(|e| !e.is_object()) {
            errors.add("example", "must be a JSON object");
        }
        if input.schema.as_ref().is_some_and(|s| !s.is_object()) {
            errors.add("schema", "must be a JSON Schema object");
        }
        errors.into_result()?;
        let object = input
            .object
            .unwrap_or_else(|| input.name.split('.').next().unwrap_or("event").to_string());
        let example = input
            .example
            .unwrap_or_else(|| json!({"type": input.name, "object": object, "data": {}}));
        let t = EventType {
            name: input.name,
            description: input.description,
            object,
            example,
            schema: input.schema,
            builtin: false,
        };
        let inserted = self.store().insert_event_type(&t, self.now_ms()).await?;
        self.forget_catalog();
        if !inserted {
            return Err(EngineError::Conflict(format!(
                "event type \"{}\" already exists",
                t.name
            )));
        }
        Ok(t)
    }
}

/// The event a test sends: the catalog example, with `payload` as its data when given.
fn example_event(t: &EventType, payload: Option<Value>, now: i64) -> NewEvent {
    let ex = &t.example;
    let str_of = |k: &str| ex.get(k).and_then(Value::as_str).map(str::to_string);
    NewEvent {
        id: ids::new_id(ids::EVENT, now),
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

fn test_result(done: &deliver::Done) -> TestResult {
    result_of(&done.prepared, &done.sent)
}

fn result_of(prepared: &deliver::Prepared, sent: &crate::sender::Sent) -> TestResult {
    let request = SentRequest {
        url: prepared.outbound.url.clone(),
        headers: prepared.logged_headers.clone(),
        body: String::from_utf8_lossy(&prepared.outbound.body).into_owned(),
    };
    let duration_ms = sent.duration.as_millis() as u64;
    match &sent.result {
        Ok(r) => {
            let success = (200..300).contains(&r.status);
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
