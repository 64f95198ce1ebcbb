//! The one application builder. `herald serve` and every integration test start Herald
//! the same way — [`Application::build`] then [`Application::run_until_stopped`] — so a
//! test exercises exactly what production does at start: the admin account, the
//! bootstrap key, joining the instances on the store and releasing deliveries stopped ones
//! left in flight, the worker (per `--role`), housekeeping and the whole router on a real
//! listener.
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use engine::clock::{Clock, SystemClock};
use engine::Engine;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::roles::Roles;
use crate::startup::{self, BoxError};

/// A built Herald: its engine, its router and the listener it will serve on.
pub struct Application {
    engine: Engine,
    router: Router,
    listener: TcpListener,
    roles: Roles,
}

impl Application {
    /// Opens the store and the engine, prepares accounts and keys, recovers interrupted
    /// deliveries, builds the router and binds the listen address (`--addr
    /// 127.0.0.1:0` picks a free port: see [`local_addr`](Self::local_addr)).
    pub async fn build(config: Config) -> Result<Application, BoxError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`build`](Self::build) with the engine reading time from `clock` (tests move time
    /// by hand: throttle windows, setup-token expiry, session lifetimes).
    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Application, BoxError> {
        let engine = startup::open_engine_with_clock(&config, clock).await?;
        startup::ensure_admin(&engine, &config).await?;
        if let Some(key) = &config.bootstrap_api_key {
            if engine.ensure_api_key("bootstrap", key).await? {
                tracing::info!("created the bootstrap API key");
            }
        }
        // Joins the instances sharing the store, takes back deliveries left in flight by
        // stopped ones, and starts the worker when the role has one (docs/scaling.md).
        let roles = crate::roles::start(&engine, &config.cluster).await?;
        let addr = config.listen_addr();
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        // The bound address (the real port when asked for port 0) is one the console serves.
        let bound = listener.local_addr()?;
        let router = roles.restrict(startup::router(engine.clone(), &config, bound).await?);
        Ok(Application {
            engine,
            router,
            listener,
            roles,
        })
    }

    /// The address the application listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Serves until `shutdown` completes, then lets in-flight deliveries finish and closes
    /// the store.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), BoxError> {
        let Application {
            engine,
            router,
            listener,
            roles,
        } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let retention = tokio::spawn(startup::retention(engine.clone(), stop_rx.clone()));
        let housekeeping = tokio::spawn(startup::housekeeping(engine.clone(), stop_rx));
        tracing::info!("Herald listening on http://{}", listener.local_addr()?);
        // With the peer's address: the login throttle counts failures per client.
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        tracing::info!("shutting down: finishing in-flight deliveries");
        let _ = stop_tx.send(true);
        roles.stop().await;
        let _ = housekeeping.await;
        let _ = retention.await;
        engine.close().await;
        Ok(())
    }
}
