-- Fair claims (docs/scaling.md#fairness-between-tenants): a worker passes over webhooks
-- and tenants that already hold their share of it. This index finds each webhook with
-- anything queued in one seek and its oldest due deliveries in another (with their ids,
-- so the planner reads only the index), so a skipped backlog of any size costs nothing
-- to pass over.
CREATE INDEX deliveries_webhook_due ON deliveries (webhook_id, due_at) INCLUDE (id) WHERE due_at IS NOT NULL;
