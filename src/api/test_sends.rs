//! Test sends: a test event to a saved webhook now, and "Validate webhook" before saving
//! (`engine::usecases::test_sends`). Both count against the caller's test rate limit.
use axum::extract::{Path, State};
use axum::Json;
use domain::{HeaderInput, TestResult};
use serde::Deserialize;
use serde_json::Value;

use super::error::{ApiResult, Problem};
use super::extract::{scope, ApiJson, Caller};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// An event type of the catalog.
    pub event_type: String,
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// An `http` or `https` URL.
    #[schema(
        pattern = r"^https?://[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[1-9][0-9]{0,3})?([/?#].*)?$"
    )]
    pub url: String,
    #[serde(default)]
    pub headers: Vec<HeaderInput>,
}

/// Sends a test event now, bypassing the queue and filters.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks", params(("id" = String, Path)), request_body = TestRequest,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = TestResult), (status = 429, body = Problem)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TestRequest>,
) -> ApiResult<Json<TestResult>> {
    state.engine.get_webhook(&caller.scope(), &id).await?;
    state.engine.check_test_rate(&caller.key_id).await?;
    Ok(Json(
        state
            .engine
            .send_test(&caller.scope(), &id, &req.event_type, req.payload)
            .await?,
    ))
}

/// Sends a `webhook.test` event to a URL before a webhook is saved.
#[utoipa::path(post, path = "/webhooks/validate", tag = "webhooks", request_body = ValidateRequest,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = TestResult), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn validate(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    ApiJson(req): ApiJson<ValidateRequest>,
) -> ApiResult<Json<TestResult>> {
    state.engine.check_test_rate(&caller.key_id).await?;
    Ok(Json(
        state.engine.validate_target(&req.url, req.headers).await?,
    ))
}
