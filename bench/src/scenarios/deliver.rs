//! Sustained deliveries/s at fan-out 1 and 4: the generator ingests batches of 100 as
//! fast as Herald keeps up, held back only when more than `backlog_cap` deliveries are
//! outstanding (so the queue stays bounded and the run is a steady state, not a drain).
//! After a warm-up, deliveries/s is what the receiver counted over the measured window,
//! and CPU per delivery is Herald's utime + stime over that window ÷ those deliveries
//! (ingest included: it is the whole cost of a delivery). `sustained-2i` runs the same
//! load at fan-out 1 over two Herald instances on one PostgreSQL database, half of the
//! generator's connections to each (docs/scaling.md#measured).
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::{herald_req, mb, num, round, usage_json, Ctx, Outcome};
use crate::events;
use crate::load::{self, Gate, MakeReq};
use crate::procfs;

pub async fn sustained(ctx: &mut Ctx, fanout: u64) -> Outcome {
    run(ctx, &format!("sustained-f{fanout}"), fanout, 1).await
}

/// Fan-out 1 over two instances sharing a PostgreSQL database.
pub async fn sustained_two(ctx: &mut Ctx) -> Outcome {
    if !matches!(ctx.store, crate::store::StoreChoice::Postgres { .. }) {
        return Err("sustained-2i needs --store postgres (two instances, one database)".into());
    }
    run(ctx, "sustained-2i", 1, 2).await
}

async fn run(ctx: &mut Ctx, tag: &str, fanout: u64, instances: usize) -> Outcome {
    run_with(ctx, tag, fanout, instances, &serde_json::Value::Null).await
}

/// [`run`] with `extras` (e.g. a condition) in every webhook's settings.
pub(super) async fn run_with(
    ctx: &mut Ctx,
    tag: &str,
    fanout: u64,
    instances: usize,
    extras: &serde_json::Value,
) -> Outcome {
    let tag = tag.to_string();
    let first = ctx
        .herald_with_hooks_and(&tag, fanout as usize, 5_000, extras)
        .await?;
    let mut heralds = vec![first];
    for i in 1..instances {
        let more = heralds[0].join(&format!("i{i}")).await?;
        heralds.push(more);
    }
    let pids: Vec<u32> = heralds.iter().map(|h| h.pid()).collect();
    let s = ctx.scale.clone();
    let made = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let m = made.clone();
    let make: MakeReq = Arc::new(move |seq, sent_at| {
        m.fetch_add(100, Relaxed);
        herald_req(events::batch(sent_at, seq * 100, 100))
    });
    let (m, r, cap) = (made.clone(), received.clone(), s.backlog_cap);
    let gate: Gate = Arc::new(move || m.load(Relaxed) * fanout < r.load(Relaxed) + cap);
    let total_secs = s.warm_secs + s.measure_secs;
    let max = if s.smoke { 20 } else { s.max_requests };
    let conc = (4 / instances).max(2);
    let gens: Vec<_> = heralds
        .iter()
        .map(|h| {
            tokio::spawn(load::closed_loop(
                h.addr,
                conc,
                max / instances as u64,
                total_secs,
                make.clone(),
                Some(gate.clone()),
            ))
        })
        .collect();
    // Poll the receiver's count for the gate, and sample at the window's edges.
    let poll = Duration::from_millis(20);
    let warm_polls = (s.warm_secs / 0.02) as usize;
    let measure_polls = (s.measure_secs / 0.02) as usize;
    let mut edges = vec![];
    let mut db_edges = vec![];
    for i in 0..=(warm_polls + measure_polls) {
        let st = ctx.receiver.stats().await?;
        received.store(num(&st, "count") as u64, Relaxed);
        if i == warm_polls || i == warm_polls + measure_polls {
            db_edges.push(crate::store::wal_and_size(heralds[0].db_url()).await);
            edges.push((
                num(&st, "count"),
                procfs::Sample::take(&pids, ctx.receiver.pid()),
            ));
        }
        tokio::time::sleep(poll).await;
    }
    let mut res = load::LoadResult::default();
    for g in gens {
        let r = g.await.map_err(|e| e.to_string())?;
        res.ok += r.ok;
        res.errors += r.errors;
        res.first_error = res.first_error.or(r.first_error);
    }
    ctx.check_load(&tag, &res);
    let hwm = pids
        .iter()
        .map(|p| procfs::status_bytes(&p.to_string(), "VmHWM:"))
        .max()
        .unwrap_or(0);
    let memory = procfs::memory(pids[0]);
    let u = procfs::between(&edges[0].1, &edges[1].1);
    let delivered = edges[1].0 - edges[0].0;
    let st = if s.smoke {
        ctx.expect_arrivals(&tag, res.ok * 100 * fanout).await?
    } else {
        ctx.receiver.stats().await?
    };
    ctx.check_signatures(&tag, &st);
    if delivered <= 0.0 {
        ctx.fail(format!(
            "{tag}: nothing was delivered in the measured window"
        ));
    }
    // PostgreSQL: write-ahead log and database growth per delivery over the window.
    let per_delivery = |i: usize| match (&db_edges[0], &db_edges[1]) {
        (Some(a), Some(b)) if delivered > 0.0 => {
            let (a, b) = if i == 0 { (a.0, b.0) } else { (a.1, b.1) };
            json!(round((b - a) as f64 / delivered, 0))
        }
        _ => serde_json::Value::Null,
    };
    let (wal, growth) = (per_delivery(0), per_delivery(1));
    // The joined instances first: the first one's database goes with it.
    for h in heralds.into_iter().rev() {
        h.stop();
    }
    Ok(json!({
        "fanout": fanout,
        "instances": instances,
        "deliveries_per_s": round(delivered / u.secs, 0),
        "events_ingested_per_s": round(delivered / u.secs / fanout as f64, 0),
        "deliveries_measured": delivered,
        "cpu_us_per_delivery": round(u.herald_cpu * 1e6 / delivered.max(1.0), 1),
        "database_cpu_us_per_delivery": round(u.database_cpu * 1e6 / delivered.max(1.0), 1),
        "wal_bytes_per_delivery": wal,
        "db_growth_bytes_per_delivery": growth,
        "peak_rss_mb": mb(hwm),
        "memory": memory,
        "usage": usage_json(&u),
    }))
}
