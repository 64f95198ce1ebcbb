//! Events, as the platform sends them: ingest (validated, fanned out, durable before it
//! answers) and look-up with the deliveries each event made. Mirrors `src/api/events.rs`.
use serde_json::Value;

use crate::clock::parse_time;
use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::ids;
use crate::records::NewEvent;
use crate::rules::filter::validate_event_type_name;
use crate::rules::tenancy::{self, TenantScope};
use crate::store::IngestOutcome;
use domain::{EventDetail, EventInput, EventType};

/// At most this many events in one ingest request.
pub const MAX_BATCH: usize = 1000;

impl Engine {
    /// Validates and stores events with their deliveries; durable when this returns.
    /// Each event goes to its tenant's webhooks (docs/tenants.md#events): the tenant it
    /// names, else the scope's own, else `default`; one outside `scope` is "not found".
    pub async fn ingest(
        &self,
        scope: &TenantScope,
        inputs: Vec<EventInput>,
        idempotency_key: Option<&str>,
    ) -> Result<IngestOutcome> {
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
        let mut tenants = Tenants {
            known: self.cached_tenants().await?,
            asked: None,
        };
        let single = inputs.len() == 1;
        let mut errors = FieldErrors::new();
        let mut events = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.into_iter().enumerate() {
            let prefix = if single {
                String::new()
            } else {
                format!("events[{i}].")
            };
            let tenant = scope
                .tenant_for_new(input.tenant.as_deref())
                .ok_or(EngineError::NotFound("tenant"))?;
            // A malformed id is `new_event`'s field error; a well-formed one must exist.
            if tenancy::validate_id(&tenant).is_ok() && !tenants.knows(self, &tenant).await? {
                errors.add(
                    format!("{prefix}tenant"),
                    format!("no tenant \"{tenant}\"; create it with POST /api/v1/tenants"),
                );
            }
            if let Some(mut e) = self.new_event(input, &catalog, now, &prefix, &mut errors) {
                e.tenant = tenant;
                events.push(e);
            }
        }
        errors.into_result()?;
        let count = events.len() as u64;
        let result = match idempotency_key {
            // Written together with whatever else is being ingested (group commit); the
            // queue wakes the worker when it leaves deliveries in the table.
            None => IngestOutcome {
                events: self.ingest_queue().ingest(events, now).await?,
                replayed: false,
            },
            Some(key) => {
                let result = self
                    .store()
                    .ingest(&events, now, Some(key), self.config().idempotency_window_ms)
                    .await?;
                if !result.replayed {
                    self.wake();
                }
                result
            }
        };
        if !result.replayed {
            metrics::counter!("herald_events_ingested_total").increment(count);
        }
        Ok(result)
    }

    /// Validates one posted event (field paths under `prefix`) and gives it an id and time.
    pub(crate) fn new_event(
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
        if let Some(Err(e)) = input.tenant.as_deref().map(tenancy::validate_id) {
            errors.add(format!("{prefix}tenant"), e);
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
            Some(Value::Number(n)) => whole_seconds(n).and_then(|s| s.checked_mul(1000)),
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
                .is_some_and(|v| v.is_empty() || v.chars().count() > 200)
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
            tenant: input
                .tenant
                .unwrap_or_else(|| domain::DEFAULT_TENANT.to_string()),
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

    pub async fn get_event(&self, scope: &TenantScope, id: &str) -> Result<EventDetail> {
        let event = self
            .store()
            .get_event(id)
            .await?
            .filter(|e| scope.admits(&e.tenant))
            .ok_or(EngineError::NotFound("event"))?;
        let deliveries = self.store().deliveries_of_event(id).await?;
        Ok(EventDetail { event, deliveries })
    }
}

/// The tenants ingest knows: the engine's copy, and one answer from the store for a
/// tenant missing from it (created a moment ago, perhaps by another instance).
struct Tenants {
    known: std::sync::Arc<std::collections::HashSet<String>>,
    asked: Option<(String, bool)>,
}

impl Tenants {
    async fn knows(&mut self, engine: &Engine, tenant: &str) -> Result<bool> {
        if self.known.contains(tenant) {
            return Ok(true);
        }
        if tenancy::validate_id(tenant).is_err() {
            return Ok(false);
        }
        if let Some((t, found)) = &self.asked {
            if t == tenant {
                return Ok(*found);
            }
        }
        let found = engine.store().get_tenant(tenant).await?.is_some();
        if found {
            engine.forget_tenants();
        }
        self.asked = Some((tenant.to_string(), found));
        Ok(found)
    }
}

/// Unix seconds as JSON gives them: `1700000000` or `1700000000.0`.
fn whole_seconds(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
            .map(|f| f as i64)
    })
}
