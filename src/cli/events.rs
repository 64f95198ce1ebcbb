//! `herald events send|get`: post one event (data from a flag, a file or standard input)
//! and read a stored event back with its deliveries.
use std::io::{IsTerminal, Read};

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Map, Value};

use super::client::Api;
use super::output::{self, fields, plural, print_json, short_id, text, time, Table};
use super::{CliError, CliResult, Connection};

#[derive(Args, Debug)]
pub struct EventsCmd {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: EventsCommand,
}

#[derive(Subcommand, Debug)]
pub enum EventsCommand {
    /// Send one event; prints each stored event's id and how many deliveries it got.
    Send(SendArgs),
    /// One stored event with its deliveries.
    Get {
        /// The event id (`evt_…`).
        id: String,
    },
}

#[derive(Args, Debug)]
pub struct SendArgs {
    /// The event type, e.g. evaluation.failed (must be in the catalog).
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: String,
    /// The event's data, a JSON object: inline JSON, @FILE, or - for standard input
    /// (the default when omitted).
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub data: Option<String>,
    /// The data's object name (default: the catalog's for the type).
    #[arg(long)]
    pub object: Option<String>,
    #[arg(long)]
    pub project: Option<String>,
    #[arg(long, value_parser = ["info", "low", "medium", "high", "critical"])]
    pub severity: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    /// The tenant whose webhooks get the event (default: the API key's tenant for a key
    /// bound to one, else `default`).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Sent as Idempotency-Key: a repeat within 24 h stores nothing and answers the same ids.
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

pub async fn run(cmd: EventsCmd) -> CliResult {
    let api = cmd.conn.api()?;
    match cmd.command {
        EventsCommand::Send(args) => send(&api, cmd.conn.json, args).await,
        EventsCommand::Get { id } => get(&api, cmd.conn.json, &id).await,
    }
}

/// Reads `--data`: inline JSON, `@file`, or standard input for `-` / none.
fn read_data(arg: Option<&str>) -> CliResult<Value> {
    let (raw, from) = match arg {
        None | Some("-") => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("herald: reading the event's data from standard input (end with Ctrl-D)");
            }
            let mut s = String::new();
            stdin
                .lock()
                .read_to_string(&mut s)
                .map_err(|e| CliError::failed(format!("cannot read standard input: {e}")))?;
            (s, "standard input".to_string())
        }
        Some(a) if a.starts_with('@') => {
            let path = &a[1..];
            let s = std::fs::read_to_string(path)
                .map_err(|e| CliError::failed(format!("cannot read {path}: {e}")))?;
            (s, path.to_string())
        }
        Some(a) => (a.to_string(), "--data".to_string()),
    };
    let value: Value = serde_json::from_str(&raw)
        .map_err(|e| CliError::usage(format!("{from} is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(CliError::usage(format!(
            "{from} must be a JSON object, like {{\"score\": 0.4}}"
        )));
    }
    Ok(value)
}

async fn send(api: &Api, as_json: bool, args: SendArgs) -> CliResult {
    let data = read_data(args.data.as_deref())?;
    let mut event = Map::new();
    event.insert("type".into(), json!(args.event_type));
    event.insert("data".into(), data);
    for (k, v) in [
        ("object", args.object),
        ("project", args.project),
        ("severity", args.severity),
        ("source", args.source),
        ("tenant", args.tenant),
    ] {
        if let Some(v) = v {
            event.insert(k.into(), json!(v));
        }
    }
    let answer = api
        .send(
            Method::POST,
            &["events"],
            &[],
            Some(&Value::Object(event)),
            args.idempotency_key.as_deref(),
        )
        .await?;
    if as_json {
        return print_json(&answer.body);
    }
    let replayed = answer
        .headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let mut text_out = String::new();
    for item in answer.body["data"].as_array().into_iter().flatten() {
        let n = item["deliveries"].as_u64().unwrap_or(0);
        text_out.push_str(&format!(
            "{}  {}\n",
            text(&item["id"]),
            plural(n, "delivery", "deliveries")
        ));
    }
    if replayed {
        text_out.push_str("(idempotency key seen before: nothing new was stored)\n");
    }
    output::out(&text_out)
}

async fn get(api: &Api, as_json: bool, id: &str) -> CliResult {
    let event = api.get(&["events", id]).await?;
    if as_json {
        return print_json(&event);
    }
    let subject = match event["subject"].as_object() {
        Some(s) => ["type", "name", "id", "version"]
            .iter()
            .filter_map(|k| s.get(*k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        None => "-".into(),
    };
    let mut out = fields(&[
        ("id", text(&event["id"])),
        ("tenant", text(&event["tenant"])),
        ("type", text(&event["type"])),
        ("object", text(&event["object"])),
        ("created", time(&event["created_at"])),
        ("project", text(&event["project"])),
        ("severity", text(&event["severity"])),
        ("source", text(&event["source"])),
        ("subject", subject),
    ]);
    let pretty = serde_json::to_string_pretty(&event["data"]).unwrap_or_default();
    out.push_str(&format!("data\n{pretty}\n"));
    if !event["metadata"].is_null() {
        let meta = serde_json::to_string_pretty(&event["metadata"]).unwrap_or_default();
        out.push_str(&format!("metadata\n{meta}\n"));
    }
    let deliveries = event["deliveries"].as_array().cloned().unwrap_or_default();
    out.push_str(&format!(
        "\n{}\n",
        plural(deliveries.len() as u64, "delivery", "deliveries")
    ));
    if !deliveries.is_empty() {
        let mut table = Table::new(&[
            "ID",
            "WEBHOOK",
            "STATUS",
            "ATTEMPTS",
            "LAST",
            "UPDATED (UTC)",
        ]);
        for d in &deliveries {
            table.row(vec![
                text(&d["id"]),
                short_id(d["webhook_id"].as_str().unwrap_or("-")),
                text(&d["status"]),
                text(&d["attempts"]),
                super::deliveries::last_outcome(d),
                time(&d["updated_at"]),
            ]);
        }
        out.push_str(&table.render());
    }
    output::out(&out)
}
