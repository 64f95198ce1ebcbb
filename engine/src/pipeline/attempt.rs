//! One attempt of one delivery, start to finish: open the secrets, build and sign the
//! request (`prepare`, pure), send it through the guarded client, and turn the result
//! into the attempt record and the delivery's [`Transition`] (`run`). The worker, resend
//! and test sends all use it. What receivers get is described in docs/receiving.md.
use std::time::Duration;

use bytes::Bytes;

use crate::engine::Engine;
use crate::ids;
use crate::net::sender::{Failure, Outbound, Received, Sent, MAX_RESPONSE_BODY};
use crate::payload::{self, Shape};
use crate::records::{AttemptRecord, DeliveryUpdate, StoredWebhook};
use crate::rules::classify::{ErrorKind, Outcome};
use crate::rules::outcome::{decide, health_effect, OnFailure, Transition};
use crate::rules::{redact, signing};
use domain::{Event, Trigger};

/// What recorded request headers show instead of a protected value.
pub const MASK: &str = "••••••";

/// A request ready to send, and the same headers as the delivery log may show them.
pub struct Prepared {
    pub request_id: String,
    pub outbound: Outbound,
    pub logged_headers: Vec<(String, String)>,
    /// Why the request must not be sent (its template renders over the format's
    /// limit); the body is then empty. See [`send`].
    pub refused: Option<Failure>,
}

/// Sends a prepared request, or, when it was refused, reports that without sending.
pub async fn send(engine: &Engine, prepared: &Prepared) -> Sent {
    match &prepared.refused {
        Some(failure) => Sent {
            result: Err(failure.clone()),
            duration: Duration::ZERO,
        },
        None => engine.sender().send(&prepared.outbound).await,
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

/// Everything a request is built from.
pub struct RequestSpec<'a> {
    pub url: &'a str,
    pub shape: &'a Shape<'a>,
    /// Opened signing secrets, current first.
    pub secrets: &'a [String],
    /// Custom headers with protected values opened: (key, value, protected).
    pub headers: &'a [(String, String, bool)],
    pub events: &'a [Event],
    /// The delivery id: the `webhook-id` of every attempt.
    pub delivery_id: &'a str,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub timeout: Duration,
    pub now_ms: i64,
}

/// Builds and signs the request `spec` describes.
pub fn prepare(spec: &RequestSpec) -> Prepared {
    let RequestSpec {
        url,
        shape,
        secrets,
        headers,
        events,
        delivery_id,
        attempt,
        timeout,
        now_ms,
    } = *spec;
    let request_id = ids::new_id(ids::ATTEMPT, now_ms);
    let (body, refused) = match payload::body(shape, events, &request_id, delivery_id, attempt) {
        Ok(body) => (body, None),
        Err(too_large) => (
            Vec::new(),
            Some(Failure {
                kind: ErrorKind::BodyTooLarge,
                message: too_large.to_string(),
            }),
        ),
    };
    let ts = now_ms.div_euclid(1000);
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let signature = signing::signature_header(&refs, delivery_id, ts, &body).unwrap_or_default();
    let herald_sig = signing::herald_signature_header(&refs, ts, &body);
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
        refused,
    }
}

/// `events` with `w`'s redactions applied (docs/conditions.md#redaction): what the body
/// is built from, so neither the receiver, the templates nor the delivery log see the
/// redacted values. Borrowed as they are when `w` redacts nothing.
pub fn redacted<'e>(
    engine: &Engine,
    w: &StoredWebhook,
    events: &'e [Event],
) -> crate::error::Result<std::borrow::Cow<'e, [Event]>> {
    if w.redact.is_empty() {
        return Ok(std::borrow::Cow::Borrowed(events));
    }
    let rules = redact::parse_rules(&w.redact).map_err(|(i, e)| {
        crate::error::EngineError::Corrupt(format!("webhook {} redact[{i}]: {e}", w.id))
    })?;
    let key = engine.redaction_key(&w.id);
    Ok(std::borrow::Cow::Owned(
        events
            .iter()
            .map(|e| redact::redact_event(e, &rules, &key))
            .collect(),
    ))
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

/// One attempt to make: of which delivery, with which events, which attempt it is, and
/// what made it.
pub struct AttemptPlan<'a> {
    pub webhook: &'a StoredWebhook,
    pub delivery_id: &'a str,
    pub events: &'a [Event],
    /// The number of this attempt (1 for the first).
    pub number: u32,
    /// Attempts made before the last manual re-queue; retries count from here.
    pub retry_base: u32,
    /// The lease the outcome is recorded under.
    pub lease_token: Option<String>,
    pub trigger: Trigger,
    pub on_failure: OnFailure,
}

/// Makes the planned attempt now and decides what follows.
pub async fn run(engine: &Engine, plan: AttemptPlan<'_>) -> crate::error::Result<Done> {
    let AttemptPlan {
        webhook: w,
        delivery_id,
        events,
        number: attempt,
        retry_base,
        lease_token,
        trigger,
        on_failure,
    } = plan;
    let now = engine.now_ms();
    let secrets = signing_secrets(engine, w, now)?;
    let headers = custom_headers(engine, w)?;
    let timeout = Duration::from_millis(w.timeout_ms);
    let events = &*redacted(engine, w, events)?;
    let prepared = prepare(&RequestSpec {
        url: &w.url,
        shape: &shape_of(w),
        secrets: &secrets,
        headers: &headers,
        events,
        delivery_id,
        attempt,
        timeout,
        now_ms: now,
    });
    let sent = send(engine, &prepared).await;
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
    let next = decide(
        &w.retry,
        attempt,
        retry_base,
        &outcome,
        retry_after.as_deref(),
        finished,
        engine.jitter(),
    )
    .under(on_failure);
    let transition = Transition::Attempted(next);
    let due_at = transition.due_at();
    metrics::counter!("herald_attempts_total", "outcome" => transition.status().as_str())
        .increment(1);
    let last_error = match (&error, status) {
        (Some(f), _) => Some(format!("{}: {}", f.kind.as_str(), f.message)),
        (None, Some(s)) if !domain::is_success(s) => Some(format!("HTTP {s}")),
        _ => None,
    };
    // The status decides the outcome; a body cut at the cap is only noted on the attempt
    // (docs/delivery.md#responses).
    let noted = error
        .clone()
        .or_else(|| sent.result.as_ref().ok().and_then(body_cut_note));
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
        error_kind: noted.as_ref().map(|f| f.kind),
        error_message: noted.map(|f| f.message),
        next_retry_at: due_at,
        trigger,
    };
    let update = DeliveryUpdate {
        attempt: Some(record),
        delivery_id: delivery_id.to_string(),
        webhook_id: w.id.clone(),
        lease_token,
        health: health_effect(trigger, &transition),
        transition,
        last_status: status,
        last_error,
        now: finished,
        disable_after_ms: engine.config().disable_after_ms,
    };
    Ok(Done {
        update,
        prepared,
        sent,
    })
}

/// `body_too_large` for a response whose body went on past the cap.
fn body_cut_note(r: &Received) -> Option<Failure> {
    r.body_cut.then(|| Failure {
        kind: ErrorKind::BodyTooLarge,
        message: format!(
            "the response body passed {} KiB; its first {} KiB are kept",
            MAX_RESPONSE_BODY / 1024,
            MAX_RESPONSE_BODY / 1024
        ),
    })
}
