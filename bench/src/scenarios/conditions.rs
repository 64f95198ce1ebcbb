//! Conditions and redaction (docs/conditions.md). `fanout-100-conditions` times the
//! fan-out rule itself in process: one event routed over 100 subscriptions that each carry
//! a compiled condition, µs per webhook (the event's conversion to CEL values included,
//! shared by the 100), beside the same fan-out without conditions. `sustained-conditions`
//! is `sustained-f1` with a condition and a redaction on the webhook, to compare with it.
use std::time::Instant;

use serde_json::{json, Value};

use super::{round, Ctx, Outcome};
use crate::events::EVENT_TYPE;
use engine::conditions::ConditionCache;
use engine::records::{NewEvent, StoredWebhook};
use engine::rules::fanout::{route, Subscription};

/// What every webhook of the conditions scenarios carries.
pub fn hook_extras() -> Value {
    json!({
        "condition": r#"project == "bench" && data.score < 0.8"#,
        "redact": [{"path": "data.evaluator", "action": "mask"}],
    })
}

const CONDITIONS: [&str; 4] = [
    "data.score < 0.8",
    r#"project == "bench" && data.evaluator in ["hallucination", "toxicity"]"#,
    r#"severity in ["high", "critical"] || data.score > 0.9"#,
    "has(data.sample) && data.sample >= 0",
];

fn subscriptions(n: usize, with_conditions: bool, cache: &ConditionCache) -> Vec<Subscription> {
    (0..n)
        .map(|i| {
            let mut w = StoredWebhook::new(format!("wh_{i}"), String::new(), 0);
            w.event_types = vec![EVENT_TYPE.into()];
            if with_conditions {
                w.condition = CONDITIONS[i % CONDITIONS.len()].into();
            }
            Subscription::of(&w, cache)
        })
        .collect()
}

fn event(seq: u64) -> NewEvent {
    NewEvent {
        id: format!("evt_{seq}"),
        tenant: "default".into(),
        event_type: EVENT_TYPE.into(),
        object: "evaluation_result".into(),
        source: Some("experiment".into()),
        project: Some("bench".into()),
        severity: Some(domain::Severity::High),
        subject: None,
        data: json!({"evaluator": "hallucination", "score": 0.42, "sample": seq, "sent_at_ns": 0}),
        metadata: None,
        created_ms: 1_732_262_400_000,
    }
}

/// Seconds per webhook routing `events` events over `subs`; fails unless every webhook
/// gets every event.
fn time_per_webhook(
    subs: &[Subscription],
    cache: &ConditionCache,
    events: u64,
) -> Result<f64, String> {
    let list: Vec<NewEvent> = (0..events).map(event).collect();
    let started = Instant::now();
    let mut routed = 0usize;
    for e in &list {
        let r = route(subs, e, cache.env());
        if !r.failures.is_empty() {
            return Err(format!("condition errors: {:?}", r.failures));
        }
        routed += r.to.len();
    }
    let secs = started.elapsed().as_secs_f64();
    if routed != subs.len() * list.len() {
        return Err(format!("{routed} of {} routed", subs.len() * list.len()));
    }
    Ok(secs / routed as f64)
}

pub async fn fanout_conditions(ctx: &mut Ctx) -> Outcome {
    let events = if ctx.scale.smoke { 50 } else { 20_000 };
    let cache = ConditionCache::default();
    let with = subscriptions(100, true, &cache);
    let without = subscriptions(100, false, &cache);
    // Warm up (the first routes page the code in).
    time_per_webhook(&with, &cache, 10)?;
    let plain = time_per_webhook(&without, &cache, events)?;
    let conditioned = time_per_webhook(&with, &cache, events)?;
    Ok(json!({
        "webhooks": 100,
        "events": events,
        "us_per_webhook": round(conditioned * 1e6, 3),
        "us_per_webhook_without_conditions": round(plain * 1e6, 3),
        "condition_us_per_webhook": round((conditioned - plain).max(0.0) * 1e6, 3),
    }))
}

/// `sustained-f1` with a condition and a redaction on the webhook.
pub async fn sustained_conditions(ctx: &mut Ctx) -> Outcome {
    super::deliver::run_with(ctx, "sustained-conditions", 1, 1, &hook_extras()).await
}
