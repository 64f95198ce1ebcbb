//! API keys over the API: list, create (shown once) with a scope, revoke. Only `admin`
//! keys reach these routes (docs/api.md#scopes).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::{ApiKey, Scope};
use serde::{Deserialize, Serialize};

use super::error::{ApiResult, Problem};
use super::extract::{scope, ApiJson, Caller};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// 1–100 characters, not only spaces.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// What the key may do; `manage` when omitted.
    pub scope: Option<Scope>,
    /// Binds the key to one tenant: it reaches only that tenant's webhooks, events and
    /// deliveries (docs/tenants.md#keys). Not with scope `admin`.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9_-]{1,64}$")]
    pub tenant: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Shown only in this answer.
    pub secret: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Keys {
    pub data: Vec<ApiKey>,
}

/// Live API keys (never their values).
#[utoipa::path(get, path = "/api-keys", tag = "api keys", security(("api_key" = ["admin"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `admin`"), (status = 200, body = Keys)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller<scope::Admin>,
) -> ApiResult<Json<Keys>> {
    Ok(Json(Keys {
        data: state.engine.list_api_keys().await?,
    }))
}

/// Creates a key; its value is in this answer only.
#[utoipa::path(post, path = "/api-keys", tag = "api keys", request_body = CreateKey,
    security(("api_key" = ["admin"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `admin`"), (status = 201, body = CreatedKey), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    _caller: Caller<scope::Admin>,
    ApiJson(req): ApiJson<CreateKey>,
) -> ApiResult<impl IntoResponse> {
    let scope = req.scope.unwrap_or(engine::rules::scopes::DEFAULT_SCOPE);
    let (key, secret) = state
        .engine
        .create_api_key(&req.name, scope, req.tenant.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedKey { key, secret })))
}

/// Revokes a key.
#[utoipa::path(delete, path = "/api-keys/{id}", tag = "api keys", params(("id" = String, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `admin`"), (status = 204), (status = 404, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    _caller: Caller<scope::Admin>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.engine.revoke_api_key(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
