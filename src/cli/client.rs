//! The REST client of the CLI: builds `/api/v1` URLs, sends the API key, turns
//! `application/problem+json` answers and transport failures into [`CliError`]s with
//! their exit codes, and follows `next_cursor` through every page of a list.
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Method, Url};
use serde_json::{json, Value};

use super::{CliError, CliResult, Exit, ServerArgs};

/// A successful answer: its status, headers and JSON body (`null` when empty).
pub struct Answer {
    pub headers: HeaderMap,
    pub body: Value,
}

pub struct Api {
    http: reqwest::Client,
    base: Url,
    key: Option<String>,
    page_size: u32,
}

impl Api {
    pub fn new(conn: &ServerArgs, page_size: u32) -> CliResult<Api> {
        let mut base = Url::parse(conn.server.trim()).map_err(|e| {
            CliError::usage(format!(
                "HERALD_URL \"{}\" is not a URL ({e}); use e.g. http://127.0.0.1:3000",
                conn.server
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(CliError::usage(format!(
                "HERALD_URL \"{}\" must be an http:// or https:// URL",
                conn.server
            )));
        }
        base.set_query(None);
        base.set_fragment(None);
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("herald-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::failed(format!("cannot start the HTTP client: {e}")))?;
        Ok(Api {
            http,
            base,
            key: conn.api_key.clone().filter(|k| !k.trim().is_empty()),
            page_size,
        })
    }

    /// `<server>/api/v1/<segments…>`, each segment percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["api", "v1"]).extend(segments);
        }
        url
    }

    pub async fn get(&self, segments: &[&str]) -> CliResult<Value> {
        Ok(self
            .send(Method::GET, segments, &[], None, None)
            .await?
            .body)
    }

    pub async fn post(&self, segments: &[&str], body: &Value) -> CliResult<Value> {
        Ok(self
            .send(Method::POST, segments, &[], Some(body), None)
            .await?
            .body)
    }

    pub async fn patch(&self, segments: &[&str], body: &Value) -> CliResult<Value> {
        Ok(self
            .send(Method::PATCH, segments, &[], Some(body), None)
            .await?
            .body)
    }

    pub async fn delete(&self, segments: &[&str]) -> CliResult<()> {
        self.send(Method::DELETE, segments, &[], None, None)
            .await
            .map(|_| ())
    }

    /// Every item of a paginated list, as one `{"data": [...], "next_cursor": null}`.
    pub async fn get_all(&self, segments: &[&str], query: &[(&str, String)]) -> CliResult<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q: Vec<(&str, String)> = query.to_vec();
            q.push(("limit", self.page_size.to_string()));
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let page = self.send(Method::GET, segments, &q, None, None).await?.body;
            if let Some(data) = page["data"].as_array() {
                items.extend(data.iter().cloned());
            }
            match page["next_cursor"].as_str() {
                Some(next) if !next.is_empty() && cursor.as_deref() != Some(next) => {
                    cursor = Some(next.to_string());
                }
                _ => break,
            }
        }
        Ok(json!({"data": items, "next_cursor": null}))
    }

    /// One request; a non-2xx answer becomes the problem's message and field errors.
    pub async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> CliResult<Answer> {
        let mut url = self.url(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter());
        }
        let mut req = self.http.request(method, url);
        if let Some(key) = &self.key {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", key.trim())).map_err(|_| {
                    CliError::usage("the API key contains characters a header cannot carry")
                })?;
            value.set_sensitive(true);
            req = req.header(AUTHORIZATION, value);
        }
        if let Some(k) = idempotency_key {
            req = req.header("idempotency-key", k);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.map_err(|e| self.transport(e))?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.map_err(|e| self.transport(e))?;
        if (200..300).contains(&status) {
            let body = if bytes.iter().all(u8::is_ascii_whitespace) {
                Value::Null
            } else {
                serde_json::from_slice(&bytes).map_err(|e| {
                    CliError::new(
                        Exit::Server,
                        format!(
                            "the server answered HTTP {status} with a body that is not JSON ({e})"
                        ),
                    )
                })?
            };
            return Ok(Answer { headers, body });
        }
        Err(problem(status, &bytes, self.key.is_some()))
    }

    fn transport(&self, e: reqwest::Error) -> CliError {
        let mut cause: &dyn std::error::Error = &e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let what = if e.is_timeout() {
            "no answer in time".to_string()
        } else {
            cause.to_string()
        };
        CliError::new(
            Exit::Connect,
            format!(
                "cannot connect to {}: {what}",
                self.base.as_str().trim_end_matches('/')
            ),
        )
    }
}

/// The error of a non-2xx answer: `detail (HTTP n)`, or the title when field errors follow.
pub fn problem(status: u16, bytes: &[u8], had_key: bool) -> CliError {
    let exit = Exit::for_status(status);
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let text = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let mut fields = Vec::new();
    if let Some(errors) = parsed.as_ref().and_then(|p| p["errors"].as_object()) {
        for (field, messages) in errors {
            match messages.as_array() {
                Some(list) => {
                    fields.extend(list.iter().filter_map(&text).map(|m| (field.clone(), m)))
                }
                None => fields.extend(text(messages).map(|m| (field.clone(), m))),
            }
        }
    }
    let detail = parsed.as_ref().and_then(|p| text(&p["detail"]));
    let title = parsed.as_ref().and_then(|p| text(&p["title"]));
    let plain = std::str::from_utf8(bytes)
        .ok()
        .map(str::trim)
        .filter(|s| !s.is_empty() && parsed.is_none() && s.len() <= 300)
        .map(String::from);
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
        .to_string();
    let head = if fields.is_empty() {
        detail.or(plain).or(title).unwrap_or(reason)
    } else {
        title.or(detail).unwrap_or(reason)
    };
    let mut message = format!("{head} (HTTP {status})");
    if exit == Exit::Auth {
        message.push_str(if had_key {
            "; check HERALD_API_KEY or --api-key"
        } else {
            "; set HERALD_API_KEY or pass --api-key"
        });
    }
    CliError {
        exit,
        message,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_become_messages() {
        let e = problem(
            422,
            br#"{"type":"about:blank","title":"Validation failed","status":422,"detail":"url: bad","errors":{"url":["bad"],"name":["empty","long"]}}"#,
            true,
        );
        assert_eq!(e.exit, Exit::Rejected);
        assert_eq!(e.message, "Validation failed (HTTP 422)");
        // In the server's order (it sends them sorted by field).
        assert_eq!(
            e.fields,
            [
                ("url".to_string(), "bad".to_string()),
                ("name".to_string(), "empty".to_string()),
                ("name".to_string(), "long".to_string())
            ]
        );
        let e = problem(
            404,
            br#"{"title":"Not found","detail":"webhook not found"}"#,
            true,
        );
        assert_eq!(
            (e.exit, e.message.as_str()),
            (Exit::NotFound, "webhook not found (HTTP 404)")
        );
        let e = problem(413, b"length limit exceeded", true);
        assert_eq!(e.message, "length limit exceeded (HTTP 413)");
        let e = problem(502, b"", false);
        assert_eq!(
            (e.exit, e.message.as_str()),
            (Exit::Server, "Bad Gateway (HTTP 502)")
        );
        let e = problem(401, br#"{"detail":"send a valid API key"}"#, false);
        assert_eq!(e.exit, Exit::Auth);
        assert!(e.message.contains("set HERALD_API_KEY"), "{}", e.message);
    }
}
