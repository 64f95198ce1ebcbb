//! `herald deliveries list|get|resend` and `herald retry-failed`: the delivery log and
//! the manual actions on it.
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};

use super::output::{self, cut, fields, plural, print_json, short_id, text, time, Table};
use super::{parse_time_arg, CliResult, Connection};

const STATUSES: [&str; 5] = ["pending", "delivering", "retrying", "succeeded", "failed"];

#[derive(Args, Debug)]
pub struct DeliveriesCmd {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: DeliveriesCommand,
}

#[derive(Subcommand, Debug)]
pub enum DeliveriesCommand {
    /// A webhook's deliveries, newest first (every page).
    List {
        /// The webhook id (`wh_…`).
        #[arg(long)]
        webhook: String,
        #[arg(long, value_parser = STATUSES)]
        status: Option<String>,
        /// An exact event type.
        #[arg(long)]
        event_type: Option<String>,
        /// Created at or after: RFC 3339, unix seconds, or an age like 30m, 12h, 7d.
        #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
        since: Option<String>,
        /// Created before (same forms as --since).
        #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
        until: Option<String>,
    },
    /// One delivery with its attempts, newest attempt first.
    Get {
        /// The delivery id (`dlv_…`).
        id: String,
    },
    /// Make one new attempt now (same webhook-id) and show the result.
    Resend { id: String },
}

#[derive(Args, Debug)]
pub struct RetryFailedCmd {
    #[command(flatten)]
    pub conn: Connection,
    /// The webhook id (`wh_…`).
    pub webhook: String,
    /// Failed deliveries created at or after: RFC 3339, unix seconds, or an age like 24h.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub since: String,
    /// Created before (same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub until: Option<String>,
    /// Only these event types (repeat; `prefix.*` and `*` allowed).
    #[arg(long = "event-type", value_name = "TYPE")]
    pub event_types: Vec<String>,
}

pub async fn run(cmd: DeliveriesCmd) -> CliResult {
    let api = cmd.conn.api()?;
    let as_json = cmd.conn.json;
    match cmd.command {
        DeliveriesCommand::List {
            webhook,
            status,
            event_type,
            since,
            until,
        } => {
            let query: Vec<(&str, String)> = [
                ("status", status),
                ("event_type", event_type),
                ("since", since),
                ("until", until),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
            let all = api
                .get_all(&["webhooks", &webhook, "deliveries"], &query)
                .await?;
            if as_json {
                return print_json(&all);
            }
            print_list(&all)
        }
        DeliveriesCommand::Get { id } => {
            let d = api.get(&["deliveries", &id]).await?;
            if as_json {
                return print_json(&d);
            }
            show(&d)
        }
        DeliveriesCommand::Resend { id } => {
            let d = api
                .send(
                    Method::POST,
                    &["deliveries", &id, "resend"],
                    &[],
                    None,
                    None,
                )
                .await?
                .body;
            if as_json {
                return print_json(&d);
            }
            let latest = d["attempts"].as_array().and_then(|a| a.first());
            let result = latest.map(attempt_result).unwrap_or_else(|| "-".into());
            output::out(&format!(
                "resent {}: attempt {} {result}; status {}\n",
                text(&d["id"]),
                latest
                    .map(|a| text(&a["attempt"]))
                    .unwrap_or_else(|| "-".into()),
                text(&d["status"])
            ))
        }
    }
}

pub async fn retry_failed(cmd: RetryFailedCmd) -> CliResult {
    let api = cmd.conn.api()?;
    let mut body = json!({"since": cmd.since});
    if let Some(u) = &cmd.until {
        body["until"] = json!(u);
    }
    if !cmd.event_types.is_empty() {
        body["event_types"] = json!(cmd.event_types);
    }
    let answer = api
        .post(&["webhooks", &cmd.webhook, "retry-failed"], &body)
        .await?;
    if cmd.conn.json {
        return print_json(&answer);
    }
    let n = answer["requeued"].as_u64().unwrap_or(0);
    output::out(&format!(
        "re-queued {}\n",
        plural(n, "failed delivery", "failed deliveries")
    ))
}

/// What the last attempt got: `HTTP 503`, an error, or `-`.
pub fn last_outcome(d: &Value) -> String {
    match (d["last_response_code"].as_u64(), d["last_error"].as_str()) {
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(err)) => cut(err, 40),
        (None, None) => "-".into(),
    }
}

fn attempt_result(a: &Value) -> String {
    match (a["response_status"].as_u64(), a["error_message"].as_str()) {
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(err)) => format!("{} ({})", text(&a["error_kind"]), cut(err, 60)),
        (None, None) => "-".into(),
    }
}

fn print_list(all: &Value) -> CliResult {
    let items = all["data"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return output::out("no deliveries\n");
    }
    let mut table = Table::new(&[
        "ID",
        "STATUS",
        "EVENT TYPE",
        "EVENTS",
        "ATTEMPTS",
        "LAST",
        "CREATED (UTC)",
    ]);
    for d in &items {
        let events: Vec<String> = d["event_ids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(short_id)
            .collect();
        table.row(vec![
            text(&d["id"]),
            text(&d["status"]),
            text(&d["event_type"]),
            cut(&events.join(","), 30),
            text(&d["attempts"]),
            last_outcome(d),
            time(&d["created_at"]),
        ]);
    }
    table.print()
}

fn show(d: &Value) -> CliResult {
    let events: Vec<&str> = d["event_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out = fields(&[
        ("id", text(&d["id"])),
        ("webhook", text(&d["webhook_id"])),
        ("status", text(&d["status"])),
        ("event type", text(&d["event_type"])),
        ("events", events.join(", ")),
        // The detail's `attempts` is the list (it replaces the count of the summary).
        (
            "attempts",
            d["attempts"]
                .as_array()
                .map_or_else(|| text(&d["attempts"]), |a| a.len().to_string()),
        ),
        ("last", last_outcome(d)),
        ("next attempt", time(&d["next_attempt_at"])),
        ("created", time(&d["created_at"])),
        ("updated", time(&d["updated_at"])),
    ]);
    let attempts = d["attempts"].as_array().cloned().unwrap_or_default();
    if !attempts.is_empty() {
        let mut table = Table::new(&["#", "TRIGGER", "STARTED (UTC)", "DURATION", "RESULT", "ID"]);
        for a in &attempts {
            table.row(vec![
                text(&a["attempt"]),
                text(&a["trigger"]),
                time(&a["started_at"]),
                format!("{} ms", text(&a["duration_ms"])),
                attempt_result(a),
                text(&a["id"]),
            ]);
        }
        out.push('\n');
        out.push_str(&table.render());
    }
    output::out(&out)
}
