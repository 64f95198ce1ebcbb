//! Response bodies over the 16 KiB read cap (docs/delivery.md#responses): the attempt keeps
//! the first 16 KiB and records `body_too_large`, while the status alone decides the
//! verdict. Real receivers on 127.0.0.1, a manual clock.
mod common;

use common::*;
use domain::{DeliveryStatus, ErrorKind, RetryPolicy, WebhookInput};
use engine::net::sender::MAX_RESPONSE_BODY;
use serde_json::json;

/// One delivery to a receiver answering `status` with `body`; its detail after one attempt.
async fn one_attempt(status: u16, body: &str) -> domain::DeliveryDetail {
    let h = Harness::new().await;
    let rx = Receiver::start_with(Reply::status(status).body(body)).await;
    h.create(WebhookInput {
        event_types: Some(vec!["evaluation.failed".into()]),
        retry: Some(RetryPolicy {
            max_retries: 3,
            ..RetryPolicy::default()
        }),
        ..hook("cap", &rx.url)
    })
    .await;
    let e = h.ingest(event("evaluation.failed", json!({"n": 1}))).await;
    h.run_once().await;
    let d = h.delivery_of(&e.id).await;
    h.detail(&d.id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_cap_is_noted_and_the_status_decides() {
    let huge = "x".repeat(MAX_RESPONSE_BODY * 4);
    let cases: &[(u16, DeliveryStatus, Option<&str>)] = &[
        (200, DeliveryStatus::Succeeded, None),
        (500, DeliveryStatus::Retrying, Some("HTTP 500")),
        (400, DeliveryStatus::Failed, Some("HTTP 400")),
    ];
    for (status, want, last_error) in cases {
        let d = one_attempt(*status, &huge).await;
        assert_eq!(d.delivery.status, *want, "{status}");
        assert_eq!(d.delivery.last_error.as_deref(), *last_error, "{status}");
        let a = &d.attempts[0];
        assert_eq!(a.response_status, Some(*status));
        assert_eq!(a.error_kind, Some(ErrorKind::BodyTooLarge), "{status}");
        assert!(
            a.error_message.as_deref().unwrap().contains("16 KiB"),
            "{a:?}"
        );
        assert_eq!(
            a.response_body.as_deref().map(str::len),
            Some(MAX_RESPONSE_BODY)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_exactly_the_cap_is_not_cut() {
    let d = one_attempt(200, &"y".repeat(MAX_RESPONSE_BODY)).await;
    assert_eq!(d.delivery.status, DeliveryStatus::Succeeded);
    let a = &d.attempts[0];
    assert_eq!(a.error_kind, None, "{a:?}");
    assert_eq!(
        a.response_body.as_deref().map(str::len),
        Some(MAX_RESPONSE_BODY)
    );
}
