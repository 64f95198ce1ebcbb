//! `herald-bench-receiver [--addr 127.0.0.1:0] [--max-secs 7200]`: the benchmark's fast
//! webhook receiver (see `bench::receiver`). Prints `listening <port>` once bound; exits
//! when its standard input closes (the orchestrator died) or after `--max-secs`.
use std::sync::Arc;
use std::time::Duration;

use bench::receiver::{handle, State};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::io::Read;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let addr = arg("--addr").unwrap_or_else(|| "127.0.0.1:0".into());
    let max_secs: u64 = arg("--max-secs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(7200);
    let listener = TcpListener::bind(&addr).await.expect("bind");
    println!("listening {}", listener.local_addr().expect("addr").port());
    let state = Arc::new(State::default());
    let serve = async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let state = state.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| handle(state.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    };
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        let _ = closed_tx.send(());
    });
    let stdin_closed = async {
        let _ = closed_rx.await;
    };
    tokio::select! {
        _ = serve => {}
        _ = stdin_closed => {}
        _ = tokio::time::sleep(Duration::from_secs(max_secs)) => {}
    }
}
