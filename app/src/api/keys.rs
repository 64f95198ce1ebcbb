//! Server functions of the settings page: API keys (a new key is shown once), the
//! account, and the retention in force.
use leptos::prelude::*;

use crate::dto::*;
use crate::error::ConsoleError;

/// The API keys, and a key created a moment ago (handed out this once).
#[server(prefix = "/console-api")]
pub async fn list_api_keys() -> Result<KeysData, ConsoleError> {
    use crate::server::{engine, require, take_shown_once, Need, ShownOnce};
    require(Need::Admin).await?;
    let keys = engine()?.list_api_keys().await?;
    let new_key = take_shown_once(ShownOnce::ApiKey)
        .await?
        .map(|(name, key)| NewApiKey { name, key });
    Ok(KeysData { keys, new_key })
}

/// Creates a key with a scope (`ingest`, `manage` or `admin`, docs/api.md#scopes). Its
/// plaintext goes to the session and is shown by the next read of the list, so it
/// survives the redirect of a form posted without JavaScript.
#[server(prefix = "/console-api")]
pub async fn create_api_key(name: String, scope: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, require, stash_shown_once, Need, ShownOnce};
    require(Need::Admin).await?;
    let scope = domain::Scope::parse(&scope)
        .ok_or_else(|| engine::EngineError::invalid("scope", "must be ingest, manage or admin"))?;
    let (key, plaintext) = engine()?.create_api_key(&name, scope, None).await?;
    stash_shown_once(ShownOnce::ApiKey, &key.name, &plaintext).await
}

#[server(prefix = "/console-api")]
pub async fn revoke_api_key(id: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, require, Need};
    require(Need::Admin).await?;
    Ok(engine()?.revoke_api_key(&id).await?)
}

/// How long events, finished deliveries and attempts are kept (`HERALD_RETENTION`).
#[server(prefix = "/console-api")]
pub async fn retention_setting() -> Result<String, ConsoleError> {
    use crate::server::{access::require_user, engine, Need};
    require_user(Need::Read).await?;
    Ok(engine()?.retention().label())
}
