//! The processes under test: Herald (a child on a fresh database — SQLite in a temporary
//! directory or a new PostgreSQL database — reached through its REST API; more instances
//! may join it on PostgreSQL) and the receiver (a child on a free port).
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hyper::Method;

use crate::client;
use crate::store::{Database, StoreChoice, MASTER_KEY};

pub const API_KEY: &str = "herald-bench-api-key-0123456789";

/// A free TCP port on 127.0.0.1 (bound, then released for the child to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct Receiver {
    child: Child,
    pub addr: SocketAddr,
}

impl Receiver {
    pub fn start(bin: &Path) -> Result<Receiver, String> {
        let mut child = Command::new(bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let mut line = String::new();
        let out = child.stdout.take().ok_or("no receiver stdout")?;
        BufReader::new(out)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let port: u16 = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("receiver said {line:?}"))?;
        Ok(Receiver {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A control call (`/_control/<cmd>`), e.g. `hold?on=1`.
    pub async fn control(&self, cmd: &str, body: &str) -> Result<serde_json::Value, String> {
        let path = format!("/_control/{cmd}");
        let method = if cmd == "stats" {
            Method::GET
        } else {
            Method::POST
        };
        client::json(self.addr, method, &path, &[], body.to_string()).await
    }

    pub async fn stats(&self) -> Result<serde_json::Value, String> {
        self.control("stats", "").await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Herald {
    child: Child,
    pub addr: SocketAddr,
    dir: PathBuf,
    bin: PathBuf,
    db_url: String,
    /// Dropped (a PostgreSQL database: removed) with the first instance.
    _db: Option<Database>,
}

impl Herald {
    /// Starts `bin serve` on a fresh database and waits for `/healthz` (at most 60 s).
    pub async fn start(bin: &Path, tag: &str, store: &StoreChoice) -> Result<Herald, String> {
        let dir = std::env::temp_dir().join(format!(
            "herald-bench-{}-{tag}-{}",
            std::process::id(),
            crate::now_ns()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let db = store.create(&dir, tag).await?;
        let url = db.url.clone();
        Herald::spawn(bin, dir, url, Some(db)).await
    }

    /// Another instance on the same (PostgreSQL) database.
    pub async fn join(&self, name: &str) -> Result<Herald, String> {
        let dir = self.dir.with_extension(name);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        Herald::spawn(&self.bin, dir, self.db_url.clone(), None).await
    }

    async fn spawn(
        bin: &Path,
        dir: PathBuf,
        db_url: String,
        db: Option<Database>,
    ) -> Result<Herald, String> {
        let port = free_port();
        let log = std::fs::File::create(dir.join("herald.log")).map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .arg("serve")
            .env("HERALD_ADDR", format!("127.0.0.1:{port}"))
            .env("HERALD_DATABASE_URL", &db_url)
            .env("HERALD_MASTER_KEY", MASTER_KEY)
            .env("HERALD_BOOTSTRAP_API_KEY", API_KEY)
            .env("HERALD_ADMIN_PASSWORD", "herald-bench-password")
            .env("HERALD_ALLOWED_TARGETS", "127.0.0.0/8")
            .env("HERALD_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let mut h = Herald {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
            bin: bin.to_path_buf(),
            db_url,
            _db: db,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(a) = client::once(h.addr, Method::GET, "/healthz", &[], "").await {
                if a.status == 200 {
                    return Ok(h);
                }
            }
            if let Ok(Some(status)) = h.child.try_wait() {
                return Err(format!(
                    "herald exited at start ({status}): {}",
                    h.log_tail()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!("herald did not answer /healthz: {}", h.log_tail()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn db_url(&self) -> &str {
        &self.db_url
    }

    /// The last lines of Herald's log (for error messages).
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("herald.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Creates a webhook to `url` for the bench event type; returns (id, secret).
    pub async fn create_webhook(
        &self,
        url: &str,
        timeout_ms: u64,
        extras: &serde_json::Value,
    ) -> Result<(String, String), String> {
        let mut body = serde_json::json!({
            "name": "bench", "url": url, "event_types": [crate::events::EVENT_TYPE],
            "timeout_ms": timeout_ms,
        });
        if let (Some(b), Some(x)) = (body.as_object_mut(), extras.as_object()) {
            b.extend(x.clone());
        }
        let auth = format!("Bearer {API_KEY}");
        let v = client::json(
            self.addr,
            Method::POST,
            "/api/v1/webhooks",
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body.to_string(),
        )
        .await?;
        let field = |k: &str| {
            v[k].as_str()
                .map(str::to_string)
                .ok_or(format!("no {k} in {v}"))
        };
        Ok((field("id")?, field("secret")?))
    }

    /// Creates the tenant `id` (docs/tenants.md).
    pub async fn create_tenant(&self, id: &str) -> Result<(), String> {
        let auth = format!("Bearer {API_KEY}");
        client::json(
            self.addr,
            Method::POST,
            "/api/v1/tenants",
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            serde_json::json!({ "id": id, "name": id }).to_string(),
        )
        .await
        .map(|_| ())
    }

    /// A value from `/metrics` (first sample of `name`).
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let a = client::once(self.addr, Method::GET, "/metrics", &[], "")
            .await
            .ok()?;
        let text = String::from_utf8_lossy(&a.body).into_owned();
        text.lines()
            .find(|l| l.starts_with(name) && !l.starts_with('#'))
            .and_then(|l| l.split_whitespace().last()?.parse().ok())
    }

    /// SIGTERM, then SIGKILL after 15 s; removes the database.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Herald {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
