//! `herald tenants …` and the `--tenant` flags of `events send` and `webhooks create|list`,
//! end to end (docs/cli.md#tenants): the real `herald` binary against a real `herald serve`
//! child, asserting on stdout, stderr and exit codes as a user sees them.
mod cli_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use cli_support::{dead_url, Server, KEY};
use serde_json::Value;

/// One HTTP/1.1 request to the server outside the CLI (what the CLI has no command for:
/// admin key creation, opening a portal link in a browser); answers (status, head, body).
fn http(server: &Server, method: &str, target: &str, body: Option<&str>) -> (u16, String, String) {
    let host = server.url.trim_start_matches("http://");
    let path = target.strip_prefix(&server.url).unwrap_or(target);
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn tenants_create_list_get_rename_delete() {
    let server = Server::start();
    let created = server
        .run(&["tenants", "create", "--id", "acme", "--name", "Acme Corp"])
        .ok()
        .stdout;
    for want in ["id        acme\n", "name      Acme Corp\n", "webhooks  0\n"] {
        assert!(created.contains(want), "{want:?} missing in:\n{created}");
    }
    server.json(&["tenants", "create", "--id", "initech", "--name", "Initech"]);

    let dup = server
        .run(&["tenants", "create", "--id", "acme", "--name", "again"])
        .code(4);
    assert!(dup.stderr.contains("(HTTP 409)"), "{}", dup.stderr);
    let bad = server
        .run(&["tenants", "create", "--id", "no spaces!", "--name", " "])
        .code(4);
    assert!(
        bad.stderr.contains("\n  id: ") && bad.stderr.contains("\n  name: "),
        "{}",
        bad.stderr
    );
    let missing = server.run(&["tenants", "create", "--id", "x"]).code(2);
    assert!(missing.stderr.contains("--name"), "{}", missing.stderr);

    // The table, by id; --json follows every page (one tenant a request here).
    let table = server.run(&["tenants", "list"]).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(
        lines[0].starts_with("ID ") && lines[0].contains("WEBHOOKS"),
        "{table}"
    );
    let name_col = lines[0].find("NAME").unwrap();
    assert!(
        lines[1].starts_with("acme ") && lines[1][name_col..].starts_with("Acme Corp "),
        "{table}"
    );
    assert!(lines[2].starts_with("default ") && lines[3].starts_with("initech "));
    let listed = server.json(&["tenants", "list", "--page-size", "1"]);
    assert_eq!(ids(&listed), ["acme", "default", "initech"]);

    let renamed = server
        .run(&["tenants", "rename", "acme", "--name", "Acme Corporation"])
        .ok()
        .stdout;
    assert!(
        renamed.contains("name      Acme Corporation\n"),
        "{renamed}"
    );
    assert_eq!(
        server.json(&["tenants", "get", "acme"])["name"],
        "Acme Corporation"
    );
    let nope = server.run(&["tenants", "get", "nope"]).code(3);
    assert!(nope.stderr.contains("(HTTP 404)"), "{}", nope.stderr);
    server
        .run(&["tenants", "rename", "nope", "--name", "x"])
        .code(3);

    let (hook, _) = server.webhook("acme hook", &dead_url(), &["--tenant", "acme"]);
    assert_eq!(server.json(&["tenants", "get", "acme"])["webhooks"], 1);
    let refused = server.run(&["tenants", "delete", "acme"]).code(4);
    assert!(
        refused.stderr.contains("or pass --cascade (HTTP 409)"),
        "{}",
        refused.stderr
    );
    server.run(&["tenants", "delete", "default"]).code(4);
    server.run(&["webhooks", "get", &hook]).ok();

    let deleted = server
        .run(&["tenants", "delete", "acme", "--cascade"])
        .ok()
        .stdout;
    assert_eq!(deleted, "deleted acme\n");
    server.run(&["tenants", "get", "acme"]).code(3);
    server.run(&["webhooks", "get", &hook]).code(3);
    let gone = server.json(&["tenants", "delete", "initech"]);
    assert_eq!(gone, serde_json::json!({"id": "initech", "deleted": true}));
    assert_eq!(ids(&server.json(&["tenants", "list"])), ["default"]);
}

#[test]
fn tenants_portal_link_prints_a_link_that_opens_once() {
    let server = Server::start();
    server.json(&["tenants", "create", "--id", "acme", "--name", "Acme"]);
    let out = server
        .run(&[
            "tenants",
            "portal-link",
            "acme",
            "--expires-in",
            "300",
            "--title",
            "Acme Evals",
            "--accent",
            "#1f6feb",
        ])
        .ok();
    let url = out.stdout.trim_end_matches('\n');
    assert!(
        url.starts_with(&format!("{}/portal/", server.url)) && !url.contains('\n'),
        "the URL alone on stdout: {:?}",
        out.stdout
    );
    assert!(
        out.stderr.starts_with("opens once, until ") && out.stderr.ends_with(" UTC\n"),
        "{}",
        out.stderr
    );
    let (status, head, _) = http(&server, "GET", url, None);
    assert_eq!(status, 303, "{head}");
    assert_eq!(http(&server, "GET", url, None).0, 404, "a link opens once");

    let json = server.json(&["tenants", "portal-link", "acme"]);
    assert!(json["url"].as_str().unwrap().contains("/portal/"));
    assert!(json["expires_at"].as_str().unwrap().ends_with('Z'));
    let bad = server
        .run(&[
            "tenants",
            "portal-link",
            "acme",
            "--accent",
            "blue",
            "--expires-in",
            "5",
        ])
        .code(4);
    assert!(
        bad.stderr.contains("\n  accent: ") && bad.stderr.contains("\n  expires_in: "),
        "{}",
        bad.stderr
    );
    assert_eq!(bad.stdout, "");
    server.run(&["tenants", "portal-link", "nope"]).code(3);
}

#[test]
fn events_and_webhooks_stay_in_their_tenant() {
    let server = Server::start();
    for (id, name) in [("acme", "Acme"), ("initech", "Initech")] {
        server.json(&["tenants", "create", "--id", id, "--name", name]);
    }
    let extra = ["--event-type", "evaluation.failed", "--retry-max", "0"];
    let (acme, _) = server.webhook(
        "a",
        &dead_url(),
        &[&extra[..], &["--tenant", "acme"]].concat(),
    );
    let (initech, _) = server.webhook(
        "i",
        &dead_url(),
        &[&extra[..], &["--tenant", "initech"]].concat(),
    );
    let (default, _) = server.webhook("d", &dead_url(), &extra);

    assert_eq!(
        ids(&server.json(&["webhooks", "list", "--tenant", "acme"])),
        [acme.as_str()]
    );
    assert_eq!(
        ids(&server.json(&["webhooks", "list"])),
        [default.as_str(), initech.as_str(), acme.as_str()]
    );
    let table = server.run(&["webhooks", "list"]).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    let tenant_col = lines[0].find("TENANT").expect("a TENANT column");
    for (line, tenant) in lines[1..].iter().zip(["default ", "initech ", "acme "]) {
        assert!(line[tenant_col..].starts_with(tenant), "{table}");
    }
    let shown = server.run(&["webhooks", "get", &acme]).ok().stdout;
    assert!(shown.contains("\ntenant        acme\n"), "{shown}");

    let sent = server
        .run(&[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--tenant",
            "acme",
            "--data",
            "{}",
        ])
        .ok()
        .stdout;
    assert!(sent.ends_with("  1 delivery\n"), "{sent}");
    let id = sent.split_whitespace().next().unwrap();
    let event = server.json(&["events", "get", id]);
    assert_eq!(event["tenant"], "acme");
    assert_eq!(event["deliveries"][0]["webhook_id"], acme.as_str());
    let text = server.run(&["events", "get", id]).ok().stdout;
    assert!(text.contains("\ntenant    acme\n"), "{text}");
    let bad = server
        .run(&[
            "events",
            "send",
            "--type",
            "evaluation.failed",
            "--tenant",
            "nope",
            "--data",
            "{}",
        ])
        .code(4);
    assert!(bad.stderr.contains("\n  tenant: "), "{}", bad.stderr);

    // A key bound to acme: initech's webhook does not exist for it; its events go to acme.
    let (status, _, body) = http(
        &server,
        "POST",
        "/api/v1/api-keys",
        Some(r#"{"name": "acme backend", "scope": "manage", "tenant": "acme"}"#),
    );
    assert_eq!(status, 201, "{body}");
    let key: Value = serde_json::from_str(&body).unwrap();
    let key = key["secret"].as_str().unwrap();
    let bound = |args: &[&str]| server.run(&[args, &["--api-key", key]].concat());
    bound(&["webhooks", "get", &acme]).ok();
    let hidden = bound(&["webhooks", "get", &initech]).code(3);
    assert!(hidden.stderr.contains("(HTTP 404)"), "{}", hidden.stderr);
    bound(&["webhooks", "list", "--tenant", "initech"]).code(3);
    bound(&["tenants", "get", "initech"]).code(3);
    bound(&["tenants", "portal-link", "initech"]).code(3);
    bound(&["tenants", "create", "--id", "x", "--name", "x"]).code(5);
    let mine = bound(&["tenants", "list", "--json"]).ok().json();
    assert_eq!(ids(&mine), ["acme"]);
    let sent = bound(&[
        "events",
        "send",
        "--type",
        "evaluation.failed",
        "--data",
        "{}",
        "--json",
    ])
    .ok()
    .json();
    let id = sent["data"][0]["id"].as_str().unwrap();
    assert_eq!(server.json(&["events", "get", id])["tenant"], "acme");
}
