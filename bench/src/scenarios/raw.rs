//! The raw baseline: the same generator posting Herald-like signed requests straight to
//! the receiver, for throughput (concurrency 64) and for latency at the offered rates.
//! Every Herald figure is also reported as a ratio to these, which survives a noisy
//! machine better than the absolute numbers.
use std::sync::Arc;

use serde_json::json;

use super::{num, round, usage_json, Ctx, Outcome};
use crate::events;
use crate::load::{self, Req};
use crate::procfs;

pub async fn raw(ctx: &mut Ctx) -> Outcome {
    let secret = engine::rules::signing::generate_secret();
    let r = &ctx.receiver;
    r.control("secret?path=/raw", &secret).await?;
    r.control(&format!("verify?every={}", ctx.scale.verify_every), "")
        .await?;
    r.control("track?on=0", "").await?;
    r.control("hold?on=0", "").await?;
    r.control("reset", "").await?;
    let make: load::MakeReq = Arc::new(move |seq, sent_at| {
        let id = format!("dlv_bench{seq:020}");
        let body = events::raw_envelope(sent_at, seq, &id);
        let headers = events::signed_headers(&secret, &id, &body);
        Req {
            path: "/raw".into(),
            headers,
            body,
        }
    });
    let a = procfs::Sample::take(&[], r.pid());
    let s = &ctx.scale;
    let res = load::closed_loop(
        r.addr,
        64,
        s.max_requests,
        s.throughput_secs,
        make.clone(),
        None,
    )
    .await;
    let b = procfs::Sample::take(&[], r.pid());
    let u = procfs::between(&a, &b);
    ctx.check_load("raw baseline", &res);
    let stats = ctx.receiver.stats().await?;
    ctx.check_signatures("raw baseline", &stats);
    let rps = res.ok as f64 / res.secs;
    let mut latency = vec![];
    for &rate in &ctx.scale.rates.clone() {
        ctx.receiver.control("reset", "").await?;
        let secs = ctx.scale.latency_secs;
        let res = load::open_loop(ctx.receiver.addr, rate as f64, secs, 64, make.clone()).await;
        ctx.check_load(&format!("raw latency at {rate}/s"), &res);
        let st = ctx.receiver.stats().await?;
        latency.push(json!({
            "rate": rate, "sent": res.ok,
            "p50_ms": round(num(&st, "p50_us") / 1000.0, 3),
            "p99_ms": round(num(&st, "p99_us") / 1000.0, 3),
        }));
    }
    Ok(json!({
        "requests_per_s": round(rps, 0),
        "requests": res.ok,
        // The generator's own cost to build, sign and send one request.
        "generator_cpu_us_per_request": round(u.generator_cpu * 1e6 / res.ok.max(1) as f64, 1),
        "receiver_cpu_us_per_request": round(u.receiver_cpu * 1e6 / res.ok.max(1) as f64, 1),
        "usage": usage_json(&u),
        "latency": latency,
    }))
}
