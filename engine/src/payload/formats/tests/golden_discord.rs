//! Golden Discord payloads for the catalog examples, written out by hand.

use super::*;

fn fields(severity: &str, source: &str, subject: &str) -> Value {
    json!([
        {"name": "Project", "value": "patient-triage", "inline": true},
        {"name": "Severity", "value": severity, "inline": true},
        {"name": "Source", "value": source, "inline": true},
        {"name": "Subject", "value": subject, "inline": true}
    ])
}

#[test]
fn discord_evaluation_failed() {
    let body = render_default(ChatFormat::Discord, &example_event("evaluation.failed"));
    let expected = json!({
        "content": "Evaluation failed · patient-triage",
        "embeds": [{
            "title": "Evaluation failed · patient-triage",
            "description": "**Evaluation failed** in patient-triage: hallucination scored 42% (threshold 70%) on triage-gpt4o-baseline v3\n> The answer cites a dosage guideline that does not appear in the retrieved context.",
            "color": 0xE74C3C,
            "fields": fields("high", "experiment", "experiment triage-gpt4o-baseline v3"),
            "footer": {"text": "Herald · evaluation.failed · evt_01JD8ZD3QH5V7X9Z1B3D5F7H9K"},
            "timestamp": "2024-11-22T08:00:00Z"
        }],
        "allowed_mentions": {"parse": []}
    });
    assert_eq!(body, expected);
}

#[test]
fn discord_alert_triggered() {
    let body = render_default(ChatFormat::Discord, &example_event("alert.triggered"));
    let expected = json!({
        "content": "Alert triggered · patient-triage",
        "embeds": [{
            "title": "Alert triggered · patient-triage",
            "description": "**Alert triggered** in patient-triage: univariate_drift on country is 0.313 (threshold 0.1) for triage-classifier v2\n> https://nannyml.example.com/model/28740/monitoring",
            "color": 0xE74C3C,
            "fields": fields("high", "monitoring", "model triage-classifier v2"),
            "footer": {"text": "Herald · alert.triggered · evt_01JD8ZD3QH5V7X9Z1B3D5F7H9K"},
            "timestamp": "2024-11-22T08:00:00Z"
        }],
        "allowed_mentions": {"parse": []}
    });
    assert_eq!(body, expected);
}

#[test]
fn discord_alert_resolved_is_green() {
    let body = render_default(ChatFormat::Discord, &example_event("alert.resolved"));
    let expected = json!({
        "content": "Alert resolved · patient-triage",
        "embeds": [{
            "title": "Alert resolved · patient-triage",
            "description": "**Alert resolved** in patient-triage: univariate_drift on country is back to 0.041 (threshold 0.1) for triage-classifier v2",
            "color": 0x2ECC71,
            "fields": fields("info", "monitoring", "model triage-classifier v2"),
            "footer": {"text": "Herald · alert.resolved · evt_01JD8ZD3QH5V7X9Z1B3D5F7H9K"},
            "timestamp": "2024-11-22T08:00:00Z"
        }],
        "allowed_mentions": {"parse": []}
    });
    assert_eq!(body, expected);
}

#[test]
fn discord_safety_critical() {
    let body = render_default(ChatFormat::Discord, &example_event("safety.critical"));
    let expected = json!({
        "content": "Safety critical · patient-triage",
        "embeds": [{
            "title": "Safety critical · patient-triage",
            "description": "**Critical safety issue** in patient-triage: PII_LEAK detected by pii-leakage on sample smp_5310 from triage-assistant v2.4\n> Response included the patient's full name and date of birth.",
            "color": 0x992D22,
            "fields": fields("critical", "evaluation_api", "deployment triage-assistant v2.4"),
            "footer": {"text": "Herald · safety.critical · evt_01JD8ZD3QH5V7X9Z1B3D5F7H9K"},
            "timestamp": "2024-11-22T08:00:00Z"
        }],
        "allowed_mentions": {"parse": []}
    });
    assert_eq!(body, expected);
}

#[test]
fn discord_colors_by_severity() {
    let mut event = example_event("evaluation.failed");
    for (severity, color) in [
        (json!("critical"), 0x992D22),
        (json!("HIGH"), 0xE74C3C),
        (json!("medium"), 0xE67E22),
        (json!("low"), 0xF1C40F),
        (json!("info"), 0x3498DB),
        (json!("weird"), 0x95A5A6),
        (Value::Null, 0x95A5A6),
    ] {
        event["severity"] = severity.clone();
        let body = render_default(ChatFormat::Discord, &event);
        assert_eq!(body["embeds"][0]["color"], json!(color), "{severity}");
    }
}
