//! Tenants over REST against a real server, store and receivers (docs/tenants.md): the
//! tenant lifecycle, events that reach only their tenant's webhooks, a key bound to one
//! tenant that finds nothing of another (404, never 403), and portal links that open a
//! session once.
mod common;

use common::*;
use serde_json::{json, Value};

async fn tenant(app: &TestApp, id: &str) {
    let (s, body) = app
        .json(
            app.post("/tenants")
                .json(&json!({"id": id, "name": format!("{id} Corp")})),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["id"], id);
    assert_eq!(body["webhooks"], 0);
}

/// A key of `scope` bound to `tenant`.
async fn bound_key(app: &TestApp, tenant: &str, scope: &str) -> String {
    let (s, body) = app
        .json(
            app.post("/api-keys").json(
                &json!({"name": format!("{tenant} {scope}"), "scope": scope, "tenant": tenant}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["tenant"], tenant);
    body["secret"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn tenants_are_created_listed_renamed_and_deleted() {
    let app = spawn_app(&[]).await;
    tenant(&app, "acme").await;
    let (s, dup) = app
        .json(
            app.post("/tenants")
                .json(&json!({"id": "acme", "name": "x"})),
        )
        .await;
    assert_eq!(s, 409, "{dup}");
    let (s, bad) = app
        .json(
            app.post("/tenants")
                .json(&json!({"id": "no spaces!", "name": " "})),
        )
        .await;
    assert_eq!(s, 422, "{bad}");
    assert!(
        bad["errors"].get("id").is_some() && bad["errors"].get("name").is_some(),
        "{bad}"
    );
    // Malformed tenant ids are field errors wherever they appear (found by schemathesis).
    let malformed = [
        (app.get("/webhooks?tenant="), "tenant"),
        (
            app.post("/events")
                .json(&json!({"tenant": "a b", "type": "run.completed", "data": {}})),
            "tenant",
        ),
        (
            app.post("/webhooks/condition-check")
                .json(&json!({"condition": "",
                "event": {"tenant": "×", "type": "run.completed", "data": {}}})),
            "event.tenant",
        ),
    ];
    for (req, field) in malformed {
        let (s, body) = app.json(req).await;
        assert_eq!(s, 422, "{body}");
        assert!(body["errors"].get(field).is_some(), "{field}: {body}");
    }
    let (s, listed) = app.json(app.get("/tenants")).await;
    assert_eq!(s, 200);
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme", "default"]);
    let (s, renamed) = app
        .json(
            app.patch("/tenants/acme")
                .json(&json!({"name": "Acme Corporation"})),
        )
        .await;
    assert_eq!(
        (s, renamed["name"].as_str()),
        (200, Some("Acme Corporation"))
    );

    let rx = receiver(200).await;
    let w = app.webhook(&rx.url, json!({"tenant": "acme"})).await;
    assert_eq!(w["tenant"], "acme");
    let (s, _) = app.json(app.get("/tenants/acme")).await;
    assert_eq!(s, 200);
    let res = app.delete("/tenants/acme").send().await.unwrap();
    assert_eq!(res.status(), 409, "refused while it has webhooks");
    let res = app.delete("/tenants/default").send().await.unwrap();
    assert_eq!(res.status(), 409, "default stays");
    let res = app
        .delete("/tenants/acme?cascade=true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (s, _) = app
        .json(app.get(&format!("/webhooks/{}", w["id"].as_str().unwrap())))
        .await;
    assert_eq!(s, 404, "its webhook went with it");
    let (s, _) = app.json(app.get("/tenants/acme")).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn events_reach_their_tenant_and_a_bound_key_finds_nothing_of_another() {
    let app = spawn_app(&[]).await;
    tenant(&app, "acme").await;
    tenant(&app, "globex").await;
    let (ra, rg, rd) = (
        receiver(200).await,
        receiver(500).await,
        receiver(200).await,
    );
    let wa = app.webhook(&ra.url, json!({"tenant": "acme"})).await;
    let wg = app
        .webhook(
            &rg.url,
            json!({"tenant": "globex", "retry": {"max_retries": 0}}),
        )
        .await;
    app.webhook(&rd.url, json!({})).await;
    let post_event = |body: Value| {
        let app = &app;
        async move {
            let (s, got) = app.json(app.post("/events").json(&body)).await;
            assert_eq!(s, 202, "{got}");
            got
        }
    };
    post_event(json!({"tenant": "acme", "type": "run.completed", "data": {"n": 1}})).await;
    let theirs =
        post_event(json!({"tenant": "globex", "type": "run.completed", "data": {"n": 2}})).await;
    post_event(json!({"type": "run.completed", "data": {"n": 3}})).await;
    let a = ra.wait_for(1).await;
    assert_eq!(a[0].json()["events"][0]["data"]["run"]["n"], 1);
    rg.wait_for(1).await;
    assert_eq!(
        rd.wait_for(1).await[0].json()["events"][0]["data"]["run"]["n"],
        3
    );
    assert_eq!(ra.received().len(), 1, "acme got only its own event");

    // Listing narrowed to one tenant.
    let (_, listed) = app.json(app.get("/webhooks?tenant=acme")).await;
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [wa["id"].as_str().unwrap()]);

    // An admin key cannot be bound to a tenant.
    let (s, _) = app
        .json(
            app.post("/api-keys")
                .json(&json!({"name": "x", "scope": "admin", "tenant": "acme"})),
        )
        .await;
    assert_eq!(s, 422);

    let key = bound_key(&app, "acme", "manage").await;
    let as_acme = |method: reqwest::Method, path: &str| {
        app.client.request(method, app.url(path)).bearer_auth(&key)
    };
    let gid = wg["id"].as_str().unwrap();
    let their_event = theirs["data"][0]["id"].as_str().unwrap();
    let (_, detail) = app.json(app.get(&format!("/events/{their_event}"))).await;
    let their_delivery = detail["deliveries"][0]["id"].as_str().unwrap().to_string();
    use reqwest::Method as M;
    let probes: Vec<(M, String, Option<Value>)> = vec![
        (M::GET, format!("/webhooks/{gid}"), None),
        (
            M::PATCH,
            format!("/webhooks/{gid}"),
            Some(json!({"name": "mine now"})),
        ),
        (M::GET, format!("/webhooks/{gid}/secret"), None),
        (
            M::POST,
            format!("/webhooks/{gid}/secret/rotate"),
            Some(json!({})),
        ),
        (
            M::POST,
            format!("/webhooks/{gid}/test"),
            Some(json!({"event_type": "webhook.test"})),
        ),
        (M::GET, format!("/webhooks/{gid}/deliveries"), None),
        (
            M::POST,
            format!("/webhooks/{gid}/retry-failed"),
            Some(json!({"since": "2024-01-01T00:00:00Z"})),
        ),
        (M::GET, format!("/deliveries/{their_delivery}"), None),
        (
            M::POST,
            format!("/deliveries/{their_delivery}/resend"),
            Some(json!({})),
        ),
        (M::GET, format!("/events/{their_event}"), None),
        (M::GET, "/tenants/globex".to_string(), None),
        (
            M::POST,
            "/tenants/globex/portal-links".to_string(),
            Some(json!({})),
        ),
        (M::GET, "/webhooks?tenant=globex".to_string(), None),
        (
            M::POST,
            "/events".to_string(),
            Some(json!({"tenant": "globex", "type": "run.completed", "data": {}})),
        ),
        (M::DELETE, format!("/webhooks/{gid}"), None),
    ];
    for (method, path, body) in probes {
        let mut req = as_acme(method.clone(), &path);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 404, "{method} {path} through acme's key");
    }
    // Nothing of globex changed, and globex's receiver saw no test send.
    let (_, still) = app.json(app.get(&format!("/webhooks/{gid}"))).await;
    assert_eq!(still["name"], "hook");
    assert_eq!(rg.received().len(), 1);
    // Creating or deleting tenants needs a key that is not bound to one.
    let res = as_acme(M::POST, "/tenants")
        .json(&json!({"id": "initech", "name": "Initech"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = as_acme(M::POST, "/event-types")
        .json(&json!({"name": "acme.only"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "the catalog is every tenant's");

    // The control: acme's own webhook, its tenant, and events posted without naming it.
    let aid = wa["id"].as_str().unwrap();
    let res = as_acme(M::GET, &format!("/webhooks/{aid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let listed: Value = as_acme(M::GET, "/tenants")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    let res = as_acme(M::POST, "/events")
        .json(&json!({"type": "run.completed", "data": {"n": 4}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(
        ra.wait_for(2).await[1].json()["events"][0]["data"]["run"]["n"],
        4
    );
}

#[tokio::test]
async fn a_portal_link_opens_a_session_once() {
    let app = spawn_app(&["--portal-frame-ancestors", "http://127.0.0.1:9"]).await;
    tenant(&app, "acme").await;
    let (s, link) = app
        .json(
            app.post("/tenants/acme/portal-links")
                .json(&json!({"expires_in": 600, "title": "Acme Evals", "accent": "#1f6feb"})),
        )
        .await;
    assert_eq!(s, 201, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/portal/", app.base)), "{url}");
    assert!(link["expires_at"].as_str().unwrap().ends_with('Z'));
    let (s, bad) = app
        .json(
            app.post("/tenants/acme/portal-links")
                .json(&json!({"expires_in": 5})),
        )
        .await;
    assert_eq!(s, 422, "{bad}");
    let (s, _) = app
        .json(app.post("/tenants/initech/portal-links").json(&json!({})))
        .await;
    assert_eq!(s, 404);

    let browser = console::client();
    let opened = browser.get(url).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    assert_eq!(opened.headers()["location"], "/");
    let cookie = console::session_cookie(&opened).expect("a portal session");
    assert_eq!(
        console::page_status(&browser, &app.base, "/", &cookie).await,
        200,
        "the portal session opens the console"
    );
    // Portal pages may be framed by the configured site, and carry the link's accent.
    let page = browser
        .get(format!("{}/", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.ends_with("frame-ancestors http://127.0.0.1:9"), "{csp}");
    assert!(page.headers().get("x-frame-options").is_none());
    let html = page.text().await.unwrap();
    assert!(html.contains("Acme Evals"), "the portal's title");
    assert!(
        !html.contains("href=\"/settings\""),
        "no Settings in the portal"
    );
    let css = browser
        .get(format!("{}/portal-look.css", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains("--accent: #1f6feb"), "{css}");
    // A user's console is never framed, whatever the setting says.
    let (user, user_cookie) = console_session(&app).await;
    let page = user
        .get(format!("{}/", app.base))
        .header("cookie", &user_cookie)
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(html.contains("href=\"/settings\""), "a user has Settings");
    assert!(html.contains("tenant-switch"), "and the tenant switcher");

    let again = browser.get(url).send().await.unwrap();
    assert_eq!(again.status(), 404, "the link works once");
    assert!(console::session_cookie(&again).is_none());
    assert_eq!(
        console::page_status(&browser, &app.base, "/", "herald_session=nope").await,
        303,
        "without a session the console still asks to sign in"
    );
}

#[tokio::test]
async fn cross_site_portal_cookies_need_an_https_public_url() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/herald.db", dir.path().display());
    let start = |public: &'static str| {
        let db = db.clone();
        async move {
            let cli = herald::config::Cli::parse_from([
                "herald",
                "--database-url",
                &db,
                "--addr",
                "127.0.0.1:0",
                "--portal-cookies",
                "cross-site",
                "--public-url",
                public,
                "--admin-password",
                ADMIN_PASSWORD,
            ]);
            herald::application::Application::build(cli.config).await
        }
    };
    let refused = start("http://herald.example").await;
    let err = refused.err().expect("refused over http").to_string();
    assert!(err.contains("HERALD_PORTAL_COOKIES"), "{err}");
    let app = start("https://herald.example")
        .await
        .expect("starts over https");
    // Session cookies are then SameSite=None; Secure; Partitioned.
    let base = format!("http://{}", app.local_addr());
    let (stop, mut stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stop_rx.changed().await;
    }));
    let res = console::login(&console::client(), &base, "admin", ADMIN_PASSWORD).await;
    let line = console::session_cookie_line(&res).expect("a session cookie");
    for part in ["SameSite=None", "Secure", "Partitioned", "HttpOnly"] {
        assert!(line.contains(part), "{part}: {line}");
    }
    let _ = stop.send(true);
}
