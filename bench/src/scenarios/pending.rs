//! Peak RSS with a large pending queue. One webhook subscribes and its receiver holds
//! every request open (its timeout is 30 s), so Herald has that webhook's share (64)
//! outstanding and every other delivery stays pending while `pending` events are
//! ingested in batches of 100. Then peak RSS (VmHWM) is read before and after a /metrics
//! scrape (which also gives the queue depth Herald reports). The queue lives in SQLite,
//! so this shows whether memory grows with the backlog.
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::{herald_req, round, Ctx, Outcome};
use crate::events;
use crate::load::{self, MakeReq};
use crate::procfs;

pub async fn pending(ctx: &mut Ctx) -> Outcome {
    let h = ctx.herald_with_hooks("pending", 1, 30_000).await?;
    ctx.receiver.control("hold?on=1", "").await?;
    let make: MakeReq = Arc::new(|seq, sent_at| herald_req(events::batch(sent_at, seq * 100, 100)));
    let n = ctx.scale.pending.div_ceil(100);
    let res = load::closed_loop(h.addr, 8, n, 900.0, make, None).await;
    ctx.check_load("pending ingest", &res);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_scrape = procfs::memory(h.pid());
    // A /metrics scrape (what Prometheus does every few seconds) counts the queue.
    let depth = h.metric("herald_queue_depth").await.unwrap_or(-1.0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let memory = procfs::memory(h.pid());
    let held = ctx.receiver.stats().await?["held_now"]
        .as_u64()
        .unwrap_or(0);
    ctx.receiver.control("hold?on=0", "").await?;
    let events = res.ok * 100;
    if ctx.scale.smoke {
        let st = ctx.expect_arrivals("pending", events).await?;
        ctx.check_signatures("pending", &st);
    }
    h.stop();
    Ok(json!({
        "events_ingested": events,
        "ingest_secs": round(res.secs, 1),
        "queue_depth": depth,
        "held_in_flight": held,
        "peak_rss_mb": memory["peak_rss_mb"],
        "memory": memory,
        "memory_before_metrics_scrape": before_scrape,
    }))
}
