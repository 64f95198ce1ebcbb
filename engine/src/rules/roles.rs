//! What a console user's role may do (docs/roles.md): `admin` everything, `editor` the
//! webhooks and deliveries of every tenant (create, change, delete, toggle, test sends,
//! resend, retry, reveal and rotate signing secrets), `viewer` read only. Every console
//! server function names the [`Need`] of what it does and asks [`allows`]
//! (`app/src/server/access.rs`). Also the rules of user names and of the last admin.
use domain::Role;

/// What an action needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Reading webhooks, deliveries, attempts and settings (not a signing secret).
    Read,
    /// Changing webhooks and deliveries, test sends, revealing or rotating a signing
    /// secret (a revealed secret lets its holder forge deliveries, so it is not a read).
    Edit,
    /// API keys and console users.
    Admin,
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Viewer => 0,
        Role::Editor => 1,
        Role::Admin => 2,
    }
}

fn needed(need: Need) -> u8 {
    match need {
        Need::Read => 0,
        Need::Edit => 1,
        Need::Admin => 2,
    }
}

/// Whether a user with `role` may do what needs `need`.
pub fn allows(role: Role, need: Need) -> bool {
    rank(role) >= needed(need)
}

/// The longest user name.
pub const MAX_NAME: usize = 64;

/// Why `name` cannot name a user, if it cannot: 1 to 64 of `a-z`, `0-9`, `_`, `.`, `-`.
pub fn name_problem(name: &str) -> Option<&'static str> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c);
    if name.is_empty() || name.len() > MAX_NAME {
        Some("must be 1 to 64 characters")
    } else if !name.chars().all(ok_char) {
        Some("may contain only a-z, 0-9, '_', '.' and '-'")
    } else {
        None
    }
}

/// Whether a user whose role is `from` may become `to` (`None`: be removed) while
/// `admins` users are admins: never the last admin away from `admin`.
pub fn keeps_an_admin(from: Role, to: Option<Role>, admins: u64) -> bool {
    from != Role::Admin || to == Some(Role::Admin) || admins > 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::{Editor, Viewer};

    #[test]
    fn what_each_role_may_do() {
        let cases = [
            (Viewer, Need::Read, true),
            (Viewer, Need::Edit, false),
            (Viewer, Need::Admin, false),
            (Editor, Need::Read, true),
            (Editor, Need::Edit, true),
            (Editor, Need::Admin, false),
            (Role::Admin, Need::Read, true),
            (Role::Admin, Need::Edit, true),
            (Role::Admin, Need::Admin, true),
        ];
        for (role, need, want) in cases {
            assert_eq!(allows(role, need), want, "{role} for {need:?}");
        }
    }

    #[test]
    fn user_names() {
        let long = "a".repeat(MAX_NAME);
        let too_long = "a".repeat(MAX_NAME + 1);
        let cases = [
            ("alice", true),
            ("a.b-c_9", true),
            (long.as_str(), true),
            ("", false),
            (too_long.as_str(), false),
            ("Alice", false),
            ("al ice", false),
            ("al/ice", false),
            ("élodie", false),
        ];
        for (name, ok) in cases {
            assert_eq!(name_problem(name).is_none(), ok, "{name:?}");
        }
    }

    #[test]
    fn the_last_admin_stays() {
        let cases = [
            (Role::Admin, Some(Viewer), 1, false),
            (Role::Admin, None, 1, false),
            (Role::Admin, Some(Role::Admin), 1, true),
            (Role::Admin, Some(Editor), 2, true),
            (Role::Admin, None, 2, true),
            (Editor, None, 1, true),
            (Viewer, Some(Editor), 0, true),
        ];
        for (from, to, admins, want) in cases {
            assert_eq!(
                keeps_an_admin(from, to, admins),
                want,
                "{from} to {to:?} of {admins}"
            );
        }
    }
}
