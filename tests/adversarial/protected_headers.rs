//! Finding 6 — "Validate webhook" on a saved webhook filled in the stored protected header
//! values for whatever URL the form carried, so anyone with console access could send a
//! webhook's secret (an `Authorization` token) to their own server without ever seeing it.
//! Stored values are now filled in only while the URL keeps the saved origin (scheme, host,
//! port); for another origin the value must be typed again (a field-level error naming the
//! header), and nothing is sent.
use leptos::server_fn::ServerFn;
use serde_json::json;

use crate::common::{console_session, receiver, spawn_app, TestApp};

const SECRET: &str = "stored-protected-s3cret";

struct Console {
    client: reqwest::Client,
    cookie: String,
}

impl Console {
    async fn sign_in(app: &TestApp) -> Console {
        let (client, cookie) = console_session(app).await;
        Console { client, cookie }
    }

    /// Posts the "Validate webhook" form of a saved webhook with `url` and the protected
    /// header `X-Secret` left empty (keep the stored value); answers (status, body).
    async fn validate(&self, app: &TestApp, webhook_id: &str, url: &str) -> (u16, String) {
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let body = format!(
            "webhook[id]={}&webhook[url]={}&webhook[headers][0][key]=X-Secret\
             &webhook[headers][0][value]=&webhook[headers][0][protected]=on",
            enc(webhook_id),
            enc(url)
        );
        let res = self
            .client
            .post(format!(
                "{}{}",
                app.base,
                app::api::webhooks::ValidateWebhook::PATH
            ))
            .header("origin", &app.base)
            .header("cookie", &self.cookie)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

#[tokio::test]
async fn protected_header_values_stay_with_the_saved_origin() {
    let app = spawn_app(&[]).await;
    let saved = receiver(200).await;
    let elsewhere = receiver(200).await;
    let hook = app
        .webhook(
            &saved.url,
            json!({"headers": [{"key": "X-Secret", "value": SECRET, "protected": true}]}),
        )
        .await;
    let id = hook["id"].as_str().unwrap();
    let console = Console::sign_in(&app).await;

    // Another origin (same host, another port): asked again, nothing sent.
    let (status, body) = console.validate(&app, id, &elsewhere.url).await;
    assert!(status >= 400, "{status} {body}");
    assert!(
        body.contains("X-Secret") && body.contains("again"),
        "the error names the header: {body}"
    );
    assert!(!body.contains(SECRET), "{body}");
    assert!(
        elsewhere.received().is_empty(),
        "nothing reached the other origin"
    );

    // The saved origin: the stored value is filled in, and shown masked.
    let (status, body) = console.validate(&app, id, &saved.url).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains(SECRET), "the answer masks it: {body}");
    let got = saved.wait_for(1).await;
    assert_eq!(got[0].header("x-secret"), SECRET);
    assert!(elsewhere.received().is_empty());
}
