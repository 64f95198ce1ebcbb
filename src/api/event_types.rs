//! The event-type catalog: list it, add a type (`engine::usecases::event_types`).
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::{EventType, EventTypeInput};

use super::error::{ApiResult, Problem};
use super::extract::{scope, ApiJson, Caller};
use super::{query, List, PageQuery};
use crate::state::AppState;

/// The event-type catalog by name, a page at a time (`next_cursor` continues it).
#[utoipa::path(get, path = "/event-types", tag = "event types", params(PageQuery), security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`"), (status = 200, body = List<EventType>)))]
pub async fn list_types(
    State(state): State<AppState>,
    _caller: Caller<scope::Manage>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<List<EventType>>> {
    let q: PageQuery = query(raw.as_deref())?;
    Ok(Json(
        state
            .engine
            .list_event_types_page(q.limit(), q.cursor.as_deref())
            .await?
            .into(),
    ))
}

/// Adds an event type to the catalog.
#[utoipa::path(post, path = "/event-types", tag = "event types", request_body = EventTypeInput,
    security(("api_key" = ["manage"])),
    responses((status = 403, body = Problem, description = "the API key's scope is narrower than `manage`, or it is bound to a tenant (the catalog is every tenant's)"), (status = 201, body = EventType), (status = 409, body = super::error::Problem)))]
pub async fn create_type(
    State(state): State<AppState>,
    caller: Caller<scope::Manage>,
    ApiJson(input): ApiJson<EventTypeInput>,
) -> ApiResult<impl IntoResponse> {
    caller.require_platform()?;
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_event_type(input).await?),
    ))
}
