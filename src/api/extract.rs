//! Request extractors: JSON bodies with field-level errors (malformed → 400, wrong shape
//! or unknown field → 422 naming the field, over 1 MiB → 413), and the API-key caller,
//! whose type names the scope the route requires (docs/api.md#scopes): a handler taking
//! `Caller<scope::Manage>` is reached only with a `manage` or `admin` key; any other
//! key gets 403. This extractor is the one place scopes are checked.
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::state::AppState;

pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON body, parsed with the path of whatever is wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "send Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request body too large",
                    "the body may be at most 1 MiB",
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "Malformed request", e.body_text())
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses JSON into `T`, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "Malformed request",
                format!("the body is not valid JSON: {inner}"),
            );
        }
        let message = inner.to_string();
        let mut path = e.path().to_string();
        let named = message
            .strip_prefix("unknown field `")
            .or_else(|| message.strip_prefix("missing field `"));
        if let Some(name) = named.and_then(|r| r.split('`').next()) {
            if path == "." {
                path = name.to_string();
            } else if !path.ends_with(name) {
                path = format!("{path}.{name}");
            }
        }
        if path == "." {
            path = "body".into();
        }
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, path, message)
    })
}

/// The scope a route requires, as a type: `Caller<scope::Ingest>` and so on.
pub mod scope {
    use domain::Scope;

    pub trait Required: Send + Sync {
        const SCOPE: Scope;
    }
    /// `POST /events` only.
    pub struct Ingest;
    /// Webhooks, deliveries, events read, event types, test sends, signing secrets.
    pub struct Manage;
    /// Also API keys.
    pub struct Admin;
    impl Required for Ingest {
        const SCOPE: Scope = Scope::Ingest;
    }
    impl Required for Manage {
        const SCOPE: Scope = Scope::Manage;
    }
    impl Required for Admin {
        const SCOPE: Scope = Scope::Admin;
    }
}

/// The API key a request was made with, checked to hold at least scope `S`.
#[derive(Debug, Clone)]
pub struct Caller<S> {
    pub key_id: String,
    /// The one tenant a tenant-bound key reaches (docs/tenants.md#keys).
    pub tenant: Option<String>,
    required: std::marker::PhantomData<S>,
}

impl<S> Caller<S> {
    /// The tenants this key reaches: its own when bound to one, else every tenant.
    pub fn scope(&self) -> engine::rules::tenancy::TenantScope {
        use engine::rules::tenancy::TenantScope;
        match &self.tenant {
            Some(t) => TenantScope::Only(t.clone()),
            None => TenantScope::All,
        }
    }

    /// Refuses a key bound to a tenant (403): what follows changes every tenant (tenants
    /// themselves, the event-type catalog).
    pub fn require_platform(&self) -> Result<(), ApiError> {
        match self.tenant {
            None => Ok(()),
            Some(_) => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "Forbidden",
                "this API key is bound to a tenant; this route changes every tenant and needs a key that is not",
            )),
        }
    }

    /// The scope narrowed to `?tenant=` when given; a tenant outside the key's answers 404,
    /// a malformed one 422.
    pub fn scope_for(
        &self,
        tenant: Option<&str>,
    ) -> Result<engine::rules::tenancy::TenantScope, ApiError> {
        if let Some(Err(e)) = tenant.map(engine::rules::tenancy::validate_id) {
            return Err(ApiError::field(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "tenant",
                e,
            ));
        }
        self.scope()
            .narrowed(tenant)
            .ok_or_else(|| ApiError::not_found("tenant"))
    }
}

impl<S: scope::Required> FromRequestParts<AppState> for Caller<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let holder = state
            .engine
            .authenticate_key(token)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if !engine::rules::scopes::permits(holder.scope, S::SCOPE) {
            return Err(ApiError::out_of_scope(holder.scope, S::SCOPE));
        }
        Ok(Caller {
            key_id: holder.id,
            tenant: holder.tenant,
            required: std::marker::PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        retry: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        max_retries: u32,
    }

    #[test]
    fn errors_name_the_field() {
        let cases: &[(&str, u16, &str)] = &[
            ("{", 400, "body"),
            (r#"{"name": 1}"#, 422, "name"),
            (r#"{"name": "a", "nmae": 1}"#, 422, "nmae"),
            (
                r#"{"name": "a", "retry": {"max_retries": -1}}"#,
                422,
                "retry.max_retries",
            ),
            (
                r#"{"name": "a", "retry": {"bogus": 1}}"#,
                422,
                "retry.bogus",
            ),
            (r#"{}"#, 422, "name"),
            (r#"{"name": "a", "retry": {}}"#, 422, "retry.max_retries"),
        ];
        for (body, status, field) in cases {
            let err = parse::<Body>(body.as_bytes()).unwrap_err();
            assert_eq!(err.status.as_u16(), *status, "{body}");
            if *status == 422 {
                assert!(err.errors.contains_key(*field), "{body}: {:?}", err.errors);
            }
        }
        assert!(parse::<Body>(br#"{"name": "ok"}"#).is_ok());
    }
}
