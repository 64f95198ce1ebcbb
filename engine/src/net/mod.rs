//! The network edge: which addresses may be reached (`ssrf`, over `cidr` networks), which
//! URLs may be saved (`url_check`), and the one guarded HTTP client (`sender`) that
//! resolves, vets and pins every outbound connection (docs/delivery.md#outbound-guard).
pub mod cidr;
pub mod sender;
pub mod ssrf;
pub mod url_check;
