//! Herald's delivery engine: store, queue, signer, sender, retry rules and payload formats.
//! The console and the REST API both call this crate; neither re-implements it.

// Pure rules, table-tested.
pub mod catalog;
mod catalog_cache;
pub mod cidr;
pub mod classify;
pub mod clock;
pub mod fanout;
pub mod filter;
pub mod formats;
pub mod ids;
pub mod netguard;
pub mod outcome;
pub mod payload;
pub mod ratelimit;
pub mod retry;
pub mod secrets;
pub mod signing;
pub mod template;
pub mod url_check;
pub mod validate;

// State and I/O.
pub mod accounts;
pub mod actions;
pub mod deliver;
pub mod engine;
pub mod error;
pub mod handoff;
mod ingest_queue;
pub mod manage;
pub mod model;
pub mod sender;
pub mod store;
pub mod worker;

pub use engine::{Engine, EngineConfig, DAY_MS};
pub use error::{EngineError, FieldErrors, Result};
pub use worker::{ExecutionOutcome, RunStats, Worker};
