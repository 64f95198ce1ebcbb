//! Fan-out: which active webhooks an event goes to. Pure rules over the subscription
//! view; the store applies them inside the ingest transaction.
use crate::records::{NewEvent, StoredWebhook};
use crate::rules::filter::{filters_match, subscribes, EventFacts};
use domain::{BatchSettings, Filters, Format};

/// What fan-out needs to know about an active webhook.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: String,
    pub event_types: Vec<String>,
    pub filters: Filters,
    pub format: Format,
    pub batch: BatchSettings,
}

impl Subscription {
    /// The subscription view of a stored webhook.
    pub fn of(w: &StoredWebhook) -> Subscription {
        Subscription {
            id: w.id.clone(),
            event_types: w.event_types.clone(),
            filters: w.filters.clone(),
            format: w.format,
            batch: w.batch,
        }
    }
}

pub fn facts(e: &NewEvent) -> EventFacts<'_> {
    EventFacts {
        event_type: &e.event_type,
        project: e.project.as_deref(),
        severity: e.severity,
        source: e.source.as_deref(),
        subject: e.subject.as_ref(),
    }
}

/// True when `sub` subscribes to the event's type and its filters accept the event.
pub fn routes_to(sub: &Subscription, facts: &EventFacts) -> bool {
    subscribes(&sub.event_types, facts.event_type) && filters_match(&sub.filters, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Severity, Subject};

    fn event(t: &str, project: Option<&str>, severity: Option<Severity>) -> NewEvent {
        NewEvent {
            id: "evt_1".into(),
            event_type: t.into(),
            object: "x".into(),
            source: Some("experiment".into()),
            project: project.map(str::to_string),
            severity,
            subject: Some(Subject {
                kind: Some("deployment".into()),
                id: Some("d1".into()),
                name: Some("triage".into()),
                version: Some("v2".into()),
            }),
            data: serde_json::json!({}),
            metadata: None,
            created_ms: 0,
        }
    }

    fn sub(types: &[&str], filters: Filters) -> Subscription {
        Subscription {
            id: "wh_1".into(),
            event_types: types.iter().map(|s| s.to_string()).collect(),
            filters,
            format: Format::Envelope,
            batch: BatchSettings::default(),
        }
    }

    #[test]
    fn routes_by_type_pattern_and_filters() {
        let strict = Filters {
            projects: vec!["patient-triage".into()],
            severities: vec![Severity::High, Severity::Critical],
            sources: vec![],
            subjects: vec![Subject {
                kind: Some("deployment".into()),
                name: Some("triage".into()),
                ..Default::default()
            }],
        };
        let cases = [
            (
                sub(&["evaluation.failed"], Filters::default()),
                event("evaluation.failed", None, None),
                true,
            ),
            (
                sub(&["evaluation.failed"], Filters::default()),
                event("evaluation.completed", None, None),
                false,
            ),
            (
                sub(&["alert.*"], Filters::default()),
                event("alert.triggered", None, None),
                true,
            ),
            (
                sub(&["*"], Filters::default()),
                event("run.completed", None, None),
                true,
            ),
            (
                sub(&[], Filters::default()),
                event("run.completed", None, None),
                false,
            ),
            (
                sub(&["*"], strict.clone()),
                event(
                    "run.completed",
                    Some("patient-triage"),
                    Some(Severity::High),
                ),
                true,
            ),
            (
                sub(&["*"], strict.clone()),
                event("run.completed", Some("other"), Some(Severity::High)),
                false,
            ),
            (
                sub(&["*"], strict.clone()),
                event("run.completed", Some("patient-triage"), Some(Severity::Low)),
                false,
            ),
            (
                sub(&["*"], strict),
                event("run.completed", Some("patient-triage"), None),
                false,
            ),
        ];
        for (i, (s, e, want)) in cases.iter().enumerate() {
            assert_eq!(routes_to(s, &facts(e)), *want, "case {i}");
        }
    }
}
