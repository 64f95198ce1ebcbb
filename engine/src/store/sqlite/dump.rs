//! SQLite's side of the store copy (`store/copy.rs`): a page of a table's rows as values,
//! and rows written in chunks of multi-row INSERTs inside the copy's transaction.
use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, SqlitePool};

use crate::error::Result;
use crate::store::copy::{Kind, Sink, Table, Value};

type Query<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

fn bind<'q>(q: Query<'q>, v: &'q Value) -> Query<'q> {
    match v {
        Value::Text(x) => q.bind(x),
        Value::Int(x) => q.bind(x),
        Value::Bool(x) => q.bind(x),
    }
}

fn values(t: &Table, row: &SqliteRow) -> Result<Vec<Value>> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                Kind::Text => Value::Text(row.try_get(i)?),
                Kind::Int => Value::Int(row.try_get(i)?),
                Kind::Bool => Value::Bool(row.try_get(i)?),
            })
        })
        .collect()
}

/// Up to `limit` rows of `t` after the key `after`, in key order.
pub(crate) async fn read_page(
    pool: &SqlitePool,
    t: &Table,
    after: Option<&[Value]>,
    limit: u32,
) -> Result<Vec<Vec<Value>>> {
    let keys = t.key_list();
    let filter = match after {
        Some(_) => format!("WHERE ({keys}) > ({})", vec!["?"; t.key_len].join(", ")),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {} FROM \"{}\" {filter} ORDER BY {keys} LIMIT {limit}",
        t.column_list(),
        t.name
    );
    let mut q = sqlx::query(&sql);
    for v in after.into_iter().flatten() {
        q = bind(q, v);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| values(t, r))
        .collect()
}

/// Rows per INSERT: well under SQLite's limit on bound parameters.
const CHUNK: usize = 400;

#[async_trait]
impl Sink for sqlx::Transaction<'static, Sqlite> {
    async fn write(&mut self, t: &Table, rows: &[Vec<Value>]) -> Result<u64> {
        let mut written = 0;
        let row = format!("({})", vec!["?"; t.columns.len()].join(", "));
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO \"{}\" ({}) VALUES {}{}",
                t.name,
                t.column_list(),
                vec![row.as_str(); chunk.len()].join(", "),
                if t.keeps_existing() {
                    " ON CONFLICT DO NOTHING"
                } else {
                    ""
                }
            );
            let mut q = sqlx::query(&sql);
            for v in chunk.iter().flatten() {
                q = bind(q, v);
            }
            written += q.execute(&mut **self).await?.rows_affected();
        }
        Ok(written)
    }
}
