//! Tenants (docs/tenants.md) and their portal links (docs/portal.md): create, read,
//! rename, list and delete tenants; make a single-use link to a tenant's portal and open
//! it. Mirrors `src/api/tenants.rs`.
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::clock::rfc3339;
use crate::engine::Engine;
use crate::error::{EngineError, FieldErrors, Result};
use crate::records::{PortalLinkRecord, TenantDeletion, TenantRecord};
use crate::rules::tenancy::{self, TenantScope};
use domain::{
    Page, PortalLinkInput, PortalLook, Tenant, TenantInput, TenantUpdate, DEFAULT_TENANT,
};

/// The most tenants one page lists.
pub const MAX_PAGE: u32 = 100;

/// A portal link just made: the token (in the link's URL, shown once) and its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPortalLink {
    pub token: String,
    /// Unix ms.
    pub expires_at: i64,
}

/// What an opened portal link grants: a session on one tenant, with the platform's look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalGrant {
    pub tenant: String,
    pub look: PortalLook,
}

fn view(t: TenantRecord) -> Tenant {
    Tenant {
        id: t.id,
        name: t.name,
        webhooks: t.webhooks,
        created_at: rfc3339(t.created_at),
        updated_at: rfc3339(t.updated_at),
    }
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Engine {
    pub async fn create_tenant(&self, input: TenantInput) -> Result<Tenant> {
        let mut errors = FieldErrors::new();
        match input.id.as_deref() {
            None => errors.add("id", "is required"),
            Some(id) => {
                if let Err(e) = tenancy::validate_id(id) {
                    errors.add("id", e);
                }
            }
        }
        match input.name.as_deref() {
            None => errors.add("name", "is required"),
            Some(name) => {
                if let Err(e) = tenancy::validate_name(name) {
                    errors.add("name", e);
                }
            }
        }
        errors.into_result()?;
        let now = self.now_ms();
        let record = TenantRecord {
            id: input.id.unwrap_or_default(),
            name: input.name.unwrap_or_default().trim().to_string(),
            webhooks: 0,
            created_at: now,
            updated_at: now,
        };
        if !self.store().insert_tenant(&record).await? {
            return Err(EngineError::Conflict(format!(
                "a tenant with the id \"{}\" exists already",
                record.id
            )));
        }
        self.forget_tenants();
        Ok(view(record))
    }

    /// The tenant, when `scope` reaches it.
    pub async fn get_tenant(&self, scope: &TenantScope, id: &str) -> Result<Tenant> {
        Ok(view(self.visible_tenant(scope, id).await?))
    }

    async fn visible_tenant(&self, scope: &TenantScope, id: &str) -> Result<TenantRecord> {
        if !scope.admits(id) {
            return Err(EngineError::NotFound("tenant"));
        }
        self.store()
            .get_tenant(id)
            .await?
            .ok_or(EngineError::NotFound("tenant"))
    }

    /// By id, the tenants `scope` reaches.
    pub async fn list_tenants(
        &self,
        scope: &TenantScope,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<Tenant>> {
        if let Some(t) = scope.only() {
            let data = match cursor {
                None => vec![self.get_tenant(scope, t).await?],
                Some(_) => vec![],
            };
            return Ok(Page {
                data,
                next_cursor: None,
            });
        }
        let (list, next) = self
            .store()
            .list_tenants(limit.clamp(1, MAX_PAGE), cursor)
            .await?;
        Ok(Page {
            data: list.into_iter().map(view).collect(),
            next_cursor: next,
        })
    }

    /// Renames the tenant (its id is fixed).
    pub async fn update_tenant(
        &self,
        scope: &TenantScope,
        id: &str,
        input: TenantUpdate,
    ) -> Result<Tenant> {
        self.visible_tenant(scope, id).await?;
        let name = input.name;
        if let Err(e) = tenancy::validate_name(&name) {
            return Err(EngineError::invalid("name", e));
        }
        if !self
            .store()
            .rename_tenant(id, name.trim(), self.now_ms())
            .await?
        {
            return Err(EngineError::NotFound("tenant"));
        }
        self.get_tenant(scope, id).await
    }

    /// Deletes a tenant; refused while it has webhooks unless `cascade`. The `default`
    /// tenant stays.
    pub async fn delete_tenant(&self, scope: &TenantScope, id: &str, cascade: bool) -> Result<()> {
        if !scope.admits(id) {
            return Err(EngineError::NotFound("tenant"));
        }
        if id == DEFAULT_TENANT {
            return Err(EngineError::Conflict(
                "the default tenant cannot be deleted".into(),
            ));
        }
        let done = self
            .store()
            .delete_tenant(id, cascade, self.now_ms())
            .await?;
        self.forget_tenants();
        match done {
            TenantDeletion::NotFound => Err(EngineError::NotFound("tenant")),
            TenantDeletion::HasWebhooks(n) => Err(EngineError::Conflict(format!(
                "the tenant has {n} webhook(s); delete them first or pass ?cascade=true"
            ))),
            TenantDeletion::Deleted(_) => Ok(()),
        }
    }

    /// Checks that the tenant `id` (given in `field`) exists: a field error when not.
    pub(crate) async fn existing_tenant(&self, id: &str, field: &str) -> Result<()> {
        if let Err(e) = tenancy::validate_id(id) {
            return Err(EngineError::invalid(field, e));
        }
        if self.cached_tenants().await?.contains(id) {
            return Ok(());
        }
        // Created a moment ago by another instance: ask the store itself.
        if self.store().get_tenant(id).await?.is_some() {
            self.forget_tenants();
            return Ok(());
        }
        Err(EngineError::invalid(
            field,
            format!("no tenant \"{id}\"; create it with POST /api/v1/tenants"),
        ))
    }

    /// A single-use link to the tenant's portal; the token is in no store, only its hash.
    pub async fn create_portal_link(
        &self,
        scope: &TenantScope,
        tenant: &str,
        input: PortalLinkInput,
    ) -> Result<NewPortalLink> {
        self.visible_tenant(scope, tenant).await?;
        let mut errors = FieldErrors::new();
        let seconds = tenancy::link_seconds(input.expires_in)
            .map_err(|e| errors.add("expires_in", e))
            .unwrap_or_default();
        if let Some(Err(e)) = input.title.as_deref().map(tenancy::validate_title) {
            errors.add("title", e);
        }
        if let Some(Err(e)) = input.accent.as_deref().map(tenancy::validate_accent) {
            errors.add("accent", e);
        }
        errors.into_result()?;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let now = self.now_ms();
        let expires_at = now + seconds as i64 * 1000;
        self.store()
            .insert_portal_link(&PortalLinkRecord {
                token_hash: token_hash(&token),
                tenant: tenant.to_string(),
                title: input.title,
                accent: input.accent.map(|a| a.to_ascii_lowercase()),
                expires_at,
                created_at: now,
            })
            .await?;
        Ok(NewPortalLink { token, expires_at })
    }

    /// Opens a portal link: once, before it expires. A used, expired or unknown token
    /// are all "not found".
    pub async fn open_portal_link(&self, token: &str) -> Result<PortalGrant> {
        if token.is_empty() || token.len() > 128 {
            return Err(EngineError::NotFound("portal link"));
        }
        let link = self
            .store()
            .take_portal_link(&token_hash(token), self.now_ms())
            .await?
            .ok_or(EngineError::NotFound("portal link"))?;
        Ok(PortalGrant {
            tenant: link.tenant,
            look: PortalLook {
                title: link.title,
                accent: link.accent,
            },
        })
    }
}
