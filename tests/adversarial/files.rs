//! Threat: another local user reads the database (sealed secrets, hashed API keys, the
//! delivery log with request bodies). The database and its -wal/-shm files are created
//! 0600 like the master key file, and an existing database is restricted to 0600.
use std::os::unix::fs::PermissionsExt;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn database_files_are_private() {
    if crate::common::on_postgres() {
        return; // the files are SQLite's; PostgreSQL keeps its own
    }
    let app = crate::common::spawn_app(&[]).await;
    // A write makes sure the WAL and shared-memory files exist.
    app.webhook("http://127.0.0.1:9/hook", serde_json::json!({}))
        .await;
    let dir = app.dir.path();
    for name in ["herald.db", "herald.db-wal", "herald.db-shm", "herald.key"] {
        let path = dir.join(name);
        assert!(path.exists(), "{name} exists");
        assert_eq!(mode(&path), 0o600, "{name} is private");
    }
}

#[tokio::test]
async fn an_existing_world_readable_database_is_restricted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("herald.db");
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let url = format!("sqlite://{}", db.display());
    let store = engine::store::open(&url).await.unwrap();
    assert_eq!(mode(&db), 0o600);
    store.close().await;
}
