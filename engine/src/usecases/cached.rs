//! Small read-mostly lists ingest checks on every request, kept in memory: the event-type
//! catalog (reading and parsing every type's example per request was most of a single
//! event's cost) and the ids of the tenants (docs/tenants.md). A change made through the
//! engine forgets the copy at once; a copy is also never older than [`MAX_AGE`], for
//! changes another process made to the same database.
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::Result;

pub const MAX_AGE: Duration = Duration::from_secs(1);

pub(crate) struct Cached<T> {
    copy: RwLock<Option<(Instant, Arc<T>)>>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached {
            copy: RwLock::new(None),
        }
    }
}

impl<T> Cached<T> {
    /// The copy when younger than [`MAX_AGE`], else what `fetch` reads (kept).
    pub(crate) async fn get<F>(&self, fetch: F) -> Result<Arc<T>>
    where
        F: Future<Output = Result<T>>,
    {
        if let Some((at, value)) = &*self.copy.read().unwrap_or_else(|p| p.into_inner()) {
            if at.elapsed() < MAX_AGE {
                return Ok(value.clone());
            }
        }
        let fetched = Instant::now();
        let value = Arc::new(fetch.await?);
        *self.copy.write().unwrap_or_else(|p| p.into_inner()) = Some((fetched, value.clone()));
        Ok(value)
    }

    pub(crate) fn forget(&self) {
        *self.copy.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
