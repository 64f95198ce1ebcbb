//! Golden PagerDuty Events API v2 payloads for the catalog examples, written
//! out by hand.

use super::*;

#[test]
fn pagerduty_evaluation_failed() {
    let body = render_default(ChatFormat::Pagerduty, &example_event("evaluation.failed"));
    let expected = json!({
        "routing_key": "R0UT1NGKEY00000000000000000000AB",
        "event_action": "trigger",
        "dedup_key": "evaluation.failed:patient-triage:exp_01JD8Z4Q2M3NV7K5R9T1W6YB0C",
        "payload": {
            "summary": "Evaluation failed in patient-triage: hallucination scored 42% (threshold 70%) on triage-gpt4o-baseline v3",
            "source": "experiment",
            "severity": "error",
            "timestamp": "2024-11-22T08:00:00Z",
            "component": "triage-gpt4o-baseline",
            "group": "patient-triage",
            "class": "evaluation.failed",
            "custom_details": {
                "id": "er_01JD8ZC4K7T9QW3M5X2B6N8P0R", "evaluator": "hallucination",
                "criteria": "patronus:hallucination", "score": 0.42, "pass": false, "threshold": 0.7,
                "explanation": "The answer cites a dosage guideline that does not appear in the retrieved context.",
                "model": "triage-gpt4o", "dataset": "ds_daily_nov22", "sample_id": "smp_4821",
                "tags": {"env": "staging"}
            }
        }
    });
    assert_eq!(body, expected);
}

#[test]
fn pagerduty_alert_triggered_uses_metadata_dedup_key() {
    let body = render_default(ChatFormat::Pagerduty, &example_event("alert.triggered"));
    let expected = json!({
        "routing_key": "R0UT1NGKEY00000000000000000000AB",
        "event_action": "trigger",
        "dedup_key": "drift:triage-classifier:country",
        "payload": {
            "summary": "Alert triggered in patient-triage: univariate_drift on country is 0.313 (threshold 0.1) for triage-classifier v2",
            "source": "monitoring",
            "severity": "error",
            "timestamp": "2024-11-22T08:00:00Z",
            "component": "triage-classifier",
            "group": "patient-triage",
            "class": "alert.triggered",
            "custom_details": {
                "id": "alr_01JD91F3G5H7J9K2M4N6P8Q0RS", "model_id": 28740,
                "model_name": "triage-classifier", "metric": "univariate_drift",
                "feature": "country", "method": "jensen_shannon", "value": 0.3127,
                "threshold": 0.1, "drift": true,
                "chunk": {"start": "2024-11-21T00:00:00Z", "end": "2024-11-22T00:00:00Z"},
                "report_link": "https://nannyml.example.com/model/28740/monitoring"
            }
        }
    });
    assert_eq!(body, expected);
}

#[test]
fn pagerduty_alert_resolved_resolves_same_incident() {
    let body = render_default(ChatFormat::Pagerduty, &example_event("alert.resolved"));
    let expected = json!({
        "routing_key": "R0UT1NGKEY00000000000000000000AB",
        "event_action": "resolve",
        "dedup_key": "drift:triage-classifier:country"
    });
    assert_eq!(body, expected);
    let triggered = render_default(ChatFormat::Pagerduty, &example_event("alert.triggered"));
    assert_eq!(triggered["dedup_key"], body["dedup_key"]);
}

#[test]
fn pagerduty_safety_critical() {
    let body = render_default(ChatFormat::Pagerduty, &example_event("safety.critical"));
    let expected = json!({
        "routing_key": "R0UT1NGKEY00000000000000000000AB",
        "event_action": "trigger",
        "dedup_key": "safety.critical:patient-triage:dep_01JD7T5V7W9X1Y3Z5A7B9C1D3E",
        "payload": {
            "summary": "Critical safety issue in patient-triage: PII_LEAK detected by pii-leakage on sample smp_5310 from triage-assistant v2.4",
            "source": "evaluation_api",
            "severity": "critical",
            "timestamp": "2024-11-22T08:00:00Z",
            "component": "triage-assistant",
            "group": "patient-triage",
            "class": "safety.critical",
            "custom_details": {
                "id": "sc_01JD92K4M6N8P0Q2R4S6T8V0WX", "sample_id": "smp_5310",
                "evaluator": "pii-leakage", "criteria": "patronus:pii", "score": 0,
                "pass": false,
                "issue": {"type": "pii_leak", "category": "phi",
                          "description": "Response included the patient's full name and date of birth."},
                "model": "triage-gpt4o", "action_required": true
            }
        }
    });
    assert_eq!(body, expected);
}

#[test]
fn pagerduty_severity_mapping_and_sparse_event() {
    for (severity, want) in [
        ("critical", "critical"),
        ("high", "error"),
        ("medium", "warning"),
        ("low", "info"),
        ("info", "info"),
        ("", "info"),
    ] {
        let event = json!({"type": "x.y", "severity": severity, "data": {"a": 1}});
        let body = render_default(ChatFormat::Pagerduty, &event);
        assert_eq!(body["payload"]["severity"], want, "{severity}");
    }
    let sparse = json!({"type": "x.y"});
    let body = render(
        ChatFormat::Pagerduty,
        &sparse,
        Some(&Template::parse("hi").unwrap()),
        &settings(),
    );
    assert_eq!(
        body,
        json!({"routing_key": "R0UT1NGKEY00000000000000000000AB", "event_action": "trigger", "dedup_key": "x.y::",
               "payload": {"summary": "hi", "source": "herald", "severity": "info", "class": "x.y"}})
    );
}
