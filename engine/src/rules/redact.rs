//! Redaction: parsing `redact` paths (`data.input`, `metadata.user.email`,
//! `data.samples[*].prompt`, `data.items[0]`) and applying remove / mask / hash to an
//! event's `data` and `metadata` before its payload is built (docs/conditions.md#redaction).
//! Pure: the hash key is passed in.
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use domain::{Event, RedactAction, Redaction};

/// What a masked value becomes.
pub const MASK: &str = "[redacted]";
/// Most redactions on one webhook.
pub const MAX_REDACTIONS: usize = 50;
/// Longest path.
pub const MAX_PATH_LEN: usize = 256;

/// The part of the event a path starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Data,
    Metadata,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
    /// `[*]`: every element of an array.
    EachIndex,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactPath {
    pub root: Root,
    pub segments: Vec<Segment>,
}

/// A parsed redaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub path: RedactPath,
    pub action: RedactAction,
}

fn key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Parses `root(.key | [n] | [*])+`; keys are letters, digits, `_` and `-`.
pub fn parse_path(path: &str) -> Result<RedactPath, String> {
    if path.len() > MAX_PATH_LEN {
        return Err(format!("must be at most {MAX_PATH_LEN} characters"));
    }
    let (root, mut rest) = if let Some(r) = path.strip_prefix("data") {
        (Root::Data, r)
    } else if let Some(r) = path.strip_prefix("metadata") {
        (Root::Metadata, r)
    } else {
        return Err("must start with data. or metadata.".into());
    };
    let mut segments = vec![];
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let key = &r[..end];
            if !key_ok(key) {
                return Err(format!(
                    "'{key}' is not a key (letters, digits, _ and -) at character {}",
                    path.len() - r.len() + 1
                ));
            }
            segments.push(Segment::Key(key.to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| "has a [ without its ]".to_string())?;
            let inner = &r[..end];
            segments.push(match inner {
                "*" => Segment::EachIndex,
                n => Segment::Index(
                    n.parse()
                        .map_err(|_| format!("[{n}] is neither an index nor [*]"))?,
                ),
            });
            rest = &r[end + 1..];
        } else {
            return Err(format!(
                "expected . or [ at character {}",
                path.len() - rest.len() + 1
            ));
        }
    }
    if segments.is_empty() {
        return Err("must name a field below data or metadata".into());
    }
    Ok(RedactPath { root, segments })
}

/// Parses a webhook's redactions; the first bad one as (its index, why).
pub fn parse_rules(list: &[Redaction]) -> Result<Vec<Rule>, (usize, String)> {
    if list.len() > MAX_REDACTIONS {
        return Err((
            MAX_REDACTIONS,
            format!("at most {MAX_REDACTIONS} redactions"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(Rule {
                path: parse_path(&r.path).map_err(|e| (i, e))?,
                action: r.action,
            })
        })
        .collect()
}

/// `sha256:<hex>` of HMAC-SHA256(key, value): a string's own bytes, anything else its
/// compact JSON.
pub fn hash_value(key: &[u8], v: &Value) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    match v {
        Value::String(s) => mac.update(s.as_bytes()),
        other => mac.update(other.to_string().as_bytes()),
    }
    format!("sha256:{}", hex::encode(mac.finalize().into_bytes()))
}

fn replace(v: &mut Value, action: RedactAction, key: &[u8]) {
    *v = match action {
        RedactAction::Mask => Value::String(MASK.into()),
        RedactAction::Hash => Value::String(hash_value(key, v)),
        RedactAction::Remove => unreachable!("removal is done by the parent"),
    };
}

/// Applies `action` at `segments` below `v`; missing fields and type mismatches are left
/// alone (there is nothing there to leak).
pub fn apply(v: &mut Value, segments: &[Segment], action: RedactAction, key: &[u8]) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    let last = rest.is_empty();
    match (first, v) {
        (Segment::Key(k), Value::Object(o)) => {
            if last && action == RedactAction::Remove {
                o.shift_remove(k);
            } else if let Some(child) = o.get_mut(k) {
                if last {
                    replace(child, action, key);
                } else {
                    apply(child, rest, action, key);
                }
            }
        }
        (Segment::Index(i), Value::Array(a)) => {
            if last && action == RedactAction::Remove {
                if *i < a.len() {
                    a.remove(*i);
                }
            } else if let Some(child) = a.get_mut(*i) {
                if last {
                    replace(child, action, key);
                } else {
                    apply(child, rest, action, key);
                }
            }
        }
        (Segment::EachIndex, Value::Array(a)) => {
            if last && action == RedactAction::Remove {
                a.clear();
            } else {
                for child in a.iter_mut() {
                    if last {
                        replace(child, action, key);
                    } else {
                        apply(child, rest, action, key);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The event with `rules` applied to its `data` and `metadata`.
pub fn redact_event(e: &Event, rules: &[Rule], key: &[u8]) -> Event {
    let mut out = e.clone();
    for r in rules {
        let target = match r.path.root {
            Root::Data => Some(&mut out.data),
            Root::Metadata => out.metadata.as_mut(),
        };
        if let Some(t) = target {
            apply(t, &r.path.segments, r.action, key);
        }
    }
    out
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
