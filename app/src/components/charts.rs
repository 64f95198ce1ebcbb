//! The webhook page's charts, drawn as plain SVG on the server: success rate per hour and
//! p50/p95 latency per hour over the last 24 hours (UTC).
use leptos::prelude::*;

use crate::dto::{show_ms, ActivityBucket};

const W: f64 = 480.0;
const H: f64 = 150.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

fn plot_w() -> f64 {
    W - LEFT - RIGHT
}
fn plot_h() -> f64 {
    H - TOP - BOTTOM
}
fn slot(i: usize, n: usize) -> f64 {
    plot_w() / n.max(1) as f64 * i as f64 + LEFT
}

/// Hour labels every 6 hours along the bottom.
fn x_labels(buckets: &[ActivityBucket]) -> impl IntoView {
    let n = buckets.len();
    buckets
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 6 == 0)
        .map(|(i, b)| {
            let x = slot(i, n) + plot_w() / n as f64 / 2.0;
            view! { <text x=format!("{x:.1}") y=format!("{:.1}", H - 6.0) class="axis" text-anchor="middle">{b.label.clone()}</text> }
        })
        .collect_view()
}

fn y_grid(labels: [(f64, String); 3]) -> impl IntoView {
    labels
        .into_iter()
        .map(|(frac, label)| {
            let y = TOP + plot_h() * (1.0 - frac);
            view! {
                <line x1=format!("{LEFT}") x2=format!("{}", W - RIGHT) y1=format!("{y:.1}") y2=format!("{y:.1}") class="grid"/>
                <text x=format!("{}", LEFT - 6.0) y=format!("{:.1}", y + 4.0) class="axis" text-anchor="end">{label}</text>
            }
        })
        .collect_view()
}

#[component]
pub fn SuccessChart(buckets: Vec<ActivityBucket>) -> impl IntoView {
    let total: u32 = buckets.iter().map(|b| b.total).sum();
    let ok: u32 = buckets.iter().map(|b| b.succeeded).sum();
    let summary = if total == 0 {
        "No attempts in the last 24 hours.".to_string()
    } else {
        format!(
            "{} of {total} attempts succeeded ({:.0}%) in the last 24 hours.",
            ok,
            ok as f64 * 100.0 / total as f64
        )
    };
    let n = buckets.len();
    let bar_w = (plot_w() / n.max(1) as f64 - 3.0).max(1.0);
    let bars = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = slot(i, n) + 1.5;
            if b.total == 0 {
                let y = TOP + plot_h() - 2.0;
                return view! { <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bar_w:.1}") height="2" class="bar empty"/> }.into_any();
            }
            let rate = b.succeeded as f64 / b.total as f64;
            let h = (plot_h() * rate).max(2.0);
            let y = TOP + plot_h() - h;
            let class = if rate >= 0.95 { "bar good" } else if rate >= 0.5 { "bar warn" } else { "bar bad" };
            let tip = format!("{} UTC: {} of {} succeeded", b.label, b.succeeded, b.total);
            view! {
                <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bar_w:.1}") height=format!("{h:.1}") class=class>
                    <title>{tip}</title>
                </rect>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>"Success rate"</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary.clone() preserveAspectRatio="xMidYMid meet">
                {y_grid([(0.0, "0%".into()), (0.5, "50%".into()), (1.0, "100%".into())])}
                {bars}
                {x_labels(&buckets)}
            </svg>
            <p class="hint">{summary}</p>
        </figure>
    }
    .into_any()
}

#[component]
pub fn LatencyChart(buckets: Vec<ActivityBucket>) -> impl IntoView {
    let max = buckets
        .iter()
        .filter_map(|b| b.p95_ms.max(b.p50_ms))
        .max()
        .unwrap_or(0);
    let top = nice_ceiling(max.max(10));
    let n = buckets.len();
    let point = |i: usize, v: u64| {
        let x = slot(i, n) + plot_w() / n as f64 / 2.0;
        let y = TOP + plot_h() * (1.0 - v as f64 / top as f64);
        (x, y)
    };
    let line = |pick: fn(&ActivityBucket) -> Option<u64>| {
        buckets
            .iter()
            .enumerate()
            .filter_map(|(i, b)| pick(b).map(|v| point(i, v)))
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let dots = |pick: fn(&ActivityBucket) -> Option<u64>, class: &'static str| {
        buckets
            .iter()
            .enumerate()
            .filter_map(|(i, b)| pick(b).map(|v| (point(i, v), format!("{} UTC: {}", b.label, show_ms(v)))))
            .map(|((x, y), tip)| view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="2.5" class=class><title>{tip}</title></circle> })
            .collect_view()
    };
    let summary = if max == 0 {
        "No latency data in the last 24 hours.".to_string()
    } else {
        format!(
            "Latency per hour, p50 and p95; highest p95 {}.",
            show_ms(max)
        )
    };
    view! {
        <figure class="chart">
            <figcaption>
                "Latency "
                <span class="legend p50">"p50"</span>
                " "
                <span class="legend p95">"p95"</span>
            </figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary.clone() preserveAspectRatio="xMidYMid meet">
                {y_grid([(0.0, "0".into()), (0.5, show_ms(top / 2)), (1.0, show_ms(top))])}
                <polyline points=line(|b| b.p95_ms) class="line p95"/>
                <polyline points=line(|b| b.p50_ms) class="line p50"/>
                {dots(|b| b.p95_ms, "dot p95")}
                {dots(|b| b.p50_ms, "dot p50")}
                {x_labels(&buckets)}
            </svg>
            <p class="hint">{summary}</p>
        </figure>
    }
    .into_any()
}

/// The next 1, 2 or 5 × 10ⁿ at or above `v`.
fn nice_ceiling(v: u64) -> u64 {
    let mut base = 1u64;
    loop {
        for m in [1, 2, 5] {
            if base * m >= v {
                return base * m;
            }
        }
        base *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::nice_ceiling;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(10), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(230), 500);
        assert_eq!(nice_ceiling(501), 1000);
    }
}
