//! Console users with roles (docs/roles.md) through the engine, on whichever backend the
//! harness picks (SQLite, or PostgreSQL when `HERALD_TEST_POSTGRES_URL` is set): the
//! lifecycle from setup token to removal, names, the last admin, and credential versions
//! that end sessions.
mod common;

use common::*;
use domain::Role;
use engine::usecases::sign_in::{LoginAttempt, LoginOutcome};
use engine::{Engine, EngineError};

async fn sign_in(e: &Engine, username: &str, password: &str) -> LoginOutcome {
    e.sign_in(LoginAttempt {
        username,
        password,
        client: None,
    })
    .await
    .expect("not throttled")
}

fn field_error(e: EngineError) -> String {
    match e {
        EngineError::Invalid(f) => format!("{f:?}"),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_user_goes_from_setup_token_to_removal() {
    let h = Harness::new().await;
    let e = &h.engine;
    e.set_admin_password("admin-password").await.unwrap();
    let admin = e.user_access("admin").await.unwrap().unwrap();
    assert_eq!(admin.role, Role::Admin, "the existing account is the admin");

    let setup = e.create_user("alice", Role::Viewer).await.unwrap();
    assert_eq!(setup.user.role, Role::Viewer);
    assert!(setup.user.setup_pending);
    let listed = e.list_users().await.unwrap();
    let names: Vec<_> = listed.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["admin", "alice"]);
    assert!(!serde_json::to_string(&listed).unwrap().contains("argon2"));

    assert_eq!(
        sign_in(e, "alice", "wrong-token").await,
        LoginOutcome::Refused
    );
    assert_eq!(
        sign_in(e, "alice", &setup.setup_token).await,
        LoginOutcome::ChoosePassword
    );
    assert_eq!(
        sign_in(e, "alice", &setup.setup_token).await,
        LoginOutcome::Refused,
        "the setup token works once"
    );
    let before = e.user_access("alice").await.unwrap().unwrap();
    let version = e
        .set_user_password("alice", "alice-password")
        .await
        .unwrap();
    assert!(version > before.credential_version);
    assert!(!e.user("alice").await.unwrap().setup_pending);
    assert_eq!(
        sign_in(e, "alice", "alice-password").await,
        LoginOutcome::SignedIn
    );

    let edited = e.set_user_role("alice", Role::Editor).await.unwrap();
    assert_eq!(edited.role, Role::Editor);
    assert_eq!(
        e.user_access("alice")
            .await
            .unwrap()
            .unwrap()
            .credential_version,
        version,
        "a role change keeps the sessions (the role is read at every request)"
    );

    let reset = e.reset_user("alice").await.unwrap();
    assert_ne!(reset.setup_token, setup.setup_token);
    assert!(reset.user.setup_pending);
    let after_reset = e.user_access("alice").await.unwrap().unwrap();
    assert!(
        after_reset.credential_version > version,
        "a reset ends the sessions"
    );
    assert_eq!(
        sign_in(e, "alice", "alice-password").await,
        LoginOutcome::Refused
    );
    assert_eq!(
        sign_in(e, "alice", &reset.setup_token).await,
        LoginOutcome::ChoosePassword
    );

    e.remove_user("alice").await.unwrap();
    assert_eq!(e.user_access("alice").await.unwrap(), None);
    assert!(matches!(
        e.remove_user("alice").await,
        Err(EngineError::NotFound("user"))
    ));
    assert!(matches!(
        e.reset_user("alice").await,
        Err(EngineError::NotFound("user"))
    ));
    assert!(matches!(
        e.set_user_password("alice", "another-password").await,
        Err(EngineError::NotFound("user"))
    ));
}

#[tokio::test]
async fn names_are_checked_and_unique() {
    let h = Harness::new().await;
    let e = &h.engine;
    for bad in ["", "Alice", "a b", &"x".repeat(65)] {
        let err = e.create_user(bad, Role::Viewer).await.unwrap_err();
        assert!(field_error(err).contains("name"), "{bad:?}");
    }
    e.create_user("bob", Role::Editor).await.unwrap();
    let err = e.create_user("bob", Role::Viewer).await.unwrap_err();
    assert!(field_error(err).contains("exists"));
    assert_eq!(e.user("bob").await.unwrap().role, Role::Editor, "unchanged");
    assert_eq!(e.list_users().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_last_admin_is_never_demoted_or_removed() {
    let h = Harness::new().await;
    let e = &h.engine;
    e.set_admin_password("admin-password").await.unwrap();
    let err = e.set_user_role("admin", Role::Editor).await.unwrap_err();
    assert!(field_error(err).contains("last admin"));
    let err = e.remove_user("admin").await.unwrap_err();
    assert!(field_error(err).contains("last admin"));
    assert_eq!(e.user("admin").await.unwrap().role, Role::Admin);

    e.create_user("carol", Role::Admin).await.unwrap();
    e.set_user_role("admin", Role::Viewer).await.unwrap();
    assert!(e.set_user_role("carol", Role::Viewer).await.is_err());
    e.set_user_role("admin", Role::Admin).await.unwrap();
    e.remove_user("carol").await.unwrap();
}

#[tokio::test]
async fn two_admins_demoted_at_once_leave_one() {
    let h = Harness::new().await;
    let e = &h.engine;
    e.set_admin_password("admin-password").await.unwrap();
    e.create_user("dave", Role::Admin).await.unwrap();
    let (a, b) = tokio::join!(
        e.set_user_role("admin", Role::Viewer),
        e.set_user_role("dave", Role::Viewer)
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    let admins = e
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == Role::Admin)
        .count();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn has_admin_needs_an_admin_with_a_password() {
    let h = Harness::new().await;
    let e = &h.engine;
    assert!(!e.has_admin().await.unwrap());
    e.create_user("erin", Role::Admin).await.unwrap();
    assert!(!e.has_admin().await.unwrap(), "still in setup");
    e.set_user_password("erin", "erin-password").await.unwrap();
    assert!(e.has_admin().await.unwrap());
}
