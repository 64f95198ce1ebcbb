-- Retention (docs/retention.md): the purger finds old events by arrival time and old
-- finished deliveries by their last change, oldest first, without scanning the tables.
CREATE INDEX events_ingested ON events (ingested_at);
CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE status IN ('succeeded', 'failed');
