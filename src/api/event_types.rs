//! The event-type catalog: list it, add a type (`engine::usecases::event_types`).
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::{EventType, EventTypeInput};

use super::error::ApiResult;
use super::extract::{ApiJson, Caller};
use super::{query, List, PageQuery};
use crate::state::AppState;

/// The event-type catalog by name, a page at a time (`next_cursor` continues it).
#[utoipa::path(get, path = "/event-types", tag = "event types", params(PageQuery), responses((status = 200, body = List<EventType>)))]
pub async fn list_types(
    State(state): State<AppState>,
    _caller: Caller,
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
    responses((status = 201, body = EventType), (status = 409, body = super::error::Problem)))]
pub async fn create_type(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(input): ApiJson<EventTypeInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_event_type(input).await?),
    ))
}
