//! The client half of the `herald` binary: subcommands that talk to a running server over
//! the REST API only (`events`, `webhooks`, `deliveries`, `retry-failed`, `tenants`, `user`), and `listen`, a
//! local receiver that prints and verifies deliveries. Exit codes are in [`Exit`] and
//! docs/cli.md#exit-codes.
pub mod client;
pub mod deliveries;
pub mod events;
pub mod listen;
pub mod output;
pub mod signature;
pub mod tenants;
pub mod users;
pub mod webhooks;

use std::process::ExitCode;

use clap::{Args, Subcommand};

/// The exit-code table shown at the end of `herald --help`.
pub const EXIT_CODES_HELP: &str = "\
Client commands (events, webhooks, deliveries, retry-failed, tenants, user, listen) exit with:
  0  success
  1  the command ran but failed (a test send the target refused, an unreadable file,
     a port in use)
  2  usage error: bad flags or input; nothing was sent
  3  not found (HTTP 404)
  4  the server refused the request (HTTP 400, 409, 413, 415, 422 and other 4xx)
  5  authentication failed (HTTP 401, 403): check HERALD_API_KEY
  6  rate limited (HTTP 429)
  7  server error (HTTP 5xx)
  8  cannot connect: no answer from HERALD_URL";

/// Exit codes of the client commands (docs/cli.md#exit-codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failed = 1,
    Usage = 2,
    NotFound = 3,
    Rejected = 4,
    Auth = 5,
    RateLimited = 6,
    Server = 7,
    Connect = 8,
}

impl Exit {
    /// The code for an HTTP error status.
    pub fn for_status(status: u16) -> Exit {
        match status {
            404 => Exit::NotFound,
            401 | 403 => Exit::Auth,
            429 => Exit::RateLimited,
            500..=599 => Exit::Server,
            _ => Exit::Rejected,
        }
    }
}

/// A failure to report: one message line and optional `field: message` lines.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub fields: Vec<(String, String)>,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            fields: Vec::new(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(Exit::Usage, message)
    }
    pub fn failed(message: impl Into<String>) -> Self {
        CliError::new(Exit::Failed, message)
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

/// Where the server is and how to authenticate.
#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// The Herald server to talk to.
    #[arg(
        long = "server",
        value_name = "URL",
        env = "HERALD_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub server: String,
    /// API key (`hk_…`), sent as `Authorization: Bearer`.
    #[arg(long, env = "HERALD_API_KEY", hide_env_values = true, global = true)]
    pub api_key: Option<String>,
}

/// The options of every REST client command.
#[derive(Args, Debug, Clone)]
pub struct Connection {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Print the server's JSON (one document) instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// Items per request when following a list's pages (1 to 200).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub page_size: u32,
}

impl Connection {
    pub fn api(&self) -> CliResult<client::Api> {
        client::Api::new(&self.server, self.page_size)
    }
}

/// The client subcommands, flattened into `herald`'s command list.
#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Send events and read them back (talks to HERALD_URL).
    Events(events::EventsCmd),
    /// List, create, change, delete and test webhooks (talks to HERALD_URL).
    Webhooks(webhooks::WebhooksCmd),
    /// Read the delivery log and resend deliveries (talks to HERALD_URL).
    Deliveries(deliveries::DeliveriesCmd),
    /// Re-queue a webhook's failed deliveries created in a time window (talks to HERALD_URL).
    RetryFailed(deliveries::RetryFailedCmd),
    /// List, create, rename and delete tenants; make portal links (talks to HERALD_URL).
    Tenants(tenants::TenantsCmd),
    /// Create, list, change, reset and remove console users with roles (talks to HERALD_URL; an admin key). See `herald user --help`.
    #[command(disable_help_flag = true)]
    User {
        /// `create --name N --role viewer`, `list`, `role N --role R`, `reset N`, `remove N`. Parsed by
        /// its own parser: `--role` here is the user's role, not `serve`'s global one.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0.., value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Run a local receiver that prints each delivery and checks its signatures.
    Listen(listen::ListenCmd),
}

/// Runs a client command and reports its outcome on stderr; never panics on bad input.
pub async fn run(command: ClientCommand) -> ExitCode {
    let result = match command {
        ClientCommand::Events(c) => events::run(c).await,
        ClientCommand::Webhooks(c) => webhooks::run(c).await,
        ClientCommand::Deliveries(c) => deliveries::run(c).await,
        ClientCommand::RetryFailed(c) => deliveries::retry_failed(c).await,
        ClientCommand::Tenants(c) => tenants::run(c).await,
        ClientCommand::User { args } => users::run(args).await,
        ClientCommand::Listen(c) => listen::run(c).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("herald: {}", e.message);
            for (field, message) in &e.fields {
                eprintln!("  {field}: {message}");
            }
            ExitCode::from(e.exit as u8)
        }
    }
}

/// Splits `K=V` (header flags).
pub fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("\"{s}\" is not KEY=VALUE")),
    }
}

/// A time for `--since`/`--until`: RFC 3339 or unix seconds (passed on as given), or a
/// duration before now such as `30m`, `12h`, `7d` (sent as RFC 3339).
pub fn parse_time_arg(s: &str) -> Result<String, String> {
    let s = s.trim();
    if engine::clock::parse_time(s).is_some() {
        return Ok(s.to_string());
    }
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 = num.parse().map_err(|_| bad_time(s))?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad_time(s)),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    Ok(engine::clock::rfc3339(now - n * unit_ms))
}

fn bad_time(s: &str) -> String {
    format!("\"{s}\" is not a time: use RFC 3339 (2024-11-22T08:00:00Z), unix seconds, or an age like 30m, 12h, 7d")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_is_well_formed() {
        use clap::CommandFactory;
        crate::config::Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_for_statuses() {
        let cases = [
            (404, Exit::NotFound),
            (401, Exit::Auth),
            (403, Exit::Auth),
            (429, Exit::RateLimited),
            (500, Exit::Server),
            (503, Exit::Server),
            (400, Exit::Rejected),
            (409, Exit::Rejected),
            (422, Exit::Rejected),
        ];
        for (status, exit) in cases {
            assert_eq!(Exit::for_status(status), exit, "{status}");
        }
    }

    #[test]
    fn time_args() {
        assert_eq!(
            parse_time_arg("2024-11-22T08:00:00Z").unwrap(),
            "2024-11-22T08:00:00Z"
        );
        assert_eq!(parse_time_arg("1732262400").unwrap(), "1732262400");
        let ago = parse_time_arg("2h").unwrap();
        assert!(engine::clock::parse_time(&ago).is_some(), "{ago}");
        for bad in ["", "2 weeks", "5w", "yesterday"] {
            assert!(parse_time_arg(bad).is_err(), "{bad}");
        }
        assert_eq!(key_value("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(key_value("=x").is_err());
        assert!(key_value("novalue").is_err());
    }
}
