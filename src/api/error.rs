//! API errors as `application/problem+json` (RFC 9457) with field-level `errors`.
use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::EngineError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field path → messages; empty when the error is not about a field.
    pub errors: BTreeMap<String, Vec<String>>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub errors: BTreeMap<String, Vec<String>>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            title,
            detail: detail.into(),
            errors: BTreeMap::new(),
            retry_after: None,
        }
    }
    pub fn field(status: StatusCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = ApiError::new(status, title_for(status), message.clone());
        e.errors.insert(field.into(), vec![message]);
        e
    }
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "send a valid API key as Authorization: Bearer <key>",
        )
    }
    /// 403: the key is live but its scope does not cover the route.
    pub fn out_of_scope(held: domain::Scope, required: domain::Scope) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!("this API key has scope \"{held}\"; this route needs \"{required}\" or wider"),
        )
    }
    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("{what} not found"),
        )
    }
}

fn title_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "Malformed request",
        StatusCode::UNPROCESSABLE_ENTITY => "Validation failed",
        StatusCode::PAYLOAD_TOO_LARGE => "Request body too large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
        StatusCode::UNAUTHORIZED => "Unauthorized",
        StatusCode::FORBIDDEN => "Forbidden",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
        StatusCode::CONFLICT => "Conflict",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        s if s.is_server_error() => "Internal error",
        _ => "Error",
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Invalid(fields) => {
                let detail = fields.to_string();
                let mut err = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Validation failed",
                    detail,
                );
                err.errors = fields.0;
                err
            }
            EngineError::NotFound(what) => ApiError::not_found(what),
            EngineError::Conflict(detail) => {
                ApiError::new(StatusCode::CONFLICT, "Conflict", detail)
            }
            EngineError::RateLimited(secs) => {
                let mut err = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests",
                    format!("test, validate and resend requests are rate limited; try again in {secs} s"),
                );
                err.retry_after = Some(secs);
                err
            }
            other => {
                tracing::error!(error = %other, "request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "something went wrong on our side; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: "about:blank".into(),
            title: self.title.into(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Middleware for `/api/v1`: every error answer is `application/problem+json`, including
/// those made below the handlers (axum's 405 for a known path, 413 from the body limit,
/// 415 and 400 from extractors). A plain-text reason becomes the `detail`; `Allow` and
/// `Retry-After` are kept (docs/api.md#errors).
pub async fn problem_json(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let detail = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_string()
    } else {
        text
    };
    let mut out = ApiError::new(status, title_for(status), detail).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}
