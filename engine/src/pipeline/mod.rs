//! Moving deliveries: ingest's group commit (`ingest_queue`), the hand-off of new
//! deliveries to the running worker (`handoff`), the worker's claim/attempt/record loop
//! (`worker`, committing outcomes through `recorder`), and one attempt from secrets to the recorded outcome (`attempt`).
pub mod attempt;
pub mod handoff;
pub(crate) mod ingest_queue;
mod recorder;
pub(crate) mod shares;
pub mod worker;
