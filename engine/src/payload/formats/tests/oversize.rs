//! Oversized values against every limit of every format: each cut must stay
//! within the limit, fall on a char boundary and end in "…".

use super::super::limits::*;
use super::*;

fn n_chars(v: &Value) -> usize {
    v.as_str().unwrap().chars().count()
}

fn cut(v: &Value, max: usize) {
    let s = v.as_str().unwrap();
    assert_eq!(
        s.chars().count(),
        max,
        "expected a cut to exactly {max} chars"
    );
    assert!(
        s.ends_with('…'),
        "cut text must end in …: {}",
        &s[s.len().saturating_sub(20)..]
    );
}

/// `count` distinct words: "w00000 w00001 …" (7 chars each with the space).
fn words(count: usize) -> String {
    (0..count)
        .map(|i| format!("w{i:05}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn with_text(text: &str) -> (Value, Template) {
    let mut event = example_event("evaluation.failed");
    event["data"]["long"] = json!(text);
    (event, Template::parse("{{ data.long }}").unwrap())
}

#[test]
fn slack_header_and_context_elements() {
    let mut event = example_event("evaluation.failed");
    event["project"] = json!("é".repeat(5000));
    let body = render_default(ChatFormat::Slack, &event);
    cut(&body["blocks"][0]["text"]["text"], SLACK_HEADER_MAX);
    let context = body["blocks"].as_array().unwrap().last().unwrap();
    cut(&context["elements"][0]["text"], SLACK_CONTEXT_TEXT_MAX);
    assert_within_limits(ChatFormat::Slack, &body);
}

#[test]
fn slack_long_text_splits_into_sections_at_spaces() {
    let text = words(1500); // 10_499 chars
    let (event, tpl) = with_text(&text);
    let body = render(ChatFormat::Slack, &event, Some(&tpl), &settings());
    let sections: Vec<&str> = body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "section")
        .map(|b| b["text"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(sections.len(), 4);
    assert!(sections
        .iter()
        .all(|s| s.chars().count() <= SLACK_SECTION_MAX && !s.ends_with('…')));
    assert_eq!(sections.join(" "), text, "nothing lost or duplicated");
    cut(&body["text"], SLACK_TEXT_MAX);
    assert_within_limits(ChatFormat::Slack, &body);
}

#[test]
fn slack_unbroken_text_is_hard_split() {
    let text = "🎉".repeat(7000);
    let (event, tpl) = with_text(&text);
    let body = render(ChatFormat::Slack, &event, Some(&tpl), &settings());
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(n_chars(&blocks[1]["text"]["text"]), 3000);
    assert_eq!(n_chars(&blocks[2]["text"]["text"]), 3000);
    assert_eq!(n_chars(&blocks[3]["text"]["text"]), 1000);
}

#[test]
fn slack_block_count_is_capped_at_50() {
    let text = words(30_000); // ~210k chars, more than 48 sections
    let (event, tpl) = with_text(&text);
    let body = render(ChatFormat::Slack, &event, Some(&tpl), &settings());
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), SLACK_MAX_BLOCKS);
    assert_eq!(blocks[49]["type"], "context");
    let last_section = blocks[48]["text"]["text"].as_str().unwrap();
    assert!(last_section.ends_with('…') && last_section.chars().count() <= SLACK_SECTION_MAX);
    assert_within_limits(ChatFormat::Slack, &body);
}

#[test]
fn discord_each_limit() {
    let mut event = example_event("safety.critical");
    event["project"] = json!("p".repeat(3000));
    event["subject"]["name"] = json!("ñ".repeat(2000));
    event["id"] = json!("i".repeat(3000));
    let body = render_default(ChatFormat::Discord, &event);
    cut(&body["content"], DISCORD_CONTENT_MAX);
    let embed = &body["embeds"][0];
    cut(&embed["title"], DISCORD_TITLE_MAX);
    cut(&embed["fields"][0]["value"], DISCORD_FIELD_VALUE_MAX);
    cut(&embed["fields"][3]["value"], DISCORD_FIELD_VALUE_MAX);
    assert!(n_chars(&embed["footer"]["text"]) <= DISCORD_FOOTER_MAX);
    assert!(embed["footer"]["text"].as_str().unwrap().ends_with('…'));
    assert_within_limits(ChatFormat::Discord, &body);
}

#[test]
fn discord_description_and_total() {
    let (event, tpl) = with_text(&"x".repeat(10_000));
    let body = render(ChatFormat::Discord, &event, Some(&tpl), &settings());
    cut(&body["embeds"][0]["description"], DISCORD_DESCRIPTION_MAX);
    assert_within_limits(ChatFormat::Discord, &body);

    // Description, footer and all four fields at their own maxima exceed
    // 6000 together: the longest texts give way.
    let mut event = event;
    event["project"] = json!("p".repeat(3000));
    event["source"] = json!("s".repeat(3000));
    event["severity"] = json!("v".repeat(3000));
    event["id"] = json!("i".repeat(3000));
    let body = render(ChatFormat::Discord, &event, Some(&tpl), &settings());
    let embed = &body["embeds"][0];
    assert!(embed["description"].as_str().unwrap().ends_with('…'));
    assert!(n_chars(&embed["description"]) < DISCORD_DESCRIPTION_MAX);
    assert_within_limits(ChatFormat::Discord, &body);
}

#[test]
fn teams_body_stays_under_28kb() {
    for filler in ["a", "é", "🎉", "\"", "\u{1}"] {
        let (event, tpl) = with_text(&filler.repeat(60_000));
        let body = render(ChatFormat::Teams, &event, Some(&tpl), &settings());
        let size = serde_json::to_string(&body).unwrap().len();
        assert!(size <= TEAMS_MAX_BODY_BYTES, "{filler:?}: {size}");
        assert!(
            size > TEAMS_MAX_BODY_BYTES - 2000,
            "{filler:?}: cut far too much ({size})"
        );
        let text = &body["attachments"][0]["content"]["body"][1]["text"];
        assert!(text.as_str().unwrap().ends_with('…'));
    }
    let mut event = example_event("alert.triggered");
    event["project"] = json!("p".repeat(40_000));
    let body = render_default(ChatFormat::Teams, &event);
    assert_within_limits(ChatFormat::Teams, &body);
    let title = &body["attachments"][0]["content"]["body"][0]["text"];
    assert!(title.as_str().unwrap().ends_with('…'));
}

#[test]
fn pagerduty_summary_and_dedup_key() {
    let (mut event, tpl) = with_text(&format!("line one\n{}", words(400)));
    event["metadata"]["dedup_key"] = json!("k".repeat(1000));
    let body = render(ChatFormat::Pagerduty, &event, Some(&tpl), &settings());
    cut(&body["payload"]["summary"], PAGERDUTY_SUMMARY_MAX);
    assert!(body["payload"]["summary"]
        .as_str()
        .unwrap()
        .starts_with("line one w00000 w00001"));
    cut(&body["dedup_key"], PAGERDUTY_DEDUP_KEY_MAX);

    let mut event = example_event("safety.critical");
    event["project"] = json!("p".repeat(1000));
    let body = render_default(ChatFormat::Pagerduty, &event);
    cut(&body["dedup_key"], PAGERDUTY_DEDUP_KEY_MAX);
    assert!(body["dedup_key"]
        .as_str()
        .unwrap()
        .starts_with("safety.critical:ppp"));
}

#[test]
fn pagerduty_oversized_details_are_replaced() {
    let (event, _) = with_text(&"d".repeat(600 * 1024));
    let body = render_default(ChatFormat::Pagerduty, &event);
    let details = &body["payload"]["custom_details"];
    assert_eq!(details["truncated"], true);
    assert!(details["original_size_bytes"].as_u64().unwrap() > PAGERDUTY_MAX_BODY_BYTES as u64);
    assert_within_limits(ChatFormat::Pagerduty, &body);

    let (event, _) = with_text(&"d".repeat(100 * 1024));
    let body = render_default(ChatFormat::Pagerduty, &event);
    assert_eq!(
        body["payload"]["custom_details"]["long"]
            .as_str()
            .unwrap()
            .len(),
        100 * 1024
    );
}

#[test]
fn limit_helpers() {
    assert_eq!(one_line("  a\n\n b\t c  "), "a b c");
    assert!(split_chunks("   \n ", 10, 5).is_empty());
    assert_eq!(split_chunks("abc def ghi", 7, 5), ["abc", "def ghi"]);
    assert_eq!(
        split_chunks("line one\nline two", 12, 5),
        ["line one", "line two"]
    );
    assert_eq!(split_chunks("abcdefghij", 4, 2), ["abcd", "efg…"]);
    assert_eq!(split_chunks("abc", 0, 3), Vec::<String>::new());
    let mut a = "a".repeat(50);
    let mut b = "b".repeat(10);
    shrink_to_total(&mut [&mut a, &mut b], 30);
    assert_eq!((a.chars().count(), b.as_str()), (20, "bbbbbbbbbb"));
    assert!(a.ends_with('…'));
}
