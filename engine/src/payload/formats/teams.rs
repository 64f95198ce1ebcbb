//! Microsoft Teams body: a `message` with one Adaptive Card 1.4 attachment
//! whose body is a bold title, the message text (wrapped) and a FactSet with
//! project, severity, source and subject. The serialized body is kept within
//! `TEAMS_MAX_BODY_BYTES` by truncating the longest texts first.

use serde_json::{json, Value};

use super::limits::{char_len, truncate_chars, TEAMS_MAX_BODY_BYTES};
use super::{details, message_text, severity, title};
use crate::payload::template::Template;

struct Card {
    title: String,
    text: String,
    facts: Vec<(&'static str, String)>,
    attention: bool,
}

impl Card {
    fn to_json(&self) -> Value {
        let mut heading = json!({
            "type": "TextBlock", "text": self.title, "weight": "Bolder", "size": "Medium", "wrap": true,
        });
        if self.attention {
            heading["color"] = json!("Attention");
        }
        let mut body = vec![
            heading,
            json!({"type": "TextBlock", "text": self.text, "wrap": true}),
        ];
        if !self.facts.is_empty() {
            let facts: Vec<Value> = self
                .facts
                .iter()
                .map(|(label, value)| json!({"title": label, "value": value}))
                .collect();
            body.push(json!({"type": "FactSet", "facts": facts}));
        }
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }],
        })
    }

    /// The longest text by bytes, to cut first.
    fn longest(&mut self) -> &mut String {
        let mut longest = &mut self.text;
        if self.title.len() > longest.len() {
            longest = &mut self.title;
        }
        for (_, value) in &mut self.facts {
            if value.len() > longest.len() {
                longest = value;
            }
        }
        longest
    }
}

pub(super) fn render(event: &Value, template: &Template) -> Value {
    let mut card = Card {
        title: title(event),
        text: message_text(template.render(event), event),
        facts: details(event),
        attention: matches!(severity(event).as_str(), "critical" | "high"),
    };
    // Each pass cuts the longest text in proportion to the bytes it must
    // lose (escaped chars serialize to several bytes), always by ≥ 1 char.
    for _ in 0..64 {
        let body = card.to_json();
        let size = json_len(&body);
        if size <= TEAMS_MAX_BODY_BYTES {
            return body;
        }
        let longest = card.longest();
        let chars = char_len(longest);
        if chars <= 1 {
            break;
        }
        let bytes = json_len(&Value::String(longest.clone())).max(1);
        let keep_bytes = bytes.saturating_sub(size - TEAMS_MAX_BODY_BYTES + 3);
        let target = (chars as f64 * keep_bytes as f64 / bytes as f64) as usize;
        *longest = truncate_chars(longest, target.clamp(1, chars - 1));
    }
    card.to_json()
}

fn json_len(value: &Value) -> usize {
    serde_json::to_string(value).map_or(0, |s| s.len())
}
