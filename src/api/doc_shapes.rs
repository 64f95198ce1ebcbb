//! Constraints of the OpenAPI document that types alone cannot carry (docs/api.md#openapi):
//! the create body of a webhook (`WebhookCreate`: `WebhookInput` with `name` and `url`
//! required), and event type names drawn from the built-in catalog (`POST /events`'s
//! `type`, a webhook's `event_types`, which also take `*`). Types added with
//! `POST /event-types` are accepted as well; the document lists the built-in ones.
use utoipa::openapi::schema::{Object, Schema};
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// What the document promises an `http(s)` URL looks like (the server takes more).
pub const URL_PATTERN: &str = r"^https?://[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[1-9][0-9]{0,3})?([/?#].*)?$";

/// Literal template text that renders to something: not blank, and no `{{`, `{%` or `{#`
/// (a lone `{` is text).
const TEMPLATE_PATTERN: &str = r"^\s*([^{\s]|\{[^{%#]|\{$)([^{]|\{[^{%#])*\{?$";

/// A condition the document promises is valid: empty (none), or one comparison of a `data`
/// field with a number. The server takes the whole Common Expression Language
/// (docs/conditions.md) and answers 422 with the position for anything it cannot compile.
const CONDITION_PATTERN: &str =
    r"^(|data\.[a-z_]{1,20} (<|>|<=|>=|==|!=) [0-9]{1,6}(\.[0-9]{1,3})?)$";

/// A redaction path (docs/conditions.md#redaction): `data` or `metadata`, then keys of
/// ASCII letters, digits, `_` and `-`, `[n]` or `[*]` (the server also takes non-ASCII
/// letters in keys).
const REDACT_PATH_PATTERN: &str = r"^(data|metadata)(\.[A-Za-z0-9_-]+|\[(\*|[0-9]{1,9})\])+$";

/// What depends on `format` (docs/api.md#webhooks), written into the published JSON
/// (utoipa's types hold no `const` or `propertyNames`): templates only for the chat
/// formats, a `routing_key` for pagerduty, batches of more than one event only for the
/// envelope.
pub fn apply_json(doc: &mut serde_json::Value) {
    let chat = ["slack", "discord", "teams", "pagerduty"];
    let rules = serde_json::json!([
        {"anyOf": [
            {"properties": {"format": {"enum": chat}}, "required": ["format"]},
            {"properties": {"templates": {"type": ["object", "null"], "maxProperties": 0}}},
        ]},
        {"anyOf": [
            {"properties": {"format": {"enum": ["envelope", "event", "slack", "discord", "teams", null]}}},
            {"properties": {"settings": {"type": "object", "required": ["routing_key"]}},
             "required": ["settings"]},
        ]},
        {"anyOf": [
            {"properties": {"format": {"enum": ["envelope", null]}}},
            {"properties": {"batch": {"anyOf": [
                {"type": "null"},
                {"type": "object", "properties": {"max_events": {"const": 1}}},
            ]}}},
        ]},
    ]);
    // A PATCH is checked merged with the stored webhook, which the document cannot see, so
    // the rules that depend on `format` are promised for creation only; a PATCH that passes
    // the schema may still be a 422 for the webhook it changes (docs/api.md#openapi).
    {
        let slot = &mut doc["components"]["schemas"]["WebhookCreate"];
        if slot.is_object() {
            let mut all = vec![slot.take()];
            all.extend(rules.as_array().cloned().unwrap_or_default());
            *slot = serde_json::json!({"allOf": all});
        }
    }
    // The condition check needs an event (as `POST /events` takes it) or at least one
    // catalog event type.
    let check = &mut doc["components"]["schemas"]["ConditionCheck"];
    if check.is_object() {
        check["properties"]["event"] = serde_json::json!({"anyOf": [
            {"$ref": "#/components/schemas/EventInput"}, {"type": "null"}]});
        // Names or patterns; one that matches no catalog type yields no sample.
        check["properties"]["event_types"] =
            serde_json::json!({"type": "array", "items": {"type": "string"}});
        check["anyOf"] = serde_json::json!([
            {"required": ["event"], "properties": {"event": {"$ref": "#/components/schemas/EventInput"}}},
            {"required": ["event_types"], "properties": {"event_types": {"minItems": 1}}},
        ]);
    }
    // A subject filter sets at least one of its fields to a string (possibly empty).
    let fields = ["type", "id", "name", "version"];
    let nullable = serde_json::json!({"type": ["string", "null"]});
    let set_one: Vec<serde_json::Value> = fields
        .iter()
        .map(|f| serde_json::json!({"required": [f], "properties": {*f: {"type": "string"}}}))
        .collect();
    doc["components"]["schemas"]["SubjectFilter"] = serde_json::json!({
        "type": "object",
        "description": "What a filtered event must be about; at least one field set.",
        "properties": fields.iter().map(|f| (f.to_string(), nullable.clone())).collect::<serde_json::Map<_, _>>(),
        "additionalProperties": false,
        "anyOf": set_one,
    });
    let names: Vec<String> = engine::catalog::builtin()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    for pointer in [
        "/components/schemas/WebhookInput/properties/templates",
        "/components/schemas/WebhookCreate/allOf/0/properties/templates",
    ] {
        if let Some(templates) = doc.pointer_mut(pointer).filter(|t| t.is_object()) {
            templates["propertyNames"] = serde_json::json!({"enum": names});
        }
    }
}

/// A schema written as JSON (the document's own serde form).
fn schema(json: serde_json::Value) -> RefOr<Schema> {
    serde_json::from_value(json).expect("a valid schema")
}

/// Applies the shapes to the whole document (after the routes are in).
pub fn apply(openapi: &mut OpenApi) {
    let names: Vec<String> = engine::catalog::builtin()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let schemas = &mut components.schemas;
    if let Some(RefOr::T(Schema::Object(event))) = schemas.get_mut("EventInput") {
        if let Some(RefOr::T(Schema::Object(t))) = event.properties.get_mut("type") {
            t.enum_values = Some(names.iter().map(|n| n.as_str().into()).collect());
        }
        // Unix seconds (as a number) or an RFC 3339 time; server time when null or absent.
        event.properties.insert(
            "created".into(),
            schema(serde_json::json!({"oneOf": [
                {"type": "integer", "format": "int64",
                 "minimum": -9_223_372_036_854_775_i64, "maximum": 9_223_372_036_854_775_i64},
                {"type": "string", "format": "date-time"},
                {"type": "null"}
            ]})),
        );
    }
    if let Some(RefOr::T(Schema::Object(test))) = schemas.get_mut("TestRequest") {
        if let Some(RefOr::T(Schema::Object(t))) = test.properties.get_mut("event_type") {
            t.enum_values = Some(names.iter().map(|n| n.as_str().into()).collect());
        }
    }
    let mut choices = names.clone();
    choices.push("*".into());
    let subscribed = schema(serde_json::json!({
        "type": ["array", "null"], "minItems": 1, "uniqueItems": true,
        "items": {"type": "string", "enum": choices},
        "description": "Event types from the catalog, or `*` for all; null keeps the current ones (all on create).",
    }));
    if let Some(RefOr::T(Schema::Object(input))) = schemas.get_mut("WebhookInput") {
        input
            .properties
            .insert("event_types".into(), subscribed.clone());
    }
    // A header's value is always sent (a protected value is sealed, never echoed).
    if let Some(RefOr::T(Schema::Object(header))) = schemas.get_mut("HeaderInput") {
        header.properties.insert(
            "value".into(),
            schema(serde_json::json!({"type": "string", "maxLength": 4096,
                "pattern": "^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F-\\u009F]*$"})),
        );
        if !header.required.iter().any(|r| r == "value") {
            header.required.push("value".into());
        }
    }
    // Project and source filters are never empty (subject filters: see `apply_json`).
    let value = serde_json::json!({"type": "string", "minLength": 1});
    if let Some(RefOr::T(Schema::Object(filters))) = schemas.get_mut("Filters") {
        for list in ["projects", "sources"] {
            filters.properties.insert(
                list.into(),
                schema(serde_json::json!({"type": "array", "items": value})),
            );
        }
    }
    if let Some(RefOr::T(Schema::Object(retry))) = schemas.get_mut("RetryFailedRequest") {
        retry.properties.insert(
            "event_types".into(),
            schema(serde_json::json!({
                "type": "array",
                "items": {"type": "string", "maxLength": 128,
                          "pattern": "^(\\*|[a-z0-9_]+(\\.[a-z0-9_]+)*(\\.\\*)?)$"},
                "description": "Event type names or patterns (`*`, `prefix.*`); every type when empty.",
            })),
        );
    }
    if let Some(RefOr::T(Schema::Object(input))) = schemas.get_mut("WebhookInput") {
        input.properties.insert(
            "templates".into(),
            schema(serde_json::json!({
                "type": ["object", "null"],
                "additionalProperties": {"type": "string", "maxLength": 4096,
                    "pattern": TEMPLATE_PATTERN},
                "description": "Message templates by event type, for the chat formats (minijinja; \
                    the pattern shows the literal text every template may be, the `{{ … }}` and \
                    `{% … %}` syntax is checked when saved).",
            })),
        );
        input.properties.insert(
            "settings".into(),
            schema(serde_json::json!({
                "type": ["object", "null"],
                "properties": {"routing_key": {"type": "string", "minLength": 1, "maxLength": 64,
                    "pattern": "\\S"}},
                "additionalProperties": false,
                "description": "Format settings: `routing_key` (pagerduty, required there).",
            })),
        );
    }
    let condition = |types: serde_json::Value| {
        schema(serde_json::json!({"type": types, "maxLength": 1000,
            "pattern": CONDITION_PATTERN,
            "description": "A CEL expression over the event (docs/conditions.md); empty for none. \
                The pattern shows a form that is always valid; the whole language is accepted."}))
    };
    for (name, types) in [
        ("WebhookInput", serde_json::json!(["string", "null"])),
        ("ConditionCheck", serde_json::json!("string")),
    ] {
        if let Some(RefOr::T(Schema::Object(o))) = schemas.get_mut(name) {
            if o.properties.contains_key("condition") {
                o.properties.insert("condition".into(), condition(types));
            }
        }
    }
    if let Some(RefOr::T(Schema::Object(redaction))) = schemas.get_mut("Redaction") {
        redaction.properties.insert(
            "path".into(),
            schema(serde_json::json!({"type": "string", "maxLength": 256,
                "pattern": REDACT_PATH_PATTERN})),
        );
    }
    if let Some(RefOr::T(Schema::Object(input))) = schemas.get("WebhookInput").cloned() {
        let mut create: Object = input;
        for field in ["name", "url"] {
            if !create.required.iter().any(|r| r == field) {
                create.required.push(field.to_string());
            }
        }
        // Required, so not null either.
        create.properties.insert(
            "name".into(),
            schema(serde_json::json!({"type": "string", "minLength": 1, "maxLength": 128, "pattern": "\\S"})),
        );
        create.properties.insert(
            "url".into(),
            schema(serde_json::json!({"type": "string", "pattern": URL_PATTERN,
                "description": "An `http` or `https` URL."})),
        );

        // Bring your own secret: `whsec_` and base64 of 24 to 64 bytes (the pattern shows
        // 24 to 48 bytes without padding).
        create.properties.insert(
            "secret".into(),
            schema(serde_json::json!({"type": ["string", "null"],
                "pattern": "^whsec_([A-Za-z0-9+/]{4}){8,16}$"})),
        );
        create.description = Some("A new webhook: `name` and `url` are required.".into());
        schemas.insert("WebhookCreate".into(), RefOr::T(Schema::Object(create)));
        // Only on create: a change of secret goes through rotate-secret.
        if let Some(RefOr::T(Schema::Object(patch))) = schemas.get_mut("WebhookInput") {
            patch.properties.remove("secret");
        }
    }
    let Some(post) = openapi
        .paths
        .paths
        .get_mut("/webhooks")
        .and_then(|p| p.post.as_mut())
    else {
        return;
    };
    if let Some(body) = post.request_body.as_mut() {
        for content in body.content.values_mut() {
            content.schema = Some(RefOr::Ref(Ref::from_schema_name("WebhookCreate")));
        }
    }
}
