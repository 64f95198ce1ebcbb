//! The event-type catalog: list it, add a type (`engine::usecases::event_types`).
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::{EventType, EventTypeInput};
use serde::Serialize;

use super::error::{ApiResult, Problem};
use super::extract::{scope, ApiJson, Caller};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventTypes {
    pub data: Vec<EventType>,
}

/// The event-type catalog.
#[utoipa::path(get, path = "/event-types", tag = "event types", security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = EventTypes)))]
pub async fn list_types(
    State(state): State<AppState>,
    _caller: Caller<scope::Manage>,
) -> ApiResult<Json<EventTypes>> {
    Ok(Json(EventTypes {
        data: state.engine.list_event_types().await?,
    }))
}

/// Adds an event type to the catalog.
#[utoipa::path(post, path = "/event-types", tag = "event types", request_body = EventTypeInput,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 201, body = EventType), (status = 409, body = super::error::Problem)))]
pub async fn create_type(
    State(state): State<AppState>,
    _caller: Caller<scope::Manage>,
    ApiJson(input): ApiJson<EventTypeInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_event_type(input).await?),
    ))
}
