//! Fan-out: which active webhooks an event goes to. Pure rules over the subscription
//! view (type patterns, filters, then the webhook's condition); the store applies them
//! inside the ingest transaction.
use std::sync::Arc;

use cel::{Context, Env};

use crate::conditions::{Compiled, ConditionCache};
use crate::records::{NewEvent, StoredWebhook};
use crate::rules::condition::{evaluate, EventFields, EventVars};
use crate::rules::filter::{filters_match, subscribes, EventFacts};
use domain::{BatchSettings, Filters, Format};

/// What fan-out needs to know about an active webhook.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: String,
    /// Only events of this tenant reach the webhook (docs/tenants.md).
    pub tenant: String,
    pub event_types: Vec<String>,
    pub filters: Filters,
    pub format: Format,
    pub batch: BatchSettings,
    pub condition: Compiled,
}

impl Subscription {
    /// The subscription view of a stored webhook, its condition from `cache`.
    pub fn of(w: &StoredWebhook, cache: &ConditionCache) -> Subscription {
        Subscription {
            id: w.id.clone(),
            tenant: w.tenant.clone(),
            event_types: w.event_types.clone(),
            filters: w.filters.clone(),
            format: w.format,
            batch: w.batch,
            condition: cache.get(w),
        }
    }
}

/// Where one event goes: the indexes of the subscriptions it is delivered to, and those
/// whose condition could not be evaluated on it (index, why): they do not get it.
#[derive(Debug, Default, PartialEq)]
pub struct Routes {
    pub to: Vec<usize>,
    pub failures: Vec<(usize, String)>,
}

/// The tenants whose webhooks `events` can go to, each once: an event routes within its
/// own tenant only, so ingest reads just these tenants' webhooks, whatever the others
/// have.
pub fn tenants_of<'a>(events: impl IntoIterator<Item = &'a NewEvent>) -> Vec<&'a str> {
    let mut tenants: Vec<&str> = events.into_iter().map(|e| e.tenant.as_str()).collect();
    tenants.sort_unstable();
    tenants.dedup();
    tenants
}

/// Routes `e` over `subs`: its tenant's subscriptions only, type and filters first, then
/// the condition, evaluated in `env` on the event's variables (converted once, and only
/// when a condition needs them).
pub fn route(subs: &[Subscription], e: &NewEvent, env: &Arc<Env>) -> Routes {
    let facts = facts(e);
    let mut routes = Routes::default();
    let mut ctx: Option<Context<'static, 'static>> = None;
    for (i, sub) in subs.iter().enumerate() {
        if sub.tenant != e.tenant || !routes_to(sub, &facts) {
            continue;
        }
        let verdict = match &sub.condition {
            Ok(None) => Ok(true),
            Ok(Some(c)) => {
                let ctx = ctx.get_or_insert_with(|| event_vars(e).context(env));
                evaluate(c, ctx)
            }
            Err(e) => Err(format!("the condition does not compile: {e}")),
        };
        match verdict {
            Ok(true) => routes.to.push(i),
            Ok(false) => {}
            Err(why) => routes.failures.push((i, why)),
        }
    }
    routes
}

/// The CEL variables of a new event.
pub fn event_vars(e: &NewEvent) -> EventVars {
    EventVars::new(&EventFields {
        event_type: &e.event_type,
        project: e.project.as_deref(),
        severity: e.severity,
        source: e.source.as_deref(),
        subject: e.subject.as_ref(),
        object: &e.object,
        data: &e.data,
        metadata: e.metadata.as_ref(),
        created_at: &crate::clock::rfc3339(e.created_ms),
    })
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
            tenant: "default".into(),
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
            tenant: "default".into(),
            event_types: types.iter().map(|s| s.to_string()).collect(),
            filters,
            format: Format::Envelope,
            batch: BatchSettings::default(),
            condition: Ok(None),
        }
    }

    fn with_condition(text: &str) -> Subscription {
        let c = crate::rules::condition::compile(text).map(|c| c.map(Arc::new));
        Subscription {
            condition: c.map_err(|e| e.to_string()),
            ..sub(&["*"], Filters::default())
        }
    }

    #[test]
    fn routes_by_condition() {
        let env = Arc::new(Env::stdlib());
        let mut e = event("evaluation.failed", Some("prod"), None);
        e.data = serde_json::json!({"score": 0.5});
        let subs = vec![
            with_condition("data.score < 0.8"),
            with_condition("data.score >= 0.8"),
            with_condition("data.missing > 1"),
            sub(&["*"], Filters::default()),
            Subscription {
                condition: Err("broken".into()),
                ..sub(&["*"], Filters::default())
            },
            // the type does not match: its condition is never evaluated.
            Subscription {
                event_types: vec!["other".into()],
                ..with_condition("data.missing > 1")
            },
        ];
        let r = route(&subs, &e, &env);
        assert_eq!(r.to, vec![0, 3]);
        assert_eq!(
            r.failures.iter().map(|f| f.0).collect::<Vec<_>>(),
            vec![2, 4]
        );
        assert!(r.failures[0].1.contains("missing"), "{:?}", r.failures);
    }

    #[test]
    fn tenants_of_names_each_events_tenant_once_in_order() {
        let of = |tenants: &[&str]| -> Vec<String> {
            let events: Vec<NewEvent> = tenants
                .iter()
                .map(|t| NewEvent {
                    tenant: t.to_string(),
                    ..event("run.completed", None, None)
                })
                .collect();
            tenants_of(&events)
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        // (the events' tenants, the tenants whose webhooks ingest reads)
        let cases: [(&[&str], &[&str]); 4] = [
            (&[], &[]),
            (&["acme"], &["acme"]),
            (&["globex", "acme", "globex"], &["acme", "globex"]),
            (&["default", "default"], &["default"]),
        ];
        for (events, want) in cases {
            assert_eq!(of(events), want, "events of {events:?}");
        }
    }

    #[test]
    fn routes_only_within_the_events_tenant() {
        let env = Arc::new(Env::stdlib());
        let in_tenant = |t: &str| Subscription {
            tenant: t.into(),
            ..sub(&["*"], Filters::default())
        };
        let subs = vec![in_tenant("acme"), in_tenant("default"), in_tenant("globex")];
        // (event's tenant, subscriptions it reaches)
        let cases = [
            ("acme", vec![0]),
            ("default", vec![1]),
            ("globex", vec![2]),
            ("initech", vec![]),
        ];
        for (tenant, want) in cases {
            let mut e = event("run.completed", None, None);
            e.tenant = tenant.into();
            assert_eq!(route(&subs, &e, &env).to, want, "event of {tenant}");
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
