//! Ingest→first-attempt latency at fixed offered rates: single-event requests leave on
//! a schedule (open loop, 64 connections), each carrying its scheduled send time in
//! `data.sent_at_ns`; the receiver records arrival − sent for first attempts. One Herald
//! serves all rates (after a short warm-up); every delivery must arrive before the
//! percentiles are read.
use std::sync::Arc;

use serde_json::json;

use super::{herald_req, mb, num, round, usage_json, Ctx, Outcome};
use crate::events;
use crate::load::{self, MakeReq};
use crate::procfs;

pub async fn latency(ctx: &mut Ctx) -> Outcome {
    let h = ctx.herald_with_hooks("latency", 1, 5_000).await?;
    let make: MakeReq =
        Arc::new(|seq, sent_at| herald_req(events::event(sent_at, seq).into_bytes().into()));
    if !ctx.scale.smoke {
        let warm = load::open_loop(h.addr, 500.0, 2.0, 64, make.clone()).await;
        ctx.check_load("latency warm-up", &warm);
        ctx.expect_arrivals("latency warm-up", warm.ok).await?;
    }
    let mut out = vec![];
    for rate in ctx.scale.rates.clone() {
        ctx.receiver.control("reset", "").await?;
        let tag = format!("latency at {rate}/s");
        let a = ctx.sample(&h);
        let res = load::open_loop(
            h.addr,
            rate as f64,
            ctx.scale.latency_secs,
            64,
            make.clone(),
        )
        .await;
        ctx.check_load(&tag, &res);
        let st = ctx.expect_arrivals(&tag, res.ok).await?;
        let b = ctx.sample(&h);
        ctx.check_signatures(&tag, &st);
        let u = procfs::between(&a, &b);
        let mut rt = res.resp_us.clone();
        rt.sort_unstable();
        out.push(json!({
            "rate": rate,
            "achieved_per_s": round(res.ok as f64 / ctx.scale.latency_secs, 0),
            "events": res.ok,
            "p50_ms": round(num(&st, "p50_us") / 1000.0, 3),
            "p99_ms": round(num(&st, "p99_us") / 1000.0, 3),
            "max_ms": round(num(&st, "max_us") / 1000.0, 3),
            "ingest_response_p99_ms": round(crate::stats::percentile_sorted(&rt, 99.0) as f64 / 1000.0, 2),
            "cpu_us_per_delivery": round(u.herald_cpu * 1e6 / res.ok.max(1) as f64, 1),
            "usage": usage_json(&u),
        }));
    }
    let hwm = procfs::status_bytes(&h.pid().to_string(), "VmHWM:");
    let memory = procfs::memory(h.pid());
    h.stop();
    Ok(json!({ "rates": out, "peak_rss_mb": mb(hwm), "memory": memory }))
}
