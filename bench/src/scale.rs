//! How big each scenario is: the full run, and `--smoke` (tiny, debug binaries, every
//! scenario, well under a minute).

#[derive(Clone, Debug)]
pub struct Scale {
    pub smoke: bool,
    /// Raw baseline and ingest throughput runs: seconds, and a cap on requests.
    pub throughput_secs: f64,
    pub max_requests: u64,
    /// Sustained delivery: warm-up then measured window, seconds; backlog cap (deliveries).
    pub warm_secs: f64,
    pub measure_secs: f64,
    pub backlog_cap: u64,
    /// Offered rates (events/s) for the latency runs, and each run's length.
    pub rates: Vec<u32>,
    pub latency_secs: f64,
    /// Deliveries left pending for the memory measurement.
    pub pending: u64,
    /// Fairness: the noisy tenant's deliveries queued to the slow receiver, the quiet
    /// tenant's rate (events/s) and each of its runs' length (s).
    pub fair_backlog: u64,
    pub fair_rate: u32,
    pub fair_secs: f64,
    /// How long to wait for every delivery to arrive when checking (smoke).
    pub drain_secs: f64,
    /// Verify every n-th signature at the receiver.
    pub verify_every: u64,
}

impl Scale {
    pub fn full() -> Scale {
        Scale {
            smoke: false,
            throughput_secs: 10.0,
            max_requests: 5_000_000,
            warm_secs: 3.0,
            measure_secs: 12.0,
            backlog_cap: 20_000,
            rates: vec![1000, 2000, 5000],
            latency_secs: 10.0,
            pending: 1_000_000,
            fair_backlog: 100_000,
            fair_rate: 100,
            fair_secs: 20.0,
            drain_secs: 60.0,
            verify_every: 100,
        }
    }

    pub fn smoke() -> Scale {
        Scale {
            smoke: true,
            throughput_secs: 1.0,
            max_requests: 300,
            warm_secs: 0.5,
            measure_secs: 1.5,
            backlog_cap: 400,
            rates: vec![50, 100, 200],
            latency_secs: 1.0,
            pending: 2_000,
            fair_backlog: 800,
            fair_rate: 100,
            fair_secs: 1.5,
            drain_secs: 20.0,
            verify_every: 1,
        }
    }
}
