//! Tenants: the platform's customers, each with its own webhooks, events and delivery log
//! (docs/tenants.md), and the short-lived links that open a tenant's portal
//! (docs/portal.md). Whatever predates tenants, or names none, belongs to [`DEFAULT_TENANT`].
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The tenant of everything that names none.
pub const DEFAULT_TENANT: &str = "default";

/// A tenant as answered, with how many webhooks it has.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Tenant {
    /// The platform's own id for its customer.
    pub id: String,
    pub name: String,
    pub webhooks: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// Create of a tenant (`id` and `name` required).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TenantInput {
    /// `[A-Za-z0-9_-]{1,64}`; fixed once created.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9_-]{1,64}$")
    )]
    pub id: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 128, pattern = r"\S")
    )]
    pub name: Option<String>,
}

/// Update of a tenant: its name (the id is fixed).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TenantUpdate {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 128, pattern = r"\S")
    )]
    pub name: String,
}

/// How a portal looks, chosen by the platform when it makes the link.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PortalLook {
    /// Shown in the portal's header instead of "Herald".
    pub title: Option<String>,
    /// `#rrggbb`: the portal's accent colour.
    pub accent: Option<String>,
}

/// A request for a portal link.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PortalLinkInput {
    /// Seconds until the link expires: 60 to 86,400 (default 3,600).
    #[serde(default, deserialize_with = "crate::whole::whole_opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 60, maximum = 86400))]
    pub expires_in: Option<u64>,
    /// Without control characters, not only spaces.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 80,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )
    )]
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^#[0-9A-Fa-f]{6}$"))]
    pub accent: Option<String>,
}

/// A portal link: opens once, until `expires_at`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PortalLink {
    pub url: String,
    pub expires_at: String,
}
