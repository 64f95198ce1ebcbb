//! The one-shot draft of the create/edit webhook form, for "Add header", "Remove header"
//! and "Validate webhook" posted without JavaScript: `save_webhook` keeps the posted form
//! (changed by the button) in the session instead of saving, the browser is sent back to
//! the dialog, and the dialog takes the draft (reading removes it) and renders the form
//! from it. Protected header values typed into the form are never kept: their rows are
//! listed in `retype` and must be typed again (`docs/console.md`, "Without JavaScript").
use serde::{Deserialize, Serialize};

use crate::dto::{
    BatchSettings, Format, Header, RetryPolicy, Severity, TestResultView, WebhookDraft,
    WebhookForm, WebhookView,
};
use crate::error::ConsoleError;
use crate::intent::FormIntent;

/// How long an untaken draft stays usable.
const FRESH_SECS: u64 = 600;

/// The draft as stored in the session row: no protected value in it.
#[derive(Serialize, Deserialize)]
struct Stored {
    form: WebhookForm,
    retype: Vec<usize>,
    validated: Option<Result<TestResultView, ConsoleError>>,
    kept_at: u64,
}

/// The form after `intent`'s button: a removed row gone, trailing blank rows dropped (the
/// editor adds its spare row again) unless a row was added, and every typed protected
/// value blanked; returns the rows that were blanked.
pub fn apply(mut form: WebhookForm, intent: FormIntent) -> (WebhookForm, Vec<usize>) {
    if let FormIntent::RemoveHeader(n) = intent {
        if n < form.headers.len() {
            form.headers.remove(n);
        }
    }
    if intent != FormIntent::AddHeader {
        while form.headers.last().is_some_and(|r| r.is_blank()) {
            form.headers.pop();
        }
    }
    let mut retype = Vec::new();
    for (i, row) in form.headers.iter_mut().enumerate() {
        if row.protected.is_some() && !row.value.is_empty() {
            row.value.clear();
            retype.push(i);
        }
    }
    form.intent.clear();
    (form, retype)
}

/// The form as the dialog renders it. A number that is not one shows its default (the
/// field error for it appears when saving). Subject filters are not in the form: the edit
/// dialog takes them from the stored webhook.
pub fn view(form: WebhookForm) -> WebhookView {
    let number = |text: &str, default: u64| text.trim().parse::<u64>().unwrap_or(default);
    let small = |text: &str, default: u32| text.trim().parse::<u32>().unwrap_or(default);
    let retry = RetryPolicy::default();
    let batch = BatchSettings::default();
    let list = |text: &str| -> Vec<String> {
        text.split([',', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    WebhookView {
        url_display: form.url.clone(),
        headers: form
            .headers
            .iter()
            .map(|r| Header {
                key: r.key.clone(),
                value: r.protected.is_none().then(|| r.value.clone()),
                protected: r.protected.is_some(),
            })
            .collect(),
        projects: list(&form.projects),
        sources: list(&form.sources),
        severities: form
            .severities
            .iter()
            .filter_map(|s| s.parse::<Severity>().ok())
            .collect(),
        subjects: vec![],
        format: Format::parse(&form.format).unwrap_or_default(),
        templates: form
            .templates
            .iter()
            .filter(|t| !t.event_type.is_empty())
            .map(|t| (t.event_type.clone(), t.body.clone()))
            .collect(),
        include_result: form.include_result.is_some(),
        active: form.active.is_some(),
        batch: BatchSettings {
            max_events: small(&form.batch_max_events, batch.max_events),
            max_wait_ms: number(&form.batch_max_wait_ms, batch.max_wait_ms),
        },
        retry: RetryPolicy {
            max_retries: small(&form.max_retries, retry.max_retries),
            backoff: if form.backoff == "fixed" {
                crate::dto::Backoff::Fixed
            } else {
                crate::dto::Backoff::Exponential
            },
            initial_delay_ms: number(&form.initial_delay_ms, retry.initial_delay_ms),
            max_delay_ms: number(&form.max_delay_ms, retry.max_delay_ms),
        },
        timeout_ms: number(&form.timeout_ms, domain::webhook::DEFAULT_TIMEOUT_MS),
        // An unreadable redaction list is left out of the draft; Save reports it.
        redact: crate::server::form::redactions(&form.redact).unwrap_or_default(),
        condition: form.condition,
        health: Default::default(),
        created_at: String::new(),
        updated_at: String::new(),
        event_types: form.event_types,
        routing_key: form.routing_key,
        description: form.description,
        url: form.url,
        name: form.name,
        id: form.id,
    }
}

/// Keeps the form posted with `intent` for the next read of its dialog, replacing any
/// earlier draft of the same webhook.
pub async fn keep(
    form: WebhookForm,
    intent: FormIntent,
    validated: Option<Result<TestResultView, ConsoleError>>,
) -> Result<(), ConsoleError> {
    let key = session_key(&form.id);
    let (form, retype) = apply(form, intent);
    let stored = Stored {
        form,
        retype,
        validated,
        kept_at: now_secs(),
    };
    super::session()
        .await?
        .insert(&key, stored)
        .await
        .map_err(super::session_error)
}

/// Takes the draft of webhook `id` (empty: a new one), if one was kept a moment ago.
pub async fn take(id: &str) -> Result<Option<WebhookDraft>, ConsoleError> {
    let stored = super::session()
        .await?
        .remove::<Stored>(&session_key(id))
        .await
        .map_err(super::session_error)?;
    Ok(stored
        .filter(|s| is_fresh(s.kept_at, now_secs()))
        .map(|s| WebhookDraft {
            webhook: view(s.form),
            retype: s.retype,
            validated: s.validated,
        }))
}

fn session_key(id: &str) -> String {
    format!("webhook_draft:{id}")
}

fn is_fresh(kept_at: u64, now: u64) -> bool {
    now.saturating_sub(kept_at) <= FRESH_SECS
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::HeaderRow;

    fn row(key: &str, value: &str, protected: bool) -> HeaderRow {
        HeaderRow {
            key: key.into(),
            value: value.into(),
            protected: protected.then(|| "on".into()),
        }
    }

    fn form(rows: Vec<HeaderRow>) -> WebhookForm {
        WebhookForm {
            headers: rows,
            intent: "x".into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_button_changes_the_rows() {
        let rows = || {
            vec![
                row("X-A", "1", false),
                row("Authorization", "typed-secret", true),
                row("X-B", "2", false),
                row("", "", false),
            ]
        };
        let keys = |f: &WebhookForm| f.headers.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
        let table: [(FormIntent, Vec<&str>, Vec<usize>); 5] = [
            (
                FormIntent::AddHeader,
                vec!["X-A", "Authorization", "X-B", ""],
                vec![1],
            ),
            (
                FormIntent::RemoveHeader(0),
                vec!["Authorization", "X-B"],
                vec![0],
            ),
            (
                FormIntent::RemoveHeader(2),
                vec!["X-A", "Authorization"],
                vec![1],
            ),
            (
                FormIntent::RemoveHeader(9),
                vec!["X-A", "Authorization", "X-B"],
                vec![1],
            ),
            (
                FormIntent::Validate,
                vec!["X-A", "Authorization", "X-B"],
                vec![1],
            ),
        ];
        for (intent, want, retype) in table {
            let (f, r) = apply(form(rows()), intent);
            assert_eq!(keys(&f), want, "{intent:?}");
            assert_eq!(r, retype, "{intent:?}");
            assert!(f.intent.is_empty());
        }
    }

    #[test]
    fn no_protected_value_is_kept() {
        let (f, retype) = apply(
            form(vec![
                row("Authorization", "typed-secret", true),
                row("K", "", true),
            ]),
            FormIntent::Validate,
        );
        assert!(f.headers.iter().all(|r| r.value.is_empty()));
        // A protected row left empty keeps a stored value; it was not typed, so no retype.
        assert_eq!(retype, vec![0]);
        let v = view(f);
        assert!(v.headers.iter().all(|h| h.value.is_none() && h.protected));
    }

    #[test]
    fn view_keeps_what_was_typed() {
        let f = WebhookForm {
            name: "n".into(),
            url: "http://127.0.0.1:9/x".into(),
            active: Some("on".into()),
            event_types: vec!["alert.triggered".into()],
            projects: "a, b".into(),
            severities: vec!["critical".into(), "bogus".into()],
            format: "slack".into(),
            timeout_ms: "soon".into(),
            max_retries: "3".into(),
            backoff: "fixed".into(),
            headers: vec![row("X-Team", "ml", false)],
            ..Default::default()
        };
        let v = view(f);
        assert_eq!(v.name, "n");
        assert!(v.active);
        assert_eq!(v.projects, vec!["a", "b"]);
        assert_eq!(v.severities, vec![Severity::Critical]);
        assert_eq!(v.format, Format::Slack);
        assert_eq!(v.timeout_ms, domain::webhook::DEFAULT_TIMEOUT_MS);
        assert_eq!(v.retry.max_retries, 3);
        assert_eq!(v.retry.backoff, crate::dto::Backoff::Fixed);
        assert_eq!(v.headers[0].value.as_deref(), Some("ml"));
    }

    #[test]
    fn a_draft_goes_stale() {
        assert!(is_fresh(100, 100 + FRESH_SECS));
        assert!(!is_fresh(100, 101 + FRESH_SECS));
    }
}
