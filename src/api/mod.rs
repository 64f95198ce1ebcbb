//! The REST API (`/api/v1`, docs/api.md). Handlers are thin: parse, authorise, call the
//! engine, map errors. The router and the OpenAPI document are built from the same
//! annotations, so a route cannot be missing from `openapi.json`.
mod api_keys;
mod deliveries;
pub mod doc_errors;
mod doc_shapes;
pub mod error;
mod event_types;
mod events;
pub mod extract;
mod signing_secrets;
mod tenants;
mod test_sends;
mod users;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Herald API", description = "Webhook delivery for ML evaluation and monitoring platforms."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
    components(schemas(error::Problem))
)]
struct ApiDoc;

struct BearerAuth;
impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route with its OpenAPI description.
pub fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(events::ingest))
        .routes(routes!(events::get_event))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(
            webhooks::get_one,
            webhooks::patch,
            webhooks::delete
        ))
        .routes(routes!(test_sends::test))
        .routes(routes!(test_sends::validate))
        .routes(routes!(webhooks::condition_check))
        .routes(routes!(signing_secrets::secret))
        .routes(routes!(signing_secrets::rotate_secret))
        .routes(routes!(deliveries::list_for_webhook))
        .routes(routes!(deliveries::retry_failed))
        .routes(routes!(deliveries::get_one))
        .routes(routes!(deliveries::resend))
        .routes(routes!(event_types::list_types, event_types::create_type))
        .routes(routes!(api_keys::list, api_keys::create))
        .routes(routes!(api_keys::revoke))
        .routes(routes!(tenants::list, tenants::create))
        .routes(routes!(tenants::get_one, tenants::patch, tenants::delete))
        .routes(routes!(tenants::portal_link))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::change_role, users::remove))
        .routes(routes!(users::reset))
        .split_for_parts();
    // After the routes are in: every operation gets the shared error answers.
    doc_errors::ErrorResponses.modify(&mut doc);
    doc_shapes::apply(&mut doc);
    (router, doc)
}

/// The published document (`GET /api/v1/openapi.json`): the annotations' document with
/// the constraints utoipa's types cannot hold written in as JSON (`doc_shapes::apply_json`).
pub fn openapi() -> serde_json::Value {
    published(documented().1)
}

fn published(doc: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut json = serde_json::to_value(doc).expect("the OpenAPI document serializes");
    doc_shapes::apply_json(&mut json);
    json
}

pub fn router() -> Router<AppState> {
    let (api, doc) = documented();
    let doc = std::sync::Arc::new(published(doc));
    api.route(
        "/openapi.json",
        get(move || async move { Json(doc.as_ref().clone()) }),
    )
    .fallback(|| async { error::ApiError::not_found("route") })
    .layer(DefaultBodyLimit::max(extract::MAX_BODY))
    .layer(axum::middleware::from_fn(error::problem_json))
}

/// `?limit=&cursor=` of list endpoints.
#[derive(Deserialize, Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1–200, default 50 (0 is read as 1, more than 200 as 200).
    #[param(nullable = false, minimum = 0, maximum = 4294967295_f64)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(nullable = false)]
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }
}

/// `?tenant=&limit=&cursor=` of lists that can be narrowed to one tenant.
#[derive(Deserialize, Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TenantPageQuery {
    /// Only this tenant's (docs/tenants.md).
    #[param(nullable = false, pattern = r"^[A-Za-z0-9_-]{1,64}$")]
    pub tenant: Option<String>,
    /// 1–200, default 50 (0 is read as 1, more than 200 as 200).
    #[param(nullable = false, minimum = 0, maximum = 4294967295_f64)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(nullable = false)]
    pub cursor: Option<String>,
}

impl TenantPageQuery {
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }
}

/// `{"data": [...], "next_cursor": ...}`
#[derive(Serialize, utoipa::ToSchema)]
pub struct List<T: utoipa::ToSchema> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: utoipa::ToSchema> From<domain::Page<T>> for List<T> {
    fn from(p: domain::Page<T>) -> Self {
        List {
            data: p.data,
            next_cursor: p.next_cursor,
        }
    }
}

/// Query strings with the same field-level errors as bodies.
pub fn query<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> Result<T, error::ApiError> {
    let de =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.unwrap_or("").as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        let mut path = e.path().to_string();
        if let Some(name) = message
            .strip_prefix("unknown field `")
            .and_then(|r| r.split('`').next())
        {
            path = name.to_string();
        }
        error::ApiError::field(axum::http::StatusCode::UNPROCESSABLE_ENTITY, path, message)
    })
}
