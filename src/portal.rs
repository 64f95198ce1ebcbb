//! The tenant portal's way in (docs/portal.md): `GET /portal/{token}` opens a single-use
//! link into a console session scoped to the link's tenant, and the framing rules of
//! portal pages — `frame-ancestors` from `HERALD_PORTAL_FRAME_ANCESTORS` for a portal
//! session, `'none'` (and `X-Frame-Options: DENY`) for everything else — plus the
//! operator's opt-in to session cookies that work inside another site's iframe.
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use tower_sessions::cookie::SameSite;

use app::server::tenancy::PortalSession;

/// How portal pages may be embedded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Embedding {
    /// The CSP `frame-ancestors` sources of portal pages (empty: not framed at all).
    pub frame_ancestors: String,
    pub cookies: PortalCookies,
}

/// Which sites the session cookie is sent to.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PortalCookies {
    /// `SameSite=Strict`: the console and the portal work as top-level pages only.
    #[default]
    Strict,
    /// `SameSite=None; Secure; Partitioned`: the portal works inside an iframe of another
    /// site. Needs an https `HERALD_PUBLIC_URL`.
    CrossSite,
}

impl PortalCookies {
    pub fn same_site(self) -> SameSite {
        match self {
            PortalCookies::Strict => SameSite::Strict,
            PortalCookies::CrossSite => SameSite::None,
        }
    }
}

/// Checks the embedding settings at start: cross-site cookies only over https, and
/// `frame-ancestors` sources without characters that would end the directive.
pub fn check(e: &Embedding, public_url: Option<&str>) -> Result<(), String> {
    if e.cookies == PortalCookies::CrossSite
        && !public_url.is_some_and(|u| u.starts_with("https://"))
    {
        return Err(
            "HERALD_PORTAL_COOKIES=cross-site needs an https HERALD_PUBLIC_URL (browsers send SameSite=None cookies only with Secure)"
                .into(),
        );
    }
    if e.frame_ancestors
        .chars()
        .any(|c| matches!(c, ';' | ',' | '\r' | '\n') || c.is_control())
    {
        return Err(
            "HERALD_PORTAL_FRAME_ANCESTORS: sources separated by spaces, without ; or ,".into(),
        );
    }
    Ok(())
}

/// The `frame-ancestors` sources of a page, and whether `X-Frame-Options: DENY` goes with
/// it: only a portal session's pages may be framed, and only by the configured sources.
pub fn frame_policy(portal: bool, ancestors: &str) -> (&str, bool) {
    if portal && !ancestors.trim().is_empty() {
        (ancestors.trim(), false)
    } else {
        ("'none'", true)
    }
}

/// `GET /portal/{token}`: opens the link (once, before it expires) into a session on its
/// tenant, under a fresh session id, and goes to the webhook list.
pub async fn open(
    State(engine): State<engine::Engine>,
    session: tower_sessions::Session,
    Path(token): Path<String>,
) -> Response {
    let grant = match engine.open_portal_link(&token).await {
        Ok(g) => g,
        Err(engine::EngineError::NotFound(_)) => return expired(),
        Err(e) => {
            tracing::error!(error = %e, "opening a portal link failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let opened = app::server::tenancy::open_portal(
        &session,
        PortalSession {
            tenant: grant.tenant,
            look: grant.look,
        },
        engine.now_ms(),
    )
    .await;
    match opened {
        Ok(()) => Redirect::to("/").into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `GET /portal-look.css`: a portal session's accent colour as CSS variables (the CSP
/// allows stylesheets from Herald only, no inline styles). The colour was checked to be
/// `#rrggbb` when the link was made (`engine::rules::tenancy::validate_accent`).
pub async fn look_css(
    State(engine): State<engine::Engine>,
    session: tower_sessions::Session,
) -> Response {
    let portal = app::server::tenancy::session_portal(&session, engine.now_ms())
        .await
        .ok()
        .flatten();
    let accent = portal
        .and_then(|p| p.look.accent)
        .filter(|a| engine::rules::tenancy::validate_accent(a).is_ok());
    let css = match accent {
        Some(a) => format!(
            ":root {{ --accent: {a}; --accent-strong: {a}; --focus: {a}; }}\n\
             .topbar.portal {{ border-bottom: 3px solid {a}; }}\n"
        ),
        None => String::new(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        css,
    )
        .into_response()
}

fn expired() -> Response {
    let mut res = (
        StatusCode::NOT_FOUND,
        Html(
            "<!doctype html><meta charset=utf-8><title>Link expired</title>\
             <main style=\"font-family:system-ui;max-width:32rem;margin:4rem auto\">\
             <h1>This link has expired</h1><p>Portal links open once and only for a short \
             time. Open the webhooks page again from the product you came from.</p></main>",
        ),
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_portal_pages_are_framed_and_only_by_the_configured_sites() {
        // (portal session, configured sources, frame-ancestors, X-Frame-Options DENY)
        let cases = [
            (false, "", "'none'", true),
            (false, "https://app.acme.ai", "'none'", true),
            (true, "", "'none'", true),
            (true, "  ", "'none'", true),
            (true, "https://app.acme.ai", "https://app.acme.ai", false),
            (
                true,
                " https://a.example https://b.example ",
                "https://a.example https://b.example",
                false,
            ),
        ];
        for (portal, configured, want, deny) in cases {
            assert_eq!(
                frame_policy(portal, configured),
                (want, deny),
                "{portal} {configured:?}"
            );
        }
    }

    #[test]
    fn embedding_settings_are_checked_at_start() {
        let cross = |a: &str| Embedding {
            frame_ancestors: a.into(),
            cookies: PortalCookies::CrossSite,
        };
        let cases = [
            (Embedding::default(), None, true),
            (cross(""), Some("https://herald.example"), true),
            (cross(""), Some("http://herald.example"), false),
            (cross(""), None, false),
            (
                cross("https://a.example; script-src *"),
                Some("https://h.example"),
                false,
            ),
            (
                cross("https://a.example, https://b"),
                Some("https://h.example"),
                false,
            ),
        ];
        for (e, url, ok) in cases {
            assert_eq!(check(&e, url).is_ok(), ok, "{e:?} {url:?}");
        }
    }
}
