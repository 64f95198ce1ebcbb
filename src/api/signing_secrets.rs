//! A webhook's signing secret: read it, rotate it (`engine::usecases::signing_secrets`).
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::{ApiResult, Problem};
use super::extract::{scope, Caller};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SecretAnswer {
    pub secret: String,
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// How long the previous secret keeps signing (0 to 7 days; default 24 h).
    #[serde(default, deserialize_with = "domain::whole::whole_opt")]
    #[schema(minimum = 0, maximum = 604_800_000)]
    pub grace_period_ms: Option<i64>,
}

/// The current signing secret.
#[utoipa::path(get, path = "/webhooks/{id}/secret", tag = "webhooks", params(("id" = String, Path)),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = SecretAnswer), (status = 404, body = Problem)))]
pub async fn secret(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
) -> ApiResult<Json<SecretAnswer>> {
    Ok(Json(SecretAnswer {
        secret: state.engine.webhook_secret(&caller.scope(), &id).await?,
    }))
}

/// A new signing secret; the previous one keeps signing for the grace period.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = String, Path)),
    request_body(content = Option<RotateRequest>), security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = SecretAnswer), (status = 404, body = Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<SecretAnswer>> {
    // No body, or `null` (the documented body is optional and nullable): the defaults.
    let req: RotateRequest =
        if body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null" {
            RotateRequest::default()
        } else {
            super::extract::parse(&body)?
        };
    Ok(Json(SecretAnswer {
        secret: state
            .engine
            .rotate_secret(&caller.scope(), &id, req.grace_period_ms)
            .await?,
    }))
}
