//! The report: a table (each Herald figure beside the raw baseline and their ratio), the
//! goals of issue 7 met or not, and the JSON summary written to `bench/results/`.
use serde_json::{json, Map, Value};

/// `results[a][b]…` as a number.
fn at(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(*k))?.as_f64()
}

fn latency_at(v: &Value, section: &str, rate: u64, field: &str) -> Option<f64> {
    let list = if section == "raw" {
        &v["raw"]["latency"]
    } else {
        &v["latency"]["rates"]
    };
    list.as_array()?
        .iter()
        .find(|r| r["rate"].as_u64() == Some(rate))?
        .get(field)?
        .as_f64()
}

struct Row {
    figure: String,
    herald: Option<f64>,
    raw: Option<f64>,
}

fn rows(r: &Value) -> Vec<Row> {
    let raw_rps = at(r, &["raw", "requests_per_s"]);
    let raw_cpu = at(r, &["raw", "generator_cpu_us_per_request"]);
    let row = |figure: &str, herald: Option<f64>, raw: Option<f64>| Row {
        figure: figure.into(),
        herald,
        raw,
    };
    let mut out = vec![
        row(
            "ingest, batches of 100 (events/s)",
            at(r, &["ingest_batch", "events_per_s"]),
            raw_rps,
        ),
        row(
            "ingest, single events, conc 64 (req/s)",
            at(r, &["ingest_single", "requests_per_s"]),
            raw_rps,
        ),
        row(
            "sustained deliveries/s, fan-out 1",
            at(r, &["sustained_f1", "deliveries_per_s"]),
            raw_rps,
        ),
        row(
            "sustained deliveries/s, fan-out 4",
            at(r, &["sustained_f4", "deliveries_per_s"]),
            raw_rps,
        ),
        row(
            "sustained deliveries/s, 2 instances",
            at(r, &["sustained_2i", "deliveries_per_s"]),
            raw_rps,
        ),
        row(
            "sustained deliveries/s, condition + redaction",
            at(r, &["sustained_conditions", "deliveries_per_s"]),
            at(r, &["sustained_f1", "deliveries_per_s"]),
        ),
        row(
            "fan-out to 100 with conditions (µs/webhook)",
            at(r, &["fanout_100_conditions", "us_per_webhook"]),
            at(
                r,
                &["fanout_100_conditions", "us_per_webhook_without_conditions"],
            ),
        ),
    ];
    let rates: Vec<u64> = r["latency"]["rates"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["rate"].as_u64()).collect())
        .unwrap_or_default();
    for rate in rates {
        for p in ["p50_ms", "p99_ms"] {
            out.push(row(
                &format!("ingest→arrival {} at {rate}/s (ms)", &p[..3]),
                latency_at(r, "latency", rate, p),
                latency_at(r, "raw", rate, p),
            ));
        }
    }
    out.extend([
        row(
            "CPU µs per delivery, fan-out 1",
            at(r, &["sustained_f1", "cpu_us_per_delivery"]),
            raw_cpu,
        ),
        row(
            "CPU µs per delivery, fan-out 4",
            at(r, &["sustained_f4", "cpu_us_per_delivery"]),
            raw_cpu,
        ),
        row(
            "CPU µs per event, ingest batch",
            at(r, &["ingest_batch", "cpu_us_per_event"]),
            None,
        ),
        row(
            "CPU µs per event, ingest single",
            at(r, &["ingest_single", "cpu_us_per_event"]),
            None,
        ),
        row(
            "fairness: quiet tenant p99 alone (ms)",
            at(r, &["fairness", "alone", "p99_ms"]),
            None,
        ),
        row(
            "fairness: quiet p99, noisy backlog (ms)",
            at(r, &["fairness", "with_backlog", "p99_ms"]),
            None,
        ),
        row(
            "peak RSS, sustained fan-out 1 (MB)",
            at(r, &["sustained_f1", "peak_rss_mb"]),
            None,
        ),
        row(
            "peak RSS, sustained fan-out 4 (MB)",
            at(r, &["sustained_f4", "peak_rss_mb"]),
            None,
        ),
        row(
            "peak RSS, latency runs (MB)",
            at(r, &["latency", "peak_rss_mb"]),
            None,
        ),
        row(
            "peak RSS, pending deliveries (MB)",
            at(r, &["pending", "peak_rss_mb"]),
            None,
        ),
    ]);
    out
}

fn fmt(x: Option<f64>) -> String {
    match x {
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
        None => "-".into(),
    }
}

/// Prints the table and returns it as JSON rows.
pub fn table(r: &Value) -> Value {
    println!(
        "\n{:<44} {:>12} {:>12} {:>8}",
        "figure", "herald", "raw", "ratio"
    );
    let mut out = vec![];
    for row in rows(r) {
        let ratio = match (row.herald, row.raw) {
            (Some(h), Some(b)) if b > 0.0 => Some(h / b),
            _ => None,
        };
        println!(
            "{:<44} {:>12} {:>12} {:>8}",
            row.figure,
            fmt(row.herald),
            fmt(row.raw),
            fmt(ratio)
        );
        out.push(
            json!({"figure": row.figure, "herald": row.herald, "raw_baseline": row.raw,
            "ratio": ratio.map(|x| super::scenarios::round(x, 3))}),
        );
    }
    Value::Array(out)
}

/// Issue 17's fairness goal (docs/scaling.md#fairness-between-tenants).
const FAIRNESS_GOAL: &str =
    "quiet tenant's p99 with another's 100,000 queued to a slow receiver ≤ 2× alone (ratio)";

/// The goals on this machine, (goal, value, met): issue 7's for SQLite, issue 12's for
/// PostgreSQL (docs/scaling.md#measured).
pub fn goals(r: &Value, store: &str) -> Value {
    let peak_load = ["sustained_f1", "sustained_f4", "sustained_2i", "latency"]
        .iter()
        .filter_map(|s| at(r, &[s, "peak_rss_mb"]))
        .reduce(f64::max);
    let fairness = at(r, &["fairness", "p99_ratio"]);
    if store == "postgres" {
        let one = at(r, &["sustained_f1", "deliveries_per_s"]);
        let two = at(r, &["sustained_2i", "deliveries_per_s"]);
        let ratio = one.zip(two).map(|(o, t)| t / o.max(1.0));
        return judge(
            vec![
                (
                    "≥ 5,000 deliveries/s sustained on one instance (fan-out 1)",
                    one,
                    true,
                ),
                ("two instances together ≥ one instance (ratio)", ratio, true),
                (
                    "≥ 15,000 events/s ingested in batches of 100",
                    at(r, &["ingest_batch", "events_per_s"]),
                    true,
                ),
                (
                    "≥ 3,000 single-event requests/s at concurrency 64",
                    at(r, &["ingest_single", "requests_per_s"]),
                    true,
                ),
                (
                    "p99 ingest→arrival ≤ 15 ms at 1,000 events/s",
                    latency_at(r, "latency", 1000, "p99_ms"),
                    false,
                ),
                ("peak RSS ≤ 60 MB under load", peak_load, false),
                (FAIRNESS_GOAL, fairness, false),
            ],
            &[5_000.0, 1.0, 15_000.0, 3_000.0, 15.0, 60.0, 2.0],
        );
    }
    let list: Vec<(&str, Option<f64>, bool)> = vec![
        (
            "≥ 10,000 signed deliveries/s sustained (fan-out 1)",
            at(r, &["sustained_f1", "deliveries_per_s"]),
            true,
        ),
        (
            "≥ 20,000 events/s ingested in batches of 100",
            at(r, &["ingest_batch", "events_per_s"]),
            true,
        ),
        (
            "≥ 8,000 single-event requests/s",
            at(r, &["ingest_single", "requests_per_s"]),
            true,
        ),
        (
            "p99 ingest→arrival ≤ 10 ms at 2,000 events/s",
            latency_at(r, "latency", 2000, "p99_ms"),
            false,
        ),
        (
            "≤ 60 µs CPU per delivery (fan-out 1)",
            at(r, &["sustained_f1", "cpu_us_per_delivery"]),
            false,
        ),
        ("peak RSS ≤ 50 MB under load", peak_load, false),
        (
            "peak RSS ≤ 150 MB with 1,000,000 deliveries pending",
            at(r, &["pending", "peak_rss_mb"]),
            false,
        ),
        (
            "≤ 2 µs per webhook evaluating conditions at fan-out to 100",
            at(r, &["fanout_100_conditions", "us_per_webhook"]),
            false,
        ),
        (
            "condition + redaction within 10 % of plain sustained (ratio)",
            at(r, &["sustained_conditions", "deliveries_per_s"])
                .zip(at(r, &["sustained_f1", "deliveries_per_s"]))
                .map(|(c, p)| c / p.max(1.0)),
            true,
        ),
        (FAIRNESS_GOAL, fairness, false),
    ];
    judge(
        list,
        &[
            10_000.0, 20_000.0, 8_000.0, 10.0, 60.0, 50.0, 150.0, 2.0, 0.9, 2.0,
        ],
    )
}

/// Prints and returns each goal as met, not met or not measured.
fn judge(list: Vec<(&str, Option<f64>, bool)>, limits: &[f64]) -> Value {
    println!("\ngoals:");
    let mut out = vec![];
    for ((goal, value, at_least), &limit) in list.into_iter().zip(limits) {
        let met = value.map(|v| if at_least { v >= limit } else { v <= limit });
        let word = match met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "not measured",
        };
        println!("  {word:<12} {goal} (measured {})", fmt(value));
        let mut g = Map::new();
        g.insert("goal".into(), goal.into());
        g.insert("value".into(), json!(value));
        g.insert("met".into(), json!(met));
        out.push(Value::Object(g));
    }
    Value::Array(out)
}
