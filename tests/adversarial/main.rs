//! The threat model as tests (issue #14, docs/security.md): one module per finding of the
//! security review, each an attack that succeeded before its fix, run black-box against a
//! real Herald (the `herald` binary or the in-process app) over real HTTP with real
//! receivers on 127.0.0.1.
#[path = "../common/mod.rs"]
mod common;
use common::console;
mod server;

#[cfg(unix)]
mod files;
mod host_check;
mod input_bounds;
mod internal_addresses;
mod key_scopes;
mod login_throttling;
mod metrics_scrape;
mod protected_headers;
mod resend_limit;
mod sessions;
mod setup_token;
mod template_memory;
