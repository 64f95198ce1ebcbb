//! The Host check against DNS rebinding (docs/security.md#host-check): a page of another
//! site whose name is made to resolve to 127.0.0.1 reaches a console bound there with the
//! victim's browser, under its own origin, so the cross-site guard sees nothing amiss.
//! Only the hosts Herald is configured to serve are accepted: the host of
//! `HERALD_PUBLIC_URL`, the listen address (for a loopback address also `localhost` and
//! the other loopback forms; for `0.0.0.0`/`::` any address literal on the port, which
//! no DNS name can rebind), and `HERALD_ALLOWED_HOSTS`. Others get 421 Misdirected Request
//! on the console's pages and server functions. The REST API (`/api/v1`, bearer keys a
//! browser never sends by itself), `/healthz` and `/metrics` are not checked.
use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// One accepted host.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    /// This name or address, on this port (`None`: any port).
    Host { host: String, port: Option<u16> },
    /// Any IP address literal on this port (Herald listens on every interface).
    AnyAddress { port: u16 },
    /// `*` in `HERALD_ALLOWED_HOSTS`: the check is off.
    Any,
}

/// The hosts Herald serves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedHosts(Vec<Rule>);

/// What the hosts come from.
#[derive(Clone, Copy, Debug)]
pub struct HostSources<'a> {
    pub public_url: Option<&'a str>,
    pub listen: &'a str,
    /// `HERALD_ALLOWED_HOSTS`: comma-separated `name`, `name:port` or `*`.
    pub allowed_hosts: &'a str,
}

/// `host` lowercased, without IPv6 brackets and a trailing dot, and its port.
fn split(authority: &str) -> Option<(String, Option<u16>)> {
    let a: axum::http::uri::Authority = authority.trim().parse().ok()?;
    let host = a
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    (!host.is_empty()).then_some((host, a.port_u16()))
}

impl AllowedHosts {
    pub fn new(from: HostSources<'_>) -> Result<AllowedHosts, String> {
        let mut rules = vec![];
        if let Some(url) = from.public_url {
            let rest = url.split_once("://").map_or(url, |(_, r)| r);
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let (host, port) =
                split(authority).ok_or_else(|| format!("HERALD_PUBLIC_URL: no host in {url}"))?;
            rules.push(Rule::Host { host, port });
        }
        if let Ok(addr) = from.listen.parse::<SocketAddr>() {
            let port = addr.port();
            let ip = addr.ip();
            if ip.is_unspecified() {
                rules.push(Rule::AnyAddress { port });
                rules.push(Rule::Host {
                    host: "localhost".into(),
                    port: Some(port),
                });
            } else if ip.is_loopback() {
                for host in ["localhost", "127.0.0.1", "::1"] {
                    rules.push(Rule::Host {
                        host: host.into(),
                        port: Some(port),
                    });
                }
                rules.push(Rule::Host {
                    host: ip.to_string(),
                    port: Some(port),
                });
            } else {
                rules.push(Rule::Host {
                    host: ip.to_string(),
                    port: Some(port),
                });
            }
        } else if let Some((host, port)) = split(from.listen) {
            rules.push(Rule::Host { host, port });
        }
        for entry in from
            .allowed_hosts
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            if entry == "*" {
                rules.push(Rule::Any);
                continue;
            }
            let (host, port) = split(entry)
                .ok_or_else(|| format!("HERALD_ALLOWED_HOSTS: \"{entry}\" is not a host"))?;
            rules.push(Rule::Host { host, port });
        }
        Ok(AllowedHosts(rules))
    }

    /// True when a request with this `Host` is for Herald.
    pub fn allows(&self, host_header: Option<&str>) -> bool {
        let Some((host, port)) = host_header.and_then(split) else {
            return false;
        };
        self.0.iter().any(|rule| match rule {
            Rule::Any => true,
            Rule::AnyAddress { port: p } => host.parse::<IpAddr>().is_ok() && port == Some(*p),
            Rule::Host { host: h, port: p } => {
                *h == host
                    && match (p, port) {
                        (None, _) => true,
                        (Some(p), Some(port)) => *p == port,
                        // No port in the Host header: the scheme's default.
                        (Some(p), None) => matches!(p, 80 | 443),
                    }
            }
        })
    }
}

/// Answers 421 to console requests for a host Herald does not serve.
pub async fn check_host(State(hosts): State<AllowedHosts>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    if hosts.allows(host) {
        return next.run(req).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        "This host is not served here (see HERALD_ALLOWED_HOSTS).",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(public_url: Option<&str>, listen: &str, allowed: &str) -> AllowedHosts {
        AllowedHosts::new(HostSources {
            public_url,
            listen,
            allowed_hosts: allowed,
        })
        .unwrap()
    }

    #[test]
    fn which_hosts_are_served() {
        let loopback = hosts(None, "127.0.0.1:3000", "");
        let public = hosts(Some("https://herald.example.com/"), "127.0.0.1:3000", "");
        let all = hosts(None, "0.0.0.0:3000", "");
        let extra = hosts(None, "127.0.0.1:3000", "herald.internal, ops.example:8443");
        let star = hosts(None, "127.0.0.1:3000", "*");
        let cases: &[(&AllowedHosts, Option<&str>, bool)] = &[
            (&loopback, Some("127.0.0.1:3000"), true),
            (&loopback, Some("localhost:3000"), true),
            (&loopback, Some("LOCALHOST.:3000"), true),
            (&loopback, Some("[::1]:3000"), true),
            (&loopback, Some("127.0.0.1:3001"), false),
            // DNS rebinding: an attacker's name resolving to 127.0.0.1
            (&loopback, Some("rebind.attacker.example:3000"), false),
            (&loopback, Some("localhost.attacker.example:3000"), false),
            (&loopback, None, false),
            (&loopback, Some(""), false),
            (&public, Some("herald.example.com"), true),
            (&public, Some("herald.example.com:443"), true),
            (&public, Some("herald.example.com.evil:443"), false),
            (&public, Some("localhost:3000"), true),
            (&all, Some("192.168.1.7:3000"), true),
            (&all, Some("[fe80::1]:3000"), true),
            (&all, Some("localhost:3000"), true),
            (&all, Some("rebind.attacker.example:3000"), false),
            (&all, Some("192.168.1.7:3001"), false),
            (&extra, Some("herald.internal"), true),
            (&extra, Some("herald.internal:9999"), true),
            (&extra, Some("ops.example:8443"), true),
            (&extra, Some("ops.example"), false),
            (&star, Some("anything.example"), true),
        ];
        for (allowed, host, want) in cases {
            assert_eq!(allowed.allows(*host), *want, "{host:?} with {allowed:?}");
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        let bad = |public_url, allowed| {
            AllowedHosts::new(HostSources {
                public_url,
                listen: "127.0.0.1:3000",
                allowed_hosts: allowed,
            })
        };
        assert!(bad(Some("https://"), "").is_err());
        assert!(bad(None, "bad host name").is_err());
        assert!(bad(None, " , ").is_ok());
    }
}
