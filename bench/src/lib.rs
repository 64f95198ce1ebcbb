//! Herald's benchmark, shared by its two programs: `herald-bench-receiver` (a fast
//! webhook receiver that counts, verifies a sample of signatures and measures
//! ingest→arrival latency) and `herald-bench` (the load generator and orchestrator that
//! runs Herald as a child, drives the scenarios and reports). See `scripts/bench`.
pub mod client;
pub mod events;
pub mod herald;
pub mod load;
pub mod procfs;
pub mod receiver;
pub mod report;
pub mod scale;
pub mod scenarios;
pub mod stats;
pub mod store;

/// Wall-clock nanoseconds since the Unix epoch (the clock both processes share).
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
