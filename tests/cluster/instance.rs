//! One `herald serve` process of the cluster tests: the real binary on a free port,
//! given the shared database, master key and an instance id and role, with its log kept
//! in the test's folder (shown when a test fails).
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

pub const KEY: &str = "cluster-test-key-0123456789abcdef";

pub struct Instance {
    pub name: String,
    pub base: String,
    pub child: Child,
    pub log: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What every instance of one test shares.
pub struct Shared<'a> {
    pub db_url: &'a str,
    pub master_key: &'a str,
    pub dir: &'a Path,
}

impl Shared<'_> {
    /// Starts `herald serve` as `name` with `role` and waits for `/healthz`.
    pub async fn start(&self, name: &str, role: &str) -> Instance {
        let port = free_port();
        let log = self.dir.join(format!("{name}.log"));
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_herald"))
            .arg("serve")
            .env("HERALD_ADDR", format!("127.0.0.1:{port}"))
            .env("HERALD_DATABASE_URL", self.db_url)
            .env("HERALD_MASTER_KEY", self.master_key)
            .env("HERALD_INSTANCE_ID", name)
            .env("HERALD_ROLE", role)
            .env("HERALD_BOOTSTRAP_API_KEY", KEY)
            .env("HERALD_ADMIN_PASSWORD", "cluster-test-password")
            .env("HERALD_ALLOWED_TARGETS", "127.0.0.0/8")
            .env("HERALD_LOG", "warn")
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .kill_on_drop(true)
            .spawn()
            .expect("herald starts");
        let mut i = Instance {
            name: name.to_string(),
            base: format!("http://127.0.0.1:{port}"),
            child,
            log,
        };
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let up = client.get(format!("{}/healthz", i.base)).send().await;
            if up.is_ok_and(|r| r.status() == 200) {
                return i;
            }
            if let Ok(Some(status)) = i.child.try_wait() {
                panic!("{name} exited ({status}): {}", i.log_tail());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} did not come up: {}",
                i.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Instance {
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }
    /// SIGKILL: no graceful stop, leases left as they are.
    pub async fn kill(&mut self) {
        self.child.kill().await.unwrap();
        let _ = self.child.wait().await;
    }
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}
