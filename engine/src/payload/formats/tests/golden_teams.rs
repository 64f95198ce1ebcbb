//! Golden Teams (Adaptive Card) payloads for the catalog examples, written
//! out by hand.

use super::*;

/// The fixed message/attachment wrapper around a card body.
fn card(body: Value) -> Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body
            }
        }]
    })
}

fn facts(severity: &str, source: &str, subject: &str) -> Value {
    json!({"type": "FactSet", "facts": [
        {"title": "Project", "value": "patient-triage"},
        {"title": "Severity", "value": severity},
        {"title": "Source", "value": source},
        {"title": "Subject", "value": subject}
    ]})
}

#[test]
fn teams_evaluation_failed() {
    let body = render_default(ChatFormat::Teams, &example_event("evaluation.failed"));
    let expected = card(json!([
        {"type": "TextBlock", "text": "Evaluation failed · patient-triage", "weight": "Bolder", "size": "Medium", "wrap": true, "color": "Attention"},
        {"type": "TextBlock", "text": "**Evaluation failed** in patient-triage: hallucination scored 42% (threshold 70%) on triage-gpt4o-baseline v3\n\nThe answer cites a dosage guideline that does not appear in the retrieved context.", "wrap": true},
        facts("high", "experiment", "experiment triage-gpt4o-baseline v3")
    ]));
    assert_eq!(body, expected);
}

#[test]
fn teams_alert_triggered() {
    let body = render_default(ChatFormat::Teams, &example_event("alert.triggered"));
    let expected = card(json!([
        {"type": "TextBlock", "text": "Alert triggered · patient-triage", "weight": "Bolder", "size": "Medium", "wrap": true, "color": "Attention"},
        {"type": "TextBlock", "text": "**Alert triggered** in patient-triage: univariate_drift on country is 0.313 (threshold 0.1) for triage-classifier v2\n\nhttps://nannyml.example.com/model/28740/monitoring", "wrap": true},
        facts("high", "monitoring", "model triage-classifier v2")
    ]));
    assert_eq!(body, expected);
}

#[test]
fn teams_alert_resolved() {
    let body = render_default(ChatFormat::Teams, &example_event("alert.resolved"));
    let expected = card(json!([
        {"type": "TextBlock", "text": "Alert resolved · patient-triage", "weight": "Bolder", "size": "Medium", "wrap": true},
        {"type": "TextBlock", "text": "**Alert resolved** in patient-triage: univariate_drift on country is back to 0.041 (threshold 0.1) for triage-classifier v2", "wrap": true},
        facts("info", "monitoring", "model triage-classifier v2")
    ]));
    assert_eq!(body, expected);
}

#[test]
fn teams_safety_critical() {
    let body = render_default(ChatFormat::Teams, &example_event("safety.critical"));
    let expected = card(json!([
        {"type": "TextBlock", "text": "Safety critical · patient-triage", "weight": "Bolder", "size": "Medium", "wrap": true, "color": "Attention"},
        {"type": "TextBlock", "text": "**Critical safety issue** in patient-triage: PII_LEAK detected by pii-leakage on sample smp_5310 from triage-assistant v2.4\n\nResponse included the patient's full name and date of birth.", "wrap": true},
        facts("critical", "evaluation_api", "deployment triage-assistant v2.4")
    ]));
    assert_eq!(body, expected);
}

#[test]
fn teams_without_details_has_no_factset() {
    let event = json!({"type": "x.y", "data": {}});
    let body = render_default(ChatFormat::Teams, &event);
    let blocks = body["attachments"][0]["content"]["body"]
        .as_array()
        .unwrap();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0]["text"], "X y");
}
