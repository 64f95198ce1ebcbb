//! Ingest throughput: events/s in batches of 100 (16 connections), and single-event
//! requests/s at concurrency 64. One webhook subscribes, so every event gets its
//! delivery written in the same transaction, but its receiver holds requests open: the
//! worker fills the webhook's share (64 in flight, more waiting) and stops, and the
//! figure is the ingest path (HTTP, auth, validation, fan-out, commit) rather than ingest
//! competing with delivery.
use std::sync::Arc;

use serde_json::json;

use super::{herald_req, mb, round, usage_json, Ctx, Outcome};
use crate::events;
use crate::load::{self, MakeReq};
use crate::procfs;

pub async fn ingest_batch(ctx: &mut Ctx) -> Outcome {
    let make: MakeReq = Arc::new(|seq, sent_at| herald_req(events::batch(sent_at, seq * 100, 100)));
    run(ctx, "ingest-batch", 16, 100, make).await
}

pub async fn ingest_single(ctx: &mut Ctx) -> Outcome {
    let make: MakeReq =
        Arc::new(|seq, sent_at| herald_req(events::event(sent_at, seq).into_bytes().into()));
    run(ctx, "ingest-single", 64, 1, make).await
}

async fn run(ctx: &mut Ctx, tag: &str, conc: usize, per_req: u64, make: MakeReq) -> Outcome {
    let h = ctx.herald_with_hooks(tag, 1, 30_000).await?;
    ctx.receiver.control("hold?on=1", "").await?;
    let s = ctx.scale.clone();
    let max = if s.smoke {
        (s.max_requests / per_req).max(3)
    } else {
        s.max_requests
    };
    let a = ctx.sample(&h);
    let res = load::closed_loop(h.addr, conc, max, s.throughput_secs, make, None).await;
    let b = ctx.sample(&h);
    let u = procfs::between(&a, &b);
    ctx.check_load(tag, &res);
    let hwm = procfs::status_bytes(&h.pid().to_string(), "VmHWM:");
    let memory = procfs::memory(h.pid());
    ctx.receiver.control("hold?on=0", "").await?;
    let events = res.ok * per_req;
    if s.smoke {
        let st = ctx.expect_arrivals(tag, events).await?;
        ctx.check_signatures(tag, &st);
    }
    h.stop();
    let mut rt = res.resp_us.clone();
    rt.sort_unstable();
    Ok(json!({
        "requests_per_s": round(res.ok as f64 / res.secs, 0),
        "events_per_s": round(events as f64 / res.secs, 0),
        "events": events,
        "concurrency": conc,
        "events_per_request": per_req,
        "response_p50_ms": round(crate::stats::percentile_sorted(&rt, 50.0) as f64 / 1000.0, 2),
        "response_p99_ms": round(crate::stats::percentile_sorted(&rt, 99.0) as f64 / 1000.0, 2),
        "cpu_us_per_event": round(u.herald_cpu * 1e6 / events.max(1) as f64, 1),
        "peak_rss_mb": mb(hwm),
        "memory": memory,
        "usage": usage_json(&u),
    }))
}
