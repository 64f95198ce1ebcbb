//! Which API-key scope may do what (docs/api.md#scopes): a held scope covers a required
//! one when it is the same or wider (`ingest` < `manage` < `admin`). The REST API asks
//! this once per request, in its caller extractor (`src/api/extract.rs`).
use domain::Scope;

/// The scope a new key gets when none is named (REST, CLI and console alike).
pub const DEFAULT_SCOPE: Scope = Scope::Manage;

fn rank(scope: Scope) -> u8 {
    match scope {
        Scope::Ingest => 0,
        Scope::Manage => 1,
        Scope::Admin => 2,
    }
}

/// Whether a key holding `held` may use a route that requires `required`.
pub fn permits(held: Scope, required: Scope) -> bool {
    rank(held) >= rank(required)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Scope::*;

    #[test]
    fn wider_scopes_cover_narrower_ones() {
        let cases = [
            (Ingest, Ingest, true),
            (Ingest, Manage, false),
            (Ingest, Admin, false),
            (Manage, Ingest, true),
            (Manage, Manage, true),
            (Manage, Admin, false),
            (Admin, Ingest, true),
            (Admin, Manage, true),
            (Admin, Admin, true),
        ];
        for (held, required, want) in cases {
            assert_eq!(permits(held, required), want, "{held} for {required}");
        }
    }
}
