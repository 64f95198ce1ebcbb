//! `herald-bench [--smoke] [--store sqlite|postgres] [--herald PATH] [--receiver PATH]
//! [--out FILE] [--only a,b]`: starts the receiver, runs every scenario (each on its own
//! fresh Herald and database), prints a table and the goals, and writes the JSON summary.
//! Exits non-zero when anything was broken (errors, deliveries that never arrived,
//! signatures that did not verify). Scenarios: raw, ingest-batch, ingest-single,
//! sustained-f1, sustained-f4, fanout-100-conditions, sustained-conditions, latency,
//! pending, fairness, and on PostgreSQL sustained-2i (two instances on one database). Normally run through `scripts/bench`.
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bench::herald::Receiver;
use bench::scale::Scale;
use bench::scenarios::{self, Ctx};
use bench::{procfs, report};
use serde_json::{json, Map, Value};

const SCENARIOS: [&str; 11] = [
    "raw",
    "ingest-batch",
    "ingest-single",
    "sustained-f1",
    "sustained-f4",
    "sustained-2i",
    "fanout-100-conditions",
    "sustained-conditions",
    "latency",
    "pending",
    "fairness",
];

struct Args {
    smoke: bool,
    store: String,
    herald: PathBuf,
    receiver: PathBuf,
    out: PathBuf,
    only: Vec<String>,
}

fn args() -> Args {
    let a: Vec<String> = std::env::args().collect();
    let val = |name: &str| {
        a.iter()
            .position(|x| x == name)
            .and_then(|i| a.get(i + 1).cloned())
    };
    let smoke = a.iter().any(|x| x == "--smoke");
    let here = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.to_path_buf()))
        .unwrap_or_default();
    let store = val("--store").unwrap_or_else(|| "sqlite".into());
    let out = if store == "postgres" {
        "bench/results/latest-postgres.json"
    } else {
        "bench/results/latest.json"
    };
    let postgres = store == "postgres";
    Args {
        smoke,
        store,
        // Built beside herald-bench, in the same cargo target folder and profile.
        herald: val("--herald").map_or_else(|| here.join("herald"), PathBuf::from),
        receiver: val("--receiver")
            .map_or_else(|| here.join("herald-bench-receiver"), PathBuf::from),
        out: val("--out").map_or_else(|| out.into(), PathBuf::from),
        only: val("--only")
            .map(|s| s.split(',').map(str::to_string).collect())
            .unwrap_or_else(|| {
                SCENARIOS
                    .iter()
                    // Two instances share one database only on PostgreSQL.
                    .filter(|s| **s != "sustained-2i" || postgres)
                    .map(|s| s.to_string())
                    .collect()
            }),
    }
}

async fn run_one(ctx: &mut Ctx, name: &str) -> scenarios::Outcome {
    match name {
        "raw" => scenarios::raw(ctx).await,
        "ingest-batch" => scenarios::ingest_batch(ctx).await,
        "ingest-single" => scenarios::ingest_single(ctx).await,
        "sustained-f1" => scenarios::sustained(ctx, 1).await,
        "sustained-f4" => scenarios::sustained(ctx, 4).await,
        "sustained-2i" => scenarios::sustained_two(ctx).await,
        "fanout-100-conditions" => scenarios::fanout_conditions(ctx).await,
        "sustained-conditions" => scenarios::sustained_conditions(ctx).await,
        "latency" => scenarios::latency(ctx).await,
        "pending" => scenarios::pending(ctx).await,
        "fairness" => scenarios::fairness(ctx).await,
        other => Err(format!("unknown scenario {other}")),
    }
}

/// Average CPU cores everything else on the machine used during the measured windows.
fn other_load(results: &Map<String, Value>) -> f64 {
    fn walk(v: &Value, acc: &mut (f64, f64)) {
        match v {
            Value::Object(m) => {
                if let (Some(o), Some(s)) = (
                    m.get("other_cpu_s").and_then(Value::as_f64),
                    m.get("secs").and_then(Value::as_f64),
                ) {
                    acc.0 += o;
                    acc.1 += s;
                }
                m.values().for_each(|x| walk(x, acc));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, acc)),
            _ => {}
        }
    }
    let mut acc = (0.0, 0.0);
    results.values().for_each(|v| walk(v, &mut acc));
    if acc.1 > 0.0 {
        scenarios::round(acc.0 / acc.1, 2)
    } else {
        0.0
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    let scale = if a.smoke {
        Scale::smoke()
    } else {
        Scale::full()
    };
    let limit = Duration::from_secs(if a.smoke { 240 } else { 3600 });
    let code = match tokio::time::timeout(limit, run(a, scale)).await {
        Ok(code) => code,
        Err(_) => {
            eprintln!("herald-bench: gave up after {}s", limit.as_secs());
            2
        }
    };
    std::process::exit(code);
}

async fn run(a: Args, scale: Scale) -> i32 {
    let started = Instant::now();
    let load_before = procfs::loadavg();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let store = match bench::store::StoreChoice::parse(&a.store) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    println!(
        "herald-bench {} · store {} · {cores} cores · load average {load_before} · herald {}",
        if a.smoke { "smoke" } else { "full" },
        store.name(),
        a.herald.display()
    );
    let receiver = match Receiver::start(&a.receiver) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the receiver: {e}");
            return 1;
        }
    };
    let mut ctx = Ctx {
        herald_bin: a.herald.clone(),
        receiver_bin: a.receiver.clone(),
        store: store.clone(),
        receiver,
        scale,
        failures: vec![],
    };
    let mut results = Map::new();
    for name in SCENARIOS.iter().filter(|s| a.only.iter().any(|o| o == *s)) {
        let t = Instant::now();
        println!("==> {name}");
        match run_one(&mut ctx, name).await {
            Ok(v) => {
                println!("    {v}");
                results.insert(name.replace('-', "_"), v);
            }
            Err(e) => ctx.fail(format!("{name}: {e}")),
        }
        println!("    ({:.1}s)", t.elapsed().as_secs_f64());
    }
    let summary = Value::Object(results.clone());
    let table = report::table(&summary);
    let goals = if a.smoke {
        Value::Null
    } else {
        report::goals(&summary, store.name())
    };
    let machine = json!({
        "cores": cores,
        "loadavg_before": load_before,
        "loadavg_after": procfs::loadavg(),
        "other_processes_avg_cores": other_load(&results),
    });
    println!("\nmachine: {machine}");
    let mut out = results;
    out.insert("mode".into(), json!(if a.smoke { "smoke" } else { "full" }));
    out.insert("store".into(), json!(store.name()));
    out.insert("machine".into(), machine);
    out.insert("table".into(), table);
    out.insert("goals".into(), goals);
    out.insert("failures".into(), json!(ctx.failures));
    out.insert(
        "run_secs".into(),
        json!(scenarios::round(started.elapsed().as_secs_f64(), 1)),
    );
    if let Some(dir) = a.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text = serde_json::to_string_pretty(&Value::Object(out)).unwrap_or_default();
    match std::fs::write(&a.out, text + "\n") {
        Ok(()) => println!("summary: {}", a.out.display()),
        Err(e) => eprintln!("could not write {}: {e}", a.out.display()),
    }
    if ctx.failures.is_empty() {
        println!("bench: ok ({:.1}s)", started.elapsed().as_secs_f64());
        0
    } else {
        eprintln!("bench: {} problem(s):", ctx.failures.len());
        ctx.failures.iter().for_each(|f| eprintln!("  - {f}"));
        1
    }
}
