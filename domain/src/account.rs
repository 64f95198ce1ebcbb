//! Who may call the API: API keys as listed (the key itself is shown once, at creation),
//! each with the [`Scope`] of what it may do (docs/api.md#scopes).
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What an API key may do. Each scope includes the ones before it: `ingest` posts
/// events only (what a platform's backend needs), `manage` also runs webhooks,
/// deliveries, the event-type catalog, events read, test sends and signing secrets,
/// `admin` also manages API keys. Whether a held scope covers a route's is the engine's
/// rule (`engine::rules::scopes`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Scope {
    Ingest,
    Manage,
    Admin,
}

crate::named_enum!(Scope, "scope", "ingest, manage or admin", [
    Ingest => "ingest",
    Manage => "manage",
    Admin => "admin",
]);

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub scope: Scope,
    /// The one tenant the key reaches (docs/tenants.md#keys); `null`: every tenant.
    #[serde(default)]
    pub tenant: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// What a console user may do (docs/roles.md): `admin` everything, `editor` the webhooks
/// and deliveries of every tenant, `viewer` read only. Whether a role covers an action
/// is the engine's rule (`engine::rules::roles`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Role {
    Admin,
    Editor,
    Viewer,
}

crate::named_enum!(Role, "role", "admin, editor or viewer", [
    Admin => "admin",
    Editor => "editor",
    Viewer => "viewer",
]);

/// A console user as listed (never a password hash or a setup token).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct User {
    /// 1–64 of `a-z`, `0-9`, `_`, `.`, `-`.
    pub name: String,
    pub role: Role,
    pub created_at: String,
    /// True until the user has signed in with their setup token and chosen a password.
    pub setup_pending: bool,
}

/// A user's one-time setup token, shown once (at creation and at a reset): the user signs
/// in with it before `expires_at` and chooses a password (docs/roles.md#user-lifecycle).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserSetup {
    pub user: User,
    pub setup_token: String,
    pub expires_at: String,
}
