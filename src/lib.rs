//! Herald's composition root: configuration, start-up, the REST API, metrics and the
//! console's HTTP wiring. The engine crate does the work; this crate connects it.
pub mod api;
pub mod application;
pub mod cli;
pub mod client;
pub mod config;
pub mod host_check;
pub mod metrics;
pub mod portal;
pub mod roles;
pub mod security;
pub mod sessions;
pub mod site_root;
pub mod startup;
pub mod state;
pub mod store_copy;
