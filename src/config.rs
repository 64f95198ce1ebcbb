//! Configuration: every setting of docs/configuration.md as a flag with its environment variable.
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "herald",
    version,
    about = "Self-hosted webhook delivery with a browser console",
    after_help = crate::cli::EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API, the console and the delivery worker (the default).
    Serve,
    /// Manage API keys.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Manage the console's admin account.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Move the store (e.g. from SQLite to PostgreSQL).
    Store {
        #[command(subcommand)]
        command: crate::store_copy::StoreCommand,
    },
    #[command(flatten)]
    Client(crate::cli::ClientCommand),
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create a key and print it once.
    Create {
        #[arg(long)]
        name: String,
        /// What the key may do: ingest (POST /events only), manage (all but API keys) or admin.
        #[arg(long, default_value = "manage", value_parser = parse_scope)]
        scope: domain::Scope,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Set the admin password (read from standard input, or --password).
    SetPassword {
        #[arg(long, env = "HERALD_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Server settings (serve, api-key, admin)")]
pub struct Config {
    /// Listen address (falls back to LEPTOS_SITE_ADDR, then 127.0.0.1:3000).
    #[arg(long, env = "HERALD_ADDR", global = true)]
    pub addr: Option<String>,
    /// The store.
    #[arg(
        long,
        env = "HERALD_DATABASE_URL",
        default_value = "sqlite://herald.db",
        global = true
    )]
    pub database_url: String,
    /// 32-byte base64 key sealing secrets at rest; generated into herald.key beside the database when absent.
    #[arg(long, env = "HERALD_MASTER_KEY", hide_env_values = true, global = true)]
    pub master_key: Option<String>,
    /// Sets the admin password at start.
    #[arg(
        long,
        env = "HERALD_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,
    /// Ensures an API key with exactly this value exists.
    #[arg(
        long,
        env = "HERALD_BOOTSTRAP_API_KEY",
        hide_env_values = true,
        global = true
    )]
    pub bootstrap_api_key: Option<String>,
    /// CIDRs that may be delivered to even though private, e.g. 127.0.0.0/8.
    #[arg(
        long,
        env = "HERALD_ALLOWED_TARGETS",
        default_value = "",
        global = true
    )]
    pub allowed_targets: String,
    /// Auto-disable a webhook whose deliveries all failed for this long (e.g. 5d, 12h, 30m).
    #[arg(long, env = "HERALD_DISABLE_AFTER", default_value = "5d", value_parser = parse_duration, global = true)]
    pub disable_after: Duration,
    /// Keep events, finished deliveries and attempts this long (e.g. 30d, 12h, 90m); `off`
    /// or `0` keeps everything.
    #[arg(long, env = "HERALD_RETENTION", default_value = "30d", value_parser = parse_retention, global = true)]
    pub retention: engine::rules::retention::Retention,
    /// Test and validate sends allowed per minute per user or key.
    #[arg(
        long,
        env = "HERALD_TEST_RATE_LIMIT",
        default_value_t = 10,
        global = true
    )]
    pub test_rate_limit: u32,
    /// Requests in flight at once for one tenant's webhooks (of 512 for the whole
    /// worker; unset: half of them): one tenant's backlog leaves the rest to the others.
    #[arg(
        long,
        env = "HERALD_MAX_IN_FLIGHT_PER_TENANT",
        value_parser = clap::value_parser!(u32).range(1..=engine::MAX_IN_FLIGHT as i64),
        global = true
    )]
    pub max_in_flight_per_tenant: Option<u32>,
    /// Log filter (tracing EnvFilter syntax).
    #[arg(long, env = "HERALD_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Log format: `text` (human) or `json` (one object a line).
    #[arg(long, env = "HERALD_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    pub log_format: String,
    /// Where the console's built assets live; unset: `site/` in the cargo target folder
    /// (`$CARGO_TARGET_DIR/site`, beside the executable's folder, or `./target/site`).
    #[arg(long, env = "LEPTOS_SITE_ROOT", global = true)]
    pub site_root: Option<String>,
    /// The public URL; when https, session cookies are marked Secure.
    #[arg(long, env = "HERALD_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Sites that may show the tenant portal in an iframe: CSP `frame-ancestors` sources
    /// separated by spaces, e.g. `https://app.example.com` (docs/portal.md#embedding).
    /// Unset: portal pages, like the rest of the console, are never framed.
    #[arg(
        long,
        env = "HERALD_PORTAL_FRAME_ANCESTORS",
        default_value = "",
        global = true
    )]
    pub portal_frame_ancestors: String,
    /// `strict` (default) or `cross-site`: session cookies `SameSite=None; Secure;
    /// Partitioned`, so the portal works inside another site's iframe (needs an https
    /// HERALD_PUBLIC_URL; docs/portal.md#cookies).
    #[arg(
        long,
        env = "HERALD_PORTAL_COOKIES",
        value_enum,
        default_value = "strict",
        global = true
    )]
    pub portal_cookies: crate::portal::PortalCookies,
    /// When set, GET /metrics needs `Authorization: Bearer <token>` (401 otherwise).
    #[arg(
        long,
        env = "HERALD_METRICS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub metrics_token: Option<String>,
    /// Herald is behind a reverse proxy: believe its X-Forwarded-For (the client address
    /// the login throttle counts) and X-Forwarded-Proto (https makes cookies Secure).
    #[arg(
        long,
        env = "HERALD_TRUST_PROXY",
        global = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub trust_proxy: bool,
    /// More host names the console answers to (comma-separated `name`, `name:port`, or
    /// `*` for any), beside the public URL's and the listen address's; other hosts get 421.
    #[arg(long, env = "HERALD_ALLOWED_HOSTS", default_value = "", global = true)]
    pub allowed_hosts: String,
    #[command(flatten)]
    pub cluster: crate::roles::ClusterArgs,
}

impl Config {
    /// How portal pages may be embedded (checked at start: `portal::check`).
    pub fn embedding(&self) -> crate::portal::Embedding {
        crate::portal::Embedding {
            frame_ancestors: self.portal_frame_ancestors.clone(),
            cookies: self.portal_cookies,
        }
    }

    pub fn proxy(&self) -> crate::client::Proxy {
        if self.trust_proxy {
            crate::client::Proxy::Trusted
        } else {
            crate::client::Proxy::None
        }
    }

    pub fn listen_addr(&self) -> String {
        self.addr
            .clone()
            .or_else(|| std::env::var("LEPTOS_SITE_ADDR").ok())
            .unwrap_or_else(|| "127.0.0.1:3000".into())
    }
}

fn parse_scope(s: &str) -> Result<domain::Scope, String> {
    s.parse().map_err(|e: domain::UnknownName| e.to_string())
}

/// `5d`, `12h`, `30m`, `45s`, `250ms`, or plain seconds.
/// `off` or a [`parse_duration`] duration (`0` is off too).
pub fn parse_retention(s: &str) -> Result<engine::rules::retention::Retention, String> {
    use engine::rules::retention::Retention;
    if s.trim().eq_ignore_ascii_case("off") {
        return Ok(Retention::Forever);
    }
    parse_duration(s).map(|d| Retention::from_duration(Some(d)))
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("\"{s}\" is not a duration like 5d, 12h, 30m or 45s"))?;
    let ms = match unit {
        "" | "s" => n * 1000,
        "ms" => n,
        "m" => n * 60_000,
        "h" => n * 3_600_000,
        "d" => n * 86_400_000,
        _ => {
            return Err(format!(
                "unknown unit \"{unit}\" in \"{s}\" (use ms, s, m, h or d)"
            ))
        }
    };
    Ok(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retentions() {
        use engine::rules::retention::Retention;
        let cases = [
            ("30d", Ok(Retention::For(Duration::from_secs(30 * 86_400)))),
            ("90m", Ok(Retention::For(Duration::from_secs(90 * 60)))),
            ("12h", Ok(Retention::For(Duration::from_secs(12 * 3600)))),
            ("off", Ok(Retention::Forever)),
            ("OFF", Ok(Retention::Forever)),
            ("0", Ok(Retention::Forever)),
            ("0d", Ok(Retention::Forever)),
        ];
        for (given, want) in cases {
            assert_eq!(parse_retention(given), want, "{given}");
        }
        assert!(parse_retention("forever").is_err());
        assert!(parse_retention("-1d").is_err());
    }

    #[test]
    fn a_tenants_share_is_1_to_512_and_unset_by_default() {
        let share = |args: &[&str]| {
            Cli::try_parse_from([&["herald"], args].concat())
                .map(|c| c.config.max_in_flight_per_tenant)
                .map_err(|e| e.kind())
        };
        assert_eq!(share(&[]), Ok(None));
        assert_eq!(share(&["--max-in-flight-per-tenant", "100"]), Ok(Some(100)));
        assert_eq!(share(&["--max-in-flight-per-tenant", "512"]), Ok(Some(512)));
        for bad in ["0", "513", "-1", "half"] {
            assert!(
                share(&["--max-in-flight-per-tenant", bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5d"), Ok(Duration::from_secs(5 * 86_400)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("d").is_err());
    }
}
