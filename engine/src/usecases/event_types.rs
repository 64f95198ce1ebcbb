//! The event-type catalog: list it, add a type, and seed the built-in types at start.
//! Mirrors `src/api/events.rs`'s event-type operations. The catalog is bounded (at most
//! [`MAX_EVENT_TYPES`] types, examples and schemas of at most [`MAX_EXAMPLE_BYTES`]):
//! every webhook form, validation and preview reads all of it (docs/api.md#limits).
use serde_json::json;

use crate::catalog;
use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::rules::filter::validate_event_type_name;
use domain::{EventType, EventTypeInput};

/// Most event types the catalog holds, built-in ones included.
pub const MAX_EVENT_TYPES: usize = 1000;
/// Largest example or schema of a custom event type, as compact JSON.
pub const MAX_EXAMPLE_BYTES: usize = 64 * 1024;

fn json_len(v: &serde_json::Value) -> usize {
    serde_json::to_vec(v).map_or(usize::MAX, |b| b.len())
}

impl Engine {
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
        for (field, v) in [("example", &input.example), ("schema", &input.schema)] {
            if v.as_ref().is_some_and(|v| json_len(v) > MAX_EXAMPLE_BYTES) {
                errors.add(
                    field,
                    format!("must be at most {MAX_EXAMPLE_BYTES} bytes as JSON"),
                );
            }
        }
        errors.into_result()?;
        if self.store().list_event_types().await?.len() >= MAX_EVENT_TYPES {
            return Err(EngineError::invalid(
                "name",
                format!("the catalog is full: it holds at most {MAX_EVENT_TYPES} event types"),
            ));
        }
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

    /// Adds the built-in types that are missing (at every start).
    pub(crate) async fn seed_catalog(&self) -> Result<()> {
        let now = self.now_ms();
        for spec in catalog::builtin() {
            let t = EventType {
                name: spec.name.to_string(),
                description: spec.description.to_string(),
                object: spec.object.to_string(),
                example: spec.example(),
                schema: None,
                builtin: true,
            };
            self.store().insert_event_type(&t, now).await?;
        }
        Ok(())
    }
}
