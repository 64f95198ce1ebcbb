//! Finding 10: sessions. The cookie is `Secure` over https (a trusted proxy's
//! `X-Forwarded-Proto`, or an https public URL); a password change renews the session id
//! and ends every other session (in the store, SQLite or PostgreSQL); a session ends 12 h
//! after sign-in however active; console pages are `no-store` with a nonce-based
//! Content-Security-Policy; and a new API key never sits in plaintext in a session row.
use std::sync::Arc;

use engine::clock::{Clock, ManualClock, SystemClock};
use engine::store::SessionPool;

use crate::common::{spawn_app, spawn_app_with_clock, ADMIN_PASSWORD};
use crate::console::{client, page_status, post, session_cookie, session_cookie_line, signed_in};

async fn cookie_line(extra: &[&str], forwarded_proto: Option<&str>) -> String {
    let app = spawn_app(extra).await;
    let mut req = post::<app::auth::Login>(
        &client(),
        &app.base,
        &[("username", "admin"), ("password", ADMIN_PASSWORD)],
    );
    if let Some(proto) = forwarded_proto {
        req = req.header("x-forwarded-proto", proto);
    }
    session_cookie_line(&req.send().await.unwrap()).expect("a session cookie")
}

#[tokio::test]
async fn session_cookies_are_secure_over_https() {
    let secure = |line: &str| line.split(';').any(|p| p.trim() == "Secure");
    assert!(secure(
        &cookie_line(&["--trust-proxy"], Some("https")).await
    ));
    assert!(!secure(
        &cookie_line(&["--trust-proxy"], Some("http")).await
    ));
    assert!(
        !secure(&cookie_line(&[], Some("https")).await),
        "X-Forwarded-Proto is believed only behind a trusted proxy"
    );
    let public = ["--public-url", "https://herald.example.com"];
    assert!(secure(&cookie_line(&public, None).await));
}

#[tokio::test]
async fn changing_the_password_renews_the_session_and_ends_the_others() {
    let app = spawn_app(&[]).await;
    let c = client();
    let mine = signed_in(&c, &app.base, ADMIN_PASSWORD).await;
    let other = signed_in(&c, &app.base, ADMIN_PASSWORD).await;
    assert_eq!(page_status(&c, &app.base, "/settings", &other).await, 200);

    let new = "a-brand-new-password";
    let res = post::<app::auth::ChangePassword>(
        &c,
        &app.base,
        &[
            ("current", ADMIN_PASSWORD),
            ("new_password", new),
            ("confirm", new),
        ],
    )
    .header("cookie", &mine)
    .send()
    .await
    .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let renewed = session_cookie(&res).expect("a renewed session id");
    assert_ne!(renewed, mine);
    assert_eq!(page_status(&c, &app.base, "/settings", &renewed).await, 200);
    assert_eq!(
        page_status(&c, &app.base, "/settings", &mine).await,
        303,
        "old id"
    );
    assert_eq!(
        page_status(&c, &app.base, "/settings", &other).await,
        303,
        "other session"
    );
    assert_eq!(
        session_rows(&app.engine).await.len(),
        1,
        "one session left in the store"
    );
}

#[tokio::test]
async fn a_session_ends_12_hours_after_sign_in() {
    let clock = ManualClock::new(SystemClock.now_ms());
    let app = spawn_app_with_clock(&[], Arc::new(clock.clone())).await;
    let c = client();
    let cookie = signed_in(&c, &app.base, ADMIN_PASSWORD).await;
    clock.advance(12 * 3_600_000 - 60_000);
    assert_eq!(page_status(&c, &app.base, "/settings", &cookie).await, 200);
    clock.advance(60_000);
    let list = post::<app::api::keys::ListApiKeys>(&c, &app.base, &[])
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 401, "server functions too");
    assert_eq!(page_status(&c, &app.base, "/settings", &cookie).await, 303);
}

#[tokio::test]
async fn console_pages_are_not_cached_and_allow_only_their_own_scripts() {
    let app = spawn_app(&[]).await;
    let c = client();
    let res = c.get(format!("{}/login", app.base)).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a nonce")
        .to_string();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let page = res.text().await.unwrap();
    let scripts = page.matches("<script").count();
    assert!(scripts >= 1, "the hydration script");
    assert_eq!(
        page.matches(&format!("nonce=\"{nonce}\"")).count(),
        page.matches(" nonce=\"").count(),
        "every nonce on the page is the header's"
    );
    assert!(page.contains(&format!("nonce=\"{nonce}\"")), "{page}");
    // Another page load, another nonce.
    let again = c.get(format!("{}/login", app.base)).send().await.unwrap();
    assert!(!again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(&nonce));
}

#[tokio::test]
async fn a_new_api_key_is_never_in_plaintext_in_a_session_row() {
    let app = spawn_app(&[]).await;
    let c = client();
    let cookie = signed_in(&c, &app.base, ADMIN_PASSWORD).await;
    let created =
        post::<app::api::keys::CreateApiKey>(&c, &app.base, &[("name", "ci"), ("scope", "manage")])
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    let rows = session_rows(&app.engine).await;
    let shown: serde_json::Value = post::<app::api::keys::ListApiKeys>(&c, &app.base, &[])
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = shown["new_key"]["key"]
        .as_str()
        .expect("the new key, shown once")
        .to_string();
    assert!(key.len() >= 20);
    for row in &rows {
        assert!(
            !row.windows(key.len()).any(|w| w == key.as_bytes()),
            "the key is in a session row in plaintext"
        );
    }
    let again: serde_json::Value = post::<app::api::keys::ListApiKeys>(&c, &app.base, &[])
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(again["new_key"].is_null(), "shown once");
}

/// Every session row's data, from whichever store the app runs on.
async fn session_rows(engine: &engine::Engine) -> Vec<Vec<u8>> {
    match engine.session_pool() {
        SessionPool::Sqlite(p) => sqlx::query_scalar("SELECT data FROM tower_sessions")
            .fetch_all(&p)
            .await
            .unwrap(),
        SessionPool::Postgres(p) => sqlx::query_scalar("SELECT data FROM tower_sessions.session")
            .fetch_all(&p)
            .await
            .unwrap(),
    }
}
