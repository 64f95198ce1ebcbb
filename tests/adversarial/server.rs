//! The real `herald serve` binary on a free port over a fresh SQLite database, for the
//! tests that measure the process (memory) rather than call it in-process.
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

pub const KEY: &str = "adversarial-test-key-0123456789abcdef";
pub const PASSWORD: &str = "adversarial-password";

pub struct Server {
    pub base: String,
    pub child: Child,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts the binary with `env` added and waits for `/healthz`.
    pub async fn start(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_herald"));
        cmd.arg("serve")
            .env("HERALD_ADDR", format!("127.0.0.1:{port}"))
            .env(
                "HERALD_DATABASE_URL",
                format!("sqlite://{}", dir.path().join("herald.db").display()),
            )
            .env("HERALD_BOOTSTRAP_API_KEY", KEY)
            .env("HERALD_ADMIN_PASSWORD", PASSWORD)
            .env("HERALD_ALLOWED_TARGETS", "127.0.0.0/8")
            .env("HERALD_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("herald starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let up = client.get(format!("{base}/healthz")).send().await;
            if up.is_ok_and(|r| r.status() == 200) {
                break;
            }
            assert!(child.try_wait().unwrap().is_none(), "herald exited");
            assert!(
                tokio::time::Instant::now() < deadline,
                "herald did not come up"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Server {
            base,
            child,
            _dir: dir,
        }
    }

    /// The process's resident memory in KiB (`VmRSS` of /proc/<pid>/status).
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// The process's peak resident memory so far in KiB (`VmHWM`).
    pub fn peak_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        let pid = self.child.id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in {status}"))
    }
}
