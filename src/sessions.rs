//! Where the console's sessions are kept: in the store's own database, SQLite or
//! PostgreSQL (docs/console.md). One session store type over either backend, so the
//! router is built the same way whichever the engine opened.
use async_trait::async_trait;
use engine::store::SessionPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Result, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Clone, Debug)]
pub enum Sessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    /// The session store over the engine's pool (tables made by its migrations).
    pub fn over(pool: SessionPool) -> Sessions {
        match pool {
            SessionPool::Sqlite(p) => Sessions::Sqlite(SqliteStore::new(p)),
            SessionPool::Postgres(p) => Sessions::Postgres(PostgresStore::new(p)),
        }
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> Result<()> {
        match self {
            Sessions::Sqlite(s) => s.create(record).await,
            Sessions::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> Result<()> {
        match self {
            Sessions::Sqlite(s) => s.save(record).await,
            Sessions::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s) => s.load(id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete(id).await,
            Sessions::Postgres(s) => s.delete(id).await,
        }
    }
}
