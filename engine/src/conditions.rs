//! Compiled conditions, once per webhook version: fan-out reads the active webhooks in
//! every ingest transaction, so their conditions are compiled on first sight and kept,
//! keyed by webhook id and condition text (an edit makes a new version; comparing the text
//! rather than `updated_at` also catches two edits within one millisecond). Never parsed
//! per event (docs/conditions.md#evaluation).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cel::Env;

use crate::records::StoredWebhook;
use crate::rules::condition::{self, Condition};

/// A webhook's condition as fan-out uses it: none, compiled, or a stored text that no
/// longer compiles (every event then fails to match, and the error is reported).
pub type Compiled = Result<Option<Arc<Condition>>, String>;

/// The cache, shared by a store's clones; also holds the standard CEL environment every
/// evaluation runs in.
pub struct ConditionCache {
    env: Arc<Env>,
    compiled: Mutex<HashMap<String, (String, Compiled)>>,
}

impl std::fmt::Debug for ConditionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConditionCache")
            .field("versions", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for ConditionCache {
    fn default() -> Self {
        ConditionCache {
            env: Arc::new(Env::stdlib()),
            compiled: Mutex::new(HashMap::new()),
        }
    }
}

impl ConditionCache {
    pub fn env(&self) -> &Arc<Env> {
        &self.env
    }

    /// `w`'s compiled condition, compiling it when this version was not seen before.
    pub fn get(&self, w: &StoredWebhook) -> Compiled {
        if w.condition.is_empty() {
            return Ok(None);
        }
        let mut map = self.compiled.lock().expect("condition cache poisoned");
        if let Some((version, c)) = map.get(&w.id) {
            if *version == w.condition {
                return c.clone();
            }
        }
        let c: Compiled = condition::compile(&w.condition)
            .map(|c| c.map(Arc::new))
            .map_err(|e| e.to_string());
        map.insert(w.id.clone(), (w.condition.clone(), c.clone()));
        c
    }

    /// How many webhook versions are cached (for tests).
    pub fn len(&self) -> usize {
        self.compiled
            .lock()
            .expect("condition cache poisoned")
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_once_per_version() {
        let cache = ConditionCache::default();
        let mut w = StoredWebhook::new("wh_1".into(), String::new(), 1);
        assert!(matches!(cache.get(&w), Ok(None)), "no condition");
        assert!(cache.is_empty(), "nothing to cache");
        w.condition = "data.x > 1".into();
        let a = cache.get(&w).unwrap().unwrap();
        let b = cache.get(&w).unwrap().unwrap();
        assert!(
            Arc::ptr_eq(&a, &b),
            "the same version is not compiled again"
        );
        w.updated_at = 2;
        w.condition = "data.x > 2".into();
        let c = cache.get(&w).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&a, &c), "an edit is compiled anew");
        assert_eq!(cache.len(), 1, "one entry per webhook");
        w.updated_at = 3;
        w.condition = "data.x >".into();
        assert!(
            cache.get(&w).is_err(),
            "a stored text that no longer compiles"
        );
    }
}
