//! Example event inputs for the built-in catalog, modelled on the webhook
//! payloads of Patronus (evaluations, safety), NannyML (alerts, runs),
//! UbiOps (requests), LangSmith (annotation queues, automation rules) and
//! Rubric (evaluation summaries, reviews).

use serde_json::{json, Map, Value};

const PROJECT: &str = "patient-triage";

fn experiment() -> Value {
    json!({"type": "experiment", "id": "exp_01JD8Z4Q2M3NV7K5R9T1W6YB0C",
           "name": "triage-gpt4o-baseline", "version": "v3"})
}

fn monitored_model() -> Value {
    json!({"type": "model", "id": "28740", "name": "triage-classifier", "version": "v2"})
}

fn deployment() -> Value {
    json!({"type": "deployment", "id": "5f0c9a2e-3b7d-4e21-9c8a-1d6e4f7b2a90",
           "name": "triage-classifier", "version": "v2"})
}

fn ubiops(event: &str, status: &str, request_id: &str) -> Map<String, Value> {
    let body = json!({
        "event": event,
        "deployment_id": "5f0c9a2e-3b7d-4e21-9c8a-1d6e4f7b2a90",
        "deployment_name": "triage-classifier",
        "deployment_version_id": "b81d3f6a-92c4-4a7e-8f15-6c2d0e9a4b73",
        "deployment_version_name": "v2",
        "request_id": request_id,
        "status": status,
    });
    match body {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn request_event(name: &str, mut data: Map<String, Value>, severity: &str) -> Value {
    let request_id = data.get("request_id").cloned().unwrap_or(Value::Null);
    let text = format!(
        "Deployment request {} {} for deployment triage-classifier v2 in project {PROJECT}",
        request_id.as_str().unwrap_or_default(),
        name.trim_start_matches("request.")
    );
    data.insert("text".into(), Value::String(text));
    json!({"source": "deployment", "project": PROJECT, "severity": severity,
           "subject": deployment(), "data": data,
           "metadata": {"ubiops_project": PROJECT, "environment": "production"}})
}

fn review_queue() -> Value {
    json!({"id": "aq_3f7c2b18-5e4d-4a9b-8c61-0d2e7f9a1b34", "name": "clinical-safety-review"})
}

fn reviewer() -> Value {
    json!({"id": "usr_214", "name": "Dr. Amara Okafor", "email": "amara.okafor@example.com"})
}

/// The example input for `name`; unknown names get a minimal example.
pub(super) fn example(name: &str, object: &str) -> Value {
    let body = match name {
        "evaluation.created" => json!({
            "source": "evaluation_api", "project": PROJECT, "severity": "info",
            "subject": experiment(),
            "data": {
                "id": "eval_01JD8Z6H1X4PQ2R7S9T3V5W8YA", "name": "Daily Evaluation - November 22",
                "status": "running",
                "config": {"evaluators": ["hallucination", "triage_accuracy", "pii-leakage"],
                           "model": "triage-gpt4o", "dataset": "ds_daily_nov22", "sample_count": 500},
                "created_at": "2024-11-22T08:00:00Z"},
            "metadata": {"model_version": "triage-v2.4", "dataset": "ds_daily_nov22"}}),
        "evaluation.completed" => json!({
            "source": "evaluation_api", "project": PROJECT, "severity": "info",
            "subject": experiment(),
            "data": {
                "id": "eval_01JD8Z6H1X4PQ2R7S9T3V5W8YA", "name": "Daily Evaluation - November 22",
                "status": "completed",
                "summary": {"total_samples": 500, "triage_accuracy": 0.87, "safety_score": 0.95,
                            "samples_for_review": 23},
                "completed_at": "2024-11-22T08:42:10Z"},
            "metadata": {"model_version": "triage-v2.4", "dataset": "ds_daily_nov22"}}),
        "evaluation.failed" => json!({
            "source": "experiment", "project": PROJECT, "severity": "high",
            "subject": experiment(),
            "data": {
                "id": "er_01JD8ZC4K7T9QW3M5X2B6N8P0R", "evaluator": "hallucination",
                "criteria": "patronus:hallucination", "score": 0.42, "pass": false, "threshold": 0.7,
                "explanation": "The answer cites a dosage guideline that does not appear in the retrieved context.",
                "model": "triage-gpt4o", "dataset": "ds_daily_nov22", "sample_id": "smp_4821",
                "tags": {"env": "staging"}},
            "metadata": {"model_version": "triage-v2.4", "dataset": "ds_daily_nov22"}}),
        "evaluation.regressed" => json!({
            "source": "evaluation_api", "project": PROJECT, "severity": "medium",
            "subject": experiment(),
            "data": {
                "id": "eval_01JD9A2B3C4D5E6F7G8H9J0K1M", "name": "Daily Evaluation - November 22",
                "metric": "triage_accuracy", "current": 0.84,
                "baseline": {"evaluation_id": "eval_01JD6M0N1P2Q3R4S5T6V7W8X9Y", "value": 0.91},
                "delta": -0.07, "allowed_drop": 0.05},
            "metadata": {"model_version": "triage-v2.4"}}),
        "sample.scored" => json!({
            "source": "experiment", "project": PROJECT, "severity": "info",
            "subject": experiment(),
            "data": {
                "sample_id": "smp_4821", "evaluation_id": "eval_01JD8Z6H1X4PQ2R7S9T3V5W8YA",
                "input": "Patient reports chest pain radiating to the left arm for 20 minutes.",
                "label": "urgent",
                "scores": {"triage_accuracy": 1, "safety": 0.98, "hallucination": 0.12}}}),
        "review.assigned" => json!({
            "source": "annotation_queue", "project": PROJECT, "severity": "low",
            "subject": experiment(),
            "data": {
                "id": "rev_01JD90QX7Z2Y4W6V8T0S1R3P5N", "queue": review_queue(),
                "sample_id": "smp_4821", "run_id": "6ab80f10-d79c-4fa2-b441-922ed6feb630",
                "reviewer": reviewer(), "reason": "safety score below 0.8",
                "due_at": "2024-11-23T08:00:00Z"}}),
        "review.completed" => json!({
            "source": "annotation_queue", "project": PROJECT, "severity": "info",
            "subject": experiment(),
            "data": {
                "id": "rev_01JD90QX7Z2Y4W6V8T0S1R3P5N", "queue": review_queue(),
                "sample_id": "smp_4821", "run_id": "6ab80f10-d79c-4fa2-b441-922ed6feb630",
                "reviewer": reviewer(),
                "review": {"ai_correct": false, "label": "urgent", "score": 0.2,
                           "comment": "Model under-triaged chest pain; should be urgent.",
                           "correction": "Escalate to emergency care immediately."},
                "completed_at": "2024-11-22T11:05:00Z"}}),
        "alert.triggered" => json!({
            "source": "monitoring", "project": PROJECT, "severity": "high",
            "subject": monitored_model(),
            "data": {
                "id": "alr_01JD91F3G5H7J9K2M4N6P8Q0RS", "model_id": 28740,
                "model_name": "triage-classifier", "metric": "univariate_drift",
                "feature": "country", "method": "jensen_shannon", "value": 0.3127,
                "threshold": 0.1, "drift": true,
                "chunk": {"start": "2024-11-21T00:00:00Z", "end": "2024-11-22T00:00:00Z"},
                "report_link": "https://nannyml.example.com/model/28740/monitoring"},
            "metadata": {"dedup_key": "drift:triage-classifier:country",
                         "run_id": "run_01JD91D0E2F4G6H8J0K2M4N6P8"}}),
        "alert.resolved" => json!({
            "source": "monitoring", "project": PROJECT, "severity": "info",
            "subject": monitored_model(),
            "data": {
                "id": "alr_01JD91F3G5H7J9K2M4N6P8Q0RS", "model_id": 28740,
                "model_name": "triage-classifier", "metric": "univariate_drift",
                "feature": "country", "method": "jensen_shannon", "value": 0.0412,
                "threshold": 0.1, "drift": false,
                "triggered_at": "2024-11-22T00:15:00Z", "resolved_at": "2024-11-23T00:15:00Z",
                "report_link": "https://nannyml.example.com/model/28740/monitoring"},
            "metadata": {"dedup_key": "drift:triage-classifier:country",
                         "run_id": "run_01JDBX2Y4Z6A8B0C2D4E6F8G0H"}}),
        "safety.critical" => json!({
            "source": "evaluation_api", "project": PROJECT, "severity": "critical",
            "subject": {"type": "deployment", "id": "dep_01JD7T5V7W9X1Y3Z5A7B9C1D3E",
                        "name": "triage-assistant", "version": "v2.4"},
            "data": {
                "id": "sc_01JD92K4M6N8P0Q2R4S6T8V0WX", "sample_id": "smp_5310",
                "evaluator": "pii-leakage", "criteria": "patronus:pii", "score": 0,
                "pass": false,
                "issue": {"type": "pii_leak", "category": "phi",
                          "description": "Response included the patient's full name and date of birth."},
                "model": "triage-gpt4o", "action_required": true},
            "metadata": {"trace_id": "6ab80f10-d79c-4fa2-b441-922ed6feb630"}}),
        "run.completed" => json!({
            "source": "monitoring", "project": PROJECT, "severity": "info",
            "subject": monitored_model(),
            "data": {
                "run_id": "run_01JD91D0E2F4G6H8J0K2M4N6P8", "model_id": 28740,
                "model_name": "triage-classifier", "notification_type": "RUN_COMPLETED",
                "started_at": "2024-11-22T00:00:04Z", "completed_at": "2024-11-22T00:14:52Z",
                "succeeded": true,
                "performance_alerts": {"cbpe": [{"metric_name": "specificity"}]},
                "other_alerts": {"univariate_drift": [{"metric_name": "country"}]},
                "success": ["unseen_values", "missing_values"],
                "report_link": "https://nannyml.example.com/model/28740"}}),
        "request.started" => request_event(
            name,
            ubiops(
                "deployment_request_started",
                "processing",
                "c1a0f4e7-2d5b-4b8e-9f36-7a1c0e5d3b92",
            ),
            "info",
        ),
        "request.finished" => request_event(
            name,
            ubiops(
                "deployment_request_finished",
                "completed",
                "c1a0f4e7-2d5b-4b8e-9f36-7a1c0e5d3b92",
            ),
            "info",
        ),
        "request.completed" => {
            let mut data = ubiops(
                "deployment_request_completed",
                "completed",
                "c1a0f4e7-2d5b-4b8e-9f36-7a1c0e5d3b92",
            );
            data.insert(
                "result".into(),
                json!({"label": "urgent", "confidence": 0.93}),
            );
            request_event(name, data, "info")
        }
        "request.failed" => {
            let mut data = ubiops(
                "deployment_request_failed",
                "failed",
                "e4b7c2d9-6a1f-4c3e-8b05-2f9d7a6c1e48",
            );
            data.insert(
                "error_message".into(),
                json!("ValueError: input exceeds the maximum of 4096 tokens"),
            );
            request_event(name, data, "high")
        }
        "rule.matched" => json!({
            "source": "automation", "project": PROJECT, "severity": "medium",
            "data": {
                "rule_id": "d75d7417-0c57-4655-88fe-1db3cda3a47a", "rule_name": "low-user-score",
                "start_time": "2024-11-22T01:28:54.734491+00:00",
                "end_time": "2024-11-22T01:28:56.492563+00:00",
                "runs": [{
                    "id": "6ab80f10-d79c-4fa2-b441-922ed6feb630", "name": "Search",
                    "run_type": "tool", "status": "success", "is_root": true,
                    "trace_id": "6ab80f10-d79c-4fa2-b441-922ed6feb630",
                    "session_id": "6a3be6a2-9a8c-4fc8-b4c6-a8983b286cc5",
                    "start_time": "2024-11-22T01:28:54.085646", "end_time": "2024-11-22T01:28:54.085649",
                    "total_tokens": 0, "inputs": null, "outputs": null}],
                "feedback_stats": {"user_score": {"n": 2, "avg": 0.0, "show_feedback_arrow": false,
                                                  "values": {}}}}}),
        "model.version.created" => json!({
            "source": "registry", "project": PROJECT, "severity": "info",
            "subject": {"type": "model", "id": "28740", "name": "triage-classifier", "version": "v3"},
            "data": {
                "id": "mv_01JD93A1B2C3D4E5F6G7H8J9K0", "model": "triage-classifier", "version": "v3",
                "previous_version": "v2", "framework": "pytorch",
                "created_by": "amara.okafor@example.com", "metrics": {"val_accuracy": 0.912}}}),
        "prompt.version.created" => json!({
            "source": "playground", "project": PROJECT, "severity": "info",
            "subject": {"type": "prompt", "id": "pr_01JD5K2L3M4N5P6Q7R8S9T0V1W",
                        "name": "triage-system-prompt", "version": "v12"},
            "data": {
                "id": "pv_01JD93C5D6E7F8G9H0J1K2M3N4", "prompt": "triage-system-prompt",
                "version": "v12", "commit": "a1b2c3d", "author": "amara.okafor@example.com",
                "message": "Ask for symptom onset time before triaging"}}),
        "webhook.test" => json!({
            "source": "herald", "severity": "info",
            "data": {"message": "This is a test event sent by Herald to check your endpoint.",
                     "sent_by": "admin"}}),
        _ => json!({"data": {}}),
    };
    let mut event = Map::new();
    event.insert("type".into(), Value::String(name.to_string()));
    event.insert("object".into(), Value::String(object.to_string()));
    if let Value::Object(rest) = body {
        event.extend(rest);
    }
    Value::Object(event)
}
