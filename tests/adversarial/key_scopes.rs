//! Finding 5 — any API key could create and revoke API keys (a leaked key could mint
//! successors). Keys now carry a scope (`ingest` < `manage` < `admin`); every route
//! requires one, answers 403 problem+json to a narrower key, and says so in OpenAPI.
use serde_json::{json, Value};

use crate::common::{on_postgres, spawn_app, TestApp};

/// Every route of `/api/v1` with the scope it requires. Bodies are `{}` and ids do not
/// exist, so an allowed call fails later (404/422) and changes nothing.
const ROUTES: &[(&str, &str, &str)] = &[
    ("post", "/events", "ingest"),
    ("get", "/events/{id}", "manage"),
    ("get", "/webhooks", "manage"),
    ("post", "/webhooks", "manage"),
    ("get", "/webhooks/{id}", "manage"),
    ("patch", "/webhooks/{id}", "manage"),
    ("delete", "/webhooks/{id}", "manage"),
    ("post", "/webhooks/{id}/test", "manage"),
    ("post", "/webhooks/validate", "manage"),
    ("post", "/webhooks/condition-check", "manage"),
    ("get", "/webhooks/{id}/secret", "manage"),
    ("post", "/webhooks/{id}/rotate-secret", "manage"),
    ("get", "/webhooks/{id}/deliveries", "manage"),
    ("post", "/webhooks/{id}/retry-failed", "manage"),
    ("get", "/deliveries/{id}", "manage"),
    ("post", "/deliveries/{id}/resend", "manage"),
    ("get", "/event-types", "manage"),
    ("post", "/event-types", "manage"),
    ("get", "/api-keys", "admin"),
    ("post", "/api-keys", "admin"),
    ("delete", "/api-keys/{id}", "admin"),
    ("get", "/tenants", "manage"),
    ("post", "/tenants", "manage"),
    ("get", "/tenants/{id}", "manage"),
    ("patch", "/tenants/{id}", "manage"),
    ("delete", "/tenants/{id}", "manage"),
    ("post", "/tenants/{id}/portal-links", "manage"),
    ("get", "/users", "admin"),
    ("post", "/users", "admin"),
    ("patch", "/users/{name}", "admin"),
    ("post", "/users/{name}/reset", "admin"),
    ("delete", "/users/{name}", "admin"),
];

const SCOPES: [&str; 3] = ["ingest", "manage", "admin"];

fn rank(scope: &str) -> usize {
    SCOPES.iter().position(|s| *s == scope).unwrap()
}

async fn key(app: &TestApp, scope: &str) -> String {
    let (s, k) = app
        .json(
            app.post("/api-keys")
                .json(&json!({"name": format!("{scope} key"), "scope": scope})),
        )
        .await;
    assert_eq!(s, 201, "{k}");
    assert_eq!(k["scope"], scope);
    k["secret"].as_str().unwrap().to_string()
}

async fn call(app: &TestApp, key: &str, method: &str, path: &str) -> (u16, String, Value) {
    let url = app.url(&path.replace("{id}", "nope_0").replace("{name}", "nope_0"));
    let req = match method {
        "get" => app.client.get(url),
        "post" => app.client.post(url).json(&json!({})),
        "patch" => app.client.patch(url).json(&json!({})),
        "delete" => app.client.delete(url),
        other => panic!("{other}"),
    };
    let res = req.bearer_auth(key).send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, ct, body)
}

#[tokio::test]
async fn key_scopes_are_enforced_on_every_route() {
    let app = spawn_app(&[]).await;
    let keys = [
        key(&app, "ingest").await,
        key(&app, "manage").await,
        key(&app, "admin").await,
    ];
    for (method, path, required) in ROUTES {
        for (held, key) in SCOPES.iter().zip(&keys) {
            let (status, ct, body) = call(&app, key, method, path).await;
            let what = format!("{method} {path} with a {held} key: {status} {body}");
            if rank(held) >= rank(required) {
                assert!(![401, 403].contains(&status), "allowed: {what}");
            } else {
                assert_eq!(status, 403, "refused: {what}");
                assert_eq!(ct, "application/problem+json", "{what}");
                let detail = body["detail"].as_str().unwrap();
                assert!(detail.contains(required) && detail.contains(held), "{what}");
            }
        }
    }
    // The bootstrap key is the operator's: admin.
    let (s, list) = app.json(app.get("/api-keys")).await;
    assert_eq!(s, 200);
    let scopes: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes.len(), 4);
    assert_eq!(scopes.iter().filter(|s| **s == "admin").count(), 2);
}

#[tokio::test]
async fn a_leaked_manage_key_cannot_mint_or_revoke_keys() {
    let app = spawn_app(&[]).await;
    let manage = key(&app, "manage").await;
    let minted = app
        .client
        .post(app.url("/api-keys"))
        .bearer_auth(&manage)
        .json(&json!({"name": "successor", "scope": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(minted.status(), 403);
    let (_, list) = app.json(app.get("/api-keys")).await;
    let id = list["data"][0]["id"].as_str().unwrap().to_string();
    let revoked = app
        .client
        .delete(app.url(&format!("/api-keys/{id}")))
        .bearer_auth(&manage)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 403);
    let (_, after) = app.json(app.get("/api-keys")).await;
    assert_eq!(
        after["data"].as_array().unwrap().len(),
        2,
        "nothing changed"
    );
    // Without a scope a new key is `manage`; an unknown scope is a field-level 422.
    let (s, k) = app
        .json(app.post("/api-keys").json(&json!({"name": "default"})))
        .await;
    assert_eq!((s, k["scope"].as_str()), (201, Some("manage")));
    let (s, e) = app
        .json(
            app.post("/api-keys")
                .json(&json!({"name": "bad", "scope": "root"})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(e["errors"].get("scope").is_some(), "{e}");
}

#[tokio::test]
async fn key_scopes_are_documented_in_openapi() {
    let app = spawn_app(&[]).await;
    let spec: Value = app.json(app.get("/openapi.json")).await.1;
    let mut documented = vec![];
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scope = op["security"][0]["api_key"][0]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} names its scope"));
            assert!(
                op["responses"].get("403").is_some(),
                "{method} {path} documents 403"
            );
            documented.push((method.clone(), path.clone(), scope.to_string()));
        }
    }
    let mut table: Vec<_> = ROUTES
        .iter()
        .map(|(m, p, s)| (m.to_string(), p.to_string(), s.to_string()))
        .collect();
    documented.sort();
    table.sort();
    assert_eq!(documented, table, "OpenAPI and the enforced table agree");
}

#[tokio::test]
async fn key_scopes_from_the_command_line() {
    if on_postgres() {
        return; // the key file the binary needs sits beside a SQLite database
    }
    let app = spawn_app(&[]).await;
    let db = format!("sqlite://{}", app.dir.path().join("herald.db").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["--database-url", &db, "--log", "warn"])
        .args([
            "api-key", "create", "--name", "platform", "--scope", "ingest",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let post = |path: &str| app.client.post(app.url(path)).bearer_auth(&key);
    let ingest = post("/events")
        .json(&json!({"type": "run.completed", "data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(ingest.status(), 202);
    let read = app.client.get(app.url("/webhooks")).bearer_auth(&key);
    assert_eq!(read.send().await.unwrap().status(), 403);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["--database-url", &db])
        .args(["api-key", "create", "--name", "x", "--scope", "root"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ingest, manage or admin"));
}
