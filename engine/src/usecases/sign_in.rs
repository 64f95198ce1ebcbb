//! Signing in to the console (docs/security.md#login-throttling): the throttle first
//! (failures per account and per client address, `rules::login_throttle`), then one
//! password check on the dedicated hashing pool (`hasher`), refused at once when that
//! pool is full. The throttle is kept in this process's memory.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::rules::login_throttle::{
    check, is_stale, record_failure, Failures, ThrottlePolicy, Verdict, PER_ACCOUNT, PER_ADDRESS,
};

/// Keys remembered at most; beyond, the least recently failing unlocked key is forgotten.
const MAX_KEYS: usize = 10_000;

/// One sign-in attempt: who, with what, from where (the socket peer, or the proxy's
/// `X-Forwarded-For` when `HERALD_TRUST_PROXY` is set; `None` when unknown).
#[derive(Clone, Copy, Debug)]
pub struct LoginAttempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub client: Option<IpAddr>,
}

/// What a sign-in attempt that was not throttled came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Wrong username or password (counted against the account and the address).
    Refused,
    /// Signed in with the account's password.
    SignedIn,
    /// Signed in with the one-time setup token: a password must be chosen now.
    ChoosePassword,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ThrottleKey {
    Account(String),
    /// IPv6 addresses count by their /64, which one client usually holds whole.
    Address(IpAddr),
}

impl ThrottleKey {
    fn address(ip: IpAddr) -> ThrottleKey {
        match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ThrottleKey::Address(IpAddr::V4(v4)),
                None => {
                    let s = v6.segments();
                    let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                    ThrottleKey::Address(IpAddr::V6(net))
                }
            },
            v4 => ThrottleKey::Address(v4),
        }
    }
    fn policy(&self) -> ThrottlePolicy {
        match self {
            ThrottleKey::Account(_) => PER_ACCOUNT,
            ThrottleKey::Address(_) => PER_ADDRESS,
        }
    }
}

/// Failed sign-ins per key, in memory.
#[derive(Debug, Default)]
pub(crate) struct LoginThrottle {
    keys: Mutex<HashMap<ThrottleKey, Failures>>,
}

impl LoginThrottle {
    /// `Err(TooManyAttempts)` with the longest wait when any of `keys` is locked.
    fn check(&self, keys: &[ThrottleKey], now: i64) -> Result<()> {
        let map = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| map.get(k))
            .filter_map(|f| match check(f, now) {
                Verdict::Locked { retry_after_secs } => Some(retry_after_secs),
                Verdict::Allowed => None,
            })
            .max();
        match wait {
            Some(secs) => Err(EngineError::TooManyAttempts(secs)),
            None => Ok(()),
        }
    }

    fn failed(&self, keys: &[ThrottleKey], now: i64) {
        let mut map = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|k, f| !is_stale(f, now, k.policy()));
        }
        for key in keys {
            if map.len() >= MAX_KEYS && !map.contains_key(key) {
                let evict = map
                    .iter()
                    .filter(|(_, f)| f.locked_until <= now)
                    .min_by_key(|(_, f)| f.window_start)
                    .map(|(k, _)| k.clone());
                if let Some(k) = evict {
                    map.remove(&k);
                }
            }
            // After a quiet `max_lock_ms` the key starts over (its lockouts too).
            let state = map
                .get(key)
                .copied()
                .filter(|f| !is_stale(f, now, key.policy()))
                .unwrap_or_default();
            map.insert(key.clone(), record_failure(state, now, key.policy()));
        }
    }

    fn succeeded(&self, account: &ThrottleKey) {
        let mut map = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(account);
    }
}

impl Engine {
    /// Checks a sign-in: `Err(TooManyAttempts)` while the account or the address is
    /// locked out (even for the right password), `Err(Busy)` when the hashing pool is full.
    pub async fn sign_in(&self, attempt: LoginAttempt<'_>) -> Result<LoginOutcome> {
        let account = ThrottleKey::Account(attempt.username.to_string());
        let mut keys = vec![account.clone()];
        keys.extend(attempt.client.map(ThrottleKey::address));
        let throttle = self.login_throttle();
        throttle.check(&keys, self.now_ms())?;
        let outcome = self
            .check_credential(attempt.username, attempt.password)
            .await?;
        match outcome {
            LoginOutcome::Refused => throttle.failed(&keys, self.now_ms()),
            LoginOutcome::SignedIn | LoginOutcome::ChoosePassword => throttle.succeeded(&account),
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_v4_as_v4() {
        let a = ThrottleKey::address("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ThrottleKey::address("2001:db8:1:2:bbbb::9".parse().unwrap());
        let c = ThrottleKey::address("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            ThrottleKey::address("::ffff:10.0.0.1".parse().unwrap()),
            ThrottleKey::address("10.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn a_quiet_hour_starts_over() {
        let t = LoginThrottle::default();
        let k = [ThrottleKey::Account("a".into())];
        (0..5).for_each(|i| t.failed(&k, i));
        assert!(t.check(&k, 5).is_err());
        let later = 10 * 3_600_000;
        (0..5).for_each(|i| t.failed(&k, later + i));
        assert!(t.check(&k, later + 4 + 59_999).is_err());
        assert!(
            t.check(&k, later + 4 + 60_000).is_ok(),
            "a minute again, not two"
        );
    }

    #[test]
    fn the_map_stays_bounded() {
        let t = LoginThrottle::default();
        for i in 0..(MAX_KEYS + 50) {
            t.failed(&[ThrottleKey::Account(format!("u{i}"))], 0);
        }
        assert!(t.keys.lock().unwrap().len() <= MAX_KEYS);
    }
}
