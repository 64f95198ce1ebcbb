//! Size limits of the chat targets (Slack, Discord, Teams, PagerDuty) and
//! the text helpers that keep rendered payloads within them. Every cut is
//! on a char boundary and ends in "…".

pub use crate::payload::template::truncate_chars;

/// Slack: header block `plain_text` length.
pub const SLACK_HEADER_MAX: usize = 150;
/// Slack: section block `mrkdwn` text length.
pub const SLACK_SECTION_MAX: usize = 3000;
/// Slack: context block element text length.
pub const SLACK_CONTEXT_TEXT_MAX: usize = 3000;
/// Slack: blocks per message.
pub const SLACK_MAX_BLOCKS: usize = 50;
/// Slack: top-level `text` (notification fallback); Slack advises 4000.
pub const SLACK_TEXT_MAX: usize = 4000;

/// Discord: message `content`.
pub const DISCORD_CONTENT_MAX: usize = 2000;
/// Discord: embed title.
pub const DISCORD_TITLE_MAX: usize = 256;
/// Discord: embed description.
pub const DISCORD_DESCRIPTION_MAX: usize = 4096;
/// Discord: fields per embed.
pub const DISCORD_MAX_FIELDS: usize = 25;
/// Discord: field name.
pub const DISCORD_FIELD_NAME_MAX: usize = 256;
/// Discord: field value.
pub const DISCORD_FIELD_VALUE_MAX: usize = 1024;
/// Discord: footer text.
pub const DISCORD_FOOTER_MAX: usize = 2048;
/// Discord: embeds per message.
pub const DISCORD_MAX_EMBEDS: usize = 10;
/// Discord: title + description + field names and values + footer, all embeds.
pub const DISCORD_EMBED_TOTAL_MAX: usize = 6000;

/// Teams: serialized request body (the connector limit is about 28 KB).
pub const TEAMS_MAX_BODY_BYTES: usize = 28_000;

/// PagerDuty: `payload.summary`.
pub const PAGERDUTY_SUMMARY_MAX: usize = 1024;
/// PagerDuty: `dedup_key`.
pub const PAGERDUTY_DEDUP_KEY_MAX: usize = 255;
/// PagerDuty: whole event (the API rejects events over 512 KB).
pub const PAGERDUTY_MAX_BODY_BYTES: usize = 512 * 1024;

/// The most a webhook's template may render for one event in `format`, in bytes: all
/// the text the format's body can carry (4 bytes a character at most), so nothing a
/// receiver could get is refused. A template that renders more fails the attempt with
/// `body_too_large` (docs/receiving.md#templates, docs/security.md#templates).
pub fn template_output_max(format: domain::ChatFormat) -> usize {
    use domain::ChatFormat;
    match format {
        ChatFormat::Slack => SLACK_MAX_BLOCKS * SLACK_SECTION_MAX * 4,
        ChatFormat::Discord => (DISCORD_CONTENT_MAX + DISCORD_EMBED_TOTAL_MAX) * 4,
        ChatFormat::Teams => TEAMS_MAX_BODY_BYTES,
        ChatFormat::Pagerduty => PAGERDUTY_MAX_BODY_BYTES,
    }
}

/// Number of chars (not bytes).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Collapse every whitespace run (newlines included) into one space, trimmed.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Split `text` into at most `max_chunks` non-empty pieces of at most `max`
/// chars, preferring to cut at a newline, then at a space, in the second half
/// of a window. The last allowed piece is truncated with "…" when text
/// remains. Blank text gives no pieces.
pub fn split_chunks(text: &str, max: usize, max_chunks: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    if max == 0 || max_chunks == 0 {
        return chunks;
    }
    let mut rest: Vec<char> = text.trim().chars().collect();
    while !rest.is_empty() {
        if rest.len() <= max {
            chunks.push(rest.iter().collect());
            break;
        }
        if chunks.len() + 1 == max_chunks {
            chunks.push(truncate_chars(&rest.iter().collect::<String>(), max));
            break;
        }
        let window = &rest[..max];
        let cut = best_cut(window).unwrap_or(max);
        let piece: String = window[..cut].iter().collect();
        chunks.push(piece.trim_end().to_string());
        let skip = rest[cut..].iter().take_while(|c| c.is_whitespace()).count();
        rest.drain(..cut + skip);
    }
    chunks
}

/// Where to cut a full window: just before the last newline, else the last
/// whitespace, if it lies in the window's second half.
fn best_cut(window: &[char]) -> Option<usize> {
    let half = window.len() / 2;
    let last = |pred: fn(&char) -> bool| {
        window
            .iter()
            .rposition(pred)
            .filter(|&i| i >= half && i > 0)
    };
    last(|c| *c == '\n').or_else(|| last(|c| c.is_whitespace()))
}

/// Shrink the longest of `texts` until their char total is at most `budget`
/// (each keeps at least one char while it can). Used for Discord's 6000-char
/// embed total.
pub fn shrink_to_total(texts: &mut [&mut String], budget: usize) {
    for _ in 0..=texts.len() * 2 {
        let lens: Vec<usize> = texts.iter().map(|t| char_len(t)).collect();
        let total: usize = lens.iter().sum();
        if total <= budget {
            return;
        }
        let Some((longest, &len)) = lens.iter().enumerate().max_by_key(|(_, len)| **len) else {
            return;
        };
        let target = len.saturating_sub(total - budget).max(1);
        *texts[longest] = truncate_chars(texts[longest], target);
    }
}
