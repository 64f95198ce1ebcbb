//! The SQLite store, Herald's embedded default: every SQLite statement lives under this
//! folder. WAL mode; one write connection (writers queue in-process instead of fighting
//! over the file lock; ingest first, write_gate.rs), a pool of readers, and WAL
//! checkpoints on a connection of their own. Rows are converted to engine records here and nowhere else.
mod accounts;
mod batch;
mod checkpoint;
pub(crate) mod dump;
mod fanout_write;
mod health;
mod logs;
mod purge;
mod queue;
mod tenants;
mod webhooks;
mod write_gate;

use write_gate::Cede;

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use std::sync::Arc;

use crate::conditions::ConditionCache;
use crate::error::Result;
use crate::store::{ClusterStore, SessionPool, Store};
use async_trait::async_trait;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

#[derive(Clone, Debug)]
pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    /// The connection the background checkpoints run on.
    checkpointer: SqlitePool,
    /// Webhook conditions compiled once per version, for fan-out.
    conditions: Arc<ConditionCache>,
    /// Ingest's right of way on the write connection (write_gate.rs).
    gate: Arc<write_gate::WriteGate>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and runs the migrations.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let path = sqlite_path(url);
        if let Some(path) = &path {
            create_private(path)?;
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL survives a process crash (kill -9) without losing a
            // committed transaction; only an OS crash or power loss could.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            // 4 MB of page cache per connection: the queue's hot pages fit, and memory
            // stays flat however large the database grows.
            .pragma("cache_size", "-4000")
            // No checkpoint inside a commit: the checkpointer does them (checkpoint.rs).
            .pragma("wal_autocheckpoint", "0");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            // Readers look rows up by key; 1 MB of cache each keeps memory flat.
            .connect_with(
                options
                    .clone()
                    .read_only(true)
                    .pragma("cache_size", "-1000"),
            )
            .await?;
        let checkpointer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.pragma("cache_size", "-256"))
            .await?;
        checkpoint::spawn(checkpointer.clone());
        if let Some(path) = &path {
            // SQLite gives the -wal and -shm files the database's mode; make sure.
            for suffix in ["-wal", "-shm"] {
                let mut side = path.clone().into_os_string();
                side.push(suffix);
                restrict(std::path::Path::new(&side))?;
            }
        }
        Ok(SqliteStore {
            write,
            read,
            checkpointer,
            conditions: Default::default(),
            gate: Default::default(),
        })
    }
}

impl SqliteStore {
    /// The write connection for a background writer (claims, outcomes, leases given
    /// back): once the ingests ahead of it have gone (write_gate.rs). While `cede` is
    /// [`Cede::Once`], an ingest that queued at the pool meanwhile is let in first, and
    /// `cede` becomes [`Cede::Never`].
    async fn background_writer(&self, cede: &mut Cede) -> Result<PoolConnection<Sqlite>> {
        self.gate.background().await;
        let conn = self.write.acquire().await?;
        if *cede == Cede::Never || !self.gate.urgent_waiting() {
            return Ok(conn);
        }
        *cede = Cede::Never;
        drop(conn);
        self.gate.background().await;
        Ok(self.write.acquire().await?)
    }

    /// The write connection's pool (the store copy reads and writes through it).
    pub(crate) fn write_pool(&self) -> &SqlitePool {
        &self.write
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn session_pool(&self) -> SessionPool {
        SessionPool::Sqlite(self.write.clone())
    }

    /// Answers when the store answers (for `/healthz`).
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.write)
            .await?)
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn close(&self) {
        self.checkpointer.close().await;
        self.read.close().await;
        self.write.close().await;
    }
}

/// Creates the database file readable and writable by its owner only (0600), like the
/// master key file: it holds sealed secrets, hashed keys and the delivery log. An existing
/// file is restricted to 0600 too.
fn create_private(path: &std::path::Path) -> Result<()> {
    if !path.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_error(path, e)),
        }
    }
    restrict(path)
}

/// Sets mode 0600 on `path` when it exists.
fn restrict(path: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    if path.exists() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io_error(path, e))?;
    }
    Ok(())
}

fn io_error(path: &std::path::Path, e: std::io::Error) -> crate::error::EngineError {
    crate::error::EngineError::Config(format!("database file {}: {e}", path.display()))
}

/// One process per database file: the defaults (no other instances, limits in memory).
impl ClusterStore for SqliteStore {}

/// The file path behind a `sqlite:` URL, if it names a file.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://herald.db"), Some("herald.db".into()));
        assert_eq!(
            sqlite_path("sqlite:///var/lib/h.db?mode=rwc"),
            Some("/var/lib/h.db".into())
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x"), None);
    }

    #[test]
    fn cursors_round_trip() {
        use crate::store::rows::{decode_cursor, encode_cursor};
        let c = encode_cursor(42, "dlv_01");
        assert_eq!(decode_cursor(&c), Some((42, "dlv_01".to_string())));
        assert_eq!(decode_cursor("garbage"), None);
    }
}
