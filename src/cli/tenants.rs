//! `herald tenants list|create|get|rename|delete|portal-link`: a platform's customers
//! (docs/tenants.md) and single-use links into their portal (docs/portal.md), through the
//! REST API. `portal-link` prints the URL alone, so `open "$(herald tenants portal-link X)"`
//! works.
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Map, Value};

use super::output::{self, cut, fields, print_json, text, time, Table};
use super::{CliResult, Connection};

#[derive(Args, Debug)]
pub struct TenantsCmd {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: TenantsCommand,
}

#[derive(Subcommand, Debug)]
pub enum TenantsCommand {
    /// Every tenant, by id, with how many webhooks it has.
    List,
    /// Create a tenant.
    Create {
        /// Your own id for the customer: 1 to 64 of A-Z a-z 0-9 _ -, fixed once created.
        #[arg(long)]
        id: String,
        /// 1 to 128 characters.
        #[arg(long)]
        name: String,
    },
    /// One tenant.
    Get { id: String },
    /// Rename a tenant (its id cannot change).
    Rename {
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Delete a tenant; refused while it has webhooks unless --cascade.
    Delete {
        id: String,
        /// Also delete its webhooks with their deliveries, its events and portal links,
        /// and revoke the API keys bound to it.
        #[arg(long)]
        cascade: bool,
    },
    /// Print a single-use link into the tenant's portal.
    PortalLink {
        id: String,
        /// Seconds until the link expires: 60 to 86400 (default 3600).
        #[arg(long, value_name = "SECONDS")]
        expires_in: Option<u64>,
        /// Shown in the portal's header instead of "Herald" (1 to 80 characters).
        #[arg(long)]
        title: Option<String>,
        /// The portal's accent colour.
        #[arg(long, value_name = "#RRGGBB")]
        accent: Option<String>,
    },
}

pub async fn run(cmd: TenantsCmd) -> CliResult {
    let api = cmd.conn.api()?;
    let as_json = cmd.conn.json;
    match cmd.command {
        TenantsCommand::List => {
            let all = api.get_all(&["tenants"], &[]).await?;
            if as_json {
                return print_json(&all);
            }
            print_list(&all)
        }
        TenantsCommand::Create { id, name } => {
            let created = api
                .post(&["tenants"], &json!({"id": id, "name": name}))
                .await?;
            show(as_json, &created)
        }
        TenantsCommand::Get { id } => show(as_json, &api.get(&["tenants", &id]).await?),
        TenantsCommand::Rename { id, name } => show(
            as_json,
            &api.patch(&["tenants", &id], &json!({"name": name})).await?,
        ),
        TenantsCommand::Delete { id, cascade } => {
            let query = if cascade {
                vec![("cascade", "true".to_string())]
            } else {
                Vec::new()
            };
            api.send(Method::DELETE, &["tenants", &id], &query, None, None)
                .await
                .map_err(|mut e| {
                    // The API's 409 names its query parameter; here it is a flag.
                    e.message = e.message.replace("?cascade=true", "--cascade");
                    e
                })?;
            if as_json {
                print_json(&json!({"id": id, "deleted": true}))
            } else {
                output::out(&format!("deleted {id}\n"))
            }
        }
        TenantsCommand::PortalLink {
            id,
            expires_in,
            title,
            accent,
        } => {
            let mut body = Map::new();
            if let Some(s) = expires_in {
                body.insert("expires_in".into(), json!(s));
            }
            for (k, v) in [("title", title), ("accent", accent)] {
                if let Some(v) = v {
                    body.insert(k.into(), json!(v));
                }
            }
            let link = api
                .post(&["tenants", &id, "portal-links"], &Value::Object(body))
                .await?;
            if as_json {
                return print_json(&link);
            }
            eprintln!("opens once, until {} UTC", time(&link["expires_at"]));
            output::out(&format!("{}\n", text(&link["url"])))
        }
    }
}

fn print_list(all: &Value) -> CliResult {
    let mut table = Table::new(&["ID", "NAME", "WEBHOOKS", "CREATED (UTC)"]);
    for t in all["data"].as_array().into_iter().flatten() {
        table.row(vec![
            text(&t["id"]),
            cut(&text(&t["name"]), 40),
            text(&t["webhooks"]),
            time(&t["created_at"]),
        ]);
    }
    table.print()
}

fn show(as_json: bool, t: &Value) -> CliResult {
    if as_json {
        return print_json(t);
    }
    output::out(&fields(&[
        ("id", text(&t["id"])),
        ("name", text(&t["name"])),
        ("webhooks", text(&t["webhooks"])),
        ("created", time(&t["created_at"])),
        ("updated", time(&t["updated_at"])),
    ]))
}
