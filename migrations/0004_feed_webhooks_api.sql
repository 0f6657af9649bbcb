-- What recharged tells the merchant's own systems: the event feed (every state change and fund return, in commit
-- order), webhook deliveries of those events to the merchant's endpoints, and the order API's idempotency keys.

-- The event feed, and the transactional outbox of the webhooks: one row per state change of an order (and per
-- fund return), written in the same transaction as the change itself, so neither exists without the other.
-- `id` grows in commit order and is never reused (AUTOINCREMENT): it is the feed's cursor (GET /v1/events) and,
-- as "evt_<id>", the webhook-id every delivery of the event carries.
CREATE TABLE feed_events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id INTEGER NOT NULL REFERENCES orders (id),
  type     TEXT NOT NULL,  -- order.recharging | order.succeeded | order.closed | order.rejected | order.suspect | order.fund_returned
  at       TEXT NOT NULL,  -- when the change was recorded (our clock)
  data     TEXT NOT NULL   -- the event's JSON payload, fixed at the change: the order (or fund return) as it then stood
);

CREATE INDEX feed_events_order ON feed_events (order_id, id);

CREATE TRIGGER feed_events_no_update
BEFORE UPDATE ON feed_events
BEGIN
  SELECT RAISE(ABORT, 'feed_events is append-only');
END;

CREATE TRIGGER feed_events_no_delete
BEFORE DELETE ON feed_events
BEGIN
  SELECT RAISE(ABORT, 'feed_events is append-only');
END;

-- How far each configured webhook endpoint has taken the feed: events up to `after` have their deliveries rows
-- (or were not for it). An endpoint first seen starts at the end of the feed (its `since`), never in the past
-- unless replayed.
CREATE TABLE webhook_cursors (
  endpoint   TEXT PRIMARY KEY,
  after      INTEGER NOT NULL,
  created_at TEXT NOT NULL
);

-- One event for one endpoint, until delivered (a 2xx answer) or given up after the retry schedule. Delivered in
-- feed order per order: a delivery waits while an earlier one of the same order for the same endpoint is pending.
CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY,
  endpoint        TEXT NOT NULL,
  feed_event_id   INTEGER NOT NULL REFERENCES feed_events (id),
  order_id        INTEGER NOT NULL REFERENCES orders (id),
  state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,          -- NULL once delivered or failed
  last_attempt_at TEXT,
  last_status     INTEGER NOT NULL DEFAULT 0,  -- the endpoint's HTTP status; 0 when no answer came
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      TEXT NOT NULL,
  delivered_at    TEXT,
  UNIQUE (endpoint, feed_event_id),
  CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL))
);

-- The deliverer's due list: pending deliveries by next attempt.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
-- Per-order ordering, and `recharged webhooks show` by order.
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint, order_id, feed_event_id);

-- Every attempt, for the audit trail (`recharged webhooks show`).
CREATE TABLE webhook_attempts (
  id          INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
  at          TEXT NOT NULL,
  status      INTEGER NOT NULL DEFAULT 0,
  latency_ms  INTEGER NOT NULL DEFAULT 0,
  error       TEXT NOT NULL DEFAULT ''
);

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

CREATE TRIGGER webhook_attempts_no_update
BEFORE UPDATE ON webhook_attempts
BEGIN
  SELECT RAISE(ABORT, 'webhook_attempts is append-only');
END;

CREATE TRIGGER webhook_attempts_no_delete
BEFORE DELETE ON webhook_attempts
BEGIN
  SELECT RAISE(ABORT, 'webhook_attempts is append-only');
END;

-- POST /v1/orders with an Idempotency-Key: the key, a hash of the request it came with, and the order it made.
-- The same key with the same request returns that order; with another request it is refused.
CREATE TABLE api_idempotency_keys (
  key             TEXT PRIMARY KEY,
  request_hash    TEXT NOT NULL,
  out_recharge_no TEXT NOT NULL,
  created_at      TEXT NOT NULL
);

CREATE TRIGGER api_idempotency_keys_no_update
BEFORE UPDATE ON api_idempotency_keys
BEGIN
  SELECT RAISE(ABORT, 'api_idempotency_keys never change');
END;
