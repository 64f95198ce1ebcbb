//! `herald user create|list|role|reset|remove`: console users with roles over the REST
//! API (an `admin` key; docs/roles.md, docs/cli.md#users). A setup token is printed once,
//! alone on standard output (the explanation goes to standard error), so it can be piped.
//! Its arguments have their own parser: `herald serve`'s global `--role` (all, api or
//! worker) would otherwise take the user's `--role`.
use clap::{Parser, Subcommand};
use domain::Role;
use serde_json::{json, Value};

use super::output::{print_json, text, time, Table};
use super::{CliError, CliResult, Connection};

#[derive(Parser, Debug)]
#[command(
    name = "herald user",
    about = "Console users with roles (docs/roles.md), over the REST API with an admin key"
)]
pub struct UserCmd {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a console user and print their one-time setup token.
    Create {
        /// 1 to 64 of a-z, 0-9, '_', '.' and '-'.
        #[arg(long)]
        name: String,
        /// admin (everything), editor (webhooks and deliveries) or viewer (read only).
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Every console user with their role.
    List,
    /// Give a user another role.
    Role {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Replace a user's password with a new setup token (printed once); their sessions end.
    Reset { name: String },
    /// Remove a user; their sessions end.
    Remove { name: String },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "must be admin, editor or viewer".to_string())
}

/// Parses `args` (what follows `herald user`) and runs the command.
pub async fn run(args: Vec<String>) -> CliResult {
    let cmd = match UserCmd::try_parse_from(std::iter::once("herald user".to_string()).chain(args))
    {
        Ok(cmd) => cmd,
        Err(e) if !e.use_stderr() => {
            // --help: print it and succeed.
            let _ = e.print();
            return Ok(());
        }
        Err(e) => {
            let _ = e.print();
            return Err(CliError::usage("bad arguments to herald user"));
        }
    };
    let api = cmd.conn.api()?;
    let as_json = cmd.conn.json;
    match cmd.command {
        UserCommand::Create { name, role } => {
            let setup = api
                .post(&["users"], &json!({"name": name, "role": role}))
                .await?;
            print_setup(&setup, as_json, "Created")
        }
        UserCommand::List => {
            let all = api.get(&["users"]).await?;
            if as_json {
                return print_json(&all);
            }
            let mut table = Table::new(&["NAME", "ROLE", "CREATED", "SETUP"]);
            for u in all["data"].as_array().into_iter().flatten() {
                let setup = if u["setup_pending"] == true {
                    "pending"
                } else {
                    "done"
                };
                table.row(vec![
                    text(&u["name"]),
                    text(&u["role"]),
                    time(&u["created_at"]),
                    setup.into(),
                ]);
            }
            table.print()
        }
        UserCommand::Role { name, role } => {
            let user = api.patch(&["users", &name], &json!({"role": role})).await?;
            if as_json {
                return print_json(&user);
            }
            super::output::out(&format!(
                "{} is now {}\n",
                text(&user["name"]),
                text(&user["role"])
            ))
        }
        UserCommand::Reset { name } => {
            let setup = api.post(&["users", &name, "reset"], &json!({})).await?;
            print_setup(&setup, as_json, "Reset")
        }
        UserCommand::Remove { name } => {
            api.delete(&["users", &name]).await?;
            if as_json {
                return print_json(&json!({"removed": name}));
            }
            super::output::out(&format!("removed {name}\n"))
        }
    }
}

/// The setup token alone on standard output, what to do with it on standard error.
fn print_setup(setup: &Value, as_json: bool, what: &str) -> CliResult {
    if as_json {
        return print_json(setup);
    }
    let token = setup["setup_token"]
        .as_str()
        .ok_or_else(|| CliError::failed("the answer holds no setup token"))?;
    eprintln!(
        "{what} user {} ({}). Their one-time setup token, shown only this once; they sign in \
         with it as {} before {} and choose a password:",
        text(&setup["user"]["name"]),
        text(&setup["user"]["role"]),
        text(&setup["user"]["name"]),
        time(&setup["expires_at"]),
    );
    super::output::out(&format!("{token}\n"))
}
