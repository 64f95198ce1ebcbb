//! The create/edit form → the engine's `WebhookInput`. Only reading the form happens here
//! (text to numbers, lists, which rows count); every rule about what is valid is the
//! engine's. Field paths of the engine's errors are mapped back to the form's rows.
use std::collections::BTreeMap;

use domain::{
    Backoff, BatchSettings, Filters, Format, HeaderInput, RedactAction, Redaction, RetryPolicy,
    Severity, WebhookInput,
};
use serde_json::{Map, Value};

use crate::dto::{HeaderRow, WebhookForm};
use crate::error::FieldErrors;

/// The parsed form: the engine input, and for each header sent, the index of its form row.
pub struct Parsed {
    pub input: WebhookInput,
    pub header_rows: Vec<usize>,
}

/// Reads the form. `keep_subjects` are the subject filters of the webhook being edited (the
/// form does not edit them). Errors are problems reading the form itself (a number that is
/// not a number); nothing is sent to the engine then.
pub fn parse(
    form: &WebhookForm,
    keep_subjects: Vec<domain::Subject>,
) -> Result<Parsed, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut number = |field: &str, text: &str| -> Option<u64> {
        match text.trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors
                    .entry(field.to_string())
                    .or_default()
                    .push("must be a whole number".into());
                None
            }
        }
    };
    let max_retries = number("retry.max_retries", &form.max_retries);
    let initial_delay_ms = number("retry.initial_delay_ms", &form.initial_delay_ms);
    let max_delay_ms = number("retry.max_delay_ms", &form.max_delay_ms);
    let timeout_ms = number("timeout_ms", &form.timeout_ms);
    let max_events = number("batch.max_events", &form.batch_max_events);
    let max_wait_ms = number("batch.max_wait_ms", &form.batch_max_wait_ms);

    let format = Format::parse(&form.format);
    if format.is_none() {
        add(&mut errors, "format", "choose one of the formats");
    }
    let backoff = match form.backoff.as_str() {
        "fixed" => Some(Backoff::Fixed),
        "exponential" | "" => Some(Backoff::Exponential),
        _ => {
            add(&mut errors, "retry.backoff", "must be exponential or fixed");
            None
        }
    };
    let mut severities = Vec::new();
    for s in &form.severities {
        match s.parse::<Severity>() {
            Ok(v) => severities.push(v),
            Err(e) => add(&mut errors, "filters.severities", &e.to_string()),
        }
    }
    let redact = redactions(&form.redact).map_err(|e| add(&mut errors, "redact", &e));
    if !errors.is_empty() {
        return Err(errors);
    }
    let format = format.unwrap_or_default();

    let mut event_types: Vec<String> = Vec::new();
    for t in &form.event_types {
        if !event_types.contains(t) {
            event_types.push(t.clone());
        }
    }
    let (headers, header_rows) = headers(&form.headers);
    let mut settings = Map::new();
    if format == Format::Pagerduty {
        settings.insert(
            "routing_key".into(),
            Value::String(form.routing_key.trim().to_string()),
        );
    }
    let templates: BTreeMap<String, String> = if format.chat().is_some() {
        form.templates
            .iter()
            .filter(|t| !t.event_type.is_empty() && !t.body.trim().is_empty())
            .map(|t| (t.event_type.clone(), t.body.clone()))
            .collect()
    } else {
        BTreeMap::new()
    };
    let input = WebhookInput {
        tenant: None,
        name: Some(form.name.clone()),
        url: Some(form.url.clone()),
        description: Some(form.description.clone()),
        active: Some(form.active.is_some()),
        event_types: Some(event_types),
        filters: Some(Filters {
            projects: list(&form.projects),
            severities,
            sources: list(&form.sources),
            subjects: keep_subjects,
        }),
        headers: Some(headers),
        format: Some(format),
        templates: Some(templates),
        settings: Some(settings),
        include_result: Some(form.include_result.is_some()),
        batch: Some(BatchSettings {
            max_events: clamp_u32(max_events),
            max_wait_ms: max_wait_ms.unwrap_or_default(),
        }),
        retry: Some(RetryPolicy {
            max_retries: clamp_u32(max_retries),
            backoff: backoff.unwrap_or(Backoff::Exponential),
            initial_delay_ms: initial_delay_ms.unwrap_or_default(),
            max_delay_ms: max_delay_ms.unwrap_or_default(),
        }),
        timeout_ms,
        condition: Some(form.condition.clone()),
        redact: redact.ok(),
        secret: None,
    };
    Ok(Parsed { input, header_rows })
}

/// The headers to send: every row with a name or a value (a filled row counts even if it
/// was never "added"). A protected row with an empty value sends `null`, which keeps the
/// stored value.
pub fn headers(rows: &[HeaderRow]) -> (Vec<HeaderInput>, Vec<usize>) {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank())
        .map(|(i, r)| {
            let protected = r.protected.is_some();
            let value = if protected && r.value.is_empty() {
                None
            } else {
                Some(r.value.clone())
            };
            (
                HeaderInput {
                    key: r.key.trim().to_string(),
                    value,
                    protected,
                },
                i,
            )
        })
        .unzip()
}

/// Rewrites `headers[i].…` paths from the engine's list index to the form's row index.
pub fn map_header_errors(errors: FieldErrors, header_rows: &[usize]) -> FieldErrors {
    errors
        .into_iter()
        .map(|(field, messages)| {
            let mapped = field
                .strip_prefix("headers[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(n, tail)| n.parse::<usize>().ok().map(|n| (n, tail)))
                .and_then(|(n, tail)| {
                    header_rows
                        .get(n)
                        .map(|row| format!("headers[{row}]{tail}"))
                });
            (mapped.unwrap_or(field), messages)
        })
        .collect()
}

/// The redactions textarea: one `path` or `path action` a line (action remove, mask or
/// hash; remove when left out). Whether a path is valid is the engine's to say.
pub fn redactions(text: &str) -> Result<Vec<Redaction>, String> {
    text.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, line)| {
            let mut words = line.split_whitespace();
            let path = words.next().unwrap_or_default().to_string();
            let action = match (words.next(), words.next()) {
                (None, _) | (Some("remove"), None) => RedactAction::Remove,
                (Some("mask"), None) => RedactAction::Mask,
                (Some("hash"), None) => RedactAction::Hash,
                _ => {
                    return Err(format!(
                        "line {}: write a path and, optionally, remove, mask or hash",
                        i + 1
                    ))
                }
            };
            Ok(Redaction { path, action })
        })
        .collect()
}

/// `a, b\nc` → `["a", "b", "c"]`.
fn list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn clamp_u32(n: Option<u64>) -> u32 {
    n.unwrap_or_default().min(u64::from(u32::MAX)) as u32
}

fn add(errors: &mut FieldErrors, field: &str, message: &str) {
    errors
        .entry(field.to_string())
        .or_default()
        .push(message.to_string());
}

/// `2026-11-22T08:00` (a `datetime-local` value, read as UTC) → `2026-11-22T08:00:00Z`;
/// anything else is passed on for the engine to judge.
pub fn utc_time(local: &str) -> String {
    let t = local.trim();
    match t.len() {
        16 if t.as_bytes().get(10) == Some(&b'T') => format!("{t}:00Z"),
        19 if t.as_bytes().get(10) == Some(&b'T') => format!("{t}Z"),
        _ => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::TemplateRow;

    fn form() -> WebhookForm {
        WebhookForm {
            name: "n".into(),
            url: "https://example.com".into(),
            active: Some("on".into()),
            event_types: vec!["alert.triggered".into(), "alert.triggered".into()],
            format: "slack".into(),
            max_retries: "5".into(),
            backoff: "fixed".into(),
            initial_delay_ms: "1000".into(),
            max_delay_ms: "60000".into(),
            timeout_ms: "5000".into(),
            batch_max_events: "1".into(),
            batch_max_wait_ms: "0".into(),
            projects: "a, b\nc".into(),
            headers: vec![
                HeaderRow::default(),
                HeaderRow {
                    key: "X-A".into(),
                    value: "1".into(),
                    protected: None,
                },
                HeaderRow {
                    key: "Authorization".into(),
                    value: String::new(),
                    protected: Some("on".into()),
                },
            ],
            templates: vec![
                TemplateRow {
                    event_type: "alert.triggered".into(),
                    body: "{{type}}".into(),
                },
                TemplateRow::default(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn reads_redactions() {
        let r = |p: &str, a| Redaction {
            path: p.into(),
            action: a,
        };
        let cases: Vec<(&str, Result<Vec<Redaction>, &str>)> = vec![
            ("", Ok(vec![])),
            (
                "data.input\n\n  metadata.user.email mask \ndata.x hash\ndata.y remove",
                Ok(vec![
                    r("data.input", RedactAction::Remove),
                    r("metadata.user.email", RedactAction::Mask),
                    r("data.x", RedactAction::Hash),
                    r("data.y", RedactAction::Remove),
                ]),
            ),
            ("data.a\ndata.b drop", Err("line 2")),
            ("data.a mask extra", Err("line 1")),
        ];
        for (text, want) in cases {
            match (redactions(text), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{text}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{text}: {got}"),
                (got, want) => panic!("{text}: {got:?} vs {want:?}"),
            }
        }
        let list = redactions("data.a mask\ndata.b").unwrap();
        assert_eq!(crate::dto::redact_text(&list), "data.a mask\ndata.b remove");
    }

    #[test]
    fn reads_the_form() {
        let p = parse(&form(), vec![]).unwrap();
        let i = p.input;
        assert_eq!(i.active, Some(true));
        assert_eq!(i.event_types.unwrap(), vec!["alert.triggered".to_string()]);
        assert_eq!(i.filters.unwrap().projects, vec!["a", "b", "c"]);
        let headers = i.headers.unwrap();
        assert_eq!(headers.len(), 2);
        assert_eq!(headers[1].value, None);
        assert!(headers[1].protected);
        assert_eq!(p.header_rows, vec![1, 2]);
        assert_eq!(i.templates.unwrap().len(), 1);
        assert_eq!(i.retry.unwrap().backoff, Backoff::Fixed);
    }

    #[test]
    fn bad_numbers_are_field_errors() {
        let mut f = form();
        f.timeout_ms = "soon".into();
        let e = parse(&f, vec![]).err().unwrap();
        assert!(e.contains_key("timeout_ms"));
    }

    #[test]
    fn maps_header_errors_to_rows() {
        let mut e = FieldErrors::new();
        e.insert("headers[1].value".into(), vec!["is required".into()]);
        e.insert("url".into(), vec!["bad".into()]);
        let m = map_header_errors(e, &[1, 2]);
        assert!(m.contains_key("headers[2].value"));
        assert!(m.contains_key("url"));
    }

    #[test]
    fn datetime_local_is_utc() {
        assert_eq!(utc_time("2026-11-22T08:00"), "2026-11-22T08:00:00Z");
        assert_eq!(utc_time("2026-11-22T08:00:30"), "2026-11-22T08:00:30Z");
        assert_eq!(utc_time("1732262400"), "1732262400");
    }
}
