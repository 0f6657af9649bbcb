-- What /metrics reads on every scrape must cost the size of the backlog, not of the whole delivery history:
-- pending deliveries are found through webhook_deliveries_due, failed ones through this index. Delivered rows,
-- which grow forever, are only counted by `recharged webhooks list`.
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (endpoint) WHERE state = 'failed';
