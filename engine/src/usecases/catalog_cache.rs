//! The event-type catalog as ingest sees it, kept in memory: every ingest request checks
//! its event types against the catalog, and reading (and parsing) every type's example
//! from the database per request was most of a single event's cost. Creating an event
//! type through the engine forgets the copy at once; a copy is also never older than
//! [`MAX_AGE`], for types another process added to the same database.
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::store::Store;
use domain::EventType;

pub const MAX_AGE: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct CatalogCache {
    copy: RwLock<Option<(Instant, Arc<Vec<EventType>>)>>,
}

impl CatalogCache {
    pub(crate) async fn get(&self, store: &dyn Store) -> Result<Arc<Vec<EventType>>> {
        if let Some((at, types)) = &*self.copy.read().unwrap_or_else(|p| p.into_inner()) {
            if at.elapsed() < MAX_AGE {
                return Ok(types.clone());
            }
        }
        let fetched = Instant::now();
        let types = Arc::new(store.list_event_types().await?);
        *self.copy.write().unwrap_or_else(|p| p.into_inner()) = Some((fetched, types.clone()));
        Ok(types)
    }

    pub(crate) fn forget(&self) {
        *self.copy.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
