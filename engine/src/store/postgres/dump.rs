//! PostgreSQL's side of the store copy (`store/copy.rs`): a page of a table's rows as
//! values, and rows written as one INSERT over column arrays (`UNNEST`) inside the copy's
//! transaction.
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, Row};

use crate::error::Result;
use crate::store::copy::{Kind, Sink, Table, Value};

type Query<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

fn bind<'q>(q: Query<'q>, v: &'q Value) -> Query<'q> {
    match v {
        Value::Text(x) => q.bind(x),
        Value::Int(x) => q.bind(x),
        Value::Bool(x) => q.bind(x),
    }
}

fn values(t: &Table, row: &PgRow) -> Result<Vec<Value>> {
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
    pool: &PgPool,
    t: &Table,
    after: Option<&[Value]>,
    limit: u32,
) -> Result<Vec<Vec<Value>>> {
    let keys = t.key_list();
    let filter = match after {
        Some(_) => format!(
            "WHERE ({keys}) > ({})",
            super::webhooks::params(1, t.key_len)
        ),
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

#[async_trait]
impl Sink for sqlx::Transaction<'static, Postgres> {
    async fn write(&mut self, t: &Table, rows: &[Vec<Value>]) -> Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let arrays: Vec<String> = t
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| {
                let ty = match kind {
                    Kind::Text => "text",
                    Kind::Int => "int8",
                    Kind::Bool => "bool",
                };
                format!("${}::{ty}[]", i + 1)
            })
            .collect();
        let sql = format!(
            "INSERT INTO \"{}\" ({}) SELECT * FROM UNNEST({}){}",
            t.name,
            t.column_list(),
            arrays.join(", "),
            if t.keeps_existing() {
                " ON CONFLICT DO NOTHING"
            } else {
                ""
            }
        );
        let mut q = sqlx::query(&sql);
        for (i, (_, kind)) in t.columns.iter().enumerate() {
            let column = rows.iter().map(|r| &r[i]);
            q = match kind {
                Kind::Text => q.bind(
                    column
                        .map(|v| match v {
                            Value::Text(x) => x.clone(),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Kind::Int => q.bind(
                    column
                        .map(|v| match v {
                            Value::Int(x) => *x,
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Kind::Bool => q.bind(
                    column
                        .map(|v| match v {
                            Value::Bool(x) => *x,
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
            };
        }
        Ok(q.execute(&mut **self).await?.rows_affected())
    }
}
