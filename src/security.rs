//! Request guards of the console (docs/security.md): server functions take POST only and
//! never from another site (Origin / Sec-Fetch-Site) and answer errors with their real
//! status; pages need a session; the caller's address goes to the server functions.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::client::{client_address, peer, Proxy};

/// A server function's error answer is small; anything bigger is passed on untouched.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// True when the request may come from a page of another site.
pub fn is_cross_site(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = h
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let origin_host = origin.split("://").nth(1).unwrap_or_default();
        if origin == "null" || origin_host != host {
            return true;
        }
    }
    false
}

/// The server functions' prefix (`#[server(prefix = …)]` in `app`).
pub const SERVER_FNS: &str = "/console-api/";

/// Guards every server function: POST only, never cross-site, and errors answered with
/// the status they mean. Leptos registers each server function as a route of its own, so
/// this wraps the whole console router and picks the server functions by their prefix.
pub async fn guard_server_fns(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with(SERVER_FNS) {
        return next.run(req).await;
    }
    if req.method() != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "server functions take POST only",
        )
            .into_response();
    }
    if is_cross_site(&req) {
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    error_status(next.run(req).await).await
}

/// Gives a server function's error answer the status its error means (a wrong password
/// is a 401, a throttled sign-in a 429 with `Retry-After`, never a 500), where the
/// server-function runtime answers every error with 500.
async fn error_status(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(err) = serde_json::from_slice::<app::error::ConsoleError>(&bytes) {
        let (status, retry_after) = err.status();
        parts.status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(secs) = retry_after {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Puts the caller's address (see `client`) in the request for the server functions.
pub async fn client_info(State(proxy): State<Proxy>, mut req: Request, next: Next) -> Response {
    let address = client_address(proxy, peer(&req), req.headers());
    req.extensions_mut()
        .insert(app::server::ClientInfo { address });
    next.run(req).await
}

/// Pages need a signed-in session: anything but the login page and static assets
/// redirects to `/login` before rendering, so this holds with JavaScript off too.
pub async fn require_session(
    session: tower_sessions::Session,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let public = path == "/login"
        || path == "/favicon.ico"
        || path.starts_with("/pkg/")
        || path.starts_with("/console-api/");
    if !public && req.method() == Method::GET {
        let user = session
            .get::<String>(app::server::USER_KEY)
            .await
            .ok()
            .flatten();
        if user.is_none() {
            return axum::response::Redirect::to("/login").into_response();
        }
    }
    next.run(req).await
}

/// Headers every console response carries.
pub async fn page_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("x-frame-options", "DENY".parse().expect("static"));
    h.insert("x-content-type-options", "nosniff".parse().expect("static"));
    h.insert("referrer-policy", "same-origin".parse().expect("static"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().method("POST").uri("/console-api/x");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn cross_site_detection() {
        assert!(!is_cross_site(&req(&[("host", "h:3000")])));
        assert!(!is_cross_site(&req(&[
            ("host", "h:3000"),
            ("origin", "http://h:3000"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(is_cross_site(&req(&[
            ("host", "h:3000"),
            ("origin", "http://evil.example")
        ])));
        assert!(is_cross_site(&req(&[
            ("host", "h:3000"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(is_cross_site(&req(&[
            ("host", "h:3000"),
            ("sec-fetch-site", "same-site")
        ])));
        assert!(is_cross_site(&req(&[
            ("host", "h:3000"),
            ("origin", "null")
        ])));
    }
}
