//! Canary: with the most verbose logging, neither a protected header value nor a signing
//! secret appears in Herald's logs while they are created, read, used for deliveries,
//! tests and validation, and rotated.
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::AsyncReadExt;
use tokio::process::Command;

const KEY: &str = "canary-key-0123456789abcdef";
const PROTECTED: &str = "canary-protected-value-7Q2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_logs() {
    let rx = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook?token=abc", rx.local_addr().unwrap());
    let (tx_seen, mut seen) = tokio::sync::mpsc::unbounded_channel::<()>();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let tx = tx_seen.clone();
            async move {
                let _ = tx.send(());
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(rx, receiver).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .env("HERALD_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "HERALD_DATABASE_URL",
            format!("sqlite://{}/herald.db", dir.path().display()),
        )
        .env("HERALD_BOOTSTRAP_API_KEY", KEY)
        .env("HERALD_ADMIN_PASSWORD", "canary-admin-password")
        .env("HERALD_ALLOWED_TARGETS", "127.0.0.0/8")
        .env("HERALD_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let logs = tokio::spawn(async move {
        let (mut a, mut b) = (String::new(), String::new());
        let _ = tokio::join!(out.read_to_string(&mut a), err.read_to_string(&mut b));
        a + &b
    });

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "herald did not start"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let headers = json!([{"key": "Authorization", "value": PROTECTED, "protected": true}]);
    let hook: Value = client
        .post(format!("{base}/webhooks"))
        .bearer_auth(KEY)
        .json(&json!({"name": "canary", "url": hook_url, "headers": headers}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = hook["id"].as_str().unwrap();
    let mut secrets = vec![hook["secret"].as_str().unwrap().to_string()];
    let read: Value = client
        .get(format!("{base}/webhooks/{id}/secret"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["secret"].as_str().unwrap(), secrets[0]);
    client
        .post(format!("{base}/events"))
        .bearer_auth(KEY)
        .json(&json!({"type": "run.completed", "data": {}}))
        .send()
        .await
        .unwrap();
    seen.recv().await.unwrap();
    client
        .post(format!("{base}/webhooks/{id}/test"))
        .bearer_auth(KEY)
        .json(&json!({"event_type": "alert.triggered"}))
        .send()
        .await
        .unwrap();
    seen.recv().await.unwrap();
    client
        .post(format!("{base}/webhooks/validate"))
        .bearer_auth(KEY)
        .json(&json!({"url": hook_url, "headers": headers}))
        .send()
        .await
        .unwrap();
    seen.recv().await.unwrap();
    let rotated: Value = client
        .post(format!("{base}/webhooks/{id}/rotate-secret"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    secrets.push(rotated["secret"].as_str().unwrap().to_string());
    client
        .post(format!("{base}/events"))
        .bearer_auth(KEY)
        .json(&json!({"type": "run.completed", "data": {}}))
        .send()
        .await
        .unwrap();
    seen.recv().await.unwrap();

    // SIGTERM: a clean shutdown flushes the logs.
    let pid = child.id().unwrap() as i32;
    terminate(pid);
    let _ = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
    let logs = logs.await.unwrap();
    assert!(
        logs.contains("Herald listening"),
        "the logs were captured: {}",
        &logs[..logs.len().min(500)]
    );
    assert!(
        logs.len() > 2_000,
        "trace logging is verbose: only {} bytes",
        logs.len()
    );
    assert!(
        !logs.contains(PROTECTED),
        "a protected header value reached the logs"
    );
    assert!(!logs.contains("canary-admin-password"));
    assert!(!logs.contains(KEY), "the API key reached the logs");
    for s in &secrets {
        let b64 = s.trim_start_matches("whsec_");
        assert!(!logs.contains(b64), "a signing secret reached the logs");
    }
}

fn terminate(pid: i32) {
    std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
}
