//! The one guarded outbound HTTP client (docs/delivery.md#outbound-guard). Herald resolves every host itself,
//! vets every address (netguard) and hands reqwest only the vetted addresses, so the
//! connection is pinned to what was checked. http/https only, no redirects, no proxies,
//! connect timeout 5 s, response bodies read to at most 16 KiB.
use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::net::ssrf::{self, AllowList};
use crate::rules::classify::ErrorKind;

/// Response bodies are kept up to this many bytes.
pub const MAX_RESPONSE_BODY: usize = 16 * 1024;
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One request to send.
#[derive(Clone, Debug)]
pub struct Outbound {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub timeout: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// At most [`MAX_RESPONSE_BODY`] bytes, lossily decoded as UTF-8.
    pub body: String,
    /// The body went on past [`MAX_RESPONSE_BODY`]; only its start is in `body`.
    pub body_cut: bool,
    pub retry_after: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Sent {
    pub result: Result<Received, Failure>,
    pub duration: Duration,
}

#[derive(Debug)]
struct Blocked(String);
impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "blocked: {}", self.0)
    }
}
impl StdError for Blocked {}

#[derive(Debug)]
struct DnsFailure(String);
impl std::fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dns: {}", self.0)
    }
}
impl StdError for DnsFailure {}

/// Resolves with the system resolver and refuses the whole name when any address is not
/// allowed (a name that mixes public and private addresses is a rebinding attempt).
struct GuardedResolver {
    allow: Arc<AllowList>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| {
                    Box::new(DnsFailure(format!("{host}: {e}"))) as Box<dyn StdError + Send + Sync>
                })?
                .collect();
            if found.is_empty() {
                return Err(Box::new(DnsFailure(format!("{host}: no addresses")))
                    as Box<dyn StdError + Send + Sync>);
            }
            for addr in &found {
                if let Err(reason) = ssrf::vet(addr.ip(), &allow) {
                    // The address itself stays in the server's log: the caller (and the
                    // delivery log) learn the reason, never what an internal name
                    // resolves to (docs/security.md#internal-addresses).
                    tracing::warn!(%host, ip = %addr.ip(), %reason, "outbound request blocked");
                    return Err(
                        Box::new(Blocked(format!("{host} resolves to a {reason} address")))
                            as Box<dyn StdError + Send + Sync>,
                    );
                }
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow: Arc<AllowList>,
}

impl Sender {
    /// A client for `allow`ed targets keeping up to `max_idle_per_host` connections open
    /// per receiver: as many as there may be requests in flight to it, so a busy
    /// receiver's connections are reused rather than closed and opened again per request.
    pub fn new(allow: AllowList, max_idle_per_host: usize) -> Self {
        let allow = Arc::new(allow);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                allow: allow.clone(),
            }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(max_idle_per_host)
            .tcp_nodelay(true)
            .build()
            .expect("reqwest client builds");
        Sender { client, allow }
    }

    /// Checks a target before sending: scheme, host, and IP-literal hosts (names are
    /// checked at resolution).
    pub fn precheck(&self, url: &str) -> Result<reqwest::Url, Failure> {
        let parsed = ssrf::check_url(url).map_err(|e| Failure {
            kind: ErrorKind::Blocked,
            message: e.to_string(),
        })?;
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal {
            ssrf::vet(ip, &self.allow).map_err(|reason| Failure {
                kind: ErrorKind::Blocked,
                message: format!("{ip} is not an allowed target ({reason})"),
            })?;
        }
        Ok(parsed)
    }

    pub async fn send(&self, req: &Outbound) -> Sent {
        let started = Instant::now();
        let result = self.send_inner(req).await;
        Sent {
            result,
            duration: started.elapsed(),
        }
    }

    async fn send_inner(&self, req: &Outbound) -> Result<Received, Failure> {
        let url = self.precheck(&req.url)?;
        let mut builder = self
            .client
            .post(url)
            .timeout(req.timeout)
            .body(req.body.clone());
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        // without_url: a URL may carry a token in its query; keep it out of the log.
        let mut resp = builder
            .send()
            .await
            .map_err(|e| classify_error(&e.without_url()))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body: Vec<u8> = Vec::new();
        let mut body_cut = false;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_RESPONSE_BODY - body.len();
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if chunk.len() > room {
                        body_cut = true;
                        break;
                    }
                }
                Ok(None) => break,
                // The status already arrived; a broken or slow body does not change it.
                Err(_) => break,
            }
        }
        Ok(Received {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            body_cut,
            retry_after,
        })
    }
}

fn classify_error(e: &reqwest::Error) -> Failure {
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    let mut chain = e.to_string();
    while let Some(s) = source {
        if let Some(b) = s.downcast_ref::<Blocked>() {
            return Failure {
                kind: ErrorKind::Blocked,
                message: b.to_string(),
            };
        }
        if let Some(d) = s.downcast_ref::<DnsFailure>() {
            return Failure {
                kind: ErrorKind::Dns,
                message: d.to_string(),
            };
        }
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let lower = chain.to_lowercase();
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        ErrorKind::Tls
    } else if e.is_connect() {
        ErrorKind::Connect
    } else {
        ErrorKind::Http
    };
    Failure {
        kind,
        message: chain,
    }
}
