//! The event-type catalog: list it (whole, or a page at a time by name), add a type, and
//! seed the built-in types at start. Mirrors `src/api/event_types.rs`. The catalog is
//! bounded (at most [`MAX_EVENT_TYPES`] types, examples and schemas of at most
//! [`MAX_EXAMPLE_BYTES`]): every webhook form, validation and preview reads all of it
//! (docs/api.md#limits).
use serde_json::json;

use crate::catalog;
use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::rules::filter::validate_event_type_name;
use domain::{EventType, EventTypeInput, Page};

/// Most event types the catalog holds, built-in ones included.
pub const MAX_EVENT_TYPES: usize = 1000;
/// Largest example or schema of a custom event type, as compact JSON.
pub const MAX_EXAMPLE_BYTES: usize = 64 * 1024;

fn json_len(v: &serde_json::Value) -> usize {
    serde_json::to_vec(v).map_or(usize::MAX, |b| b.len())
}

impl Engine {
    /// The whole catalog, by name (the console's pickers and checks need all of it).
    pub async fn list_event_types(&self) -> Result<Vec<EventType>> {
        self.store().list_event_types().await
    }

    /// One page of the catalog by name (docs/api.md#paging): at most `limit` (1–200) types
    /// whose names sort after `cursor`; `next_cursor` is the last name when more follow.
    pub async fn list_event_types_page(
        &self,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<EventType>> {
        let all = self.store().list_event_types().await?;
        Ok(page_by_name(all, limit, cursor))
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

/// The types named after `cursor`, in byte order of their names, `limit` (1–200) at most.
fn page_by_name(mut all: Vec<EventType>, limit: u32, cursor: Option<&str>) -> Page<EventType> {
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let limit = limit.clamp(1, 200) as usize;
    let mut data: Vec<EventType> = all
        .into_iter()
        .filter(|t| cursor.is_none_or(|c| t.name.as_str() > c))
        .take(limit + 1)
        .collect();
    let next_cursor = if data.len() > limit {
        data.truncate(limit);
        data.last().map(|t| t.name.clone())
    } else {
        None
    };
    Page { data, next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(names: &[&str]) -> Vec<EventType> {
        names
            .iter()
            .map(|n| EventType {
                name: n.to_string(),
                description: String::new(),
                object: "x".into(),
                example: json!({}),
                schema: None,
                builtin: false,
            })
            .collect()
    }

    fn names(p: &Page<EventType>) -> Vec<&str> {
        p.data.iter().map(|t| t.name.as_str()).collect()
    }

    /// limit, cursor, the names on the page, next_cursor.
    type Case<'a> = (u32, Option<&'a str>, &'a [&'a str], Option<&'a str>);

    #[test]
    fn pages_follow_names_and_end_without_a_cursor() {
        let all = named(&["c.x", "a.x", "b.x", "d.x", "e.x"]);
        let cases: &[Case] = &[
            (2, None, &["a.x", "b.x"], Some("b.x")),
            (2, Some("b.x"), &["c.x", "d.x"], Some("d.x")),
            (2, Some("d.x"), &["e.x"], None),
            (5, None, &["a.x", "b.x", "c.x", "d.x", "e.x"], None),
            (0, None, &["a.x"], Some("a.x")),
            (50, Some("bb"), &["c.x", "d.x", "e.x"], None),
            (50, Some("z"), &[], None),
        ];
        for (limit, cursor, want, next) in cases {
            let p = page_by_name(all.clone(), *limit, *cursor);
            assert_eq!(names(&p), *want, "{limit} {cursor:?}");
            assert_eq!(p.next_cursor.as_deref(), *next, "{limit} {cursor:?}");
        }
    }
}
