//! The threat model as tests (docs/security.md): one module per finding of the security
//! review, each attacking the real server (the `herald` binary or the in-process app, over
//! real HTTP) the way the finding describes.
#[path = "../common/mod.rs"]
mod common;
mod console;
mod server;

#[cfg(unix)]
mod files;
mod host_check;
mod login_throttling;
mod sessions;
mod setup_token;
