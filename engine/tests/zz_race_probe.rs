mod common;
use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn probe() {
    let h = Harness::new().await;
    let rx = Receiver::start_with(Reply::status(500)).await;
    let wh = h.create(hook("t", &rx.url)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let (s2, e2) = (stop.clone(), h.engine.clone());
    let busy = tokio::spawn(async move {
        let w = engine::Worker::new(e2);
        let mut n = 0;
        while !s2.load(Ordering::SeqCst) { if let engine::ExecutionOutcome::Processed(k) = w.run_once().await.unwrap() { n += k; } }
        n
    });
    for _ in 0..30 {
        h.engine.send_test(&wh.id, "run.completed", None).await.unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    let n = busy.await.unwrap();
    let mut m: HashMap<String, usize> = HashMap::new();
    for r in rx.requests() { *m.entry(r.h("webhook-id").to_string()).or_default() += 1; }
    println!("worker processed {n}; requests {}; ids {}; dups {:?}", rx.count(), m.len(), m.values().filter(|c| **c > 1).count());
}
