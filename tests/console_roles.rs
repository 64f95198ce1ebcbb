//! Console users with roles (docs/roles.md) through the real server functions, signed in
//! like a browser (`common::console`): every server function is classified by what it
//! needs; a viewer's call to every mutating one is refused with 403 and changes nothing;
//! an editor edits webhooks but not API keys or users; an admin does everything; a new
//! user signs in with their setup token; a reset, a removal or a password change ends the
//! user's sessions, and a new role counts at the next call. A portal session
//! (docs/portal.md) acts on its own tenant only: every id of another tenant is not
//! found, Settings and the tenant switcher are refused.
mod common;

use app::api::{deliveries as d, keys as k, users as u, webhooks as w};
use app::auth as a;
use common::*;
use domain::Role;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

/// What calling a server function needs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Needs {
    /// Sign-in and the session itself.
    Nothing,
    /// Every role (reads, and one's own password).
    Session,
    Edit,
    Admin,
}

/// Every server function of the console and what it needs.
fn classified() -> Vec<(&'static str, Needs)> {
    use Needs::*;
    vec![
        (a::CurrentUser::PATH, Nothing),
        (a::LoginStep::PATH, Nothing),
        (a::Login::PATH, Nothing),
        (a::ChoosePassword::PATH, Nothing),
        (a::Logout::PATH, Nothing),
        (a::ChangePassword::PATH, Session),
        (w::ListWebhooks::PATH, Session),
        (w::ListEventTypes::PATH, Session),
        (w::GetWebhook::PATH, Session),
        (w::PreviewTemplate::PATH, Session),
        (w::CheckCondition::PATH, Session),
        (d::WebhookDetail::PATH, Session),
        (d::ListDeliveries::PATH, Session),
        (d::GetDelivery::PATH, Session),
        (k::RetentionSetting::PATH, Session),
        (a::SwitcherTenants::PATH, Session),
        (a::SwitchTenant::PATH, Session),
        (w::SaveWebhook::PATH, Edit),
        (w::SetActive::PATH, Edit),
        (w::DeleteWebhook::PATH, Edit),
        (w::ValidateWebhook::PATH, Edit),
        (w::TakeWebhookDraft::PATH, Edit),
        (w::SendTest::PATH, Edit),
        (d::RevealSecret::PATH, Edit),
        (d::RotateSecret::PATH, Edit),
        (d::Resend::PATH, Edit),
        (d::RetryFailed::PATH, Edit),
        (k::ListApiKeys::PATH, Admin),
        (k::CreateApiKey::PATH, Admin),
        (k::RevokeApiKey::PATH, Admin),
        (u::ListUsers::PATH, Admin),
        (u::CreateUser::PATH, Admin),
        (u::SetUserRole::PATH, Admin),
        (u::ResetUser::PATH, Admin),
        (u::RemoveUser::PATH, Admin),
    ]
}

#[test]
fn every_server_function_is_classified() {
    let known: Vec<&str> = classified().iter().map(|(p, _)| *p).collect();
    let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p)
        .collect();
    for path in &registered {
        assert!(
            known.contains(path),
            "{path} is not in classified(): say what it needs"
        );
    }
    assert_eq!(registered.len(), known.len());
}

/// A signed-in browser: a client and its session cookie (renewed when the server renews
/// the session id).
struct Browser {
    client: reqwest::Client,
    cookie: std::sync::Mutex<String>,
    base: String,
}

impl Browser {
    async fn sign_in(app: &TestApp, user: &str, password: &str) -> Browser {
        let client = console::client();
        let res = console::login(&client, &app.base, user, password).await;
        assert!(
            res.status().is_success(),
            "sign-in as {user}: {}",
            res.status()
        );
        let cookie = console::session_cookie(&res).expect("a session cookie");
        Browser::new(client, cookie, app)
    }

    fn new(client: reqwest::Client, cookie: String, app: &TestApp) -> Browser {
        Browser {
            client,
            cookie: std::sync::Mutex::new(cookie),
            base: app.base.clone(),
        }
    }

    fn cookie(&self) -> String {
        self.cookie.lock().unwrap().clone()
    }

    /// Posts a server function's form; the status and the answer.
    async fn call(&self, path: &str, body: &str) -> (u16, String) {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .header("cookie", self.cookie())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        if let Some(renewed) = console::session_cookie(&res) {
            *self.cookie.lock().unwrap() = renewed;
        }
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn page(&self, path: &str) -> u16 {
        console::page_status(&self.client, &self.base, path, &self.cookie()).await
    }
}

/// A user of `role` with a password of their own, signed in.
async fn user(app: &TestApp, name: &str, role: Role) -> Browser {
    app.engine.create_user(name, role).await.unwrap();
    let password = format!("{name}-password");
    app.engine.set_user_password(name, &password).await.unwrap();
    Browser::sign_in(app, name, &password).await
}

/// A webhook with one delivered event, and what the calls below need of it.
struct Fixture {
    wid: String,
    secret: String,
    delivery: String,
    key_id: String,
    rx: Receiver,
}

async fn fixture(app: &TestApp) -> Fixture {
    let rx = receiver(200).await;
    let hook = app.webhook(&rx.url, json!({})).await;
    let event =
        json!({"type": "evaluation.failed", "object": "evaluation_result", "data": {"score": 0.4}});
    let (s, answer) = app.json(app.post("/events").json(&event)).await;
    assert_eq!(s, 202, "{answer}");
    rx.wait_for(1).await;
    let wid = hook["id"].as_str().unwrap().to_string();
    let (_, log) = app
        .json(app.get(&format!("/webhooks/{wid}/deliveries")))
        .await;
    let (_, key) = app
        .json(app.post("/api-keys").json(&json!({"name": "spare"})))
        .await;
    app.engine
        .create_user("target", Role::Viewer)
        .await
        .unwrap();
    Fixture {
        secret: hook["secret"].as_str().unwrap().to_string(),
        delivery: log["data"][0]["id"].as_str().unwrap().to_string(),
        key_id: key["id"].as_str().unwrap().to_string(),
        wid,
        rx,
    }
}

/// Every server function that changes something (or reveals a secret), with a body that
/// does it when the role allows.
fn mutating(f: &Fixture) -> Vec<(&'static str, String)> {
    let webhook = |id: &str, name: &str| {
        format!(
            "webhook[id]={id}&webhook[name]={name}&webhook[url]={}&webhook[event_types][]=*\
             &webhook[active]=on&webhook[format]=envelope&webhook[max_retries]=3\
             &webhook[backoff]=exponential&webhook[initial_delay_ms]=5000\
             &webhook[max_delay_ms]=60000&webhook[timeout_ms]=10000\
             &webhook[batch_max_events]=1&webhook[batch_max_wait_ms]=0",
            f.rx.url
        )
    };
    let id = format!("id={}", f.wid);
    vec![
        (w::SaveWebhook::PATH, webhook(&f.wid, "renamed")),
        (w::SaveWebhook::PATH, webhook("", "created")),
        (w::ValidateWebhook::PATH, webhook(&f.wid, "validated")),
        (w::TakeWebhookDraft::PATH, id.clone()),
        (
            w::SendTest::PATH,
            format!("{id}&event_type=evaluation.failed"),
        ),
        (d::RevealSecret::PATH, id.clone()),
        (d::RotateSecret::PATH, id.clone()),
        (d::Resend::PATH, format!("id={}", f.delivery)),
        (
            d::RetryFailed::PATH,
            format!(
                "webhook_id={}&since=2000-01-01T00:00&until=2100-01-01T00:00",
                f.wid
            ),
        ),
        (w::SetActive::PATH, format!("{id}&active=false")),
        (k::CreateApiKey::PATH, "name=minted&scope=admin".into()),
        (k::RevokeApiKey::PATH, format!("id={}", f.key_id)),
        (u::CreateUser::PATH, "name=mallory&role=admin".into()),
        (u::SetUserRole::PATH, "name=target&role=admin".into()),
        (u::ResetUser::PATH, "name=target".into()),
        (u::RemoveUser::PATH, "name=target".into()),
        (w::DeleteWebhook::PATH, id),
    ]
}

/// Everything the calls above could change, read over the REST API and the engine.
async fn state(app: &TestApp, f: &Fixture) -> Value {
    let (_, hooks) = app.json(app.get("/webhooks")).await;
    let (_, secret) = app
        .json(app.get(&format!("/webhooks/{}/secret", f.wid)))
        .await;
    let (_, keys) = app.json(app.get("/api-keys")).await;
    let (_, users) = app.json(app.get("/users")).await;
    let (_, log) = app
        .json(app.get(&format!("/webhooks/{}/deliveries", f.wid)))
        .await;
    let (_, delivery) = app
        .json(app.get(&format!("/deliveries/{}", f.delivery)))
        .await;
    let target = app.engine.user_access("target").await.unwrap();
    json!({
        "hooks": hooks["data"], "secret": secret, "keys": keys["data"], "users": users["data"],
        "log": log["data"], "attempts": delivery["attempts"],
        "target_version": target.map(|t| t.credential_version),
        "received": f.rx.received().len(),
    })
}

#[tokio::test]
async fn a_viewer_is_refused_every_mutating_server_function_and_nothing_changes() {
    let app = spawn_app(&[]).await;
    let f = fixture(&app).await;
    let viewer = user(&app, "vera", Role::Viewer).await;
    let before = state(&app, &f).await;
    for (path, body) in mutating(&f) {
        let (status, text) = viewer.call(path, &body).await;
        assert_eq!(status, 403, "{path}: {text}");
        assert!(!text.contains(&f.secret), "{path} revealed the secret");
        assert_eq!(state(&app, &f).await, before, "{path} changed something");
    }
    // The admin's lists are refused too.
    for path in [k::ListApiKeys::PATH, u::ListUsers::PATH] {
        let (status, text) = viewer.call(path, "").await;
        assert_eq!(status, 403, "{path}: {text}");
    }
    // Every Edit and Admin server function is among those tried.
    let mut tried: Vec<&str> = mutating(&f).iter().map(|(p, _)| *p).collect();
    tried.extend([k::ListApiKeys::PATH, u::ListUsers::PATH]);
    for (path, needs) in classified() {
        if matches!(needs, Needs::Edit | Needs::Admin) {
            assert!(tried.contains(&path), "{path} is not tried");
        }
    }
    // Reads still work, and the viewer is still signed in.
    let (status, text) = viewer.call(w::ListWebhooks::PATH, "").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(viewer.page("/").await, 200);
    assert_eq!(viewer.page("/settings").await, 200);
}

#[tokio::test]
async fn an_editor_edits_webhooks_but_not_keys_or_users() {
    let app = spawn_app(&[]).await;
    let f = fixture(&app).await;
    let editor = user(&app, "eddie", Role::Editor).await;
    let calls = mutating(&f);
    for (path, body) in &calls {
        let admin_only = [
            k::CreateApiKey::PATH,
            k::RevokeApiKey::PATH,
            u::CreateUser::PATH,
            u::SetUserRole::PATH,
            u::ResetUser::PATH,
            u::RemoveUser::PATH,
        ]
        .contains(path);
        let before = state(&app, &f).await;
        let (status, text) = editor.call(path, body).await;
        if admin_only {
            assert_eq!(status, 403, "{path}: {text}");
            assert_eq!(state(&app, &f).await, before, "{path} changed something");
        } else {
            assert!((200..400).contains(&status), "{path}: {status} {text}");
        }
    }
    let after = state(&app, &f).await;
    let names: Vec<&str> = after["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["created"],
        "one created, the other renamed and deleted"
    );
    assert_eq!(after["keys"].as_array().unwrap().len(), 2, "no key minted");
    for (path, _) in [(k::ListApiKeys::PATH, ""), (u::ListUsers::PATH, "")] {
        assert_eq!(editor.call(path, "").await.0, 403, "{path}");
    }
}

#[tokio::test]
async fn an_admin_may_do_everything_but_lose_the_last_admin() {
    let app = spawn_app(&[]).await;
    let f = fixture(&app).await;
    let (client, cookie) = console_session(&app).await;
    let admin = Browser::new(client, cookie, &app);
    for (path, body) in mutating(&f) {
        let (status, text) = admin.call(path, &body).await;
        assert!((200..400).contains(&status), "{path}: {status} {text}");
    }
    let after = state(&app, &f).await;
    let names: Vec<&str> = after["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "mallory"], "created, and target removed");
    // The setup token of the last create or reset is shown once, by the next list.
    let (_, first) = admin.call(u::ListUsers::PATH, "").await;
    let (_, second) = admin.call(u::ListUsers::PATH, "").await;
    assert!(first.contains("\"new_setup\":{"), "{first}");
    assert!(second.contains("\"new_setup\":null"), "{second}");

    admin.call(u::RemoveUser::PATH, "name=mallory").await;
    let (status, text) = admin.call(u::RemoveUser::PATH, "name=admin").await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("last admin"), "{text}");
    let (status, text) = admin
        .call(u::SetUserRole::PATH, "name=admin&role=viewer")
        .await;
    assert_eq!(status, 422, "{text}");
    let (status, text) = admin
        .call(u::CreateUser::PATH, "name=Bad%20Name&role=viewer")
        .await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("name"), "{text}");
    assert_eq!(admin.page("/").await, 200, "still signed in");
}

#[tokio::test]
async fn a_new_user_signs_in_with_the_setup_token_and_chooses_a_password() {
    let app = spawn_app(&[]).await;
    let setup = app.engine.create_user("nora", Role::Viewer).await.unwrap();
    let client = console::client();
    let res = console::login(&client, &app.base, "nora", &setup.setup_token).await;
    let cookie = console::session_cookie(&res).expect("a setup session");
    assert_eq!(
        console::page_status(&client, &app.base, "/", &cookie).await,
        303,
        "only the password step until a password is chosen"
    );
    let res = console::post::<a::ChoosePassword>(
        &client,
        &app.base,
        &[
            ("new_password", "nora-password"),
            ("confirm", "nora-password"),
        ],
    )
    .header("cookie", &cookie)
    .send()
    .await
    .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let cookie = console::session_cookie(&res).expect("a fresh session id");
    let nora = Browser::new(client, cookie, &app);
    let (status, me) = nora.call(a::CurrentUser::PATH, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&me).unwrap(),
        json!({"name": "nora", "role": "viewer", "tenant": "default", "portal": null})
    );
    assert!(!app.engine.user("nora").await.unwrap().setup_pending);
    let again = console::login(&nora.client, &app.base, "nora", &setup.setup_token).await;
    assert_eq!(again.status(), 401, "the token works once");
}

#[tokio::test]
async fn reset_removal_and_password_change_end_the_users_sessions_and_roles_count_at_once() {
    let app = spawn_app(&[]).await;
    let f = fixture(&app).await;
    let first = user(&app, "pat", Role::Viewer).await;
    let second = Browser::sign_in(&app, "pat", "pat-password").await;
    let admin_session = console_session(&app).await;

    // A new role counts at the next call, without signing in again.
    let set_active = format!("id={}&active=false", f.wid);
    assert_eq!(first.call(w::SetActive::PATH, &set_active).await.0, 403);
    app.engine.set_user_role("pat", Role::Editor).await.unwrap();
    let (status, text) = first.call(w::SetActive::PATH, &set_active).await;
    assert_eq!(status, 200, "{text}");

    // A password change keeps this session and ends the user's others (not the admin's).
    let (status, text) = first
        .call(
            a::ChangePassword::PATH,
            "current=pat-password&new_password=pat-new-password&confirm=pat-new-password",
        )
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(second.call(w::ListWebhooks::PATH, "").await.0, 401);
    assert_ne!(second.page("/").await, 200);
    assert_eq!(first.call(w::ListWebhooks::PATH, "").await.0, 200);
    assert_eq!(
        console::page_status(&admin_session.0, &app.base, "/", &admin_session.1).await,
        200,
        "another user's session stays"
    );

    // A reset ends every session of the user.
    app.engine.reset_user("pat").await.unwrap();
    assert_eq!(first.call(w::ListWebhooks::PATH, "").await.0, 401);

    // So does a removal.
    app.engine
        .set_user_password("pat", "pat-third-password")
        .await
        .unwrap();
    let third = Browser::sign_in(&app, "pat", "pat-third-password").await;
    assert_eq!(third.call(w::ListWebhooks::PATH, "").await.0, 200);
    app.engine.remove_user("pat").await.unwrap();
    assert_eq!(third.call(w::ListWebhooks::PATH, "").await.0, 401);
    assert_ne!(third.page("/").await, 200);
}

/// A browser that opened a portal link to `tenant` (created here with one webhook).
async fn portal(app: &TestApp, tenant: &str) -> (Browser, String) {
    let (s, _) = app
        .json(
            app.post("/tenants")
                .json(&json!({"id": tenant, "name": "Acme"})),
        )
        .await;
    assert_eq!(s, 201);
    let rx = receiver(200).await;
    let own = app.webhook(&rx.url, json!({"tenant": tenant})).await;
    let (s, link) = app
        .json(
            app.post(&format!("/tenants/{tenant}/portal-links"))
                .json(&json!({})),
        )
        .await;
    assert_eq!(s, 201, "{link}");
    let client = console::client();
    let res = client
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = console::session_cookie(&res).expect("a portal session");
    (
        Browser::new(client, cookie, app),
        own["id"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_portal_session_finds_nothing_of_another_tenant_and_no_settings() {
    let app = spawn_app(&[]).await;
    // The fixture's webhook, delivery, key and user are the default tenant's and the
    // platform's: outside the portal's tenant.
    let f = fixture(&app).await;
    let (acme, own) = portal(&app, "acme").await;
    let before = state(&app, &f).await;
    for (path, body) in mutating(&f) {
        if path == w::SaveWebhook::PATH && body.contains("webhook[id]=&") {
            continue; // creating is allowed: in the portal's own tenant, checked below
        }
        let (status, text) = acme.call(path, &body).await;
        let admin = [
            k::CreateApiKey::PATH,
            k::RevokeApiKey::PATH,
            u::CreateUser::PATH,
            u::SetUserRole::PATH,
            u::ResetUser::PATH,
            u::RemoveUser::PATH,
        ];
        // Refused as a user's or an admin's; another tenant's ids are simply not found;
        // the draft is the session's own (none).
        let want = match path {
            p if admin.contains(&p) => 403,
            p if p == w::TakeWebhookDraft::PATH => 200,
            _ => 404,
        };
        assert_eq!(status, want, "{path}: {text}");
        assert!(!text.contains(&f.secret), "{path} revealed the secret");
    }
    for (path, body) in [
        (d::WebhookDetail::PATH, format!("id={}", f.wid)),
        (w::GetWebhook::PATH, format!("id={}&for_edit=false", f.wid)),
        (d::GetDelivery::PATH, format!("id={}", f.delivery)),
        (
            d::ListDeliveries::PATH,
            format!("webhook_id={}&status=&event_type=&cursor=", f.wid),
        ),
    ] {
        let (status, text) = acme.call(path, &body).await;
        assert_eq!(status, 404, "{path}: {text}");
    }
    for (path, body) in [
        (k::ListApiKeys::PATH, String::new()),
        (u::ListUsers::PATH, String::new()),
        (k::RetentionSetting::PATH, String::new()),
        (
            a::ChangePassword::PATH,
            "current=x&new_password=long-enough-pw&confirm=long-enough-pw".into(),
        ),
        (a::SwitchTenant::PATH, "tenant=default".into()),
    ] {
        let (status, text) = acme.call(path, &body).await;
        assert_eq!(status, 403, "{path}: {text}");
    }
    assert_eq!(
        state(&app, &f).await,
        before,
        "nothing outside acme changed"
    );

    // Its own tenant: listed alone, readable, its secret revealed, and a new webhook is
    // created in acme.
    let (s, list) = acme.call(w::ListWebhooks::PATH, "").await;
    assert_eq!(s, 200, "{list}");
    assert!(list.contains(&own) && !list.contains(&f.wid), "{list}");
    let (s, _) = acme.call(d::RevealSecret::PATH, &format!("id={own}")).await;
    assert_eq!(s, 200);
    let create = mutating(&f)
        .into_iter()
        .find(|(p, b)| *p == w::SaveWebhook::PATH && b.contains("webhook[id]=&"))
        .unwrap();
    let (s, text) = acme.call(create.0, &create.1).await;
    assert_eq!(s, 200, "{text}");
    let (_, listed) = app.json(app.get("/webhooks?tenant=acme")).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(acme.page("/").await, 200);
}
