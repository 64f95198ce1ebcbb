//! Tenant rules (docs/tenants.md): what a tenant id may be, which tenants a caller
//! reaches, and what a portal link may ask for. A caller outside a thing's tenant is told
//! it does not exist (404), never that it is forbidden: ids of other tenants cannot be
//! probed.
use domain::DEFAULT_TENANT;

/// Which tenants a caller reaches: a platform key or a console user every tenant, a key
/// bound to a tenant or a portal session one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantScope {
    All,
    Only(String),
}

impl TenantScope {
    /// Whether a thing of `tenant` is visible in this scope.
    pub fn admits(&self, tenant: &str) -> bool {
        match self {
            TenantScope::All => true,
            TenantScope::Only(t) => t == tenant,
        }
    }

    /// The one tenant, when the scope is one.
    pub fn only(&self) -> Option<&str> {
        match self {
            TenantScope::All => None,
            TenantScope::Only(t) => Some(t),
        }
    }

    /// The scope narrowed to `tenant` when one is asked for (`?tenant=`); `None` when
    /// that tenant is outside this scope.
    pub fn narrowed(&self, tenant: Option<&str>) -> Option<TenantScope> {
        match tenant {
            None => Some(self.clone()),
            Some(t) if self.admits(t) => Some(TenantScope::Only(t.to_string())),
            Some(_) => None,
        }
    }

    /// The tenant a new thing gets when the caller names `asked` (or nothing): the
    /// scope's own tenant, else `default`. `None` when `asked` is outside the scope.
    pub fn tenant_for_new(&self, asked: Option<&str>) -> Option<String> {
        match (self, asked) {
            (TenantScope::All, None) => Some(DEFAULT_TENANT.to_string()),
            (TenantScope::Only(t), None) => Some(t.clone()),
            (scope, Some(a)) => scope.admits(a).then(|| a.to_string()),
        }
    }
}

/// A tenant id: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub fn validate_id(id: &str) -> Result<(), &'static str> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
    }
}

/// A tenant's display name: 1 to 128 characters, not only spaces.
pub fn validate_name(name: &str) -> Result<(), &'static str> {
    if name.trim().is_empty() || name.chars().count() > 128 {
        Err("must be 1 to 128 characters, not only spaces")
    } else {
        Ok(())
    }
}

/// How long a portal link lives, in seconds, when the request names none.
pub const DEFAULT_LINK_SECONDS: u64 = 3_600;
/// The shortest and longest a portal link may live, in seconds.
pub const LINK_SECONDS: (u64, u64) = (60, 86_400);

/// The link lifetime asked for, or why it cannot be.
pub fn link_seconds(asked: Option<u64>) -> Result<u64, String> {
    let s = asked.unwrap_or(DEFAULT_LINK_SECONDS);
    if (LINK_SECONDS.0..=LINK_SECONDS.1).contains(&s) {
        Ok(s)
    } else {
        Err(format!(
            "must be {} to {} seconds",
            LINK_SECONDS.0, LINK_SECONDS.1
        ))
    }
}

/// A portal title: 1 to 80 characters without control characters.
pub fn validate_title(title: &str) -> Result<(), &'static str> {
    let n = title.chars().count();
    if (1..=80).contains(&n) && !title.chars().any(char::is_control) && !title.trim().is_empty() {
        Ok(())
    } else {
        Err("must be 1 to 80 characters without control characters")
    }
}

/// An accent colour: `#rrggbb`.
pub fn validate_accent(accent: &str) -> Result<(), &'static str> {
    let b = accent.as_bytes();
    if b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit) {
        Ok(())
    } else {
        Err("must be a colour like #1f6feb")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(t: &str) -> TenantScope {
        TenantScope::Only(t.into())
    }

    #[test]
    fn scopes_admit_narrow_and_pick_the_tenant_of_new_things() {
        // (scope, thing's tenant, admitted)
        let admits = [
            (TenantScope::All, "acme", true),
            (only("acme"), "acme", true),
            (only("acme"), "globex", false),
            (only("acme"), "ACME", false),
            (only("default"), "default", true),
        ];
        for (scope, tenant, want) in admits {
            assert_eq!(scope.admits(tenant), want, "{scope:?} admits {tenant}");
        }
        // (scope, ?tenant=, narrowed)
        let narrowed = [
            (TenantScope::All, None, Some(TenantScope::All)),
            (TenantScope::All, Some("acme"), Some(only("acme"))),
            (only("acme"), None, Some(only("acme"))),
            (only("acme"), Some("acme"), Some(only("acme"))),
            (only("acme"), Some("globex"), None),
        ];
        for (scope, asked, want) in narrowed {
            assert_eq!(
                scope.narrowed(asked),
                want,
                "{scope:?} narrowed to {asked:?}"
            );
        }
        // (scope, asked, tenant of the new thing)
        let new = [
            (TenantScope::All, None, Some("default")),
            (TenantScope::All, Some("acme"), Some("acme")),
            (only("acme"), None, Some("acme")),
            (only("acme"), Some("acme"), Some("acme")),
            (only("acme"), Some("globex"), None),
        ];
        for (scope, asked, want) in new {
            assert_eq!(
                scope.tenant_for_new(asked).as_deref(),
                want,
                "{scope:?} creating in {asked:?}"
            );
        }
    }

    #[test]
    fn ids_names_lifetimes_titles_and_accents() {
        let ids = [
            ("acme", true),
            ("Acme_Corp-2", true),
            ("a", true),
            (&"x".repeat(64)[..], true),
            (&"x".repeat(65)[..], false),
            ("", false),
            ("acme corp", false),
            ("acme/1", false),
            ("acmé", false),
        ];
        for (id, ok) in ids {
            assert_eq!(validate_id(id).is_ok(), ok, "id {id:?}");
        }
        for (name, ok) in [("Acme Corp", true), ("  ", false), ("", false)] {
            assert_eq!(validate_name(name).is_ok(), ok, "name {name:?}");
        }
        assert!(validate_name(&"n".repeat(129)).is_err());
        let lifetimes = [
            (None, Ok(3_600)),
            (Some(60), Ok(60)),
            (Some(86_400), Ok(86_400)),
            (Some(59), Err(())),
            (Some(86_401), Err(())),
        ];
        for (asked, want) in lifetimes {
            assert_eq!(link_seconds(asked).map_err(|_| ()), want, "{asked:?}");
        }
        for (title, ok) in [
            ("Acme Evals", true),
            ("", false),
            ("a\nb", false),
            (" ", false),
        ] {
            assert_eq!(validate_title(title).is_ok(), ok, "title {title:?}");
        }
        for (accent, ok) in [
            ("#1f6feb", true),
            ("#ABCDEF", true),
            ("1f6feb", false),
            ("#12345", false),
            ("#12345g", false),
            ("red", false),
        ] {
            assert_eq!(validate_accent(accent).is_ok(), ok, "accent {accent:?}");
        }
    }
}
