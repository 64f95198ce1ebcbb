//! Console users over the API (docs/roles.md): list, create with a role (the answer holds
//! the one-time setup token, this once), change the role, reset (a new setup token, their
//! sessions end) and remove. Only `admin` keys reach these routes (docs/api.md#scopes).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::{Role, User, UserSetup};
use serde::{Deserialize, Serialize};

use super::error::{ApiResult, Problem};
use super::extract::{scope, ApiJson, Caller};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 1–64 of `a-z`, `0-9`, `_`, `.`, `-`; unique.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[a-z0-9_.-]{1,64}$")]
    pub name: String,
    pub role: Role,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    pub role: Role,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Users {
    pub data: Vec<User>,
}

const FORBIDDEN: &str = "the API key's scope is narrower than `admin`";

/// Every console user, by name (never a password or a setup token).
#[utoipa::path(get, path = "/users", tag = "users", security(("api_key" = ["admin"])),
    responses((status = 403, body = Problem, description = FORBIDDEN), (status = 200, body = Users)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller<scope::Admin>,
) -> ApiResult<Json<Users>> {
    Ok(Json(Users {
        data: state.engine.list_users().await?,
    }))
}

/// Creates a user; the setup token they sign in with once is in this answer only.
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUser,
    security(("api_key" = ["admin"])),
    responses((status = 403, body = Problem, description = FORBIDDEN), (status = 201, body = UserSetup),
        (status = 422, body = Problem, description = "a bad name or role, or a user of this name exists (see errors)")))]
pub async fn create(
    State(state): State<AppState>,
    _caller: Caller<scope::Admin>,
    ApiJson(req): ApiJson<CreateUser>,
) -> ApiResult<impl IntoResponse> {
    let setup = state.engine.create_user(&req.name, req.role).await?;
    Ok((StatusCode::CREATED, Json(setup)))
}

/// Gives the user another role (their sessions keep going under it).
#[utoipa::path(patch, path = "/users/{name}", tag = "users", params(("name" = String, Path)),
    request_body = ChangeRole, security(("api_key" = ["admin"])),
    responses((status = 403, body = Problem, description = FORBIDDEN), (status = 200, body = User),
        (status = 422, body = Problem, description = "a bad role, or the user is the last admin (see errors)")))]
pub async fn change_role(
    State(state): State<AppState>,
    _caller: Caller<scope::Admin>,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<ChangeRole>,
) -> ApiResult<Json<User>> {
    Ok(Json(state.engine.set_user_role(&name, req.role).await?))
}

/// Replaces the user's password with a new setup token (in this answer only) and ends
/// their sessions.
#[utoipa::path(post, path = "/users/{name}/reset", tag = "users", params(("name" = String, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 403, body = Problem, description = FORBIDDEN), (status = 200, body = UserSetup)))]
pub async fn reset(
    State(state): State<AppState>,
    _caller: Caller<scope::Admin>,
    Path(name): Path<String>,
) -> ApiResult<Json<UserSetup>> {
    Ok(Json(state.engine.reset_user(&name).await?))
}

/// Removes the user; their sessions end.
#[utoipa::path(delete, path = "/users/{name}", tag = "users", params(("name" = String, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 403, body = Problem, description = FORBIDDEN), (status = 204),
        (status = 422, body = Problem, description = "the user is the last admin (see errors)")))]
pub async fn remove(
    State(state): State<AppState>,
    _caller: Caller<scope::Admin>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    state.engine.remove_user(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}
