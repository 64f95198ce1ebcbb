//! Which store the benchmarked Herald runs on: a SQLite file in its temporary folder (the
//! default), or with `--store postgres` a fresh database per scenario on the PostgreSQL
//! server named by `HERALD_TEST_POSTGRES_URL` — the throwaway cluster `scripts/bench`
//! starts through `scripts/pg`, the same way the tests do (docs/scaling.md#tests).
use std::path::Path;

use sqlx::Connection;

/// A fixed master key: instances sharing a PostgreSQL database need the same one.
pub const MASTER_KEY: &str = "aGVyYWxkLWJlbmNoLW1hc3Rlci1rZXktMzJieXRlcyE=";

#[derive(Clone, Debug)]
pub enum StoreChoice {
    Sqlite,
    Postgres { server: String },
}

impl StoreChoice {
    /// From `--store`; PostgreSQL needs `HERALD_TEST_POSTGRES_URL`.
    pub fn parse(name: &str) -> Result<StoreChoice, String> {
        match name {
            "sqlite" => Ok(StoreChoice::Sqlite),
            "postgres" => std::env::var("HERALD_TEST_POSTGRES_URL")
                .ok()
                .filter(|u| !u.is_empty())
                .map(|server| StoreChoice::Postgres { server })
                .ok_or_else(|| "--store postgres needs HERALD_TEST_POSTGRES_URL (scripts/bench --store postgres sets it)".into()),
            other => Err(format!("unknown store {other} (sqlite or postgres)")),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            StoreChoice::Sqlite => "sqlite",
            StoreChoice::Postgres { .. } => "postgres",
        }
    }

    /// A new, empty database for one scenario: its URL, and the PostgreSQL database to
    /// drop afterwards.
    pub async fn create(&self, dir: &Path, tag: &str) -> Result<Database, String> {
        let StoreChoice::Postgres { server } = self else {
            return Ok(Database {
                url: format!("sqlite://{}", dir.join("herald.db").display()),
                postgres: None,
            });
        };
        let name = format!(
            "herald_bench_{}_{}",
            tag.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            crate::now_ns() % 1_000_000_000
        );
        let mut conn = sqlx::PgConnection::connect(server)
            .await
            .map_err(|e| format!("{server}: {e}"))?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        let _ = conn.close().await;
        let (base, _) = server.rsplit_once('/').ok_or("a server URL with a path")?;
        Ok(Database {
            url: format!("{base}/{name}"),
            postgres: Some((server.clone(), name)),
        })
    }
}

pub struct Database {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl Drop for Database {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&server).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// The database's write-ahead log position and size, in bytes (PostgreSQL only): sampled
/// at a measured window's edges, they give WAL and storage bytes per delivery.
pub async fn wal_and_size(db_url: &str) -> Option<(i64, i64)> {
    if !db_url.starts_with("postgres") {
        return None;
    }
    let mut conn = sqlx::PgConnection::connect(db_url).await.ok()?;
    let row: (i64, i64) = sqlx::query_as(
        "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8, pg_database_size(current_database())",
    )
    .fetch_one(&mut conn)
    .await
    .ok()?;
    let _ = conn.close().await;
    Some(row)
}
