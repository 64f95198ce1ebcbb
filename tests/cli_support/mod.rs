//! Harness of tests/cli.rs: `herald serve` as a child process on a free port, `herald`
//! client runs with their exit code and output, and `herald listen` children whose
//! output is read line by line with a deadline. Every child is killed by a Drop guard.
#![allow(dead_code)]
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_herald");
pub const KEY: &str = "cli-test-api-key-0123456789abcdef";
pub const DEADLINE: Duration = Duration::from_secs(60);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `herald serve` on a free port over a fresh SQLite file.
pub struct Server {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut answer = String::new();
    s.write_all(req.as_bytes()).is_ok()
        && s.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

impl Server {
    pub fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut child = Command::new(BIN)
            .arg("serve")
            .env("HERALD_ADDR", format!("127.0.0.1:{port}"))
            .env(
                "HERALD_DATABASE_URL",
                format!("sqlite://{}/herald.db", dir.path().display()),
            )
            .env("HERALD_BOOTSTRAP_API_KEY", KEY)
            .env("HERALD_ADMIN_PASSWORD", "cli-test-admin-password")
            .env("HERALD_ALLOWED_TARGETS", "127.0.0.0/8")
            .env("HERALD_TEST_RATE_LIMIT", "1000")
            .env("HERALD_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("herald serve starts");
        let started = Instant::now();
        while !healthy(port) {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("herald serve exited early: {status}");
            }
            assert!(
                started.elapsed() < DEADLINE,
                "herald serve did not answer /healthz"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        }
    }

    /// A `herald` command configured for this server (HERALD_URL, HERALD_API_KEY).
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("HERALD_URL", &self.url)
            .env("HERALD_API_KEY", KEY)
            .env_remove("HERALD_LISTEN_SECRET");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run(&mut self.cmd(args), None)
    }

    pub fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        run(&mut self.cmd(args), Some(input))
    }

    /// `args` must succeed; its `--json` output parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        self.run(&all).ok().json()
    }

    /// Creates a webhook; answers (id, secret).
    pub fn webhook(&self, name: &str, url: &str, extra: &[&str]) -> (String, String) {
        let mut args = vec!["webhooks", "create", "--name", name, "--url", url];
        args.extend_from_slice(extra);
        let w = self.json(&args);
        (
            w["id"].as_str().unwrap().into(),
            w["secret"].as_str().unwrap().into(),
        )
    }

    /// Polls `args` (a `--json` list) until `done` holds for its items.
    pub fn until(&self, args: &[&str], what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let items = self.json(args)["data"].as_array().unwrap().clone();
            if done(&items) {
                return items;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "timed out waiting for {what}: {items:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Run {
        self.code(0)
    }
    pub fn code(self, want: i32) -> Run {
        assert_eq!(
            self.code, want,
            "exit code; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        for bad in ["panicked", "CliError", "Error {", "backtrace"] {
            assert!(
                !self.stderr.contains(bad),
                "stderr shows {bad}: {}",
                self.stderr
            );
        }
        self
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

pub fn run(c: &mut Command, input: Option<&str>) -> Run {
    c.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().expect("herald runs");
    if let Some(text) = input {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A `herald listen` child whose output lines are read with a deadline.
pub struct Listener {
    child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One printed delivery: from its `── ` line to the blank line after the body.
pub struct Delivery(pub Vec<String>);

impl Delivery {
    pub fn field(&self, name: &str) -> &str {
        let prefix = format!("{name}: ");
        self.0
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.0))
    }
    pub fn text(&self) -> String {
        self.0.join("\n")
    }
}

impl Listener {
    pub fn start(server: &Server, args: &[&str], env: &[(&str, &str)]) -> Listener {
        let mut c = server.cmd(&[&["listen"], args].concat());
        c.envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("herald listen starts");
        let (tx, rx) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut l = Listener {
            child,
            lines: rx,
            seen: Vec::new(),
        };
        l.line(
            |s| s.starts_with("listening on http://127.0.0.1:"),
            "listening on",
        );
        l
    }

    /// The next line for which `pred` holds (earlier lines are kept in `seen`).
    pub fn line(&mut self, pred: impl Fn(&str) -> bool, what: &str) -> String {
        let started = Instant::now();
        loop {
            let left = DEADLINE.saturating_sub(started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no line with {what} ({e:?}); output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    pub fn delivery(&mut self) -> Delivery {
        let first = self.line(|l| l.starts_with("── "), "a delivery");
        let mut block = vec![first];
        loop {
            let line = self.line(|_| true, "the end of a delivery");
            if line.is_empty() {
                return Delivery(block);
            }
            block.push(line);
        }
    }

    /// Sends SIGTERM and waits for the exit; answers the exit code and the rest of the output.
    pub fn terminate(&mut self) -> (i32, Vec<String>) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "listen did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let rest: Vec<String> =
            std::iter::from_fn(|| self.lines.recv_timeout(Duration::from_secs(5)).ok()).collect();
        (status.code().unwrap_or(-1), rest)
    }
}

/// An address where nothing listens: deliveries to it fail with a connect error.
pub fn dead_url() -> String {
    format!("http://127.0.0.1:{}/hook", free_port())
}

pub fn write_file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
