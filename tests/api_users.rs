//! Console users over the REST API (docs/api.md#users, docs/roles.md): admin keys only;
//! the setup token is in the create and reset answers only; field-level 422s for bad
//! names, roles, a taken name and the last admin; removal and reset end the user's
//! ability to sign in with what they had.
mod common;

use common::*;
use engine::usecases::sign_in::{LoginAttempt, LoginOutcome};
use serde_json::{json, Value};

async fn sign_in(app: &TestApp, username: &str, password: &str) -> LoginOutcome {
    app.engine
        .sign_in(LoginAttempt {
            username,
            password,
            client: None,
        })
        .await
        .unwrap()
}

/// The fields a problem's `errors` names (`{field: [messages]}`).
fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn users_are_created_listed_changed_reset_and_removed() {
    let app = spawn_app(&[]).await;
    let (s, created) = app
        .json(
            app.post("/users")
                .json(&json!({"name": "alice", "role": "viewer"})),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["user"]["name"], "alice");
    assert_eq!(created["user"]["role"], "viewer");
    assert_eq!(created["user"]["setup_pending"], true);
    let token = created["setup_token"].as_str().unwrap().to_string();
    assert!(token.len() >= 32);
    assert!(created["expires_at"].is_string());

    let (s, list) = app.json(app.get("/users")).await;
    assert_eq!(s, 200);
    let text = list.to_string();
    assert!(!text.contains(&token) && !text.contains("argon2"), "{text}");
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "alice"]);
    assert_eq!(list["data"][0]["role"], "admin");

    assert_eq!(
        sign_in(&app, "alice", &token).await,
        LoginOutcome::ChoosePassword
    );

    let (s, changed) = app
        .json(app.patch("/users/alice").json(&json!({"role": "editor"})))
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["role"], "editor");

    let (s, reset) = app.json(app.post("/users/alice/reset")).await;
    assert_eq!(s, 200, "{reset}");
    let new_token = reset["setup_token"].as_str().unwrap();
    assert_ne!(new_token, token);
    assert_eq!(reset["user"]["setup_pending"], true);
    assert_eq!(
        sign_in(&app, "alice", new_token).await,
        LoginOutcome::ChoosePassword
    );

    let res = app.delete("/users/alice").send().await.unwrap();
    assert_eq!(res.status(), 204);
    let (s, gone) = app.json(app.delete("/users/alice")).await;
    assert_eq!(s, 404, "{gone}");
    let (s, _) = app.json(app.post("/users/alice/reset")).await;
    assert_eq!(s, 404);
    let (s, _) = app
        .json(app.patch("/users/alice").json(&json!({"role": "viewer"})))
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn bad_input_and_the_last_admin_get_field_errors_and_change_nothing() {
    let app = spawn_app(&[]).await;
    let (_, before) = app.json(app.get("/users")).await;
    let bad = [
        (json!({"name": "Alice", "role": "viewer"}), "name"),
        (json!({"name": "", "role": "viewer"}), "name"),
        (json!({"name": "x".repeat(65), "role": "viewer"}), "name"),
        (json!({"name": "bob", "role": "owner"}), "role"),
        (json!({"name": "admin", "role": "viewer"}), "name"),
    ];
    for (body, field) in bad {
        let res = app.post("/users").json(&body).send().await.unwrap();
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert!(
            error_fields(&problem).iter().any(|f| f == field),
            "{body}: {problem}"
        );
    }
    let (s, problem) = app
        .json(app.patch("/users/admin").json(&json!({"role": "viewer"})))
        .await;
    assert_eq!(s, 422, "{problem}");
    assert_eq!(error_fields(&problem), ["role"]);
    assert!(problem.to_string().contains("last admin"), "{problem}");
    let (s, problem) = app.json(app.delete("/users/admin")).await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem.to_string().contains("last admin"), "{problem}");
    let (_, after) = app.json(app.get("/users")).await;
    assert_eq!(before, after);
    assert_eq!(
        sign_in(&app, "admin", ADMIN_PASSWORD).await,
        LoginOutcome::SignedIn
    );
}

#[tokio::test]
async fn only_admin_keys_manage_users() {
    let app = spawn_app(&[]).await;
    let (_, key) = app
        .json(
            app.post("/api-keys")
                .json(&json!({"name": "m", "scope": "manage"})),
        )
        .await;
    let manage = key["secret"].as_str().unwrap();
    let res = app
        .client
        .post(app.url("/users"))
        .bearer_auth(manage)
        .json(&json!({"name": "eve", "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, list) = app.json(app.get("/users")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "nobody created");
}
