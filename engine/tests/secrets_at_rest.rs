//! Canary: signing secrets and protected header values never reach the database (file,
//! or PostgreSQL rows) in the clear (docs/console.md#secrets), and a database refuses a different master
//! key.
mod common;

use base64::Engine as _;
use common::*;
use domain::{HeaderInput, WebhookInput};
use engine::rules::tenancy::TenantScope;
use engine::secrets::MasterKey;
use engine::{EngineError, ExecutionOutcome};
use serde_json::json;

const CANARY: &str = "canary-protected-XYZ";

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_and_protected_values_are_not_stored_in_the_clear() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let wh = h
        .create(WebhookInput {
            headers: Some(vec![
                HeaderInput {
                    key: "Authorization".into(),
                    value: Some(CANARY.into()),
                    protected: true,
                },
                HeaderInput {
                    key: "X-Visible".into(),
                    value: Some("plain-marker-123".into()),
                    protected: false,
                },
            ]),
            ..hook("canary-webhook-name", &rx.url)
        })
        .await;
    let first = wh.secret.clone().unwrap();
    assert_eq!(
        h.engine
            .webhook_secret(&TenantScope::All, &wh.id)
            .await
            .unwrap(),
        first
    );
    let view = h.webhook(&wh.id).await;
    assert_eq!(
        view.headers[0].value, None,
        "protected values are never read back"
    );
    assert!(view.headers[0].protected);

    // Saving the webhook back as the console shows it (protected value hidden) keeps the value.
    let headers = view
        .headers
        .iter()
        .map(|h| HeaderInput {
            key: h.key.clone(),
            value: h.value.clone(),
            protected: h.protected,
        })
        .collect();
    h.engine
        .update_webhook(
            &TenantScope::All,
            &wh.id,
            WebhookInput {
                headers: Some(headers),
                description: Some("edited".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // Deliveries, a test send and a rotation: everything that writes logs or secrets.
    for i in 0..3 {
        h.ingest(event("run.completed", json!({"i": i}))).await;
    }
    assert_eq!(h.drain().await, 3);
    h.engine
        .send_test(&TenantScope::All, &wh.id, "evaluation.failed", None)
        .await
        .unwrap();
    let second = h
        .engine
        .rotate_secret(&TenantScope::All, &wh.id, None)
        .await
        .unwrap();
    h.ingest(event("run.completed", json!({"i": 3}))).await;
    assert_eq!(h.run_once().await, ExecutionOutcome::Processed(1));
    let reqs = rx.expect_exactly(5).await;
    assert!(
        reqs.iter().all(|r| r.h("authorization") == CANARY),
        "the receiver gets the real value"
    );
    verify_std(&reqs[4], &[&first], h.now_s()).unwrap();
    verify_std(&reqs[4], &[&second], h.now_s()).unwrap();

    // Close everything, then read what the store holds: the raw files for SQLite, every
    // row as text for PostgreSQL (common/db.rs).
    h.store.close().await;
    let (files, all) = h.db.raw_contents(h.dir.path()).await;
    assert!(
        files
            .iter()
            .any(|f| f == "herald.db" || f == "public.webhooks"),
        "{files:?}"
    );
    // The search works: plain data is there.
    assert!(
        find(&all, b"canary-webhook-name"),
        "the webhook row should be readable in {files:?}"
    );
    assert!(find(&all, b"plain-marker-123"));

    let mut needles: Vec<(String, Vec<u8>)> =
        vec![("protected header value".into(), CANARY.as_bytes().to_vec())];
    for (label, secret) in [("first secret", &first), ("rotated secret", &second)] {
        let b64 = secret.strip_prefix("whsec_").unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        needles.push((label.to_string(), secret.as_bytes().to_vec()));
        needles.push((format!("{label} (base64 part)"), b64.as_bytes().to_vec()));
        needles.push((format!("{label} (raw key bytes)"), raw));
    }
    for (label, needle) in &needles {
        assert!(
            !find(&all, needle),
            "{label} found in the clear in {files:?}"
        );
    }

    // A different master key is refused; the right one still opens the sealed values.
    let wrong = open_engine(&h.db_url, MasterKey::generate(), &h.clock, config()).await;
    match wrong {
        Err(EngineError::Key(msg)) => assert!(msg.contains("does not match"), "{msg}"),
        Err(other) => panic!("a different master key must be refused, got {other:?}"),
        Ok(_) => panic!("a different master key must be refused"),
    }
    let engine = open_engine(&h.db_url, h.key.clone(), &h.clock, config())
        .await
        .expect("the right key opens")
        .engine;
    assert_eq!(
        engine
            .webhook_secret(&TenantScope::All, &wh.id)
            .await
            .unwrap(),
        second
    );
    engine.close().await;
}
