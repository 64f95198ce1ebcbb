//! Console sessions live in the store's database (SQLite, or PostgreSQL when
//! `HERALD_TEST_POSTGRES_URL` is set): signing in through the real server function gives
//! a cookie that opens pages (the only session store is the database's), and signing out
//! deletes it.
mod common;

use common::*;
use leptos::server_fn::ServerFn;

#[tokio::test]
async fn a_console_session_is_kept_in_the_database() {
    let app = spawn_app(&[]).await;
    app.engine
        .set_admin_password("session-test-password")
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |path: &str, body: String| {
        client
            .post(format!("{}{path}", app.base))
            .header("origin", &app.base)
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let bad = post(
        app::auth::Login::PATH,
        "username=admin&password=wrong".into(),
    )
    .send()
    .await
    .unwrap();
    assert!(
        bad.headers().get("set-cookie").is_none(),
        "no session for a bad password"
    );

    let res = post(
        app::auth::Login::PATH,
        "username=admin&password=session-test-password".into(),
    )
    .send()
    .await
    .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    let cookie = session_cookie(&res).expect("a session cookie");
    let page = |cookie: String| {
        client
            .get(format!("{}/settings", app.base))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        page(cookie.clone()).await.unwrap().status(),
        200,
        "signed in"
    );

    let out = post(app::auth::Logout::PATH, String::new())
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(
        out.status().is_success() || out.status().is_redirection(),
        "{}",
        out.status()
    );
    assert!(
        page(cookie).await.unwrap().status().is_redirection(),
        "the session is gone from the store"
    );
}
