//! Events: `POST /events` (ingest) and `GET /events/{id}` (`engine::usecases::events`).
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use domain::{EventDetail, EventInput};
use serde::Serialize;
use serde_json::Value;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{parse, scope, Caller};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ingested {
    pub id: String,
    pub deliveries: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IngestAnswer {
    pub data: Vec<Ingested>,
}

/// Ingest one event, or `{"events": [...]}` (at most 1000). Answers 202 once the events
/// and their deliveries are durable.
#[utoipa::path(post, path = "/events", tag = "events",
    request_body(content = EventInput, description = "one event, or {\"events\": [...]}"),
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "dedups for 24 h; 1 to 255 visible ASCII characters (422 otherwise)")),
    security(("api_key" = ["ingest"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `ingest`"), (status = 202, body = IngestAnswer), (status = 422, body = super::error::Problem)))]
pub async fn ingest(
    State(state): State<AppState>,
    caller: Caller<scope::Ingest>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "send Content-Type: application/json",
        ));
    }
    let value: Value = parse(&body)?;
    let inputs: Vec<EventInput> = match value.as_object() {
        Some(obj) if obj.contains_key("events") && !obj.contains_key("type") => {
            if obj.len() != 1 {
                return Err(ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "body",
                    "a batch has only the field \"events\"",
                ));
            }
            let list = obj["events"].as_array().ok_or_else(|| {
                ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "events",
                    "must be an array",
                )
            })?;
            let mut out = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                let one: EventInput = parse(item.to_string().as_bytes()).map_err(|mut e| {
                    e.errors = e
                        .errors
                        .into_iter()
                        .map(|(k, v)| (format!("events[{i}].{k}"), v))
                        .collect();
                    e
                })?;
                out.push(one);
            }
            out
        }
        Some(_) => vec![parse(&body)?],
        None => {
            return Err(ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "body",
                "must be an event object or {\"events\": [...]}",
            ))
        }
    };
    let key = idempotency_key(&headers)?.map(|k| format!("{}:{k}", caller.key_id));
    let outcome = state
        .engine
        .ingest(&caller.scope(), inputs, key.as_deref())
        .await?;
    let data = outcome
        .events
        .into_iter()
        .map(|i| Ingested {
            id: i.id,
            deliveries: i.deliveries,
        })
        .collect();
    let mut res = (StatusCode::ACCEPTED, Json(IngestAnswer { data })).into_response();
    if outcome.replayed {
        res.headers_mut().insert(
            "idempotent-replayed",
            axum::http::HeaderValue::from_static("true"),
        );
    }
    Ok(res)
}

/// Longest `Idempotency-Key`, in characters (docs/api.md#idempotency).
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters, else 422 (never
/// silently ignored, which would turn a retry into a duplicate).
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    let Some(raw) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let invalid = |message: String| {
        ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "Idempotency-Key", message)
    };
    let key = raw
        .to_str()
        .ok()
        .filter(|k| k.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        .ok_or_else(|| invalid("must be visible ASCII characters".into()))?;
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(invalid(format!(
            "must be 1 to {MAX_IDEMPOTENCY_KEY} characters"
        )));
    }
    Ok(Some(key))
}

/// The event and its deliveries.
#[utoipa::path(get, path = "/events/{id}", tag = "events", params(("id" = String, Path)),
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = EventDetail), (status = 404, body = super::error::Problem)))]
pub async fn get_event(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    Path(id): Path<String>,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(state.engine.get_event(&caller.scope(), &id).await?))
}
