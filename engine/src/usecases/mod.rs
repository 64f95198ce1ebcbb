//! What users and platforms do, as methods on [`Engine`](crate::Engine), one module per
//! area. Each mirrors a file of the REST API (`src/api/<area>.rs`) and the console's
//! server functions, which call these and nothing below them.
pub mod accounts;
pub mod api_keys;
pub(crate) mod cached;
pub mod conditions;
pub mod deliveries;
pub mod event_types;
pub mod events;
pub mod sign_in;
pub mod signing_secrets;
pub mod tenants;
pub mod test_sends;
pub mod users;
pub mod webhooks;
