//! Slack incoming-webhook body: `text` (notification fallback) and Block Kit
//! `blocks`: a header with the title, the message in one or more mrkdwn
//! sections (≤ 3000 chars each), and a context block with project, severity,
//! source and subject; ≤ 50 blocks. Values interpolated into mrkdwn are
//! escaped (`&`, `<`, `>`) so event data cannot inject links or
//! `<!channel>` mentions; the template's own text is left as written.

use serde_json::{json, Value};

use super::limits::{
    split_chunks, truncate_chars, SLACK_CONTEXT_TEXT_MAX, SLACK_HEADER_MAX, SLACK_MAX_BLOCKS,
    SLACK_SECTION_MAX, SLACK_TEXT_MAX,
};
use super::{details, message_text, title};
use crate::payload::template::Template;

/// Slack's mrkdwn escaping of control characters.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn render(event: &Value, template: &Template) -> Value {
    let rendered = template.render_with(event, escape);
    let text = if rendered.trim().is_empty() {
        escape(&message_text(rendered, event))
    } else {
        message_text(rendered, event)
    };

    let elements: Vec<Value> = details(event)
        .into_iter()
        .map(|(label, value)| {
            let text = truncate_chars(
                &format!("*{label}:* {}", escape(&value)),
                SLACK_CONTEXT_TEXT_MAX,
            );
            json!({"type": "mrkdwn", "text": text})
        })
        .collect();

    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate_chars(&title(event), SLACK_HEADER_MAX), "emoji": true},
    })];
    let max_sections = SLACK_MAX_BLOCKS - blocks.len() - usize::from(!elements.is_empty());
    for chunk in split_chunks(&text, SLACK_SECTION_MAX, max_sections) {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": chunk}}));
    }
    if !elements.is_empty() {
        blocks.push(json!({"type": "context", "elements": elements}));
    }

    json!({"text": truncate_chars(&text, SLACK_TEXT_MAX), "blocks": blocks})
}
