//! The delivery log: a webhook's deliveries, one delivery with its attempts, resend,
//! and retry-failed since a time.
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use domain::{Delivery, DeliveryDetail, DeliveryQuery, DeliveryStatus};
use engine::clock::parse_time;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{scope, ApiJson, Caller};
use super::{query, List};
use crate::state::AppState;

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// pending, delivering, retrying, succeeded or failed
    #[param(value_type = DeliveryStatus, nullable = false)]
    pub status: Option<String>,
    #[param(nullable = false)]
    pub event_type: Option<String>,
    /// RFC 3339 time or unix seconds
    #[param(nullable = false, format = DateTime)]
    pub since: Option<String>,
    /// RFC 3339 time or unix seconds
    #[param(nullable = false, format = DateTime)]
    pub until: Option<String>,
    /// 1–200, default 50 (0 is read as 1, more than 200 as 200).
    #[param(nullable = false, minimum = 0, maximum = 4294967295_f64)]
    pub limit: Option<u32>,
    #[param(nullable = false)]
    pub cursor: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryFailedRequest {
    /// RFC 3339 time or unix seconds.
    #[schema(format = DateTime)]
    pub since: String,
    /// RFC 3339 time or unix seconds; now when absent.
    #[schema(format = DateTime)]
    pub until: Option<String>,
    /// Event type names or patterns (`*`, `prefix.*`); all when empty.
    #[serde(default)]
    pub event_types: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RetryFailedAnswer {
    pub requeued: u64,
}

fn time_field(name: &str, v: &Option<String>) -> ApiResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => parse_time(s).map(Some).ok_or_else(|| {
            ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                name,
                "must be an RFC 3339 time or unix seconds",
            )
        }),
    }
}

/// A webhook's deliveries, newest first.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "deliveries", params(("id" = String, Path), LogQuery),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = List<Delivery>), (status = 404, body = Problem)))]
pub async fn list_for_webhook(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<List<Delivery>>> {
    let q: LogQuery = query(raw.as_deref())?;
    let status = match &q.status {
        None => None,
        Some(s) => Some(DeliveryStatus::parse(s).ok_or_else(|| {
            ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "status",
                "must be pending, delivering, retrying, succeeded or failed",
            )
        })?),
    };
    let dq = DeliveryQuery {
        status,
        event_type: q.event_type.clone(),
        since: time_field("since", &q.since)?,
        until: time_field("until", &q.until)?,
        limit: q.limit.unwrap_or(50).clamp(1, 200),
        cursor: q.cursor.clone(),
    };
    Ok(Json(
        state
            .engine
            .list_deliveries(&caller.scope(), &id, &dq)
            .await?
            .into(),
    ))
}

/// Re-queues every failed delivery of the webhook created in the window (at most 10 000).
#[utoipa::path(post, path = "/webhooks/{id}/retry-failed", tag = "deliveries", params(("id" = String, Path)),
    request_body = RetryFailedRequest, security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = RetryFailedAnswer), (status = 409, description = "the webhook is inactive", body = Problem), (status = 422, body = Problem)))]
pub async fn retry_failed(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RetryFailedRequest>,
) -> ApiResult<Json<RetryFailedAnswer>> {
    let n = state
        .engine
        .retry_failed(
            &caller.scope(),
            &id,
            &req.since,
            req.until.as_deref(),
            &req.event_types,
        )
        .await?;
    Ok(Json(RetryFailedAnswer { requeued: n }))
}

/// One delivery with its attempts, newest first.
#[utoipa::path(get, path = "/deliveries/{id}", tag = "deliveries", params(("id" = String, Path)),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = DeliveryDetail), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryDetail>> {
    Ok(Json(state.engine.get_delivery(&caller.scope(), &id).await?))
}

/// A new attempt now, with the same `webhook-id`. Counts against the caller's test-send
/// rate limit (429 with `Retry-After` beyond it).
#[utoipa::path(post, path = "/deliveries/{id}/resend", tag = "deliveries", params(("id" = String, Path)),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = DeliveryDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 429, body = Problem)))]
pub async fn resend(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryDetail>> {
    // An immediate outbound request, like a test send: it counts against the same limit.
    state.engine.check_test_rate(&caller.key_id).await?;
    Ok(Json(state.engine.resend(&caller.scope(), &id).await?))
}
