//! Discord webhook body: `content` (the title, used by notifications) and one
//! embed with title, the message as description, a colour by severity (green
//! for `*.resolved`), inline fields for project, severity, source and
//! subject, a footer naming the event and the event time. Mentions are
//! disabled (`allowed_mentions.parse = []`) so event data cannot ping
//! `@everyone`. All Discord limits hold, including the 6000-char embed total.

use serde_json::{json, Map, Value};

use super::limits::{
    shrink_to_total, truncate_chars, DISCORD_CONTENT_MAX, DISCORD_DESCRIPTION_MAX,
    DISCORD_EMBED_TOTAL_MAX, DISCORD_FIELD_NAME_MAX, DISCORD_FIELD_VALUE_MAX, DISCORD_FOOTER_MAX,
    DISCORD_MAX_FIELDS, DISCORD_TITLE_MAX,
};
use super::{details, event_type, field, message_text, severity, title};
use crate::payload::template::Template;

/// Embed colours (decimal RGB) by severity.
pub const COLOR_CRITICAL: u32 = 0x99_2D_22;
pub const COLOR_HIGH: u32 = 0xE7_4C_3C;
pub const COLOR_MEDIUM: u32 = 0xE6_7E_22;
pub const COLOR_LOW: u32 = 0xF1_C4_0F;
pub const COLOR_INFO: u32 = 0x34_98_DB;
pub const COLOR_RESOLVED: u32 = 0x2E_CC_71;
pub const COLOR_NONE: u32 = 0x95_A5_A6;

pub(super) fn color(event: &Value) -> u32 {
    if event_type(event).ends_with(".resolved") {
        return COLOR_RESOLVED;
    }
    match severity(event).as_str() {
        "critical" => COLOR_CRITICAL,
        "high" => COLOR_HIGH,
        "medium" => COLOR_MEDIUM,
        "low" => COLOR_LOW,
        "info" => COLOR_INFO,
        _ => COLOR_NONE,
    }
}

pub(super) fn render(event: &Value, template: &Template) -> Value {
    let title = title(event);
    let mut embed_title = truncate_chars(&title, DISCORD_TITLE_MAX);
    let mut description = truncate_chars(
        &message_text(template.render(event), event),
        DISCORD_DESCRIPTION_MAX,
    );
    let mut fields: Vec<(String, String)> = details(event)
        .into_iter()
        .take(DISCORD_MAX_FIELDS)
        .map(|(name, value)| {
            (
                truncate_chars(name, DISCORD_FIELD_NAME_MAX),
                truncate_chars(&value, DISCORD_FIELD_VALUE_MAX),
            )
        })
        .collect();
    let footer_parts: Vec<String> = ["Herald".to_string()]
        .into_iter()
        .chain(field(event, "type"))
        .chain(field(event, "id"))
        .collect();
    let mut footer = truncate_chars(&footer_parts.join(" · "), DISCORD_FOOTER_MAX);

    let names: usize = fields.iter().map(|(name, _)| name.chars().count()).sum();
    let budget = DISCORD_EMBED_TOTAL_MAX.saturating_sub(names);
    {
        let mut texts: Vec<&mut String> = vec![&mut description, &mut embed_title, &mut footer];
        texts.extend(fields.iter_mut().map(|(_, value)| value));
        shrink_to_total(&mut texts, budget);
    }

    let mut embed = Map::new();
    embed.insert("title".into(), json!(embed_title));
    embed.insert("description".into(), json!(description));
    embed.insert("color".into(), json!(color(event)));
    if !fields.is_empty() {
        let fields: Vec<Value> = fields
            .into_iter()
            .map(|(name, value)| json!({"name": name, "value": value, "inline": true}))
            .collect();
        embed.insert("fields".into(), Value::Array(fields));
    }
    embed.insert("footer".into(), json!({"text": footer}));
    if let Some(at) = event.get("created_at").and_then(Value::as_str) {
        embed.insert("timestamp".into(), json!(at));
    }

    json!({
        "content": truncate_chars(&title, DISCORD_CONTENT_MAX),
        "embeds": [Value::Object(embed)],
        "allowed_mentions": {"parse": []},
    })
}
