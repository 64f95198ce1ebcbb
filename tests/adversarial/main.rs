//! The threat model as tests (issue #14, docs/security.md): one module per finding, each
//! an attack that succeeded before its fix, run black-box against a real Herald (the
//! in-process app or the binary) over real HTTP with real receivers on 127.0.0.1.
#[path = "../common/mod.rs"]
mod common;

mod input_bounds;
mod internal_addresses;
mod key_scopes;
mod metrics_scrape;
mod protected_headers;
mod resend_limit;
mod template_memory;
