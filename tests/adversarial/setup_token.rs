//! Finding 3: the printed setup password stayed the admin password forever. It is now a
//! one-time setup token: it signs in once, only to a "choose your password" step (no
//! page, no server function but that one), is refused after use, and after an hour.
use std::sync::Arc;

use engine::clock::{Clock, ManualClock, SystemClock};

use crate::common::spawn_app_with_clock;
use crate::console::{client, login, page_status, post, session_cookie};

const TOKEN: &str = "one-time-setup-token-0123";
const CHOSEN: &str = "my-chosen-password";

#[tokio::test]
async fn the_setup_token_works_once_and_forces_a_new_password() {
    let clock = ManualClock::new(SystemClock.now_ms());
    let app = spawn_app_with_clock(&[], Arc::new(clock.clone())).await;
    app.engine.set_setup_token(TOKEN).await.unwrap();
    assert!(!app.engine.has_admin().await.unwrap());
    let c = client();

    let res = login(&c, &app.base, "admin", TOKEN).await;
    assert!(res.status().is_success(), "{}", res.status());
    let setup = session_cookie(&res).expect("a session for the setup step");
    // Not signed in: pages send back to /login, which asks for a password (no JS needed).
    assert_eq!(page_status(&c, &app.base, "/settings", &setup).await, 303);
    let page = c
        .get(format!("{}/login", app.base))
        .header("cookie", &setup)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Choose your password"), "{page}");
    let keys =
        post::<app::api::keys::CreateApiKey>(&c, &app.base, &[("name", "x"), ("scope", "manage")])
            .header("cookie", &setup)
            .send()
            .await
            .unwrap();
    assert_eq!(keys.status(), 401, "the setup session can do nothing else");

    // Used: refused from now on, even before a password is chosen.
    assert_eq!(login(&c, &app.base, "admin", TOKEN).await.status(), 401);

    let chosen = post::<app::auth::ChoosePassword>(
        &c,
        &app.base,
        &[("new_password", CHOSEN), ("confirm", CHOSEN)],
    )
    .header("cookie", &setup)
    .send()
    .await
    .unwrap();
    assert!(chosen.status().is_success(), "{}", chosen.status());
    let signed_in = session_cookie(&chosen).expect("a fresh session id");
    assert_ne!(signed_in, setup);
    assert_eq!(
        page_status(&c, &app.base, "/settings", &signed_in).await,
        200
    );
    assert!(app.engine.has_admin().await.unwrap());

    assert_eq!(login(&c, &app.base, "admin", TOKEN).await.status(), 401);
    assert!(login(&c, &app.base, "admin", CHOSEN)
        .await
        .status()
        .is_success());
}

#[tokio::test]
async fn the_setup_token_expires_after_an_hour() {
    let clock = ManualClock::new(SystemClock.now_ms());
    let app = spawn_app_with_clock(&[], Arc::new(clock.clone())).await;
    app.engine.set_setup_token(TOKEN).await.unwrap();
    clock.advance(3_600_000);
    let res = login(&client(), &app.base, "admin", TOKEN).await;
    assert_eq!(res.status(), 401, "expired");
    assert!(session_cookie(&res).is_none());
}
