//! `herald store copy`: everything one store holds, copied into another, empty one — e.g.
//! from the SQLite file to PostgreSQL when moving to several instances (docs/scaling.md#moving).
//! Webhooks keep their secrets sealed exactly as they were (the sealed text and the
//! master-key check row are copied), so the target opens with the same master key; API
//! keys, tenants, the console's users, the event-type catalog, events, deliveries with their state
//! and attempts follow. Idempotency keys, console sessions, portal links and instance
//! bookkeeping are not copied. The backends share table and column names (migrations/), so a table is
//! described once here and each backend reads and writes pages of rows (`dump.rs` in
//! each backend's folder). The target is written in one transaction: all or nothing.
use crate::error::{EngineError, Result};
use crate::store::{postgres, sqlite};

/// A column's type, as both backends store it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    Bool,
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

/// A table to copy: its columns, and the key rows are paged by (a prefix of `columns`).
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    pub key_len: usize,
}

use Kind::{Bool as B, Int as I, Text as T};

/// In an order that satisfies the foreign keys.
pub(crate) const TABLES: [Table; 10] = [
    Table {
        name: "meta",
        key_len: 1,
        columns: &[("key", T), ("value", T)],
    },
    Table {
        name: "tenants",
        key_len: 1,
        columns: &[("id", T), ("name", T), ("created_at", I), ("updated_at", I)],
    },
    Table {
        name: "webhooks",
        key_len: 1,
        columns: &[
            ("id", T),
            ("tenant", T),
            ("name", T),
            ("url", T),
            ("description", T),
            ("active", B),
            ("event_types", T),
            ("filters", T),
            ("headers", T),
            ("format", T),
            ("templates", T),
            ("settings", T),
            ("include_result", B),
            ("batch_max_events", I),
            ("batch_max_wait_ms", I),
            ("retry", T),
            ("timeout_ms", I),
            ("secret_sealed", T),
            ("prev_secret_sealed", T),
            ("prev_secret_expires_at", I),
            ("last_success_at", I),
            ("last_failure_at", I),
            ("consecutive_failures", I),
            ("failing_since", I),
            ("disabled_reason", T),
            ("created_at", I),
            ("updated_at", I),
            ("condition", T),
            ("redact", T),
            ("last_condition_error", T),
        ],
    },
    Table {
        name: "events",
        key_len: 1,
        columns: &[
            ("id", T),
            ("tenant", T),
            ("type", T),
            ("object", T),
            ("source", T),
            ("project", T),
            ("severity", T),
            ("subject", T),
            ("data", T),
            ("metadata", T),
            ("created", I),
            ("ingested_at", I),
        ],
    },
    Table {
        name: "deliveries",
        key_len: 1,
        columns: &[
            ("id", T),
            ("webhook_id", T),
            ("event_type", T),
            ("event_count", I),
            ("status", T),
            ("attempts", I),
            ("retry_base", I),
            ("due_at", I),
            ("lease_token", T),
            ("batch_open", B),
            ("next_attempt_at", I),
            ("last_status", I),
            ("last_error", T),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "delivery_events",
        key_len: 2,
        columns: &[("delivery_id", T), ("position", I), ("event_id", T)],
    },
    Table {
        name: "attempts",
        key_len: 1,
        columns: &[
            ("id", T),
            ("delivery_id", T),
            ("number", I),
            ("started_at", I),
            ("duration_ms", I),
            ("url", T),
            ("request_headers", T),
            ("request_body", T),
            ("response_status", I),
            ("response_headers", T),
            ("response_body", T),
            ("error_kind", T),
            ("error_message", T),
            ("next_retry_at", I),
            ("trigger", T),
        ],
    },
    Table {
        name: "event_types",
        key_len: 1,
        columns: &[
            ("name", T),
            ("description", T),
            ("object", T),
            ("example", T),
            ("schema", T),
            ("builtin", B),
            ("created_at", I),
        ],
    },
    Table {
        name: "api_keys",
        key_len: 1,
        columns: &[
            ("id", T),
            ("name", T),
            ("prefix", T),
            ("hash", T),
            ("scope", T),
            ("tenant", T),
            ("created_at", I),
            ("last_used_at", I),
            ("revoked_at", I),
        ],
    },
    Table {
        name: "users",
        key_len: 1,
        columns: &[
            ("username", T),
            ("password_hash", T),
            ("setup_expires_at", I),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
];

impl Table {
    /// `"a", "b", …` — quoted, as some column names are keywords.
    pub(crate) fn column_list(&self) -> String {
        let quoted: Vec<String> = self
            .columns
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect();
        quoted.join(", ")
    }
    pub(crate) fn key_list(&self) -> String {
        let quoted: Vec<String> = self.columns[..self.key_len]
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect();
        quoted.join(", ")
    }
    /// The rows a fresh store seeds itself (the built-in event types, the `default`
    /// tenant), as a condition: the target has them already, so they are kept.
    pub(crate) fn seeded(&self) -> Option<&'static str> {
        match self.name {
            "event_types" => Some("builtin"),
            "tenants" => Some("id = 'default'"),
            _ => None,
        }
    }
    pub(crate) fn keeps_existing(&self) -> bool {
        self.seeded().is_some()
    }
}

/// Rows read per page.
pub(crate) const PAGE: u32 = 1000;

/// How many rows of each table were copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
}

/// Where copied rows are written (a transaction on the target).
#[async_trait::async_trait]
pub(crate) trait Sink: Send {
    /// Inserts `rows` of `t`; returns how many were written.
    async fn write(&mut self, t: &Table, rows: &[Vec<Value>]) -> Result<u64>;
}

enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

async fn open(url: &str) -> Result<Store> {
    if url.starts_with("sqlite:") {
        return Ok(Store::Sqlite(sqlite::SqliteStore::open(url).await?));
    }
    if postgres::is_postgres_url(url) {
        return Ok(Store::Postgres(postgres::PgStore::open(url).await?));
    }
    Err(EngineError::Config(format!(
        "unsupported database URL: {url}"
    )))
}

impl Store {
    async fn page(&self, t: &Table, after: Option<&[Value]>) -> Result<Vec<Vec<Value>>> {
        match self {
            Store::Sqlite(s) => sqlite::dump::read_page(s.write_pool(), t, after, PAGE).await,
            Store::Postgres(s) => postgres::dump::read_page(s.pool(), t, after, PAGE).await,
        }
    }
    /// What the target holds already (rows that would make it non-empty).
    async fn held(&self, t: &Table) -> Result<i64> {
        let seeded = t
            .seeded()
            .map(|c| format!(" WHERE NOT ({c})"))
            .unwrap_or_default();
        let sql = format!("SELECT COUNT(*) FROM \"{}\"{seeded}", t.name);
        Ok(match self {
            Store::Sqlite(s) => sqlx::query_scalar(&sql).fetch_one(s.write_pool()).await?,
            Store::Postgres(s) => sqlx::query_scalar(&sql).fetch_one(s.pool()).await?,
        })
    }
    async fn close(&self) {
        match self {
            Store::Sqlite(s) => crate::store::Store::close(s).await,
            Store::Postgres(s) => crate::store::Store::close(s).await,
        }
    }
}

/// Copies every table from the store at `from` into the empty store at `to` (created and
/// migrated when needed). Refuses a target that holds anything but the built-in catalog.
pub async fn copy(from: &str, to: &str) -> Result<Copied> {
    if from == to {
        return Err(EngineError::Config(
            "--from and --to name the same store".into(),
        ));
    }
    let source = open(from).await?;
    let target = open(to).await?;
    let result = copy_between(&source, &target).await;
    source.close().await;
    target.close().await;
    result
}

async fn copy_between(source: &Store, target: &Store) -> Result<Copied> {
    for t in &TABLES {
        let n = target.held(t).await?;
        if n > 0 {
            return Err(EngineError::Conflict(format!(
                "the target is not empty ({n} rows in {}); copy into a new, empty database",
                t.name
            )));
        }
    }
    let tables = match target {
        Store::Sqlite(s) => {
            let mut tx = s.write_pool().begin().await?;
            let tables = fill(source, &mut tx).await?;
            tx.commit().await?;
            tables
        }
        Store::Postgres(s) => {
            let mut tx = s.pool().begin().await?;
            let tables = fill(source, &mut tx).await?;
            tx.commit().await?;
            tables
        }
    };
    Ok(Copied { tables })
}

/// Every table, page by page (keyset paging on each table's key).
async fn fill(source: &Store, sink: &mut dyn Sink) -> Result<Vec<(&'static str, u64)>> {
    let mut tables = vec![];
    for t in &TABLES {
        let mut n = 0;
        let mut after: Option<Vec<Value>> = None;
        loop {
            let rows = source.page(t, after.as_deref()).await?;
            n += sink.write(t, &rows).await?;
            match rows.last() {
                Some(last) if rows.len() == PAGE as usize => {
                    after = Some(last[..t.key_len].to_vec())
                }
                _ => break,
            }
        }
        tables.push((t.name, n));
    }
    Ok(tables)
}
