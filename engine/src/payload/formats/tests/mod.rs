//! Tests for the chat formats: shared fixtures and limit checks, the format
//! enum, validation, the catalog × format matrix and a no-panic sweep over
//! hostile events. Golden payloads and oversize cases live in submodules.

use super::*;
use crate::catalog::{builtin, find, to_event_view};
use serde_json::json;

mod golden_discord;
mod golden_pagerduty;
mod golden_slack;
mod golden_teams;
mod oversize;

pub(super) const EVENT_ID: &str = "evt_01JD8ZD3QH5V7X9Z1B3D5F7H9K";
pub(super) const CREATED: i64 = 1_732_262_400;
pub(super) const ROUTING_KEY: &str = "R0UT1NGKEY00000000000000000000AB";

/// The event view of a built-in type's example.
pub(super) fn example_event(name: &str) -> Value {
    let spec = find(name).unwrap_or_else(|| panic!("{name} not in catalog"));
    to_event_view(&spec.example(), EVENT_ID, CREATED)
}

pub(super) fn settings() -> Map<String, Value> {
    let mut settings = Map::new();
    settings.insert("routing_key".into(), json!(ROUTING_KEY));
    settings
}

pub(super) fn render_default(format: ChatFormat, event: &Value) -> Value {
    render(format, event, None, &settings())
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn nonempty_within(v: &Value, max: usize, what: &str) {
    let n = chars(v);
    assert!(n >= 1 && n <= max, "{what}: {n} chars (max {max}): {v}");
}

/// Assert every documented limit of `format` holds for `body`.
pub(super) fn assert_within_limits(format: ChatFormat, body: &Value) {
    use super::limits::*;
    let size = serde_json::to_string(body).unwrap().len();
    match format {
        ChatFormat::Slack => {
            nonempty_within(&body["text"], SLACK_TEXT_MAX, "slack text");
            let blocks = body["blocks"].as_array().expect("blocks");
            assert!(blocks.len() <= SLACK_MAX_BLOCKS, "{} blocks", blocks.len());
            assert_eq!(blocks[0]["type"], "header");
            nonempty_within(&blocks[0]["text"]["text"], SLACK_HEADER_MAX, "slack header");
            for block in blocks.iter().filter(|b| b["type"] == "section") {
                nonempty_within(&block["text"]["text"], SLACK_SECTION_MAX, "slack section");
            }
            for block in blocks.iter().filter(|b| b["type"] == "context") {
                let elements = block["elements"].as_array().unwrap();
                assert!(!elements.is_empty() && elements.len() <= 10);
                for e in elements {
                    nonempty_within(&e["text"], SLACK_CONTEXT_TEXT_MAX, "slack context");
                }
            }
        }
        ChatFormat::Discord => {
            assert!(chars(&body["content"]) <= DISCORD_CONTENT_MAX);
            let embeds = body["embeds"].as_array().expect("embeds");
            assert!(!embeds.is_empty() && embeds.len() <= DISCORD_MAX_EMBEDS);
            let mut total = 0;
            for embed in embeds {
                nonempty_within(&embed["title"], DISCORD_TITLE_MAX, "discord title");
                nonempty_within(
                    &embed["description"],
                    DISCORD_DESCRIPTION_MAX,
                    "discord description",
                );
                nonempty_within(
                    &embed["footer"]["text"],
                    DISCORD_FOOTER_MAX,
                    "discord footer",
                );
                total += chars(&embed["title"])
                    + chars(&embed["description"])
                    + chars(&embed["footer"]["text"]);
                let fields = embed["fields"].as_array().cloned().unwrap_or_default();
                assert!(fields.len() <= DISCORD_MAX_FIELDS);
                for f in &fields {
                    nonempty_within(&f["name"], DISCORD_FIELD_NAME_MAX, "discord field name");
                    nonempty_within(&f["value"], DISCORD_FIELD_VALUE_MAX, "discord field value");
                    total += chars(&f["name"]) + chars(&f["value"]);
                }
                assert!(embed["color"].is_u64());
            }
            assert!(total <= DISCORD_EMBED_TOTAL_MAX, "embed total {total}");
            assert_eq!(body["allowed_mentions"], json!({"parse": []}));
        }
        ChatFormat::Teams => {
            assert!(size <= TEAMS_MAX_BODY_BYTES, "teams body {size} bytes");
            let card = &body["attachments"][0]["content"];
            assert_eq!(card["type"], "AdaptiveCard");
            nonempty_within(&card["body"][0]["text"], usize::MAX, "teams title");
            nonempty_within(&card["body"][1]["text"], usize::MAX, "teams text");
        }
        ChatFormat::Pagerduty => {
            assert!(
                size <= PAGERDUTY_MAX_BODY_BYTES,
                "pagerduty body {size} bytes"
            );
            nonempty_within(&body["dedup_key"], PAGERDUTY_DEDUP_KEY_MAX, "dedup_key");
            assert!(body["routing_key"].is_string());
            match body["event_action"].as_str() {
                Some("resolve") => assert!(body.get("payload").is_none()),
                Some("trigger") => {
                    let payload = &body["payload"];
                    nonempty_within(&payload["summary"], PAGERDUTY_SUMMARY_MAX, "summary");
                    assert!(!payload["summary"].as_str().unwrap().contains('\n'));
                    nonempty_within(&payload["source"], usize::MAX, "source");
                    let severity = payload["severity"].as_str().unwrap();
                    assert!(["critical", "error", "warning", "info"].contains(&severity));
                }
                other => panic!("event_action {other:?}"),
            }
        }
    }
}

#[test]
fn chat_format_names_round_trip() {
    for format in ChatFormat::ALL {
        assert_eq!(format.as_str().parse::<ChatFormat>(), Ok(format));
        assert_eq!(format.to_string(), format.as_str());
        let wire = serde_json::to_string(&format).unwrap();
        assert_eq!(wire, format!("\"{}\"", format.as_str()));
        assert_eq!(serde_json::from_str::<ChatFormat>(&wire).unwrap(), format);
    }
    for bad in ["Slack", "envelope", "event", "", "msteams"] {
        assert_eq!(
            bad.parse::<ChatFormat>().map_err(|e| e.value),
            Err(bad.to_string())
        );
    }
    assert!(serde_json::from_str::<ChatFormat>("\"PagerDuty\"").is_err());
}

#[test]
fn every_catalog_type_renders_through_every_default() {
    for spec in builtin() {
        let event = example_event(spec.name);
        for format in ChatFormat::ALL {
            let src = default_template(format, spec.name);
            assert_ne!(
                src,
                default_template(format, "custom.unknown"),
                "{format} {}",
                spec.name
            );
            let tpl = validate_template(format, spec.name, src, &event)
                .unwrap_or_else(|e| panic!("{format} {}: {e}", spec.name));
            // Every field a default reads exists in the example.
            for path in tpl.paths() {
                let pointer = format!("/{}", path.replace('.', "/"));
                assert!(
                    event.pointer(&pointer).is_some(),
                    "{format} {}: {path} missing",
                    spec.name
                );
            }
            let text = tpl.render(&event);
            assert!(
                !text.contains("  ") && !text.trim().is_empty(),
                "{format} {}: {text:?}",
                spec.name
            );
            let body = render_default(format, &event);
            assert_within_limits(format, &body);
        }
    }
}

#[test]
fn generic_default_for_unknown_types() {
    let event = to_event_view(
        &json!({"type": "custom.thing_happened", "data": {"answer": 42}}),
        EVENT_ID,
        CREATED,
    );
    for format in ChatFormat::ALL {
        let text = Template::parse(default_template(format, "custom.thing_happened"))
            .unwrap()
            .render(&event);
        assert!(
            text.contains("custom.thing_happened") && text.contains("project –"),
            "{text}"
        );
        if format != ChatFormat::Pagerduty {
            assert!(text.contains("{\"answer\":42}"), "{format}: {text}");
        }
        assert_within_limits(format, &render_default(format, &event));
    }
}

#[test]
fn validate_template_checks_syntax_and_example() {
    let event = example_event("evaluation.failed");
    let ok = validate_template(
        ChatFormat::Slack,
        "evaluation.failed",
        "Score {{ data.score | percent }}",
        &event,
    )
    .unwrap();
    assert_eq!(ok.render(&event), "Score 42%");
    let err = validate_template(
        ChatFormat::Teams,
        "evaluation.failed",
        "x\n {{ data.score | pct }}",
        &event,
    )
    .unwrap_err();
    assert_eq!((err.line, err.column), (2, 18));
    let err = validate_template(
        ChatFormat::Discord,
        "evaluation.failed",
        " {{ data.nope }} ",
        &event,
    )
    .unwrap_err();
    assert_eq!(
        (err.line, err.column, err.message.as_str()),
        (1, 1, crate::payload::template::EMPTY_RENDER_MESSAGE)
    );
}

#[test]
fn override_template_is_used() {
    let event = example_event("evaluation.failed");
    let tpl = Template::parse("Custom: {{ data.evaluator | upper }}").unwrap();
    let slack = render(ChatFormat::Slack, &event, Some(&tpl), &settings());
    assert_eq!(slack["text"], "Custom: HALLUCINATION");
    let pd = render(ChatFormat::Pagerduty, &event, Some(&tpl), &settings());
    assert_eq!(pd["payload"]["summary"], "Custom: HALLUCINATION");
    let discord = render(ChatFormat::Discord, &event, Some(&tpl), &settings());
    assert_eq!(discord["embeds"][0]["description"], "Custom: HALLUCINATION");
    let teams = render(ChatFormat::Teams, &event, Some(&tpl), &settings());
    assert_eq!(
        teams["attachments"][0]["content"]["body"][1]["text"],
        "Custom: HALLUCINATION"
    );
}

#[test]
fn blank_render_falls_back_to_title() {
    let event = example_event("alert.triggered");
    let tpl = Template::parse("{{ data.missing }}").unwrap();
    let slack = render(ChatFormat::Slack, &event, Some(&tpl), &settings());
    assert_eq!(slack["text"], "Alert triggered · patient-triage");
    let pd = render(ChatFormat::Pagerduty, &event, Some(&tpl), &settings());
    assert_eq!(pd["payload"]["summary"], "Alert triggered · patient-triage");
}

#[test]
fn injection_is_neutralised() {
    let mut event = example_event("evaluation.failed");
    event["data"]["evaluator"] = json!("<!channel> & <https://evil.example|click>");
    event["project"] = json!("@everyone");
    let slack = render_default(ChatFormat::Slack, &event);
    let text = slack["text"].as_str().unwrap();
    assert!(
        text.contains("&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"),
        "{text}"
    );
    assert!(!text.contains("<!channel>"));
    assert!(
        text.starts_with("*Evaluation failed*"),
        "template markup kept: {text}"
    );
    let discord = render_default(ChatFormat::Discord, &event);
    assert_eq!(discord["allowed_mentions"], json!({"parse": []}));
}

#[test]
fn pagerduty_routing_key_and_missing_settings() {
    let event = example_event("safety.critical");
    let body = render(ChatFormat::Pagerduty, &event, None, &Map::new());
    assert_eq!(body["routing_key"], "");
    let mut settings = Map::new();
    settings.insert("routing_key".into(), json!(12));
    assert_eq!(
        render(ChatFormat::Pagerduty, &event, None, &settings)["routing_key"],
        ""
    );
}

/// Tiny deterministic generator for the no-panic sweep.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn string(&mut self, max_len: u64) -> String {
        const POOL: &[&str] = &[
            "a", " ", "\n", "<", ">", "&", "\"", "\\", "é", "✓", "🎉", "\u{0}", "{{", "}}", "…",
            "\t", "*",
        ];
        let len = self.next() % (max_len + 1);
        (0..len)
            .map(|_| POOL[(self.next() % POOL.len() as u64) as usize])
            .collect()
    }

    fn value(&mut self, depth: u32) -> Value {
        match self.next() % if depth == 0 { 5 } else { 7 } {
            0 => Value::Null,
            1 => json!(self.next().is_multiple_of(2)),
            2 => json!(self.next() as f64 / 7.0 - 1e9),
            3 => json!(self.string(40)),
            4 => json!(self.string(9000)),
            5 => Value::Array(
                (0..self.next() % 4)
                    .map(|_| self.value(depth - 1))
                    .collect(),
            ),
            _ => {
                let keys = [
                    "type",
                    "id",
                    "name",
                    "version",
                    "dedup_key",
                    "score",
                    "value",
                ];
                let mut map = Map::new();
                for key in keys {
                    if self.next().is_multiple_of(2) {
                        map.insert(key.into(), self.value(depth - 1));
                    }
                }
                Value::Object(map)
            }
        }
    }
}

#[test]
fn hostile_events_never_panic_and_stay_within_limits() {
    let mut rng = Lcg(0x5EED);
    let keys = [
        "id",
        "type",
        "created_at",
        "source",
        "project",
        "severity",
        "subject",
        "data",
        "metadata",
    ];
    let custom =
        Template::parse("{{ data | json }} {{ subject }} {{ metadata.dedup_key | upper }}")
            .unwrap();
    let mut events = vec![
        Value::Null,
        json!("string"),
        json!(12),
        json!([]),
        json!({}),
    ];
    for _ in 0..60 {
        let mut map = Map::new();
        for key in keys {
            if !rng.next().is_multiple_of(4) {
                map.insert(key.into(), rng.value(2));
            }
        }
        if rng.next().is_multiple_of(3) {
            map.insert(
                "type".into(),
                json!(["alert.resolved", "evaluation.failed", "x.y"][(rng.next() % 3) as usize]),
            );
        }
        events.push(Value::Object(map));
    }
    for event in &events {
        for format in ChatFormat::ALL {
            for template in [None, Some(&custom)] {
                let body = render(format, event, template, &settings());
                assert_within_limits(format, &body);
            }
        }
    }
}
