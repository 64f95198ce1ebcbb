//! Request guards shared by the console's server functions: POST only, and never from
//! another site (Origin / Sec-Fetch-Site).
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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

/// Refuses GETs and cross-site requests to server functions (every path under
/// `/console-api/`). It is a layer of the whole console router, not of one route:
/// `leptos_routes_with_context` registers each server function's exact path itself, and
/// those routes would bypass a guard attached only to the `/console-api/{*fn_name}` route.
pub async fn guard_server_fns(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/console-api/") {
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
