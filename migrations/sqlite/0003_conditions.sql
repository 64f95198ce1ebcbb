-- Conditions and redaction (docs/conditions.md): a webhook's CEL condition ('' = none),
-- its redactions (JSON list of {path, action}), and the last time its condition failed to
-- evaluate on an event (JSON {message, event_id, at}; NULL when it never did).
ALTER TABLE webhooks ADD COLUMN condition TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN redact TEXT NOT NULL DEFAULT '[]';
ALTER TABLE webhooks ADD COLUMN last_condition_error TEXT;
