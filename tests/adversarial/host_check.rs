//! Finding 4: no Host check, so DNS rebinding reaches a console bound to 127.0.0.1. A
//! page of `rebind.attacker.example` (made to resolve to 127.0.0.1) is same-origin with
//! itself, so only the Host header tells the request is not for Herald: console pages and
//! server functions for a host Herald does not serve get 421. Also: the cross-site guard
//! covers the real server functions (Leptos routes each one on its own path).
use leptos::server_fn::ServerFn;

use crate::common::{spawn_app, ADMIN_PASSWORD, API_KEY};
use crate::console::client;

fn port(base: &str) -> &str {
    base.rsplit(':').next().unwrap()
}

#[tokio::test]
async fn a_rebound_host_name_gets_421_on_the_console() {
    let app = spawn_app(&["--allowed-hosts", "herald.internal"]).await;
    let c = client();
    let evil = format!("rebind.attacker.example:{}", port(&app.base));
    let page = c
        .get(format!("{}/login", app.base))
        .header("host", &evil)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 421, "a console page");
    let signin = c
        .post(format!("{}{}", app.base, app::auth::Login::PATH))
        .header("host", &evil)
        .header("origin", format!("http://{evil}"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signin.status(), 421, "a server function");
    assert!(crate::console::session_cookie(&signin).is_none());

    for host in [
        format!("127.0.0.1:{}", port(&app.base)),
        format!("localhost:{}", port(&app.base)),
        "herald.internal".to_string(),
    ] {
        let res = c
            .get(format!("{}/login", app.base))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{host} is served");
    }
    // The REST API takes bearer keys, which a browser never sends by itself: not checked.
    let api = c
        .get(format!("{}/api/v1/webhooks", app.base))
        .header("host", &evil)
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
}

#[tokio::test]
async fn the_cross_site_guard_covers_the_real_server_functions() {
    let app = spawn_app(&[]).await;
    let c = client();
    let url = format!("{}{}", app.base, app::auth::Login::PATH);
    let res = c
        .post(&url)
        .header("origin", "http://evil.example")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "a cross-site sign-in is refused");
    assert!(crate::console::session_cookie(&res).is_none());
    let res = c.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 405, "GET is never a server function call");
}
