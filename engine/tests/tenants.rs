//! Tenants (docs/tenants.md) on every store: events reach only their tenant's webhooks,
//! a scope on one tenant finds nothing of another (not found, never forbidden), the
//! tenant lifecycle's rules, portal links that open once and expire, and a store from
//! before tenants that opens with everything in `default` and delivers as before.
mod common;

use common::*;
use domain::{PortalLinkInput, TenantInput, WebhookInput};
use engine::rules::tenancy::TenantScope;
use engine::EngineError;
use serde_json::json;

const ALL: &TenantScope = &TenantScope::All;

fn only(t: &str) -> TenantScope {
    TenantScope::Only(t.into())
}

async fn tenant(h: &Harness, id: &str) {
    h.engine
        .create_tenant(TenantInput {
            id: Some(id.into()),
            name: Some(format!("{id} Corp")),
        })
        .await
        .expect("tenant created");
}

fn in_tenant(t: &str, url: &str) -> WebhookInput {
    WebhookInput {
        tenant: Some(t.into()),
        ..hook(&format!("{t} hook"), url)
    }
}

fn for_tenant(t: Option<&str>) -> domain::EventInput {
    domain::EventInput {
        tenant: t.map(str::to_string),
        ..event("run.completed", json!({"n": 1}))
    }
}

fn not_found<T: std::fmt::Debug>(r: Result<T, EngineError>, what: &str) {
    assert!(
        matches!(r, Err(EngineError::NotFound(_))),
        "{what}: expected not found, got {r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_only_their_tenants_webhooks() {
    let h = Harness::new().await;
    tenant(&h, "acme").await;
    tenant(&h, "globex").await;
    let (a, g, d) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let wa = h.create(in_tenant("acme", &a.url)).await;
    let wg = h.create(in_tenant("globex", &g.url)).await;
    let wd = h.create(hook("default hook", &d.url)).await;
    assert_eq!(
        (wa.tenant.as_str(), wg.tenant.as_str(), wd.tenant.as_str()),
        ("acme", "globex", "default")
    );

    let to_acme = h.ingest(for_tenant(Some("acme"))).await;
    assert_eq!(to_acme.deliveries, 1);
    let to_default = h.ingest(for_tenant(None)).await;
    assert_eq!(to_default.deliveries, 1);
    h.drain().await;
    let got = a.expect_exactly(1).await;
    assert_eq!(got[0].json()["events"][0]["id"], to_acme.id.as_str());
    assert_eq!(
        d.expect_exactly(1).await[0].json()["events"][0]["id"],
        to_default.id.as_str()
    );
    assert_eq!(g.count(), 0, "globex's receiver got nothing");
    let stored = h.engine.get_event(ALL, &to_acme.id).await.unwrap();
    assert_eq!(stored.event.tenant, "acme");

    // A key bound to acme posts into acme without naming it, and cannot post elsewhere.
    let bound = h
        .engine
        .ingest(&only("acme"), vec![for_tenant(None)], None)
        .await
        .unwrap();
    assert_eq!(bound.events[0].deliveries, 1);
    not_found(
        h.engine
            .ingest(&only("acme"), vec![for_tenant(Some("globex"))], None)
            .await,
        "an event for globex through acme's scope",
    );
    // An unknown tenant is a field error, and nothing is stored.
    match h
        .engine
        .ingest(ALL, vec![for_tenant(Some("initech"))], None)
        .await
    {
        Err(EngineError::Invalid(e)) => assert!(e.0.contains_key("tenant"), "{e:?}"),
        other => panic!("expected a field error, got {other:?}"),
    }
    match h
        .engine
        .create_webhook(ALL, in_tenant("initech", &a.url))
        .await
    {
        Err(EngineError::Invalid(e)) => assert!(e.0.contains_key("tenant"), "{e:?}"),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_ids_are_not_found_through_a_tenant_scope() {
    let h = Harness::new().await;
    tenant(&h, "acme").await;
    tenant(&h, "globex").await;
    let rx = Receiver::start().await;
    let mine = h.create(in_tenant("acme", &rx.url)).await;
    let theirs = h.create(in_tenant("globex", &rx.url)).await;
    let their_event = h.ingest(for_tenant(Some("globex"))).await;
    h.drain().await;
    let their_delivery = h.delivery_of(&their_event.id).await;
    let a = &only("acme");
    let e = &h.engine;

    not_found(e.get_webhook(a, &theirs.id).await, "webhook");
    not_found(
        e.update_webhook(
            a,
            &theirs.id,
            WebhookInput {
                name: Some("taken over".into()),
                ..Default::default()
            },
        )
        .await,
        "update",
    );
    not_found(e.set_webhook_active(a, &theirs.id, false).await, "toggle");
    not_found(e.webhook_secret(a, &theirs.id).await, "secret");
    not_found(e.rotate_secret(a, &theirs.id, None).await, "rotate");
    not_found(
        e.send_test(a, &theirs.id, "webhook.test", None).await,
        "test send",
    );
    not_found(
        e.validate_for_webhook(a, &theirs.id, &theirs.url, vec![])
            .await,
        "validate",
    );
    not_found(
        e.list_deliveries(a, &theirs.id, &Default::default()).await,
        "delivery log",
    );
    not_found(e.get_delivery(a, &their_delivery.id).await, "delivery");
    not_found(e.resend(a, &their_delivery.id).await, "resend");
    not_found(
        e.retry_failed(a, &theirs.id, "2024-01-01T00:00:00Z", None, &[])
            .await,
        "retry failed",
    );
    not_found(e.get_event(a, &their_event.id).await, "event");
    not_found(e.webhook_activity(a, &theirs.id).await, "activity");
    not_found(e.get_tenant(a, "globex").await, "tenant");
    not_found(
        e.create_portal_link(a, "globex", PortalLinkInput::default())
            .await,
        "portal link",
    );
    not_found(e.delete_webhook(a, &theirs.id).await, "delete");
    // Nothing of globex changed.
    let after = h.webhook(&theirs.id).await;
    assert_eq!((after.name.as_str(), after.active), ("globex hook", true));
    assert_eq!(rx.count(), 1, "no request was made for globex through acme");

    // The control: the same calls reach acme's own webhook.
    assert_eq!(e.get_webhook(a, &mine.id).await.unwrap().id, mine.id);
    assert!(e.webhook_secret(a, &mine.id).await.is_ok());
    let listed = e.list_webhooks(a, 50, None).await.unwrap();
    assert_eq!(
        listed
            .data
            .iter()
            .map(|w| w.id.as_str())
            .collect::<Vec<_>>(),
        vec![mine.id.as_str()]
    );
    assert_eq!(e.list_webhooks(ALL, 50, None).await.unwrap().data.len(), 2);
    let tenants = e.list_tenants(a, 50, None).await.unwrap();
    assert_eq!(
        tenants
            .data
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        vec!["acme"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_created_renamed_listed_and_deleted_by_the_rules() {
    let h = Harness::new().await;
    let e = &h.engine;
    tenant(&h, "acme").await;
    assert!(matches!(
        e.create_tenant(TenantInput {
            id: Some("acme".into()),
            name: Some("Again".into())
        })
        .await,
        Err(EngineError::Conflict(_))
    ));
    match e
        .create_tenant(TenantInput {
            id: Some("no spaces".into()),
            name: None,
        })
        .await
    {
        Err(EngineError::Invalid(f)) => {
            assert!(f.0.contains_key("id") && f.0.contains_key("name"), "{f:?}")
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let renamed = e
        .update_tenant(
            ALL,
            "acme",
            domain::TenantUpdate {
                name: "Acme Corporation".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Acme Corporation");
    for id in ["b1", "b2", "b3"] {
        tenant(&h, id).await;
    }
    // Pages by id: acme, b1 | b2, b3 | default.
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let page = e.list_tenants(ALL, 2, cursor.as_deref()).await.unwrap();
        seen.extend(page.data.into_iter().map(|t| t.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["acme", "b1", "b2", "b3", "default"]);

    let rx = Receiver::start().await;
    let w = h.create(in_tenant("acme", &rx.url)).await;
    let ev = h.ingest(for_tenant(Some("acme"))).await;
    assert_eq!(e.get_tenant(ALL, "acme").await.unwrap().webhooks, 1);
    assert!(matches!(
        e.delete_tenant(ALL, "acme", false).await,
        Err(EngineError::Conflict(_))
    ));
    assert_eq!(h.webhook(&w.id).await.id, w.id, "refused: nothing deleted");
    assert!(matches!(
        e.delete_tenant(ALL, "default", true).await,
        Err(EngineError::Conflict(_))
    ));
    e.delete_tenant(ALL, "acme", true).await.unwrap();
    not_found(e.get_webhook(ALL, &w.id).await, "the webhook went with it");
    not_found(e.get_event(ALL, &ev.id).await, "its events too");
    not_found(e.get_tenant(ALL, "acme").await, "the tenant");
    not_found(e.delete_tenant(ALL, "acme", true).await, "a second delete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_link_opens_once_and_not_after_it_expires() {
    let h = Harness::new().await;
    tenant(&h, "acme").await;
    let e = &h.engine;
    let link = e
        .create_portal_link(
            ALL,
            "acme",
            PortalLinkInput {
                expires_in: Some(600),
                title: Some("Acme Evals".into()),
                accent: Some("#1F6FEB".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(link.expires_at, h.now() + 600_000);
    let grant = e.open_portal_link(&link.token).await.unwrap();
    assert_eq!(grant.tenant, "acme");
    assert_eq!(grant.look.title.as_deref(), Some("Acme Evals"));
    assert_eq!(grant.look.accent.as_deref(), Some("#1f6feb"));
    not_found(e.open_portal_link(&link.token).await, "a second opening");

    let late = e
        .create_portal_link(&only("acme"), "acme", PortalLinkInput::default())
        .await
        .unwrap();
    assert_eq!(late.expires_at, h.now() + 3_600_000, "an hour by default");
    h.advance(3_600_000);
    not_found(e.open_portal_link(&late.token).await, "an expired link");
    not_found(e.open_portal_link("not-a-token").await, "an unknown token");
    not_found(
        e.create_portal_link(ALL, "initech", PortalLinkInput::default())
            .await,
        "a link to a tenant that does not exist",
    );
    match e
        .create_portal_link(
            ALL,
            "acme",
            PortalLinkInput {
                expires_in: Some(30),
                title: Some("".into()),
                accent: Some("blue".into()),
            },
        )
        .await
    {
        Err(EngineError::Invalid(f)) => {
            for field in ["expires_in", "title", "accent"] {
                assert!(f.0.contains_key(field), "{field}: {f:?}");
            }
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// What migration 0007 added, taken away again: the schema and data of a store from
/// before tenants (same SQL on both backends).
const BEFORE_TENANTS: &[&str] = &[
    "DROP INDEX webhooks_tenant",
    "ALTER TABLE webhooks DROP COLUMN tenant",
    "ALTER TABLE events DROP COLUMN tenant",
    "ALTER TABLE api_keys DROP COLUMN tenant",
    "DROP TABLE portal_links",
    "DROP TABLE tenants",
    "DELETE FROM _sqlx_migrations WHERE version = 7",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_from_before_tenants_opens_with_everything_in_default_and_delivers() {
    let h = Harness::new().await;
    let rx = Receiver::start().await;
    let old = h.create(hook("from before", &rx.url)).await;
    let secret = old.secret.clone().unwrap();
    h.engine.close().await;
    if on_postgres() {
        let pool = sqlx::PgPool::connect(&h.db_url).await.unwrap();
        for sql in BEFORE_TENANTS {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&h.db_url).await.unwrap();
        for sql in BEFORE_TENANTS {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }

    let reopened = open_engine(&h.db_url, h.key.clone(), &h.clock, config())
        .await
        .expect("the old store opens and migrates");
    let e = &reopened.engine;
    let w = e.get_webhook(ALL, &old.id).await.unwrap();
    assert_eq!(w.tenant, "default");
    assert_eq!(e.get_tenant(ALL, "default").await.unwrap().webhooks, 1);
    let got = e
        .ingest(ALL, vec![event("run.completed", json!({"n": 7}))], None)
        .await
        .unwrap();
    assert_eq!(got.events[0].deliveries, 1);
    engine::Worker::new(e.clone()).drain().await.unwrap();
    let req = &rx.expect_exactly(1).await[0];
    assert_eq!(req.json()["events"][0]["data"]["run"]["n"], 7);
    assert!(
        verify_std(req, &[&secret], h.now_s()).is_ok(),
        "signed with the secret from before"
    );
}
