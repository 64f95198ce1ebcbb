//! Herald's delivery engine. The console and the REST API both call this crate; neither
//! re-implements it. Arranged by what each part does, from the inside out:
//!
//! - [`rules`]: pure decisions with table tests beside them (classification, what follows
//!   an attempt, the retry delay, subscription filters and fan-out, signing, input
//!   validation, rate limits);
//! - [`net`]: the SSRF guard and the one guarded HTTP client every request goes through;
//! - [`payload`]: request bodies (envelope, event) and the template-rendered chat and
//!   incident formats;
//! - [`pipeline`]: moving deliveries (group-committed ingest, hand-off to the worker, the
//!   worker, one attempt);
//! - [`usecases`]: what users and platforms do, one module per area, mirroring
//!   `src/api/<area>.rs` and the console's server functions;
//! - [`store`]: the store seam and its backends; nothing outside this crate reaches it;
//! - [`cluster`]: instances sharing one store (heartbeats, leases of the dead, wake-ups).
//!
//! The domain types (webhook, event, delivery, …) come from the `domain` crate, which the
//! console's browser half shares. The contract these implement is in `docs/`.
pub mod catalog;
pub mod clock;
pub mod cluster;
pub mod conditions;
pub mod engine;
pub mod error;
pub mod hasher;
pub mod ids;
pub mod net;
pub mod ops;
pub mod passwords;
pub mod payload;
pub mod pipeline;
pub mod records;
pub mod rules;
pub mod secrets;
pub mod store;
pub mod usecases;

pub use domain;
pub use engine::{Engine, EngineConfig, DAY_MS, MAX_IN_FLIGHT};
pub use error::{EngineError, FieldErrors, Result};
pub use pipeline::worker::{ExecutionOutcome, RunStats, Worker};
