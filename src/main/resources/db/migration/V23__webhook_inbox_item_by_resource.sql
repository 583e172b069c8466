-- After a batch of webhook resources is synced, the inbox asks which of them got new rows meanwhile, with
-- (source, resource_type, resource_id) IN (...). H2 looks such rows up one by one only in an index of exactly
-- those columns; with done_at as a fourth column it read every row of the source, and the inbox keeps its
-- rows. The few rows of one resource are then filtered on done_at.
DROP INDEX ix_webhook_inbox_item_resource;
CREATE INDEX ix_webhook_inbox_item_resource ON webhook_inbox_item (source, resource_type, resource_id);
