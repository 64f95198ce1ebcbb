//! A minimal keep-alive HTTP/1.1 client on hyper: one connection, one request at a time.
//! The load loops own one each, so the generator spends as little CPU as possible.
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub struct Conn {
    tx: SendRequest<Full<Bytes>>,
    host: String,
}

/// A response: status and the whole body.
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Result<Conn, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (tx, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake {addr}: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            tx,
            host: addr.to_string(),
        })
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Answer, String> {
        self.tx.ready().await.map_err(|e| e.to_string())?;
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.host);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = b.body(Full::new(body)).map_err(|e| e.to_string())?;
        let resp = self.tx.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Answer { status, body })
    }
}

/// One request on a fresh connection (control-plane calls, not load).
pub async fn once(
    addr: SocketAddr,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Result<Answer, String> {
    let mut c = Conn::open(addr).await?;
    c.send(method, path, headers, body.into()).await
}

/// `once` that parses a JSON answer and insists on a 2xx status.
pub async fn json(
    addr: SocketAddr,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Result<serde_json::Value, String> {
    let a = once(addr, method, path, headers, body).await?;
    if !(200..300).contains(&a.status) {
        return Err(format!(
            "{path}: HTTP {}: {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        ));
    }
    if a.body.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&a.body).map_err(|e| format!("{path}: {e}"))
}
