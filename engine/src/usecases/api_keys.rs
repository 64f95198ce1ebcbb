//! API keys: random, shown once at creation, stored as SHA-256, each with a scope
//! (docs/api.md#scopes); created, ensured (the bootstrap key, `admin`), authenticated,
//! listed and revoked. Mirrors `src/api/api_keys.rs`.
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::ids;
use crate::records::{KeyHolder, NewApiKey};
use domain::{ApiKey, Scope};

const KEY_PREFIX: &str = "hk_";

pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn display_prefix(key: &str) -> String {
    key.chars().take(KEY_PREFIX.len() + 6).collect()
}

impl Engine {
    /// Creates a key; the plaintext is returned once and never stored.
    /// A key bound to `tenant` reaches only that tenant's data (docs/tenants.md#keys).
    pub async fn create_api_key(
        &self,
        name: &str,
        scope: Scope,
        tenant: Option<&str>,
    ) -> Result<(ApiKey, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(EngineError::invalid("name", "must be 1 to 100 characters"));
        }
        if let Some(t) = tenant {
            if scope == Scope::Admin {
                return Err(EngineError::invalid(
                    "tenant",
                    "an admin key reaches every tenant; bind an ingest or manage key instead",
                ));
            }
            self.existing_tenant(t, "tenant").await?;
        }
        let key = new_key();
        let now = self.now_ms();
        let id = ids::new_id(ids::API_KEY, now);
        let prefix = display_prefix(&key);
        self.store()
            .insert_api_key(&NewApiKey {
                id: &id,
                name,
                prefix: &prefix,
                hash: &hash_key(&key),
                scope,
                tenant,
                created_at: now,
            })
            .await?;
        let view = ApiKey {
            id,
            name: name.to_string(),
            prefix,
            scope,
            tenant: tenant.map(str::to_string),
            created_at: crate::clock::rfc3339(now),
            last_used_at: None,
        };
        Ok((view, key))
    }

    /// Makes sure a key with exactly this value exists (`HERALD_BOOTSTRAP_API_KEY`); it is
    /// the operator's, so `admin`.
    pub async fn ensure_api_key(&self, name: &str, key: &str) -> Result<bool> {
        if key.len() < 16 {
            return Err(EngineError::invalid(
                "HERALD_BOOTSTRAP_API_KEY",
                "must be at least 16 characters",
            ));
        }
        let hash = hash_key(key);
        if self.store().api_key_exists(&hash).await? {
            return Ok(false);
        }
        let now = self.now_ms();
        self.store()
            .insert_api_key(&NewApiKey {
                id: &ids::new_id(ids::API_KEY, now),
                name,
                prefix: &display_prefix(key),
                hash: &hash,
                scope: Scope::Admin,
                tenant: None,
                created_at: now,
            })
            .await?;
        Ok(true)
    }

    /// The key's id and scope when `key` is a live API key.
    pub async fn authenticate_key(&self, key: &str) -> Result<Option<KeyHolder>> {
        self.store()
            .use_api_key(&hash_key(key), self.now_ms())
            .await
    }

    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        self.store().list_api_keys().await
    }

    pub async fn revoke_api_key(&self, id: &str) -> Result<()> {
        if self.store().revoke_api_key(id, self.now_ms()).await? {
            Ok(())
        } else {
            Err(EngineError::NotFound("API key"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let k = new_key();
        assert!(k.starts_with("hk_") && k.len() > 40);
        assert_ne!(hash_key(&k), hash_key(&new_key()));
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
