//! Subscription matching: event-type patterns (`a.b`, `a.*`, `*`), webhook
//! filters (projects, severities, sources, subjects) and name validation.

use domain::{Filters, Severity, Subject};

/// Longest event type name or pattern.
pub const MAX_TYPE_LEN: usize = 128;

/// True when every field the filter subject `want` sets equals the event's.
pub fn subject_matches(want: &Subject, event: &Subject) -> bool {
    fn eq(want: &Option<String>, got: &Option<String>) -> bool {
        want.is_none() || want == got
    }
    eq(&want.kind, &event.kind)
        && eq(&want.id, &event.id)
        && eq(&want.name, &event.name)
        && eq(&want.version, &event.version)
}

/// The parts of an event that subscriptions look at.
#[derive(Debug, Clone, Copy)]
pub struct EventFacts<'a> {
    pub event_type: &'a str,
    pub project: Option<&'a str>,
    pub severity: Option<Severity>,
    pub source: Option<&'a str>,
    pub subject: Option<&'a Subject>,
}

/// `*` matches everything, `prefix.*` any type starting with `prefix.`,
/// anything else must be equal.
pub fn type_matches(pattern: &str, event_type: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('.') => {
            event_type.len() > prefix.len() && event_type.starts_with(prefix)
        }
        _ => pattern == event_type,
    }
}

/// Whether any of a webhook's `event_types` patterns matches.
pub fn subscribes(patterns: &[String], event_type: &str) -> bool {
    patterns.iter().any(|p| type_matches(p, event_type))
}

fn str_allows(list: &[String], value: Option<&str>) -> bool {
    list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x == v))
}

/// Whether the event passes every non-empty filter list. An event without a
/// project/severity/source/subject fails a non-empty filter on that field.
pub fn filters_match(f: &Filters, facts: &EventFacts) -> bool {
    str_allows(&f.projects, facts.project)
        && (f.severities.is_empty() || facts.severity.is_some_and(|s| f.severities.contains(&s)))
        && str_allows(&f.sources, facts.source)
        && (f.subjects.is_empty()
            || facts
                .subject
                .is_some_and(|s| f.subjects.iter().any(|w| subject_matches(w, s))))
}

/// `[a-z0-9_]+(\.[a-z0-9_]+)*`, at most 128 characters.
pub fn validate_event_type_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.len() > MAX_TYPE_LEN {
        return Err(format!("must be at most {MAX_TYPE_LEN} characters"));
    }
    let seg_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if name.split('.').all(seg_ok) {
        Ok(())
    } else {
        Err("must be lowercase dotted segments of a-z, 0-9 and _ (e.g. evaluation.failed)".into())
    }
}

/// An exact event type name, `prefix.*` (prefix a valid name) or `*`.
pub fn validate_pattern(p: &str) -> Result<(), String> {
    if p == "*" {
        return Ok(());
    }
    if p.len() > MAX_TYPE_LEN {
        return Err(format!("must be at most {MAX_TYPE_LEN} characters"));
    }
    match p.strip_suffix(".*") {
        Some(prefix) => {
            validate_event_type_name(prefix).map_err(|e| format!("prefix before .* {e}"))
        }
        None if p.contains('*') => Err("* is only allowed alone or as a final .* segment".into()),
        None => validate_event_type_name(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_patterns() {
        let cases = [
            ("*", "evaluation.failed", true),
            ("*", "x", true),
            ("evaluation.failed", "evaluation.failed", true),
            ("evaluation.failed", "evaluation.failed2", false),
            ("evaluation.failed", "evaluation", false),
            ("evaluation.*", "evaluation.failed", true),
            ("evaluation.*", "evaluation.a.b", true),
            ("evaluation.*", "evaluation", false),
            ("evaluation.*", "evaluation.", false),
            ("evaluation.*", "evaluations.failed", false),
            ("evaluation.*", "x.evaluation.failed", false),
            ("model.version.*", "model.version.created", true),
            ("model.version.*", "model.created", false),
            ("evaluation*", "evaluation.failed", false),
            ("evaluation*", "evaluation*", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(type_matches(p, t), want, "{p} vs {t}");
        }
        let pats = vec!["alert.*".to_string(), "run.completed".to_string()];
        assert!(subscribes(&pats, "alert.resolved"));
        assert!(subscribes(&pats, "run.completed"));
        assert!(!subscribes(&pats, "run.failed"));
        assert!(!subscribes(&[], "run.completed"));
    }

    #[test]
    fn name_and_pattern_validation() {
        let long = format!("a.{}", "b".repeat(127));
        let cases: Vec<(&str, bool, bool)> = vec![
            // (input, valid name, valid pattern)
            ("evaluation.failed", true, true),
            ("model.version.created", true, true),
            ("a_1.b2", true, true),
            ("x", true, true),
            ("*", false, true),
            ("alert.*", false, true),
            ("a.b.*", false, true),
            ("", false, false),
            ("Evaluation.failed", false, false),
            ("evaluation..failed", false, false),
            (".evaluation", false, false),
            ("evaluation.", false, false),
            ("evaluation-failed", false, false),
            ("evaluation failed", false, false),
            ("évaluation", false, false),
            ("alert*", false, false),
            ("*.failed", false, false),
            (".*", false, false),
            ("a.*.b", false, false),
            ("**", false, false),
            (&long, false, false),
            (&long[..128], true, true),
        ];
        for (s, name_ok, pat_ok) in cases {
            assert_eq!(validate_event_type_name(s).is_ok(), name_ok, "name {s:?}");
            assert_eq!(validate_pattern(s).is_ok(), pat_ok, "pattern {s:?}");
        }
    }

    #[test]
    fn filter_matching() {
        let subj = |k: Option<&str>, n: Option<&str>, v: Option<&str>| Subject {
            kind: k.map(Into::into),
            id: None,
            name: n.map(Into::into),
            version: v.map(Into::into),
        };
        let ev_subject = subj(Some("deployment"), Some("triage"), Some("v2"));
        let facts = EventFacts {
            event_type: "evaluation.failed",
            project: Some("patient-triage"),
            severity: Some(Severity::High),
            source: Some("experiment"),
            subject: Some(&ev_subject),
        };
        let bare = EventFacts {
            project: None,
            severity: None,
            source: None,
            subject: None,
            ..facts
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let f = |p: &[&str], sev: &[Severity], src: &[&str], subs: Vec<Subject>| Filters {
            projects: s(p),
            severities: sev.to_vec(),
            sources: s(src),
            subjects: subs,
        };
        use Severity::*;
        let sub = |k, n, v| vec![subj(k, n, v)];
        let (dep, tri) = (Some("deployment"), Some("triage"));
        #[rustfmt::skip]
        let cases: Vec<(Filters, EventFacts, bool)> = vec![
            (Filters::default(), facts, true),
            (Filters::default(), bare, true),
            (f(&["patient-triage"], &[], &[], vec![]), facts, true),
            (f(&["other", "patient-triage"], &[], &[], vec![]), facts, true),
            (f(&["other"], &[], &[], vec![]), facts, false),
            (f(&["patient-triage"], &[], &[], vec![]), bare, false),
            (f(&[], &[High, Critical], &[], vec![]), facts, true),
            (f(&[], &[Critical], &[], vec![]), facts, false),
            (f(&[], &[High], &[], vec![]), bare, false),
            (f(&[], &[], &["experiment"], vec![]), facts, true),
            (f(&[], &[], &["playground"], vec![]), facts, false),
            (f(&[], &[], &[], sub(dep, None, None)), facts, true),
            (f(&[], &[], &[], sub(dep, tri, Some("v2"))), facts, true),
            (f(&[], &[], &[], sub(dep, tri, Some("v1"))), facts, false),
            (f(&[], &[], &[], vec![subj(Some("experiment"), None, None), subj(None, None, Some("v2"))]), facts, true),
            (f(&[], &[], &[], sub(dep, None, None)), bare, false),
            (f(&["patient-triage"], &[High], &["playground"], vec![]), facts, false),
            (f(&["patient-triage"], &[High], &["experiment"], sub(None, tri, None)), facts, true),
        ];
        for (i, (filters, facts, want)) in cases.into_iter().enumerate() {
            assert_eq!(filters_match(&filters, &facts), want, "case {i}");
        }
    }
}
