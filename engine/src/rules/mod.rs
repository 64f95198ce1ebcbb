//! Pure rules: functions of their inputs only (time and randomness are passed in), each in
//! a file named after it with a table test beside it.
pub mod activity;
pub mod classify;
pub mod condition;
pub mod fairness;
pub mod fanout;
pub mod filter;
pub mod login_throttle;
pub mod origin;
pub mod outcome;
pub mod ratelimit;
pub mod redact;
pub mod retention;
pub mod retry;
pub mod roles;
pub mod scopes;
pub mod signing;
pub mod tenancy;
pub mod validate;
