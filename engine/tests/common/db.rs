//! The database a test runs on, chosen from the environment: when
//! `HERALD_TEST_POSTGRES_URL` names a PostgreSQL server (`scripts/pg` starts a throwaway
//! one), a fresh database `herald_t_<random>` created for the test and dropped after it;
//! otherwise a SQLite file in the test's temporary directory. The suites run unchanged
//! on either (docs/scaling.md#tests). The REST API tests share this file (tests/common).
use std::path::Path;

use rand::Rng;
use sqlx::Connection;

/// The server URL, when the tests run on PostgreSQL.
pub fn postgres_server() -> Option<String> {
    std::env::var("HERALD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// True when this run's stores are PostgreSQL databases.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// `server` (a `postgres://user@host:port/db?params` URL) naming database `name` instead.
pub fn with_database(server: &str, name: &str) -> String {
    let scheme_end = server.find("://").map_or(0, |i| i + 3);
    let (head, rest) = server.split_at(scheme_end);
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let query = rest[authority_end..]
        .find('?')
        .map_or("", |q| &rest[authority_end + q..]);
    format!("{head}{}/{name}{query}", &rest[..authority_end])
}

/// One test's database; a PostgreSQL one is dropped (best effort) when this is.
pub struct TestDb {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A new, empty database: in `dir` for SQLite.
    pub async fn create(dir: &Path) -> TestDb {
        let Some(server) = postgres_server() else {
            return TestDb {
                url: format!("sqlite://{}/herald.db", dir.display()),
                postgres: None,
            };
        };
        let name = format!("herald_t_{:016x}", rand::thread_rng().gen::<u64>());
        let mut conn = sqlx::PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("HERALD_TEST_POSTGRES_URL {server}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let _ = conn.close().await;
        TestDb {
            url: with_database(&server, &name),
            postgres: Some((server, name)),
        }
    }

    /// Everything the database holds, to search for what must not be there, with what it
    /// was read from: SQLite's files as they are on disk (database, WAL, shared memory),
    /// or every PostgreSQL table's rows as text (its files belong to the server).
    pub async fn raw_contents(&self, dir: &Path) -> (Vec<String>, Vec<u8>) {
        let (mut sources, mut all) = (vec![], vec![]);
        if self.postgres.is_none() {
            for name in ["herald.db", "herald.db-wal", "herald.db-shm"] {
                if let Ok(bytes) = std::fs::read(dir.join(name)) {
                    sources.push(name.to_string());
                    all.extend_from_slice(&bytes);
                    all.extend_from_slice(b"\0--file boundary--\0");
                }
            }
            return (sources, all);
        }
        let mut conn = sqlx::PgConnection::connect(&self.url)
            .await
            .expect("connect");
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables \
             WHERE schemaname IN ('public', 'tower_sessions') ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .expect("list tables");
        for table in tables {
            let text: String = sqlx::query_scalar(&format!(
                "SELECT COALESCE(string_agg(t::text, E'\\n'), '') FROM {table} t"
            ))
            .fetch_one(&mut conn)
            .await
            .expect("read a table");
            all.extend_from_slice(text.as_bytes());
            all.extend_from_slice(b"\0--table boundary--\0");
            sources.push(table);
        }
        let _ = conn.close().await;
        (sources, all)
    }

    /// The PostgreSQL database's name, when on PostgreSQL.
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres.as_ref().map(|(_, n)| n.as_str())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop can't await: a thread of its own with its own runtime, so this works from
        // any test runtime (and its pools' connections are ended by FORCE).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&server).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}
