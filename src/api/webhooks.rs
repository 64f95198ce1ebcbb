//! Webhooks: list, create, read, partial update, delete, test, validate, secret.
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::{HeaderInput, TestResult, Webhook, WebhookInput};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiResult, Problem};
use super::extract::{ApiJson, Caller};
use super::{query, List, PageQuery};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    pub event_type: String,
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    pub url: String,
    #[serde(default)]
    pub headers: Vec<HeaderInput>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SecretAnswer {
    pub secret: String,
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// How long the previous secret keeps signing (0 to 7 days; default 24 h).
    pub grace_period_ms: Option<i64>,
}

/// Webhooks, newest first.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", params(PageQuery), responses((status = 200, body = List<Webhook>)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<List<Webhook>>> {
    let q: PageQuery = query(raw.as_deref())?;
    Ok(Json(
        state
            .engine
            .list_webhooks(q.limit(), q.cursor.as_deref())
            .await?
            .into(),
    ))
}

/// Creates a webhook; the answer includes its `secret`, this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, body = Webhook), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_webhook(input).await?),
    ))
}

/// One webhook; protected header values are `null`.
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = Webhook), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Webhook>> {
    Ok(Json(state.engine.get_webhook(&id).await?))
}

/// Partial update: only the fields sent change.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)), request_body = WebhookInput,
    responses((status = 200, body = Webhook), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<Json<Webhook>> {
    Ok(Json(state.engine.update_webhook(&id, input).await?))
}

/// Deletes a webhook with its deliveries.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.engine.delete_webhook(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a test event now, bypassing the queue and filters.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks", params(("id" = String, Path)), request_body = TestRequest,
    responses((status = 200, body = TestResult), (status = 429, body = Problem)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TestRequest>,
) -> ApiResult<Json<TestResult>> {
    state.engine.get_webhook(&id).await?;
    state.engine.check_test_rate(&caller.key_id).await?;
    Ok(Json(
        state
            .engine
            .send_test(&id, &req.event_type, req.payload)
            .await?,
    ))
}

/// Sends a `webhook.test` event to a URL before a webhook is saved.
#[utoipa::path(post, path = "/webhooks/validate", tag = "webhooks", request_body = ValidateRequest,
    responses((status = 200, body = TestResult), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ValidateRequest>,
) -> ApiResult<Json<TestResult>> {
    state.engine.check_test_rate(&caller.key_id).await?;
    Ok(Json(
        state.engine.validate_target(&req.url, req.headers).await?,
    ))
}

/// The current signing secret.
#[utoipa::path(get, path = "/webhooks/{id}/secret", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = SecretAnswer), (status = 404, body = Problem)))]
pub async fn secret(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SecretAnswer>> {
    Ok(Json(SecretAnswer {
        secret: state.engine.webhook_secret(&id).await?,
    }))
}

/// A new signing secret; the previous one keeps signing for the grace period.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = String, Path)),
    request_body(content = Option<RotateRequest>), responses((status = 200, body = SecretAnswer), (status = 404, body = Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<SecretAnswer>> {
    let req: RotateRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RotateRequest::default()
    } else {
        super::extract::parse(&body)?
    };
    Ok(Json(SecretAnswer {
        secret: state.engine.rotate_secret(&id, req.grace_period_ms).await?,
    }))
}
