//! One attempt of one delivery, start to finish: open the secrets, build and sign the
//! request, send it through the guarded client, and turn the result into the attempt
//! record and the delivery's next state. The worker, resend and test sends all use it.
use std::time::Duration;

use bytes::Bytes;

use crate::engine::Engine;
use crate::ids;
use crate::net::sender::{Outbound, Sent};
use crate::payload::{self, Shape};
use crate::records::{AttemptRecord, DeliveryUpdate, StoredWebhook};
use crate::rules::classify::Outcome;
use crate::rules::outcome::{decide, Next};
use crate::rules::signing;
use domain::Event;

/// What recorded request headers show instead of a protected value.
pub const MASK: &str = "••••••";

/// A request ready to send, and the same headers as the delivery log may show them.
pub struct Prepared {
    pub request_id: String,
    pub outbound: Outbound,
    pub logged_headers: Vec<(String, String)>,
}

/// Which kind of action made the attempt (recorded in the log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Queue,
    Resend,
    Test,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Queue => "queue",
            Trigger::Resend => "resend",
            Trigger::Test => "test",
        }
    }
}

/// Opened secrets of a webhook: the current one first, then a previous one in its grace period.
pub fn signing_secrets(
    engine: &Engine,
    w: &StoredWebhook,
    now_ms: i64,
) -> crate::error::Result<Vec<String>> {
    let mut out = vec![engine.open_secret(&w.id, &w.secret_sealed)?];
    if let (Some(prev), Some(until)) = (&w.prev_secret_sealed, w.prev_secret_expires_at) {
        if until > now_ms {
            out.push(engine.open_secret(&w.id, prev)?);
        }
    }
    Ok(out)
}

/// Custom headers with protected values opened: (key, value, protected).
pub fn custom_headers(
    engine: &Engine,
    w: &StoredWebhook,
) -> crate::error::Result<Vec<(String, String, bool)>> {
    w.headers
        .iter()
        .map(|h| {
            let value = match (&h.value, &h.sealed) {
                (_, Some(sealed)) => engine.open_header(&w.id, sealed)?,
                (Some(v), None) => v.clone(),
                (None, None) => String::new(),
            };
            Ok((h.key.clone(), value, h.protected))
        })
        .collect()
}

/// Builds and signs the request for `events` to `url`.
#[allow(clippy::too_many_arguments)]
pub fn prepare(
    url: &str,
    shape: &Shape,
    secrets: &[String],
    headers: &[(String, String, bool)],
    events: &[Event],
    delivery_id: &str,
    attempt: u32,
    timeout: Duration,
    now_ms: i64,
) -> Prepared {
    let request_id = ids::new_id(ids::ATTEMPT, now_ms);
    let body = payload::body(shape, events, &request_id, delivery_id, attempt);
    let ts = now_ms.div_euclid(1000);
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let signature = signing::signature_header(&refs, delivery_id, ts, &body).unwrap_or_default();
    let herald_sig = signing::sign_herald(&secrets[0], ts, &body);
    let mut outbound_headers: Vec<(String, String)> = Vec::with_capacity(headers.len() + 9);
    let mut logged: Vec<(String, String)> = Vec::with_capacity(headers.len() + 9);
    let fixed = [
        ("Content-Type", "application/json".to_string()),
        (
            "User-Agent",
            format!("Herald/{}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    for (k, v) in fixed {
        outbound_headers.push((k.to_string(), v.clone()));
        logged.push((k.to_string(), v));
    }
    for (k, v, protected) in headers {
        outbound_headers.push((k.clone(), v.clone()));
        logged.push((
            k.clone(),
            if *protected {
                MASK.to_string()
            } else {
                v.clone()
            },
        ));
    }
    let signed = [
        ("webhook-id", delivery_id.to_string()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", signature),
        ("X-Herald-Timestamp", ts.to_string()),
        ("X-Herald-Signature", herald_sig),
        (
            "X-Herald-Event-Type",
            events
                .first()
                .map(|e| e.event_type.clone())
                .unwrap_or_default(),
        ),
        ("X-Herald-Attempt", attempt.to_string()),
    ];
    for (k, v) in signed {
        outbound_headers.push((k.to_string(), v.clone()));
        logged.push((k.to_string(), v));
    }
    Prepared {
        request_id,
        outbound: Outbound {
            url: url.to_string(),
            headers: outbound_headers,
            body: Bytes::from(body),
            timeout,
        },
        logged_headers: logged,
    }
}

/// The shape settings of a webhook.
pub fn shape_of(w: &StoredWebhook) -> Shape<'_> {
    Shape {
        format: w.format,
        include_result: w.include_result,
        templates: &w.templates,
        settings: &w.settings,
    }
}

/// A finished attempt: what was sent and what came back, as the log and the caller see it.
pub struct Done {
    pub update: DeliveryUpdate,
    pub prepared: Prepared,
    pub sent: Sent,
}

/// Makes attempt `attempt` of delivery `delivery_id` now and decides what follows.
/// `final_on_failure` makes a failure final (manual resend of a finished delivery).
#[allow(clippy::too_many_arguments)]
pub async fn run(
    engine: &Engine,
    w: &StoredWebhook,
    delivery_id: &str,
    events: &[Event],
    attempt: u32,
    retry_base: u32,
    lease_token: Option<String>,
    trigger: Trigger,
    final_on_failure: bool,
) -> crate::error::Result<Done> {
    let now = engine.now_ms();
    let secrets = signing_secrets(engine, w, now)?;
    let headers = custom_headers(engine, w)?;
    let timeout = Duration::from_millis(w.timeout_ms);
    let prepared = prepare(
        &w.url,
        &shape_of(w),
        &secrets,
        &headers,
        events,
        delivery_id,
        attempt,
        timeout,
        now,
    );
    let sent = engine.sender().send(&prepared.outbound).await;
    let finished = engine.now_ms();
    let duration_ms = sent.duration.as_millis() as u64;
    metrics::histogram!("herald_attempt_duration_seconds").record(sent.duration.as_secs_f64());

    let (outcome, retry_after, status, error) = match &sent.result {
        Ok(r) => (
            Outcome::Status(r.status),
            r.retry_after.clone(),
            Some(r.status),
            None,
        ),
        Err(f) => (Outcome::Error(f.kind), None, None, Some(f.clone())),
    };
    let mut next = decide(
        &w.retry,
        attempt,
        retry_base,
        &outcome,
        retry_after.as_deref(),
        finished,
        engine.jitter(),
    );
    if final_on_failure {
        if let Next::RetryAt(_) = next {
            next = Next::Failed { disable: None };
        }
    }
    let (status_str, due_at, success, final_failure, disable_reason) = match &next {
        Next::Succeeded => ("succeeded", None, true, false, None),
        Next::RetryAt(t) => ("retrying", Some(*t), false, false, None),
        Next::Failed { disable } => ("failed", None, false, true, disable.clone()),
    };
    metrics::counter!("herald_attempts_total", "outcome" => status_str).increment(1);
    let last_error = match (&error, status) {
        (Some(f), _) => Some(format!("{}: {}", f.kind.as_str(), f.message)),
        (None, Some(s)) if !(200..300).contains(&s) => Some(format!("HTTP {s}")),
        _ => None,
    };
    let record = AttemptRecord {
        id: prepared.request_id.clone(),
        delivery_id: delivery_id.to_string(),
        number: attempt,
        started_at: now,
        duration_ms,
        url: w.url.clone(),
        request_headers: serde_json::to_string(&prepared.logged_headers)?,
        request_body: String::from_utf8_lossy(&prepared.outbound.body).into_owned(),
        response_status: status,
        response_headers: sent
            .result
            .as_ref()
            .ok()
            .map(|r| serde_json::to_string(&r.headers))
            .transpose()?,
        response_body: sent.result.as_ref().ok().map(|r| r.body.clone()),
        error_kind: error.as_ref().map(|f| f.kind.as_str().to_string()),
        error_message: error.as_ref().map(|f| f.message.clone()),
        next_retry_at: due_at,
        trigger: trigger.as_str(),
    };
    let update = DeliveryUpdate {
        attempt: Some(record),
        delivery_id: delivery_id.to_string(),
        webhook_id: w.id.clone(),
        lease_token,
        status: status_str,
        due_at,
        last_status: status,
        last_error,
        now: finished,
        success: Some(success),
        final_failure,
        disable_reason,
        disable_after_ms: engine.config().disable_after_ms,
    };
    Ok(Done {
        update,
        prepared,
        sent,
    })
}
