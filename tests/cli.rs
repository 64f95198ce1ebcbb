//! The client commands and `herald listen`, end to end: the real `herald` binary runs as a
//! child process against a real `herald serve` child on a free 127.0.0.1 port. Every
//! assertion is on what a user sees: stdout, stderr and the exit code. Children are killed
//! by Drop guards, also when a test fails.
mod cli_support;

use std::process::Command;

use cli_support::{dead_url, free_port, run, write_file, Listener, Server, BIN, KEY};
use serde_json::Value;

#[test]
fn events_send_from_a_file_stdin_and_flags_then_get() {
    let server = Server::start();
    let (hook, _) = server.webhook(
        "sink",
        &dead_url(),
        &["--event-type", "evaluation.failed", "--retry-max", "0"],
    );
    let file = write_file(
        server.dir.path(),
        "data.json",
        r#"{"score": 0.42, "evaluator": "hallucination"}"#,
    );

    let sent = server
        .run(&[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--data",
            &format!("@{file}"),
            "--project",
            "triage",
            "--severity",
            "high",
            "--source",
            "ci",
        ])
        .ok();
    let line = sent.stdout.trim();
    assert!(
        line.starts_with("evt_") && line.ends_with("  1 delivery"),
        "{line}"
    );
    let id = line.split_whitespace().next().unwrap().to_string();

    for args in [
        &["events", "send", "--type", "evaluation.failed"][..],
        &[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--data",
            "-",
        ],
    ] {
        let out = server.run_stdin(args, r#"{"score": 0.1}"#).ok();
        assert!(
            out.stdout.starts_with("evt_") && out.stdout.contains("1 delivery"),
            "{}",
            out.stdout
        );
    }

    // Inline data, JSON output: the server's answer; the webhook is not subscribed to alerts.
    let answer = server.json(&[
        "events",
        "send",
        "--type",
        "alert.triggered",
        "--data",
        r#"{"rule": "r1"}"#,
    ]);
    assert_eq!(answer["data"].as_array().unwrap().len(), 1);
    assert_eq!(answer["data"][0]["deliveries"], 0);

    // The same idempotency key answers the same id and says so.
    let args = [
        "events",
        "send",
        "--type",
        "evaluation.failed",
        "--data",
        "{}",
        "--idempotency-key",
        "k-1",
    ];
    let first = server.run(&args).ok();
    let again = server.run(&args).ok();
    assert_eq!(first.stdout.lines().next(), again.stdout.lines().next());
    assert!(
        again.stdout.contains("idempotency key seen before"),
        "{}",
        again.stdout
    );
    assert!(!first.stdout.contains("idempotency key seen before"));

    let shown = server.run(&["events", "get", &id]).ok().stdout;
    for want in [
        format!("id        {id}"),
        "type      evaluation.failed".into(),
        "project   triage".into(),
        "severity  high".into(),
        "\"score\": 0.42".into(),
        "1 delivery".into(),
    ] {
        assert!(shown.contains(&want), "{want:?} missing in:\n{shown}");
    }
    assert!(
        shown.contains(&format!("wh_…{}", &hook[hook.len() - 6..])),
        "short webhook id in:\n{shown}"
    );
    let event = server.json(&["events", "get", &id]);
    assert_eq!(event["type"], "evaluation.failed");
    assert_eq!(event["data"]["evaluator"], "hallucination");
    assert_eq!(event["deliveries"][0]["webhook_id"], hook.as_str());

    // Bad input is a usage error and nothing is sent.
    let bad = server
        .run(&[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--data",
            "{nope",
        ])
        .code(2);
    assert!(
        bad.stderr.contains("--data is not valid JSON"),
        "{}",
        bad.stderr
    );
    let not_object = server
        .run(&[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--data",
            "[1]",
        ])
        .code(2);
    assert!(
        not_object.stderr.contains("must be a JSON object"),
        "{}",
        not_object.stderr
    );
    let missing = server
        .run(&[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--data",
            "@/nonexistent/x.json",
        ])
        .code(1);
    assert!(
        missing.stderr.contains("cannot read /nonexistent/x.json"),
        "{}",
        missing.stderr
    );
}

#[test]
fn webhooks_create_list_get_update_delete() {
    let server = Server::start();
    let created = server
        .run(&[
            "webhooks",
            "create",
            "--name",
            "alpha",
            "--url",
            "http://127.0.0.1:9/a",
            "--event-type",
            "evaluation.failed",
            "--event-type",
            "alert.*",
            "--format",
            "event",
            "--description",
            "first one",
            "--header",
            "X-Team=ml",
            "--protected-header",
            "Authorization=Bearer s3cret-value",
            "--retry-max",
            "3",
        ])
        .ok()
        .stdout;
    assert!(created.contains("signing secret (shown once"), "{created}");
    assert!(
        created.lines().any(|l| l.starts_with("whsec_")),
        "{created}"
    );
    assert!(
        created.contains("X-Team: ml; Authorization: •••••• (protected)"),
        "{created}"
    );
    assert!(
        !created.contains("s3cret-value"),
        "a protected value was printed: {created}"
    );
    let alpha = created
        .lines()
        .find_map(|l| l.strip_prefix("id"))
        .unwrap()
        .trim()
        .to_string();
    assert!(alpha.starts_with("wh_"), "{alpha}");

    let beta = server.json(&[
        "webhooks",
        "create",
        "--name",
        "beta",
        "--url",
        "http://127.0.0.1:9/b",
        "--inactive",
    ]);
    assert_eq!(beta["active"], false);
    assert!(beta["secret"].as_str().unwrap().starts_with("whsec_"));
    let beta = beta["id"].as_str().unwrap().to_string();

    // The table: a header, one aligned row per webhook, newest first.
    let table = server.run(&["webhooks", "list"]).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("ID ") && lines[0].contains("EVENT TYPES"),
        "{table}"
    );
    let name_col = lines[0].find("NAME").unwrap();
    assert!(
        lines[1].starts_with(&beta) && lines[1][name_col..].starts_with("beta "),
        "{table}"
    );
    assert!(
        lines[2].starts_with(&alpha) && lines[2][name_col..].starts_with("alpha "),
        "{table}"
    );
    let state_col = lines[0].find("STATE").unwrap();
    assert!(lines[1][state_col..].starts_with("inactive "), "{table}");
    assert!(lines[2][state_col..].starts_with("active "), "{table}");
    assert!(lines[2].contains("evaluation.failed, alert.*"), "{table}");
    let listed = server.json(&["webhooks", "list"]);
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [beta.as_str(), alpha.as_str()]);
    assert!(
        listed["data"][0].get("secret").is_none(),
        "list must not carry secrets"
    );

    let shown = server.run(&["webhooks", "get", &alpha]).ok().stdout;
    assert!(
        shown.contains("retry         3 retries, exponential from 5000 ms"),
        "{shown}"
    );
    assert!(
        shown.contains("format        event") && !shown.contains("whsec_"),
        "{shown}"
    );

    // Only the flags given change; --retry-delay-ms keeps the stored max_retries.
    server
        .run(&[
            "webhooks",
            "update",
            &alpha,
            "--name",
            "alpha-2",
            "--retry-delay-ms",
            "100",
        ])
        .ok();
    let w = server.json(&["webhooks", "get", &alpha]);
    assert_eq!(w["name"], "alpha-2");
    assert_eq!(w["retry"]["max_retries"], 3);
    assert_eq!(w["retry"]["initial_delay_ms"], 100);
    assert_eq!(
        (w["format"].as_str(), w["description"].as_str()),
        (Some("event"), Some("first one"))
    );
    assert_eq!(w["headers"].as_array().unwrap().len(), 2);
    let off = server
        .run(&["webhooks", "update", &alpha, "--active", "false"])
        .ok()
        .stdout;
    assert!(off.contains("state         inactive"), "{off}");
    let nothing = server.run(&["webhooks", "update", &alpha]).code(2);
    assert!(
        nothing.stderr.contains("nothing to change"),
        "{}",
        nothing.stderr
    );

    // Lists follow next_cursor through every page.
    for i in 0..3 {
        server.webhook(&format!("more-{i}"), "http://127.0.0.1:9/m", &[]);
    }
    let paged = server.json(&["webhooks", "list", "--page-size", "2"]);
    let whole = server.json(&["webhooks", "list"]);
    assert_eq!(paged["data"].as_array().unwrap().len(), 5);
    assert_eq!(paged, whole);

    let deleted = server.run(&["webhooks", "delete", &beta]).ok().stdout;
    assert_eq!(deleted.trim(), format!("deleted {beta}"));
    let left = server.json(&["webhooks", "list"]);
    assert!(left["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["id"] != beta.as_str()));
    let gone = server.run(&["webhooks", "get", &beta]).code(3);
    assert_eq!(gone.stderr.trim(), "herald: webhook not found (HTTP 404)");
}

#[test]
fn deliveries_list_get_resend_and_retry_failed() {
    let server = Server::start();
    let (hook, _) = server.webhook(
        "down",
        &dead_url(),
        &["--event-type", "evaluation.failed", "--retry-max", "0"],
    );
    for _ in 0..2 {
        server
            .run(&[
                "events",
                "send",
                "--type",
                "evaluation.failed",
                "--data",
                "{}",
            ])
            .ok();
    }
    let failed_args = [
        "deliveries",
        "list",
        "--webhook",
        &hook,
        "--status",
        "failed",
    ];
    let failed = server.until(&failed_args, "two failed deliveries", |d| d.len() == 2);

    let table = server.run(&failed_args).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("ID ")
            && lines[0].contains("STATUS")
            && lines[0].contains("CREATED (UTC)"),
        "{table}"
    );
    assert!(
        lines[1..].iter().all(|l| l.starts_with("dlv_")
            && l.contains(" failed ")
            && l.contains("evaluation.failed")),
        "{table}"
    );
    for (args, rows) in [
        (vec!["--status", "succeeded"], 0),
        (vec!["--event-type", "alert.triggered"], 0),
        (
            vec!["--event-type", "evaluation.failed", "--since", "1h"],
            2,
        ),
        (vec!["--until", "2000-01-01T00:00:00Z"], 0),
    ] {
        let mut all = vec!["deliveries", "list", "--webhook", &hook];
        all.extend(args.iter().copied());
        assert_eq!(
            server.json(&all)["data"].as_array().unwrap().len(),
            rows,
            "{args:?}"
        );
        if rows == 0 {
            assert_eq!(server.run(&all).ok().stdout, "no deliveries\n");
        }
    }

    let dlv = failed[0]["id"].as_str().unwrap().to_string();
    let shown = server.run(&["deliveries", "get", &dlv]).ok().stdout;
    assert!(
        shown.contains("status        failed") && shown.contains(&hook),
        "{shown}"
    );
    assert!(shown.contains("attempts      1\n"), "{shown}");
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("1  queue ") && l.contains("connect")),
        "{shown}"
    );

    let resent = server.run(&["deliveries", "resend", &dlv]).ok().stdout;
    assert!(
        resent.starts_with(&format!("resent {dlv}: attempt 2 connect")),
        "{resent}"
    );
    let detail = server.json(&["deliveries", "get", &dlv]);
    assert_eq!(detail["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(detail["attempts"][0]["trigger"], "resend");

    let none = server.json(&[
        "retry-failed",
        &hook,
        "--since",
        "1h",
        "--event-type",
        "alert.*",
    ]);
    assert_eq!(none, serde_json::json!({"requeued": 0}));
    let requeued = server
        .run(&["retry-failed", &hook, "--since", "1h"])
        .ok()
        .stdout;
    assert_eq!(requeued, "re-queued 2 failed deliveries\n");
    // Re-queued deliveries really are attempted again (and fail again).
    server.until(
        &["deliveries", "list", "--webhook", &hook],
        "the re-queued attempts",
        |d| {
            d.len() == 2
                && d.iter()
                    .all(|x| x["status"] == "failed" && x["attempts"].as_u64() >= Some(2))
                && d.iter()
                    .map(|x| x["attempts"].as_u64().unwrap())
                    .sum::<u64>()
                    == 5
        },
    );
    let bad = server
        .run(&["retry-failed", &hook, "--since", "yesterday"])
        .code(2);
    assert!(bad.stderr.contains("is not a time"), "{}", bad.stderr);
}

#[test]
fn errors_have_documented_exit_codes_and_messages() {
    let server = Server::start();
    for (args, code, message) in [
        (
            &["webhooks", "get", "wh_nope"][..],
            3,
            "herald: webhook not found (HTTP 404)",
        ),
        (&["deliveries", "get", "dlv_nope"], 3, "(HTTP 404)"),
        (&["events", "get", "evt_nope"], 3, "(HTTP 404)"),
        (&["deliveries", "resend", "dlv_nope"], 3, "(HTTP 404)"),
        (
            &["webhooks", "create", "--name", "x"],
            2,
            "needs --name and --url",
        ),
        (&["deliveries", "list"], 2, "--webhook"),
        (
            &[
                "webhooks", "create", "--name", "x", "--url", "http://x", "--format", "xml",
            ],
            2,
            "invalid value 'xml'",
        ),
    ] {
        let out = server.run(args).code(code);
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
    }

    let invalid = server
        .run(&[
            "webhooks",
            "create",
            "--name",
            "x",
            "--url",
            "ftp://example.com",
            "--retry-max",
            "99",
        ])
        .code(4);
    let mut lines = invalid.stderr.lines();
    assert_eq!(lines.next(), Some("herald: Validation failed (HTTP 422)"));
    let fields: Vec<&str> = lines.collect();
    assert!(
        fields.iter().any(|l| l.starts_with("  url: ")),
        "{}",
        invalid.stderr
    );
    assert!(
        fields
            .iter()
            .any(|l| l.starts_with("  retry.max_retries: ")),
        "{}",
        invalid.stderr
    );
    let unknown = server
        .run(&["events", "send", "--type", "no.such.type", "--data", "{}"])
        .code(4);
    assert!(unknown.stderr.contains("\n  type: "), "{}", unknown.stderr);

    let wrong_key = run(
        server
            .cmd(&["webhooks", "list"])
            .env("HERALD_API_KEY", "hk_wrong"),
        None,
    )
    .code(5);
    assert!(
        wrong_key.stderr.contains("(HTTP 401)")
            && wrong_key.stderr.contains("check HERALD_API_KEY"),
        "{}",
        wrong_key.stderr
    );
    let no_key = run(
        server
            .cmd(&["webhooks", "list"])
            .env_remove("HERALD_API_KEY"),
        None,
    )
    .code(5);
    assert!(
        no_key.stderr.contains("set HERALD_API_KEY"),
        "{}",
        no_key.stderr
    );
    let flag_key = run(
        server
            .cmd(&["webhooks", "list", "--api-key", KEY])
            .env("HERALD_API_KEY", "hk_wrong"),
        None,
    )
    .ok();
    assert_eq!(flag_key.stdout, "no webhooks\n");

    let closed = format!("http://127.0.0.1:{}", free_port());
    let refused = server
        .run(&["webhooks", "list", "--server", &closed])
        .code(8);
    assert!(
        refused
            .stderr
            .starts_with(&format!("herald: cannot connect to {closed}")),
        "{}",
        refused.stderr
    );
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);

    let help = run(Command::new(BIN).arg("--help"), None).ok().stdout;
    for want in [
        "3  not found (HTTP 404)",
        "8  cannot connect",
        "webhooks",
        "listen",
        "retry-failed",
    ] {
        assert!(help.contains(want), "{want:?} missing in --help:\n{help}");
    }
}

#[test]
fn local_commands_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/herald.db", dir.path().display());
    let out = run(
        Command::new(BIN)
            .args(["api-key", "create", "--name", "ci"])
            .env("HERALD_DATABASE_URL", &db)
            .env("HERALD_LOG", "warn"),
        None,
    )
    .ok();
    assert!(out.stdout.trim().starts_with("hk_"), "{}", out.stdout);
}

#[test]
fn webhooks_test_reports_what_the_target_answered() {
    let server = Server::start();
    let port = free_port();
    let mut listener = Listener::start(&server, &["--port", &port.to_string()], &[]);
    let (ok_hook, _) = server.webhook("up", &format!("http://127.0.0.1:{port}/"), &[]);
    let (down_hook, _) = server.webhook("down", &dead_url(), &[]);

    let ok = server
        .run(&[
            "webhooks",
            "test",
            &ok_hook,
            "--event-type",
            "evaluation.failed",
        ])
        .ok()
        .stdout;
    assert!(
        ok.contains("result         succeeded") && ok.contains("response code  200"),
        "{ok}"
    );
    let seen = listener.delivery();
    assert!(seen.0[0].ends_with("evaluation.failed"), "{:?}", seen.0);
    assert_eq!(seen.field("signature"), "not checked (no --secret)");

    let down = server
        .run(&[
            "webhooks",
            "test",
            &down_hook,
            "--event-type",
            "evaluation.failed",
        ])
        .code(1);
    assert!(
        down.stdout.contains("result         FAILED"),
        "{}",
        down.stdout
    );
    assert!(
        down.stderr.contains("did not accept the test event"),
        "{}",
        down.stderr
    );
    let json = server
        .run(&[
            "webhooks",
            "test",
            &down_hook,
            "--event-type",
            "evaluation.failed",
            "--json",
        ])
        .code(1)
        .json();
    assert_eq!(json["success"], false);
    assert_eq!(json["status"], "connect");
}

#[test]
fn listen_verifies_signatures_and_says_so() {
    let server = Server::start();
    let (good_port, bad_port) = (free_port(), free_port());
    let (hook, secret) = server.webhook("good", &format!("http://127.0.0.1:{good_port}/"), &[]);
    server.webhook("bad", &format!("http://127.0.0.1:{bad_port}/in"), &[]);
    let mut good = Listener::start(
        &server,
        &["--port", &good_port.to_string(), "--secret", &secret],
        &[],
    );
    // A valid secret that is not the webhook's, from the environment, with JSON lines.
    let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let mut bad = Listener::start(
        &server,
        &["--port", &bad_port.to_string(), "--path", "/in", "--json"],
        &[("HERALD_LISTEN_SECRET", other)],
    );

    let sent = server.json(&[
        "events",
        "send",
        "--type",
        "evaluation.failed",
        "--data",
        r#"{"score": 0.42}"#,
    ]);
    assert_eq!(sent["data"][0]["deliveries"], 2);

    let d = good.delivery();
    assert!(
        d.0[0].starts_with("── ") && d.0[0].ends_with("POST /  evaluation.failed"),
        "{:?}",
        d.0
    );
    assert!(d.field("webhook-id").starts_with("dlv_"));
    assert_eq!(d.field("attempt"), "1");
    assert_eq!(d.field("signature"), "verified");
    assert_eq!(d.field("answered"), "200");
    assert!(
        d.text().contains("\"score\": 0.42")
            && d.text().contains(sent["data"][0]["id"].as_str().unwrap()),
        "{}",
        d.text()
    );
    server.until(
        &[
            "deliveries",
            "list",
            "--webhook",
            &hook,
            "--status",
            "succeeded",
        ],
        "the delivery to succeed",
        |d| d.len() == 1,
    );

    let line = bad.line(|l| l.starts_with('{'), "a JSON delivery");
    let record: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(record["signature"], "not verified");
    assert_eq!(
        record["signature_error"],
        "webhook-signature: no matching signature found"
    );
    assert_eq!(record["event_type"], "evaluation.failed");
    assert_eq!(record["attempt"], 1);
    assert_eq!(
        record["body"]["events"][0]["data"]["evaluation_result"]["score"],
        0.42
    );

    // The human form of the same verdict.
    let port = free_port();
    server.webhook(
        "third",
        &format!("http://127.0.0.1:{port}/"),
        &["--event-type", "alert.triggered"],
    );
    let mut third = Listener::start(
        &server,
        &["--port", &port.to_string(), "--secret", other],
        &[],
    );
    server
        .run(&[
            "events",
            "send",
            "--type",
            "alert.triggered",
            "--data",
            "{}",
        ])
        .ok();
    let d = third.delivery();
    assert_eq!(
        d.field("signature"),
        "NOT VERIFIED (webhook-signature: no matching signature found)"
    );
}

#[test]
fn listen_status_500_makes_herald_retry() {
    let server = Server::start();
    let port = free_port();
    let (_, secret) = server.webhook(
        "flaky",
        &format!("http://127.0.0.1:{port}/"),
        &[
            "--retry-max",
            "2",
            "--retry-delay-ms",
            "100",
            "--retry-backoff",
            "fixed",
        ],
    );
    let mut listener = Listener::start(
        &server,
        &[
            "--port",
            &port.to_string(),
            "--secret",
            &secret,
            "--status",
            "500",
        ],
        &[],
    );
    assert!(
        listener.seen[0].contains("answering 500"),
        "{:?}",
        listener.seen
    );
    server
        .run(&[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--data",
            "{}",
        ])
        .ok();
    let first = listener.delivery();
    let second = listener.delivery();
    for (d, n) in [(&first, "1"), (&second, "2")] {
        assert_eq!(d.field("attempt"), n);
        assert_eq!(d.field("answered"), "500");
        assert_eq!(d.field("signature"), "verified");
    }
    assert_eq!(first.field("webhook-id"), second.field("webhook-id"));
}

#[test]
fn listen_create_registers_a_webhook_and_removes_it_on_sigterm() {
    let server = Server::start();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut listener = Listener::start(
        &server,
        &[
            "--port",
            &port.to_string(),
            "--create",
            &base,
            "--event-type",
            "evaluation.failed",
        ],
        &[],
    );
    let id = listener
        .seen
        .iter()
        .find_map(|l| l.strip_prefix("webhook: "))
        .expect("the webhook line")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(
        listener.seen.iter().all(|l| !l.contains("whsec_")),
        "the secret was printed: {:?}",
        listener.seen
    );

    let hooks = server.json(&["webhooks", "list"]);
    let mine = hooks["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id.as_str())
        .expect("the created webhook");
    assert_eq!(mine["url"], format!("{base}/"));
    assert_eq!(
        mine["event_types"],
        serde_json::json!(["evaluation.failed"])
    );

    server
        .run(&[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--data",
            "{}",
        ])
        .ok();
    assert_eq!(listener.delivery().field("signature"), "verified");

    let (code, rest) = listener.terminate();
    assert_eq!(code, 0, "{rest:?}");
    assert!(rest.contains(&format!("deleted webhook {id}")), "{rest:?}");
    let hooks = server.json(&["webhooks", "list"]);
    assert!(
        hooks["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["id"] != id.as_str()),
        "{hooks}"
    );
}

/// Signs in to the console of `server` through the real login server function; the
/// status of the answer (200 signed in or choose a password, 401 refused).
fn console_login(server: &cli_support::Server, user: &str, password: &str) -> u16 {
    use leptos::server_fn::ServerFn;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}{}", server.url, app::auth::Login::PATH))
            .header("origin", &server.url)
            .header("sec-fetch-site", "same-origin")
            .form(&[("username", user), ("password", password)])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

#[test]
fn users_are_created_with_a_setup_token_listed_changed_reset_and_removed() {
    let server = Server::start();
    let created = server
        .run(&["user", "create", "--name", "vic", "--role", "viewer"])
        .ok();
    let token = created.stdout.trim().to_string();
    assert_eq!(created.stdout.lines().count(), 1, "{}", created.stdout);
    assert!(token.len() >= 32, "{token}");
    assert!(
        created.stderr.contains("vic") && created.stderr.contains("only this once"),
        "{}",
        created.stderr
    );

    let list = server.run(&["user", "list"]).ok();
    assert!(list.stdout.contains("vic"), "{}", list.stdout);
    assert!(list.stdout.contains("pending"), "{}", list.stdout);
    assert!(!list.stdout.contains(&token), "the token is shown once");
    let users = server.json(&["user", "list"]);
    assert_eq!(users["data"][1]["role"], "viewer", "{users}");

    let changed = server
        .run(&["user", "role", "vic", "--role", "editor"])
        .ok();
    assert_eq!(changed.stdout.trim(), "vic is now editor");

    let reset = server.run(&["user", "reset", "vic"]).ok();
    let new_token = reset.stdout.trim();
    assert_ne!(new_token, token);
    assert_eq!(
        console_login(&server, "vic", &token),
        401,
        "the old token is void"
    );
    assert_eq!(console_login(&server, "vic", new_token), 200);

    server.run(&["user", "remove", "vic"]).ok();
    assert_eq!(server.run(&["user", "remove", "vic"]).code(3).code, 3);
    let last = server.run(&["user", "remove", "admin"]).code(4);
    assert!(last.stderr.contains("last admin"), "{}", last.stderr);
    let bad = server
        .run(&["user", "create", "--name", "Bad Name", "--role", "viewer"])
        .code(4);
    assert!(bad.stderr.contains("name:"), "{}", bad.stderr);
    server
        .run(&["user", "create", "--name", "x", "--role", "owner"])
        .code(2);
}
