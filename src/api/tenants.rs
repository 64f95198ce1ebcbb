//! Tenants and portal links (`engine::usecases::tenants`; docs/tenants.md,
//! docs/portal.md). A key bound to a tenant sees only its own tenant and cannot create or
//! delete tenants.
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use domain::{PortalLink, PortalLinkInput, Tenant, TenantInput, TenantUpdate};
use serde::Deserialize;

use super::error::{ApiResult, Problem};
use super::extract::{scope, ApiJson, Caller};
use super::{query, List, PageQuery};
use crate::state::AppState;

/// `?cascade=true` of a tenant's delete.
#[derive(Deserialize, Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    /// Also delete the tenant's webhooks with their deliveries and attempts, its events
    /// and portal links, and revoke its keys.
    #[param(nullable = false)]
    pub cascade: Option<bool>,
}

/// Tenants by id (a key bound to a tenant sees its own only).
#[utoipa::path(get, path = "/tenants", tag = "tenants", params(PageQuery), security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = List<Tenant>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<List<Tenant>>> {
    let q: PageQuery = query(raw.as_deref())?;
    Ok(Json(
        state
            .engine
            .list_tenants(&caller.scope(), q.limit(), q.cursor.as_deref())
            .await?
            .into(),
    ))
}

/// Creates a tenant with the platform's own id for its customer.
#[utoipa::path(post, path = "/tenants", tag = "tenants", request_body = TenantInput,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`, or it is bound to a tenant"), (status = 201, body = Tenant), (status = 409, body = Problem, description = "a tenant with this id exists"), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    ApiJson(input): ApiJson<TenantInput>,
) -> ApiResult<impl IntoResponse> {
    caller.require_platform()?;
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_tenant(input).await?),
    ))
}

/// One tenant, with how many webhooks it has.
#[utoipa::path(get, path = "/tenants/{id}", tag = "tenants", params(("id" = String, Path)),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = Tenant), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
) -> ApiResult<Json<Tenant>> {
    Ok(Json(state.engine.get_tenant(&caller.scope(), &id).await?))
}

/// Renames a tenant (its id is fixed).
#[utoipa::path(patch, path = "/tenants/{id}", tag = "tenants", params(("id" = String, Path)), request_body = TenantUpdate,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = Tenant), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TenantUpdate>,
) -> ApiResult<Json<Tenant>> {
    Ok(Json(
        state
            .engine
            .update_tenant(&caller.scope(), &id, input)
            .await?,
    ))
}

/// Deletes a tenant; refused (409) while it has webhooks unless `?cascade=true`. The
/// `default` tenant cannot be deleted.
#[utoipa::path(delete, path = "/tenants/{id}", tag = "tenants", params(("id" = String, Path), DeleteQuery),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`, or it is bound to a tenant"), (status = 204), (status = 404, body = Problem), (status = 409, body = Problem, description = "the tenant has webhooks, or is `default`")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    let q: DeleteQuery = query(raw.as_deref())?;
    caller.require_platform()?;
    state
        .engine
        .delete_tenant(&caller.scope(), &id, q.cascade.unwrap_or(false))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A signed, single-use, short-lived link to the tenant's portal (docs/portal.md): put
/// it behind a "Webhooks" button or in an iframe of your product.
#[utoipa::path(post, path = "/tenants/{id}/portal-links", tag = "tenants", params(("id" = String, Path)), request_body = PortalLinkInput,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 201, body = PortalLink), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn portal_link(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PortalLinkInput>,
) -> ApiResult<impl IntoResponse> {
    let link = state
        .engine
        .create_portal_link(&caller.scope(), &id, input)
        .await?;
    let base = match &state.public_url {
        Some(u) => u.clone(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(PortalLink {
            url: format!("{base}/portal/{}", link.token),
            expires_at: engine::clock::rfc3339(link.expires_at),
        }),
    ))
}
