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
/// redirects to `/login` before rendering, so this holds with JavaScript off too. A session
/// past its absolute lifetime, of a removed user or under an older credential version is
/// ended here (`app::server::access::session_principal`).
pub async fn require_session(
    State(engine): State<engine::Engine>,
    session: tower_sessions::Session,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let public = path == "/login"
        || path.starts_with("/portal/")
        || path == "/favicon.ico"
        || path.starts_with("/pkg/")
        || path.starts_with(SERVER_FNS);
    if !public && req.method() == Method::GET {
        let now = engine.now_ms();
        let user = app::server::access::session_principal(&session, &engine)
            .await
            .ok()
            .flatten();
        let portal = app::server::tenancy::session_portal(&session, now)
            .await
            .ok()
            .flatten();
        if user.is_none() && portal.is_none() {
            return axum::response::Redirect::to("/login").into_response();
        }
    }
    next.run(req).await
}

/// The nonce of one page's inline scripts (the Leptos hydration script and resource
/// data), put in the request for the renderer and named in its Content-Security-Policy.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

fn new_nonce() -> String {
    use base64::Engine as _;
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The Content-Security-Policy of a console page: scripts only from Herald and the
/// page's own inline scripts (by nonce), WebAssembly allowed, framing nothing, framed
/// only by `frame_ancestors` (`'none'` but for a portal session: `portal::frame_policy`).
pub fn content_security_policy(nonce: &str, frame_ancestors: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-src 'none'; frame-ancestors {frame_ancestors}"
    )
}

/// Headers every console response carries; pages and server-function answers are never
/// stored by caches (the built assets under `/pkg/` may be).
pub async fn page_headers(
    State(embedding): State<std::sync::Arc<crate::portal::Embedding>>,
    mut req: Request,
    next: Next,
) -> Response {
    let portal = match req.extensions().get::<tower_sessions::Session>() {
        Some(s) => s
            .get::<app::server::tenancy::PortalSession>(app::server::tenancy::PORTAL_KEY)
            .await
            .ok()
            .flatten()
            .is_some(),
        None => false,
    };
    let (ancestors, deny) = crate::portal::frame_policy(portal, &embedding.frame_ancestors);
    let ancestors = ancestors.to_string();
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let path = req.uri().path();
    let asset = path.starts_with("/pkg/") || path == "/favicon.ico";
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if deny {
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if !asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce, &ancestors)) {
            h.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    res
}

/// Marks the session cookie `Secure` when the browser came over https through a trusted
/// proxy (`X-Forwarded-Proto`); with an https `HERALD_PUBLIC_URL` it is always `Secure`.
/// With cross-site portal cookies it is also `Partitioned` (docs/portal.md#cookies), so
/// browsers that keep third-party cookies apart still send it inside the iframe.
pub async fn secure_cookie(
    State((proxy, cookies)): State<(Proxy, crate::portal::PortalCookies)>,
    req: Request,
    next: Next,
) -> Response {
    let https = crate::client::forwarded_https(proxy, req.headers());
    let cross_site = cookies == crate::portal::PortalCookies::CrossSite;
    let mut res = next.run(req).await;
    if !https && !cross_site {
        return res;
    }
    let cookies: Vec<HeaderValue> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    res.headers_mut().remove(header::SET_COOKIE);
    for cookie in cookies {
        let marked = cookie
            .to_str()
            .ok()
            .filter(|c| c.starts_with("herald_session="))
            .map(|c| {
                let mut c = c.to_string();
                if !c.contains("; Secure") {
                    c.push_str("; Secure");
                }
                if cross_site && !c.contains("; Partitioned") {
                    c.push_str("; Partitioned");
                }
                c
            })
            .and_then(|c| HeaderValue::from_str(&c).ok());
        res.headers_mut()
            .append(header::SET_COOKIE, marked.unwrap_or(cookie));
    }
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
