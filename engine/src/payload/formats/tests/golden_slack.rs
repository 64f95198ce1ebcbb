//! Golden Slack payloads for the catalog examples, written out by hand.

use super::*;

#[test]
fn slack_evaluation_failed() {
    let body = render_default(ChatFormat::Slack, &example_event("evaluation.failed"));
    let expected = json!({
        "text": "*Evaluation failed* in patient-triage: hallucination scored 42% (threshold 70%) on triage-gpt4o-baseline v3\n> The answer cites a dosage guideline that does not appear in the retrieved context.",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Evaluation failed · patient-triage", "emoji": true}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Evaluation failed* in patient-triage: hallucination scored 42% (threshold 70%) on triage-gpt4o-baseline v3\n> The answer cites a dosage guideline that does not appear in the retrieved context."}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": "*Project:* patient-triage"},
                {"type": "mrkdwn", "text": "*Severity:* high"},
                {"type": "mrkdwn", "text": "*Source:* experiment"},
                {"type": "mrkdwn", "text": "*Subject:* experiment triage-gpt4o-baseline v3"}
            ]}
        ]
    });
    assert_eq!(body, expected);
}

#[test]
fn slack_alert_triggered() {
    let body = render_default(ChatFormat::Slack, &example_event("alert.triggered"));
    let expected = json!({
        "text": "*Alert triggered* in patient-triage: univariate_drift on country is 0.313 (threshold 0.1) for triage-classifier v2\n> https://nannyml.example.com/model/28740/monitoring",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Alert triggered · patient-triage", "emoji": true}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Alert triggered* in patient-triage: univariate_drift on country is 0.313 (threshold 0.1) for triage-classifier v2\n> https://nannyml.example.com/model/28740/monitoring"}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": "*Project:* patient-triage"},
                {"type": "mrkdwn", "text": "*Severity:* high"},
                {"type": "mrkdwn", "text": "*Source:* monitoring"},
                {"type": "mrkdwn", "text": "*Subject:* model triage-classifier v2"}
            ]}
        ]
    });
    assert_eq!(body, expected);
}

#[test]
fn slack_alert_resolved() {
    let body = render_default(ChatFormat::Slack, &example_event("alert.resolved"));
    let expected = json!({
        "text": "*Alert resolved* in patient-triage: univariate_drift on country is back to 0.041 (threshold 0.1) for triage-classifier v2",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Alert resolved · patient-triage", "emoji": true}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Alert resolved* in patient-triage: univariate_drift on country is back to 0.041 (threshold 0.1) for triage-classifier v2"}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": "*Project:* patient-triage"},
                {"type": "mrkdwn", "text": "*Severity:* info"},
                {"type": "mrkdwn", "text": "*Source:* monitoring"},
                {"type": "mrkdwn", "text": "*Subject:* model triage-classifier v2"}
            ]}
        ]
    });
    assert_eq!(body, expected);
}

#[test]
fn slack_safety_critical() {
    let body = render_default(ChatFormat::Slack, &example_event("safety.critical"));
    let expected = json!({
        "text": "*Critical safety issue* in patient-triage: PII_LEAK detected by pii-leakage on sample smp_5310 from triage-assistant v2.4\n> Response included the patient's full name and date of birth.",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Safety critical · patient-triage", "emoji": true}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Critical safety issue* in patient-triage: PII_LEAK detected by pii-leakage on sample smp_5310 from triage-assistant v2.4\n> Response included the patient's full name and date of birth."}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": "*Project:* patient-triage"},
                {"type": "mrkdwn", "text": "*Severity:* critical"},
                {"type": "mrkdwn", "text": "*Source:* evaluation_api"},
                {"type": "mrkdwn", "text": "*Subject:* deployment triage-assistant v2.4"}
            ]}
        ]
    });
    assert_eq!(body, expected);
}

#[test]
fn slack_webhook_test_without_project_or_subject() {
    let body = render_default(ChatFormat::Slack, &example_event("webhook.test"));
    let expected = json!({
        "text": "*Test event* from Herald: This is a test event sent by Herald to check your endpoint.",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Webhook test", "emoji": true}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Test event* from Herald: This is a test event sent by Herald to check your endpoint."}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": "*Severity:* info"},
                {"type": "mrkdwn", "text": "*Source:* herald"}
            ]}
        ]
    });
    assert_eq!(body, expected);
}
