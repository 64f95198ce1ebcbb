//! Fairness between tenants (docs/scaling.md#fairness-between-tenants). A quiet tenant
//! sends single events at a fixed rate (open loop) to a fast receiver and its
//! ingest→arrival p99 is measured alone; then a noisy tenant queues `fair_backlog`
//! deliveries (100 events per request, to 8 webhooks) at a slow receiver that answers
//! each request after 200 ms, and the quiet tenant's run is repeated while that backlog
//! is being worked through. The figure is the ratio of the two p99s (goal ≤ 2×); the
//! queue depth left at the end shows the backlog lasted the whole measurement.
//!
//! The slow receiver is a process of its own, as the noisy tenant's server would be: on
//! the quiet receiver's event loop its 256 open requests would delay the quiet arrivals
//! the scenario measures, whatever Herald did.
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{herald_req, num, round, Ctx, Outcome};
use crate::events;
use crate::herald::{Herald, Receiver};
use crate::load::{self, LoadResult, MakeReq};

const QUIET: &str = "quiet";
const NOISY: &str = "noisy";
/// The noisy tenant's webhooks, all at the slow receiver.
const NOISY_HOOKS: usize = 8;
/// How long the slow receiver takes to answer.
const SLOW_MS: u64 = 200;

pub async fn fairness(ctx: &mut Ctx) -> Outcome {
    let slow = Receiver::start(&ctx.receiver_bin)?;
    let h = setup(ctx, &slow).await?;
    let quiet: MakeReq = Arc::new(|seq, sent_at| {
        herald_req(
            events::tenant_event(QUIET, Some(sent_at), seq)
                .into_bytes()
                .into(),
        )
    });
    let alone = quiet_run(ctx, &h, "fairness: quiet tenant alone", quiet.clone()).await?;

    // The noisy tenant's backlog: every event goes to its 8 webhooks.
    let per_request = 100 * NOISY_HOOKS as u64;
    let requests = ctx.scale.fair_backlog.div_ceil(per_request);
    let noisy: MakeReq = Arc::new(|seq, _| herald_req(events::tenant_batch(NOISY, seq * 100, 100)));
    let t = Instant::now();
    let res = load::closed_loop(h.addr, 4, requests, 600.0, noisy, None).await;
    ctx.check_load("fairness: noisy backlog", &res);
    let queued = res.ok * per_request;
    let ingest_secs = t.elapsed().as_secs_f64();
    let before = slow.stats().await?;
    let with_backlog = quiet_run(ctx, &h, "fairness: quiet tenant with the backlog", quiet).await?;
    let after = slow.stats().await?;
    if num(&after, "verify_failed") > 0.0 {
        ctx.fail(format!(
            "fairness: noisy signatures did not verify: {after}"
        ));
    }
    let depth = h.metric("herald_queue_depth").await.unwrap_or(-1.0);
    if !ctx.scale.smoke && depth <= 0.0 {
        ctx.fail("fairness: the noisy backlog drained before the measurement ended");
    }
    let p99 = |v: &Value| num(v, "p99_ms");
    let ratio = p99(&with_backlog) / p99(&alone).max(0.001);
    h.stop();
    Ok(json!({
        "quiet_rate": ctx.scale.fair_rate,
        "noisy_webhooks": NOISY_HOOKS,
        "slow_receiver_ms": SLOW_MS,
        "noisy_deliveries_queued": queued,
        "noisy_ingest_secs": round(ingest_secs, 1),
        "noisy_sent_during_measurement": num(&after, "slow_count") - num(&before, "slow_count"),
        "noisy_in_flight_at_end": after["slow_now"],
        "queue_depth_at_end": depth,
        "alone": alone,
        "with_backlog": with_backlog,
        "p99_ratio": round(ratio, 2),
        "goal_met": ratio <= 2.0,
    }))
}

/// A fresh Herald with both tenants, the quiet tenant's webhook at the receiver's
/// `/hook/quiet` and the noisy tenant's at the `slow` receiver's `/slow/<i>` (answered
/// after [`SLOW_MS`]).
async fn setup(ctx: &Ctx, slow: &Receiver) -> Result<Herald, String> {
    let h = Herald::start(&ctx.herald_bin, "fairness", &ctx.store).await?;
    let mut hooks = vec![(QUIET, &ctx.receiver, "/hook/quiet".to_string())];
    hooks.extend((0..NOISY_HOOKS).map(|i| (NOISY, slow, format!("/slow/{i}"))));
    h.create_tenant(QUIET).await?;
    h.create_tenant(NOISY).await?;
    for (tenant, r, path) in hooks {
        let url = format!("http://{}{path}", r.addr);
        let (_, secret) = h
            .create_webhook(&url, 5_000, &json!({ "tenant": tenant }))
            .await?;
        r.control(&format!("secret?path={path}"), &secret).await?;
    }
    for r in [&ctx.receiver, slow] {
        r.control("hold?on=0", "").await?;
        r.control(&format!("verify?every={}", ctx.scale.verify_every), "")
            .await?;
        r.control("track?on=0", "").await?;
        r.control("reset", "").await?;
    }
    slow.control(&format!("slow?prefix=/slow&ms={SLOW_MS}"), "")
        .await?;
    Ok(h)
}

/// One run of the quiet tenant at `fair_rate` for `fair_secs`; waits until all of its
/// events arrived (only they carry a send time) and reads their latency.
async fn quiet_run(ctx: &mut Ctx, h: &Herald, tag: &str, make: MakeReq) -> Outcome {
    ctx.receiver.control("reset", "").await?;
    let (rate, secs) = (ctx.scale.fair_rate as f64, ctx.scale.fair_secs);
    let res = load::open_loop(h.addr, rate, secs, 16, make).await;
    ctx.check_load(tag, &res);
    let st = quiet_arrivals(ctx, tag, &res).await?;
    if num(&st, "verify_failed") > 0.0 {
        ctx.fail(format!("{tag}: signatures did not verify: {st}"));
    }
    Ok(json!({
        "events": res.ok,
        "p50_ms": round(num(&st, "p50_us") / 1000.0, 3),
        "p99_ms": round(num(&st, "p99_us") / 1000.0, 3),
        "max_ms": round(num(&st, "max_us") / 1000.0, 3),
        // The acknowledgement alone (the event committed): what of the p99 ingest pays.
        "ingest_p99_ms": round(f64::from(crate::stats::percentile(&res.resp_us, 99.0)) / 1000.0, 3),
    }))
}

/// Waits (bounded) until the receiver measured every quiet event of `res`.
async fn quiet_arrivals(ctx: &mut Ctx, tag: &str, res: &LoadResult) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs_f64(ctx.scale.drain_secs);
    loop {
        let st = ctx.receiver.stats().await?;
        let seen = num(&st, "latency_samples") as u64;
        if seen >= res.ok {
            return Ok(st);
        }
        if Instant::now() > deadline {
            ctx.fail(format!(
                "{tag}: {seen} of {} quiet deliveries arrived",
                res.ok
            ));
            return Ok(st);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
