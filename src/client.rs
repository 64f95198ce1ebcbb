//! Who is asking, and over what (docs/security.md#client-address): the client address is
//! the socket peer; behind a reverse proxy (`HERALD_TRUST_PROXY`) it is the last address
//! in `X-Forwarded-For` (the one the proxy added) and `X-Forwarded-Proto: https` means the
//! browser used https. Without that setting both headers are ignored, so a client cannot
//! pick its own address to dodge the login throttle.
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;

/// How far forwarded headers are believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proxy {
    /// Herald faces clients directly: forwarded headers are ignored.
    None,
    /// A reverse proxy in front sets `X-Forwarded-For` and `X-Forwarded-Proto`.
    Trusted,
}

/// The client's address: the peer, or with a trusted proxy the last valid address of
/// `X-Forwarded-For`.
pub fn client_address(proxy: Proxy, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    if proxy == Proxy::Trusted {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer
}

/// True when the browser reached Herald over https: the proxy says so (trusted only).
pub fn forwarded_https(proxy: Proxy, headers: &HeaderMap) -> bool {
    proxy == Proxy::Trusted
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The socket peer of a request served with connect info.
pub fn peer(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Pairs<'a> = &'a [(&'a str, &'a str)];

    fn headers(pairs: Pairs<'_>) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn addresses() {
        let peer: Option<IpAddr> = Some("10.0.0.9".parse().unwrap());
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let cases: &[(Proxy, Pairs<'_>, Option<IpAddr>)] = &[
            (Proxy::None, &[], peer),
            (Proxy::None, &[("x-forwarded-for", "1.2.3.4")], peer),
            (Proxy::Trusted, &[], peer),
            (
                Proxy::Trusted,
                &[("x-forwarded-for", "1.2.3.4")],
                ip("1.2.3.4"),
            ),
            (
                Proxy::Trusted,
                &[("x-forwarded-for", "6.6.6.6, 1.2.3.4")],
                ip("1.2.3.4"),
            ),
            (
                Proxy::Trusted,
                &[
                    ("x-forwarded-for", "6.6.6.6"),
                    ("x-forwarded-for", "2001:db8::1"),
                ],
                ip("2001:db8::1"),
            ),
            (Proxy::Trusted, &[("x-forwarded-for", "garbage")], peer),
        ];
        for (proxy, h, want) in cases {
            assert_eq!(
                client_address(*proxy, peer, &headers(h)),
                *want,
                "{proxy:?} {h:?}"
            );
        }
    }

    #[test]
    fn https() {
        let cases: &[(Proxy, Pairs<'_>, bool)] = &[
            (Proxy::None, &[("x-forwarded-proto", "https")], false),
            (Proxy::Trusted, &[("x-forwarded-proto", "https")], true),
            (
                Proxy::Trusted,
                &[("x-forwarded-proto", "HTTPS, http")],
                true,
            ),
            (Proxy::Trusted, &[("x-forwarded-proto", "http")], false),
            (Proxy::Trusted, &[], false),
        ];
        for (proxy, h, want) in cases {
            assert_eq!(
                forwarded_https(*proxy, &headers(h)),
                *want,
                "{proxy:?} {h:?}"
            );
        }
    }
}
