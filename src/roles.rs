//! What one `herald serve` process runs when several share a PostgreSQL database
//! (docs/scaling.md#roles): `--role all` (the default: API, console and delivery worker),
//! `api` (API and console, no worker: deliveries wait in the table for a worker anywhere)
//! or `worker` (deliveries only; `/healthz` and `/metrics` still answer). Also the
//! instance id its leases carry, joining the other instances and leaving at shutdown.
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use engine::cluster::Membership;
use engine::{Engine, RunStats, Worker};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::startup::BoxError;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    All,
    Api,
    Worker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Api => "api",
            Role::Worker => "worker",
        }
    }
    pub fn runs_worker(self) -> bool {
        self != Role::Api
    }
    pub fn serves_api(self) -> bool {
        self != Role::Worker
    }
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ClusterArgs {
    /// What `serve` runs: all (API, console and worker), api (no worker) or worker (deliveries; only /healthz and /metrics answer). api and worker need PostgreSQL.
    #[arg(long, env = "HERALD_ROLE", value_enum, default_value_t = Role::All, global = true)]
    pub role: Role,
    /// This instance's id among those sharing a database (letters, digits, - and _); random at each start when unset. A process restarted under the same id takes its previous run's deliveries back at once.
    #[arg(long, env = "HERALD_INSTANCE_ID", value_parser = parse_instance_id, global = true)]
    pub instance_id: Option<String>,
}

/// Lease tokens are `<instance>.<token>`: an id must not contain a dot.
fn parse_instance_id(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(s.to_string())
    } else {
        Err("use 1 to 64 letters, digits, '-' or '_'".into())
    }
}

/// The running parts of a serving process besides its HTTP server.
pub struct Roles {
    role: Role,
    stop: watch::Sender<bool>,
    worker: Option<JoinHandle<RunStats>>,
    membership: Membership,
}

/// Joins the instances sharing the store, takes back deliveries left in flight by
/// instances that are gone, and starts the worker when the role has one.
pub async fn start(engine: &Engine, args: &ClusterArgs) -> Result<Roles, BoxError> {
    let role = args.role;
    if role != Role::All && !engine.shared_store() {
        return Err(format!(
            "--role {} needs a PostgreSQL database: a SQLite file belongs to one process (docs/scaling.md)",
            role.as_str()
        )
        .into());
    }
    let membership = engine.join(role.as_str(), role.runs_worker()).await?;
    let released = engine.release_interrupted().await?;
    if released > 0 {
        tracing::info!(
            released,
            "deliveries interrupted by a stopped instance are due again"
        );
    }
    let (stop, stopped) = watch::channel(false);
    let worker = role
        .runs_worker()
        .then(|| tokio::spawn(Worker::new(engine.clone()).run(stopped, Duration::from_secs(10))));
    tracing::info!(
        instance = engine.instance_id(),
        role = role.as_str(),
        "instance started"
    );
    Ok(Roles {
        role,
        stop,
        worker,
        membership,
    })
}

impl Roles {
    /// The router this role serves: everything, or for a worker only `/healthz` and
    /// `/metrics`.
    pub fn restrict(&self, router: Router) -> Router {
        if self.role.serves_api() {
            return router;
        }
        router.layer(axum::middleware::from_fn(worker_paths))
    }

    /// Stops the worker (in-flight attempts finish or are given back) and leaves.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Some(w) = self.worker {
            let _ = w.await;
        }
        self.membership.leave().await;
    }
}

async fn worker_paths(req: Request, next: Next) -> Response {
    match req.uri().path() {
        "/healthz" | "/metrics" => next.run(req).await,
        _ => (
            axum::http::StatusCode::NOT_FOUND,
            "this instance runs the delivery worker only (--role worker)",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_cannot_break_lease_tokens() {
        assert_eq!(parse_instance_id("node-a_1").as_deref(), Ok("node-a_1"));
        assert!(parse_instance_id("a.b").is_err());
        assert!(parse_instance_id("").is_err());
        assert!(parse_instance_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn roles_split_the_work() {
        assert!(Role::All.runs_worker() && Role::All.serves_api());
        assert!(!Role::Api.runs_worker() && Role::Api.serves_api());
        assert!(Role::Worker.runs_worker() && !Role::Worker.serves_api());
    }
}
