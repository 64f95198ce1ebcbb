//! The console's HTTP guards: server functions take POST only and refuse cross-site
//! requests; pages need a session; responses carry anti-framing headers.
mod common;

use common::*;

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
