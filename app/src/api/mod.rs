//! The console's server functions, by area. All are mounted under `/console-api` (POST
//! only, same-site only — see the server's guard) and check the session first.
pub mod deliveries;
pub mod keys;
pub mod users;
pub mod webhooks;
