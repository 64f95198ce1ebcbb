//! SQL for tenants and portal links (docs/tenants.md, docs/portal.md).
use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::SqliteStore;
use crate::error::Result;
use crate::records::{PortalLinkRecord, TenantDeletion, TenantRecord};
use crate::store::TenantStore;

const COLUMNS: &str = "t.id, t.name, t.created_at, t.updated_at, \
    (SELECT COUNT(*) FROM webhooks w WHERE w.tenant = t.id) AS webhooks";

fn tenant(r: &SqliteRow) -> TenantRecord {
    TenantRecord {
        id: r.get("id"),
        name: r.get("name"),
        webhooks: r.get::<i64, _>("webhooks") as u64,
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    }
}

#[async_trait]
impl TenantStore for SqliteStore {
    async fn insert_tenant(&self, t: &TenantRecord) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(t.created_at)
        .bind(t.updated_at)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_tenant(&self, id: &str) -> Result<Option<TenantRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM tenants t WHERE t.id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.write)
            .await?;
        Ok(row.as_ref().map(tenant))
    }

    async fn tenant_ids(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM tenants")
            .fetch_all(&self.read)
            .await?)
    }

    async fn list_tenants(
        &self,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<(Vec<TenantRecord>, Option<String>)> {
        let sql = format!("SELECT {COLUMNS} FROM tenants t WHERE t.id > ? ORDER BY t.id LIMIT ?");
        let rows = sqlx::query(&sql)
            .bind(cursor.unwrap_or_default())
            .bind(limit as i64 + 1)
            .fetch_all(&self.read)
            .await?;
        let mut list: Vec<TenantRecord> = rows.iter().map(tenant).collect();
        let next = if list.len() > limit as usize {
            list.truncate(limit as usize);
            list.last().map(|t| t.id.clone())
        } else {
            None
        };
        Ok((list, next))
    }

    async fn rename_tenant(&self, id: &str, name: &str, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE tenants SET name = ?, updated_at = ? WHERE id = ?")
            .bind(name)
            .bind(now)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_tenant(&self, id: &str, cascade: bool, now: i64) -> Result<TenantDeletion> {
        let mut tx = self.write.begin().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM tenants WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(TenantDeletion::NotFound);
        }
        let webhooks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE tenant = ?")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if webhooks > 0 && !cascade {
            return Ok(TenantDeletion::HasWebhooks(webhooks as u64));
        }
        // Deliveries, their attempts and event links go with the webhooks (ON DELETE
        // CASCADE); then the events no delivery names any more.
        let gone = [
            "DELETE FROM webhooks WHERE tenant = ?",
            "DELETE FROM events WHERE tenant = ? AND NOT EXISTS \
             (SELECT 1 FROM delivery_events de WHERE de.event_id = events.id)",
            "DELETE FROM portal_links WHERE tenant = ?",
        ];
        for sql in gone {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE tenant = ? AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM tenants WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(TenantDeletion::Deleted(webhooks as u64))
    }

    async fn insert_portal_link(&self, link: &PortalLinkRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO portal_links (token_hash, tenant, title, accent, expires_at, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&link.token_hash)
        .bind(&link.tenant)
        .bind(&link.title)
        .bind(&link.accent)
        .bind(link.expires_at)
        .bind(link.created_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn take_portal_link(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<PortalLinkRecord>> {
        let row = sqlx::query(
            "UPDATE portal_links SET used_at = ?2 \
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 \
             RETURNING token_hash, tenant, title, accent, expires_at, created_at",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.write)
        .await?;
        Ok(row.map(|r| PortalLinkRecord {
            token_hash: r.get("token_hash"),
            tenant: r.get("tenant"),
            title: r.get("title"),
            accent: r.get("accent"),
            expires_at: r.get("expires_at"),
            created_at: r.get("created_at"),
        }))
    }
}
