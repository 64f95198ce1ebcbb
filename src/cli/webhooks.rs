//! `herald webhooks list|get|create|update|delete|test`: manage webhooks through the
//! REST API. `update` sends only the fields given; retry flags are merged into the
//! stored policy so `--retry-max` alone keeps the delays.
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};

use super::output::{self, cut, fields, list, plural, print_json, text, time, Table};
use super::{key_value, CliError, CliResult, Connection};

const FORMATS: [&str; 6] = [
    "envelope",
    "event",
    "slack",
    "discord",
    "teams",
    "pagerduty",
];

#[derive(Args, Debug)]
pub struct WebhooksCmd {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: WebhooksCommand,
}

#[derive(Subcommand, Debug)]
pub enum WebhooksCommand {
    /// Every webhook, newest first.
    List {
        /// Only this tenant's webhooks.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// One webhook (protected header values are never shown).
    Get { id: String },
    /// Create a webhook; prints its signing secret, this once.
    Create {
        #[command(flatten)]
        flags: Box<WebhookFlags>,
        /// Create the webhook turned off.
        #[arg(long)]
        inactive: bool,
        /// The tenant the webhook belongs to, fixed once created (default: the API key's
        /// tenant for a key bound to one, else `default`).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Change a webhook: only the flags given change.
    Update {
        id: String,
        #[command(flatten)]
        flags: Box<WebhookFlags>,
        /// Turn delivery on or off.
        #[arg(long, value_name = "true|false")]
        active: Option<bool>,
    },
    /// Delete a webhook with its deliveries.
    Delete { id: String },
    /// Send a test event now and show what the target answered (exit 1 if not 2xx).
    Test {
        id: String,
        /// A catalog event type; its example is sent.
        #[arg(long)]
        event_type: String,
    },
}

#[derive(Args, Debug)]
pub struct WebhookFlags {
    /// Required on create.
    #[arg(long)]
    pub name: Option<String>,
    /// Where to deliver (http:// or https://); required on create.
    #[arg(long)]
    pub url: Option<String>,
    /// Event types to subscribe to (repeat; `prefix.*` and `*` allowed; default `*`).
    #[arg(long = "event-type", value_name = "TYPE")]
    pub event_types: Vec<String>,
    #[arg(long, value_parser = FORMATS)]
    pub format: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// A custom header sent with every request (repeat). On update, header flags replace
    /// the whole list.
    #[arg(long = "header", value_name = "KEY=VALUE", value_parser = key_value)]
    pub headers: Vec<(String, String)>,
    /// A header whose value is encrypted at rest and never shown again (repeat).
    #[arg(long = "protected-header", value_name = "KEY=VALUE", value_parser = key_value)]
    pub protected_headers: Vec<(String, String)>,
    /// Retries after the first attempt (0 to 30).
    #[arg(long)]
    pub retry_max: Option<u32>,
    /// Delay before the first retry, in milliseconds (at least 100).
    #[arg(long, value_name = "MS")]
    pub retry_delay_ms: Option<u64>,
    #[arg(long, value_parser = ["exponential", "fixed"])]
    pub retry_backoff: Option<String>,
    /// Per-attempt timeout in milliseconds (1000 to 30000).
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u64>,
}

impl WebhookFlags {
    /// The body fields these flags set; `retry` is merged into `current` when given.
    fn body(&self, current_retry: Option<&Value>) -> Map<String, Value> {
        let mut body = Map::new();
        let mut put = |k: &str, v: Value| {
            body.insert(k.into(), v);
        };
        if let Some(v) = &self.name {
            put("name", json!(v));
        }
        if let Some(v) = &self.url {
            put("url", json!(v));
        }
        if !self.event_types.is_empty() {
            put("event_types", json!(self.event_types));
        }
        if let Some(v) = &self.format {
            put("format", json!(v));
        }
        if let Some(v) = &self.description {
            put("description", json!(v));
        }
        if !self.headers.is_empty() || !self.protected_headers.is_empty() {
            let plain = self.headers.iter().map(|h| (h, false));
            let protected = self.protected_headers.iter().map(|h| (h, true));
            let list: Vec<Value> = plain
                .chain(protected)
                .map(|((k, v), p)| json!({"key": k, "value": v, "protected": p}))
                .collect();
            put("headers", Value::Array(list));
        }
        if self.retry_max.is_some() || self.retry_delay_ms.is_some() || self.retry_backoff.is_some()
        {
            let mut retry = current_retry
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(n) = self.retry_max {
                retry.insert("max_retries".into(), json!(n));
            }
            if let Some(ms) = self.retry_delay_ms {
                retry.insert("initial_delay_ms".into(), json!(ms));
            }
            if let Some(b) = &self.retry_backoff {
                retry.insert("backoff".into(), json!(b));
            }
            put("retry", Value::Object(retry));
        }
        if let Some(ms) = self.timeout_ms {
            put("timeout_ms", json!(ms));
        }
        body
    }
}

pub async fn run(cmd: WebhooksCmd) -> CliResult {
    let api = cmd.conn.api()?;
    let as_json = cmd.conn.json;
    match cmd.command {
        WebhooksCommand::List { tenant } => {
            let query: Vec<(&str, String)> = tenant.into_iter().map(|t| ("tenant", t)).collect();
            let all = api.get_all(&["webhooks"], &query).await?;
            if as_json {
                return print_json(&all);
            }
            print_list(&all)
        }
        WebhooksCommand::Get { id } => show(as_json, &api.get(&["webhooks", &id]).await?),
        WebhooksCommand::Create {
            flags,
            inactive,
            tenant,
        } => {
            if flags.name.is_none() || flags.url.is_none() {
                return Err(CliError::usage("webhooks create needs --name and --url"));
            }
            let mut body = flags.body(None);
            if inactive {
                body.insert("active".into(), json!(false));
            }
            if let Some(t) = tenant {
                body.insert("tenant".into(), json!(t));
            }
            let created = api.post(&["webhooks"], &Value::Object(body)).await?;
            show(as_json, &created)
        }
        WebhooksCommand::Update { id, flags, active } => {
            let current_retry = if flags.retry_max.is_some()
                || flags.retry_delay_ms.is_some()
                || flags.retry_backoff.is_some()
            {
                Some(api.get(&["webhooks", &id]).await?["retry"].clone())
            } else {
                None
            };
            let mut body = flags.body(current_retry.as_ref());
            if let Some(a) = active {
                body.insert("active".into(), json!(a));
            }
            if body.is_empty() {
                return Err(CliError::usage(
                    "nothing to change: give at least one flag (see herald webhooks update --help)",
                ));
            }
            show(
                as_json,
                &api.patch(&["webhooks", &id], &Value::Object(body)).await?,
            )
        }
        WebhooksCommand::Delete { id } => {
            api.delete(&["webhooks", &id]).await?;
            if as_json {
                print_json(&json!({"id": id, "deleted": true}))
            } else {
                output::out(&format!("deleted {id}\n"))
            }
        }
        WebhooksCommand::Test { id, event_type } => {
            let result = api
                .post(
                    &["webhooks", &id, "test"],
                    &json!({"event_type": event_type}),
                )
                .await?;
            if as_json {
                print_json(&result)?;
            } else {
                print_test(&result)?;
            }
            if result["success"].as_bool() == Some(true) {
                Ok(())
            } else {
                Err(CliError::failed("the target did not accept the test event"))
            }
        }
    }
}

fn state(w: &Value) -> String {
    if w["active"].as_bool() == Some(true) {
        "active".into()
    } else if !w["health"]["disabled_reason"].is_null() {
        "disabled".into()
    } else {
        "inactive".into()
    }
}

fn print_list(all: &Value) -> CliResult {
    let items = all["data"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return output::out("no webhooks\n");
    }
    let mut table = Table::new(&[
        "ID",
        "NAME",
        "TENANT",
        "STATE",
        "FORMAT",
        "EVENT TYPES",
        "URL",
    ]);
    for w in &items {
        table.row(vec![
            text(&w["id"]),
            cut(&text(&w["name"]), 32),
            text(&w["tenant"]),
            state(w),
            text(&w["format"]),
            cut(&list(&w["event_types"]), 40),
            cut(&text(&w["url"]), 60),
        ]);
    }
    table.print()
}

fn show(as_json: bool, w: &Value) -> CliResult {
    if as_json {
        return print_json(w);
    }
    let headers: Vec<String> = w["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| match h["value"].as_str() {
            Some(v) if h["protected"].as_bool() != Some(true) => {
                format!("{}: {v}", text(&h["key"]))
            }
            _ => format!("{}: •••••• (protected)", text(&h["key"])),
        })
        .collect();
    let r = &w["retry"];
    let health = &w["health"];
    let mut pairs = vec![
        ("id", text(&w["id"])),
        ("name", text(&w["name"])),
        ("tenant", text(&w["tenant"])),
        ("url", text(&w["url"])),
        ("state", state(w)),
        ("event types", list(&w["event_types"])),
        ("format", text(&w["format"])),
        ("description", text(&w["description"])),
        (
            "headers",
            if headers.is_empty() {
                "-".into()
            } else {
                headers.join("; ")
            },
        ),
        (
            "retry",
            format!(
                "{}, {} from {} ms, at most {} ms apart",
                plural(r["max_retries"].as_u64().unwrap_or(0), "retry", "retries"),
                text(&r["backoff"]),
                text(&r["initial_delay_ms"]),
                text(&r["max_delay_ms"])
            ),
        ),
        ("timeout", format!("{} ms", text(&w["timeout_ms"]))),
        ("last success", time(&health["last_success_at"])),
        ("last failure", time(&health["last_failure_at"])),
        (
            "failures",
            format!("{} in a row", text(&health["consecutive_failures"])),
        ),
        ("created", time(&w["created_at"])),
        ("updated", time(&w["updated_at"])),
    ];
    if !health["disabled_reason"].is_null() {
        pairs.push(("disabled", text(&health["disabled_reason"])));
    }
    let mut out = fields(&pairs);
    if let Some(secret) = w["secret"].as_str() {
        out.push_str(&format!(
            "\nsigning secret (shown once; keep it to verify deliveries):\n{secret}\n"
        ));
    }
    output::out(&out)
}

fn print_test(r: &Value) -> CliResult {
    let outcome = if r["success"].as_bool() == Some(true) {
        "succeeded".to_string()
    } else {
        format!("FAILED: {}", text(&r["error"]))
    };
    let mut out = fields(&[
        ("result", outcome),
        ("status", text(&r["status"])),
        ("response code", text(&r["response_code"])),
        ("duration", format!("{} ms", text(&r["duration_ms"]))),
        ("url", text(&r["request"]["url"])),
    ]);
    if let Some(body) = r["response_body"].as_str().filter(|b| !b.is_empty()) {
        out.push_str(&format!("response body\n{}\n", cut(body, 2000)));
    }
    output::out(&out)
}
