//! Chat and incident formats end to end: one delivery per format to a local receiver,
//! checking the body shape each target expects; per-webhook template overrides; and a
//! template that does not render rejected at save time with its position.
mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn one_delivery_per_format_has_the_targets_shape() {
    let app = spawn_app(&[]).await;
    let event = json!({"type": "alert.triggered", "object": "alert", "project": "patient-triage", "severity": "critical",
        "source": "monitoring", "subject": {"type": "deployment", "id": "dep_1", "name": "triage", "version": "v2"},
        "data": {"metric": "accuracy", "value": 0.71, "threshold": 0.8}, "metadata": {"dedup_key": "acc-drift-triage"}});
    for format in ["slack", "discord", "teams", "pagerduty"] {
        let rx = receiver(if format == "pagerduty" { 202 } else { 200 }).await;
        let mut extra = json!({"format": format, "event_types": ["alert.*"]});
        if format == "pagerduty" {
            extra["settings"] = json!({"routing_key": "R0UTINGKEY"});
        }
        let hook = app.webhook(&rx.url, extra).await;
        let (s, _) = app.json(app.post("/events").json(&event)).await;
        assert_eq!(s, 202);
        let body = rx.wait_for(1).await[0].json();
        match format {
            "slack" => {
                assert!(
                    body["text"].as_str().unwrap().contains("patient-triage"),
                    "{body}"
                );
                let blocks = body["blocks"].as_array().unwrap();
                assert!(!blocks.is_empty() && blocks.len() <= 50);
                assert_eq!(blocks[0]["type"], "header");
            }
            "discord" => {
                assert!(body["content"].as_str().unwrap().chars().count() <= 2000);
                assert!(body["embeds"][0]["title"].is_string(), "{body}");
                assert!(body["embeds"][0]["color"].is_number());
            }
            "teams" => {
                assert_eq!(body["type"], "message");
                let att = &body["attachments"][0];
                assert_eq!(
                    att["contentType"],
                    "application/vnd.microsoft.card.adaptive"
                );
                assert_eq!(att["content"]["type"], "AdaptiveCard");
            }
            "pagerduty" => {
                assert_eq!(body["routing_key"], "R0UTINGKEY");
                assert_eq!(body["event_action"], "trigger");
                assert_eq!(body["dedup_key"], "acc-drift-triage");
                assert_eq!(body["payload"]["severity"], "critical");
                assert!(body["payload"]["summary"].as_str().unwrap().len() <= 1024);
            }
            _ => unreachable!(),
        }
        // 202 from PagerDuty is success like any 2xx.
        let wid = hook["id"].as_str().unwrap();
        eventually("the delivery to succeed", || async {
            app.json(app.get(&format!("/webhooks/{wid}/deliveries?status=succeeded")))
                .await
                .1["data"]
                .as_array()
                .unwrap()
                .len()
                == 1
        })
        .await;
        app.delete(&format!("/webhooks/{wid}"))
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn template_overrides_render_and_bad_templates_are_refused_with_a_position() {
    let app = spawn_app(&[]).await;
    let rx = receiver(200).await;
    let tpl = "Score {{ data.score | percent }} on {{ project | upper }} ({{ data.missing | default(\"n/a\") }})";
    let hook = app
        .webhook(
            &rx.url,
            json!({"format": "slack", "templates": {"evaluation.failed": tpl}}),
        )
        .await;
    app.post("/events")
        .json(&json!({"type": "evaluation.failed", "project": "triage", "data": {"score": 0.873}}))
        .send()
        .await
        .unwrap();
    let body = rx.wait_for(1).await[0].json();
    assert!(
        body.to_string().contains("Score 87.3% on TRIAGE (n/a)"),
        "{body}"
    );

    let wid = hook["id"].as_str().unwrap();
    let (s, e) = app
        .json(app.patch(&format!("/webhooks/{wid}")).json(
            &json!({"templates": {"evaluation.failed": "ok\n  {{ data.score | round(x) }}"}}),
        ))
        .await;
    assert_eq!(s, 422, "{e}");
    let msg = e["errors"]["templates.evaluation.failed"][0]
        .as_str()
        .unwrap();
    assert!(msg.starts_with("line 2, column"), "{msg}");
    // and the stored template is unchanged
    let (_, got) = app.json(app.get(&format!("/webhooks/{wid}"))).await;
    assert_eq!(got["templates"]["evaluation.failed"], tpl);
}
