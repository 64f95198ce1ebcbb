//! Finding 2 — templates could multiply memory: a 4,096-character template of repeated
//! `{{data}}` on a 900 KB event rendered about 460 MB per attempt (twice that for Slack,
//! which escapes a copy). A webhook's template is now measured against its format's output
//! limit before anything is rendered into memory; over it, the attempt fails at once with
//! `body_too_large` and a message saying so, and nothing is sent. Run against the real
//! binary, so the server's own peak RSS (`VmHWM`) is what is measured.
use std::process::Stdio;

use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::common::{eventually, receiver};

const KEY: &str = "template-memory-key-0123456789";

/// A `VmHWM` / `VmRSS` line of /proc/<pid>/status, in kB.
fn proc_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in {status}"))
}

async fn start(dir: &std::path::Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("serve")
        .env("HERALD_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "HERALD_DATABASE_URL",
            format!("sqlite://{}/herald.db", dir.display()),
        )
        .env("HERALD_BOOTSTRAP_API_KEY", KEY)
        .env("HERALD_ADMIN_PASSWORD", "template-memory-password")
        .env("HERALD_ALLOWED_TARGETS", "127.0.0.0/8")
        .env("HERALD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("herald starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let url = format!("{base}/healthz");
    eventually("herald to answer", || async {
        client
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    (child, base)
}

#[tokio::test]
async fn template_memory_is_bounded_by_the_format_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base) = start(dir.path()).await;
    let pid = child.id().unwrap();
    let rx = receiver(200).await;
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{base}/api/v1{path}");
    let template = "{{data}}".repeat(4096 / 8);
    assert_eq!(template.len(), 4096);
    let res = client
        .post(api("/webhooks"))
        .bearer_auth(KEY)
        .json(&json!({"name": "multiplied", "url": rx.url, "event_types": ["*"],
            "format": "slack", "templates": {"run.completed": template},
            "retry": {"max_retries": 0, "backoff": "fixed", "initial_delay_ms": 100, "max_delay_ms": 100}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let hook: Value = res.json().await.unwrap();
    let hid = hook["id"].as_str().unwrap().to_string();

    let peak_before = proc_kb(pid, "VmHWM:");
    let event = json!({"type": "run.completed", "data": {"blob": "x".repeat(900 * 1024)}});
    let res = client
        .post(api("/events"))
        .bearer_auth(KEY)
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());

    let get = |path: String| {
        let req = client.get(api(&path)).bearer_auth(KEY);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let log_path = format!("/webhooks/{hid}/deliveries");
    eventually("the delivery to finish", || async {
        let log = get(log_path.clone()).await;
        matches!(
            log["data"][0]["status"].as_str(),
            Some("failed" | "succeeded")
        )
    })
    .await;
    let peak_after = proc_kb(pid, "VmHWM:");
    let grown_mb = (peak_after.saturating_sub(peak_before)) / 1024;
    assert!(
        grown_mb < 64,
        "peak RSS grew by {grown_mb} MB ({peak_before} kB → {peak_after} kB)"
    );

    let log = get(log_path).await;
    let did = log["data"][0]["id"].as_str().unwrap();
    let detail = get(format!("/deliveries/{did}")).await;
    let attempt = &detail["attempts"][0];
    assert_eq!(attempt["error_kind"], "body_too_large", "{detail}");
    let message = attempt["error_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("template") && message.contains("slack format's limit"),
        "a clear message: {message}"
    );
    assert!(rx.received().is_empty(), "nothing was sent");
    drop(child);
}
