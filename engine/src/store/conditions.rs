//! Condition failures met while routing a batch of events: counted in the metrics at once
//! (`herald_condition_errors_total{webhook}`) and the last one per webhook kept, for the
//! backend to store as the webhook's `last_condition_error` in the same write.
use std::collections::BTreeMap;

use crate::records::{ConditionFailure, NewEvent};
use crate::rules::fanout::{Routes, Subscription};

#[derive(Debug, Default)]
pub(crate) struct ConditionFailures {
    last: BTreeMap<String, ConditionFailure>,
}

impl ConditionFailures {
    /// Notes the failures routing `e` (ingested at `now`) met.
    pub(crate) fn note(&mut self, subs: &[Subscription], routes: &Routes, e: &NewEvent, now: i64) {
        for (i, why) in &routes.failures {
            let id = &subs[*i].id;
            metrics::counter!("herald_condition_errors_total", "webhook" => id.clone())
                .increment(1);
            self.last.insert(
                id.clone(),
                ConditionFailure {
                    message: why.clone(),
                    event_id: e.id.clone(),
                    at: now,
                },
            );
        }
    }

    /// The last failure of each webhook, in id order (the order rows are locked in).
    pub(crate) fn last(&self) -> impl Iterator<Item = (&String, &ConditionFailure)> {
        self.last.iter()
    }
}
