//! The console's own data shapes, shared by the server and the browser: the views no
//! other part of Herald has (a webhook prepared for the edit dialog, page bundles, the
//! form as posted) and display helpers. Everything else is the `domain` crate's types,
//! which the browser build shares with the engine. None of these can hold a protected
//! header value or a signing secret.
use serde::{Deserialize, Serialize};

pub use domain::{
    ActivityBucket, ApiKey, Attempt, Backoff, BatchSettings, ConditionCheckResult, ConditionSample,
    Delivery, DeliveryStatus, Format, Header, Health, RedactAction, Redaction, RetryPolicy,
    Severity, TestResult,
};

/// A webhook as the console shows it. `url` is the full URL only when it is loaded for
/// editing; everywhere else it equals `url_display` (query values masked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub url_display: String,
    pub description: String,
    pub active: bool,
    pub event_types: Vec<String>,
    pub projects: Vec<String>,
    pub severities: Vec<Severity>,
    pub sources: Vec<String>,
    /// Subject filters, as text (`deployment triage v2`); kept as they are on edit.
    pub subjects: Vec<String>,
    pub headers: Vec<Header>,
    pub format: Format,
    pub routing_key: String,
    /// Template overrides: (event type, template).
    pub templates: Vec<(String, String)>,
    pub include_result: bool,
    pub batch: BatchSettings,
    pub retry: RetryPolicy,
    pub timeout_ms: u64,
    /// CEL condition; "" for none.
    pub condition: String,
    pub redact: Vec<Redaction>,
    pub health: Health,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTypeView {
    pub name: String,
    pub description: String,
}

/// The webhooks page: every webhook (newest first) and the event catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookView>,
    pub more: bool,
}

/// One page of a webhook's delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryPage {
    pub deliveries: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryDetailView {
    pub delivery: Delivery,
    pub webhook_name: String,
    /// URLs masked and bodies pretty-printed for reading.
    pub attempts: Vec<Attempt>,
}

/// What a test or validate send did (the request's URL masked, bodies pretty-printed),
/// and which protected headers of a saved webhook were left out of a validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResultView {
    pub result: TestResult,
    /// Protected headers left out (their values stay on the server).
    pub skipped_headers: Vec<String>,
}

/// The webhook page's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDetailData {
    pub webhook: WebhookView,
    pub event_types: Vec<EventTypeView>,
    /// The last 24 hours, oldest first.
    pub chart: Vec<ActivityBucket>,
    /// 24 hours ago as `YYYY-MM-DDTHH:MM` (UTC), the default "since" of "Retry failed".
    pub default_since: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub name: String,
    pub key: String,
}

/// The settings page: the keys, and a key just created (shown this once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeysData {
    pub keys: Vec<ApiKey>,
    pub new_key: Option<NewApiKey>,
}

/// The live preview of a template: the request body the format would send, or why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewView {
    pub body: Option<String>,
    pub error: Option<String>,
    pub default_template: String,
}

/// The create/edit form as posted (names `webhook[...]`). Numbers are text so a bad one
/// becomes a field error rather than an unreadable request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookForm {
    /// Empty when creating.
    pub id: String,
    pub name: String,
    pub url: String,
    pub description: String,
    /// Checkbox: present when on.
    pub active: Option<String>,
    pub event_types: Vec<String>,
    pub headers: Vec<HeaderRow>,
    /// Comma- or line-separated.
    pub projects: String,
    pub severities: Vec<String>,
    pub sources: String,
    pub format: String,
    pub routing_key: String,
    pub templates: Vec<TemplateRow>,
    pub include_result: Option<String>,
    pub max_retries: String,
    pub backoff: String,
    pub initial_delay_ms: String,
    pub max_delay_ms: String,
    pub timeout_ms: String,
    pub batch_max_events: String,
    pub batch_max_wait_ms: String,
    pub condition: String,
    /// One redaction a line: `path` or `path action` (remove, mask or hash).
    pub redact: String,
    /// Which button posted the form: empty or `save` saves; `add_header`,
    /// `remove_header:N` and `validate` are the editor's buttons posted without
    /// JavaScript (see `docs/console.md`, "Without JavaScript").
    pub intent: String,
}

/// The create/edit form as it was posted by "Add header", "Remove header" or "Validate
/// webhook" without JavaScript, kept once in the session: the dialog renders the form from
/// it. Protected values typed into it are not kept (`retype` lists those rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDraft {
    pub webhook: WebhookView,
    /// Header rows whose protected value was typed but must be typed again.
    pub retype: Vec<usize>,
    /// The answer of "Validate webhook", when that was the button.
    pub validated: Option<Result<TestResultView, crate::error::ConsoleError>>,
}

/// A row of the headers editor. A protected row left empty keeps its stored value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HeaderRow {
    pub key: String,
    pub value: String,
    pub protected: Option<String>,
}

impl HeaderRow {
    /// Neither a name nor a value: an untouched spare row.
    pub fn is_blank(&self) -> bool {
        self.key.trim().is_empty() && self.value.is_empty()
    }
}

/// A template override row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateRow {
    pub event_type: String,
    pub body: String,
}

/// `2026-11-22T08:00:00Z` → `2026-11-22 08:00:00 UTC`; the same text on server and browser.
pub fn show_time(t: &str) -> String {
    match t.strip_suffix('Z') {
        Some(rest) if rest.len() >= 19 => format!("{} UTC", rest.replacen('T', " ", 1)),
        _ => t.to_string(),
    }
}

pub fn show_opt_time(t: &Option<String>) -> String {
    t.as_deref().map(show_time).unwrap_or_else(|| "—".into())
}

/// `1500` → `1.5 s`, `250` → `250 ms`, `3600000` → `1 h`.
pub fn show_ms(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 => trim_float(ms as f64 / 1000.0, "s"),
        60_000..=3_599_999 => trim_float(ms as f64 / 60_000.0, "min"),
        _ => trim_float(ms as f64 / 3_600_000.0, "h"),
    }
}

fn trim_float(v: f64, unit: &str) -> String {
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s);
    format!("{s} {unit}")
}

/// Percent-encodes `s` for a URL query value or path segment.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The name of a redaction action, as the form writes it.
pub fn redact_action_name(a: RedactAction) -> &'static str {
    match a {
        RedactAction::Remove => "remove",
        RedactAction::Mask => "mask",
        RedactAction::Hash => "hash",
    }
}

/// Redactions as the form's text: one `path action` a line.
pub fn redact_text(list: &[Redaction]) -> String {
    list.iter()
        .map(|r| format!("{} {}", r.path, redact_action_name(r.action)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations() {
        assert_eq!(show_time("2026-11-22T08:00:00Z"), "2026-11-22 08:00:00 UTC");
        assert_eq!(show_time("soon"), "soon");
        assert_eq!(show_ms(250), "250 ms");
        assert_eq!(show_ms(1500), "1.5 s");
        assert_eq!(show_ms(5000), "5 s");
        assert_eq!(show_ms(36_000_000), "10 h");
        assert_eq!(escape("a+b/c=é"), "a%2Bb%2Fc%3D%C3%A9");
    }

    #[test]
    fn blank_header_rows() {
        assert!(HeaderRow::default().is_blank());
        assert!(!HeaderRow {
            key: "X".into(),
            ..Default::default()
        }
        .is_blank());
        assert!(!HeaderRow {
            value: "v".into(),
            ..Default::default()
        }
        .is_blank());
    }
}

/// A user's setup token handed out a moment ago (at creation or a reset), shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSetupToken {
    pub name: String,
    pub token: String,
}

/// The settings page's users section: every user, and a setup token just handed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsersData {
    pub users: Vec<domain::User>,
    pub new_setup: Option<NewSetupToken>,
}
