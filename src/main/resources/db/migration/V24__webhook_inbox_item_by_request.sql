-- The nightly inbox purge (routes/inbox-retention.yaml) deletes a webhook request only when none of its
-- resource rows is left, and deleting it makes the database check its foreign key in webhook_inbox_item.
-- PostgreSQL indexes no foreign key by itself: without this, each check would read the whole table.
CREATE INDEX ix_webhook_inbox_item_inbox ON webhook_inbox_item (inbox_id);
