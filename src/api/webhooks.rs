//! Webhooks: list, create, read, partial update, delete (`engine::usecases::webhooks`).
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::{ConditionCheck, ConditionCheckResult, Webhook, WebhookInput};

use super::error::{ApiResult, Problem};
use super::extract::{scope, ApiJson, Caller};
use super::{query, List, TenantPageQuery};
use crate::state::AppState;

/// Webhooks, newest first; `?tenant=` narrows to one tenant.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", params(TenantPageQuery), security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = List<Webhook>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<List<Webhook>>> {
    let q: TenantPageQuery = query(raw.as_deref())?;
    let scope = caller.scope_for(q.tenant.as_deref())?;
    Ok(Json(
        state
            .engine
            .list_webhooks(&scope, q.limit(), q.cursor.as_deref())
            .await?
            .into(),
    ))
}

/// Creates a webhook; the answer includes its `secret`, this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = WebhookInput,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 201, body = Webhook), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_webhook(&caller.scope(), input).await?),
    ))
}

/// One webhook; protected header values are `null`.
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = Webhook), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
) -> ApiResult<Json<Webhook>> {
    Ok(Json(state.engine.get_webhook(&caller.scope(), &id).await?))
}

/// Partial update: only the fields sent change.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)), request_body = WebhookInput,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = Webhook), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<Json<Webhook>> {
    Ok(Json(
        state
            .engine
            .update_webhook(&caller.scope(), &id, input)
            .await?,
    ))
}

/// Deletes a webhook with its deliveries.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 204), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.engine.delete_webhook(&caller.scope(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Evaluates a condition (and previews redactions) on a given event, or on the catalog
/// examples of the given event types, without saving anything (docs/conditions.md).
#[utoipa::path(post, path = "/webhooks/condition-check", tag = "webhooks", request_body = ConditionCheck,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = ConditionCheckResult), (status = 422, body = Problem)))]
pub async fn condition_check(
    State(state): State<AppState>,
    _caller: Caller<scope::Manage>,
    ApiJson(check): ApiJson<ConditionCheck>,
) -> ApiResult<Json<ConditionCheckResult>> {
    Ok(Json(state.engine.condition_check(check).await?))
}
