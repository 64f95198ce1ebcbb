//! The console's HTTP guards: server functions take POST only and refuse cross-site
//! requests; pages need a session; responses carry anti-framing headers.
mod common;

use common::*;
use leptos::server_fn::ServerFn;

#[tokio::test]
async fn server_functions_refuse_get_and_cross_site_posts() {
    let app = spawn_app(&[]).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("{}/console-api/anything", app.base);
    let host = app.base.trim_start_matches("http://").to_string();

    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 405, "GET is never a server function call");

    let cross = [
        vec![("origin", "http://evil.example".to_string())],
        vec![("sec-fetch-site", "cross-site".to_string())],
        vec![
            ("sec-fetch-site", "same-site".to_string()),
            ("origin", format!("http://{host}")),
        ],
        vec![("origin", "null".to_string())],
    ];
    for headers in cross {
        let mut req = client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("a=b");
        for (k, v) in &headers {
            req = req.header(*k, v);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403, "{headers:?}");
    }

    // A same-origin POST gets past the guard (to the server function router: not 403/405).
    let res = client
        .post(&url)
        .header("origin", format!("http://{host}"))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await
        .unwrap();
    assert!(
        res.status() != 403 && res.status() != 405,
        "{}",
        res.status()
    );
}

#[tokio::test]
async fn pages_need_a_session_and_cannot_be_framed() {
    let app = spawn_app(&[]).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/", "/settings", "/webhooks/wh_x", "/deliveries/dlv_x"] {
        let res = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{path}: {}", res.status());
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login"),
            "{path}"
        );
    }
    let res = client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}

/// How a server-function call reaches Herald.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    /// Same-origin headers but no session cookie.
    NoSession,
    /// A valid session cookie, sent by another site's page.
    CrossSite,
    /// A valid session, same origin: the control that must work.
    SignedIn,
}

#[tokio::test]
async fn mutating_server_functions_refuse_sessionless_and_cross_site_posts() {
    let app = spawn_app(&[]).await;
    let rx = receiver(200).await;
    let hook = app.webhook(&rx.url, serde_json::json!({})).await;
    let wid = hook["id"].as_str().unwrap().to_string();
    let secret = hook["secret"].as_str().unwrap().to_string();
    let (client, cookie) = console_session(&app).await;
    let call = |path: &'static str, body: String, caller: Caller| {
        let mut req = client
            .post(format!("{}{path}", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        req = match caller {
            Caller::CrossSite => req
                .header("origin", "http://evil.example")
                .header("sec-fetch-site", "cross-site")
                .header("cookie", &cookie),
            Caller::NoSession => req
                .header("origin", &app.base)
                .header("sec-fetch-site", "same-origin"),
            Caller::SignedIn => req
                .header("origin", &app.base)
                .header("sec-fetch-site", "same-origin")
                .header("cookie", &cookie),
        };
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let id = format!("id={wid}");
    let save = format!(
        "webhook[id]={wid}&webhook[name]=hijacked&webhook[url]={}&webhook[event_types][]=*\
         &webhook[active]=on&webhook[format]=envelope&webhook[max_retries]=3\
         &webhook[backoff]=exponential&webhook[initial_delay_ms]=5000\
         &webhook[max_delay_ms]=60000&webhook[timeout_ms]=10000\
         &webhook[batch_max_events]=1&webhook[batch_max_wait_ms]=0",
        rx.url
    );
    let calls: Vec<(&str, &'static str, String)> = vec![
        (
            "reveal",
            app::api::deliveries::RevealSecret::PATH,
            id.clone(),
        ),
        (
            "rotate",
            app::api::deliveries::RotateSecret::PATH,
            id.clone(),
        ),
        ("save", app::api::webhooks::SaveWebhook::PATH, save),
        (
            "set active",
            app::api::webhooks::SetActive::PATH,
            format!("{id}&active=false"),
        ),
        (
            "create key",
            app::api::keys::CreateApiKey::PATH,
            "name=minted&scope=manage".into(),
        ),
        (
            "delete",
            app::api::webhooks::DeleteWebhook::PATH,
            id.clone(),
        ),
    ];
    // What each call would change, read over the REST API.
    let state = || async {
        let (_, w) = app.json(app.get(&format!("/webhooks/{wid}"))).await;
        let (_, s) = app.json(app.get(&format!("/webhooks/{wid}/secret"))).await;
        let (_, k) = app.json(app.get("/api-keys")).await;
        (
            w["name"].clone(),
            w["active"].clone(),
            s["secret"].clone(),
            k["data"].as_array().map(Vec::len),
        )
    };
    let before = state().await;
    assert_eq!(before.2, secret.as_str());

    for caller in [Caller::NoSession, Caller::CrossSite] {
        for (what, path, body) in &calls {
            let (status, text) = call(path, body.clone(), caller).await;
            assert!(
                !(200..400).contains(&status),
                "{what} as {caller:?} answered {status}: {text}"
            );
            if caller == Caller::CrossSite {
                assert_eq!(status, 403, "{what}: {text}");
            }
            assert!(
                !text.contains(&secret),
                "{what} as {caller:?} revealed the secret"
            );
            assert_eq!(
                state().await,
                before,
                "{what} as {caller:?} changed something"
            );
        }
    }

    // The control: the same calls signed in do what they say, so the refusals above were
    // not malformed requests.
    let (status, text) = call(calls[0].1, calls[0].2.clone(), Caller::SignedIn).await;
    assert!(
        status == 200 && text.contains(&secret),
        "reveal: {status} {text}"
    );
    for (what, path, body) in &calls[1..5] {
        let (status, text) = call(path, body.clone(), Caller::SignedIn).await;
        assert!((200..400).contains(&status), "{what}: {status} {text}");
    }
    let after = state().await;
    assert_eq!(after.0, "hijacked", "save");
    assert_eq!(after.1, false, "set active");
    assert_ne!(after.2, before.2, "rotate");
    assert_eq!(after.3, before.3.map(|n| n + 1), "create key");
    let (status, text) = call(calls[5].1, calls[5].2.clone(), Caller::SignedIn).await;
    assert!((200..400).contains(&status), "delete: {status} {text}");
    let res = app.get(&format!("/webhooks/{wid}")).send().await.unwrap();
    assert_eq!(res.status(), 404, "delete");
}
