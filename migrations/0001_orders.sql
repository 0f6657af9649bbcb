-- The order store: orders, their append-only event log, notifications and fund returns.
-- Conventions (README.md, "Auditing the database"): times are UTC text 'YYYY-MM-DDTHH:MM:SS.mmmZ' (text order = time order);
-- money is INTEGER fen; enums are their text; unknown text fields are '' rather than NULL.

CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
);

CREATE TABLE orders (
  id                  INTEGER PRIMARY KEY,
  -- The request, immutable after creation.
  out_recharge_no     TEXT NOT NULL UNIQUE,
  sub_mchid           TEXT NOT NULL,
  recharge_scene      TEXT NOT NULL,
  account_type        TEXT NOT NULL,
  amount              INTEGER NOT NULL CHECK (amount > 0),
  currency            TEXT NOT NULL,
  notify_url          TEXT NOT NULL DEFAULT '',
  channels            TEXT NOT NULL DEFAULT '',
  remark              TEXT NOT NULL DEFAULT '',
  -- Local state.
  state               TEXT NOT NULL
                      CHECK (state IN ('NEW', 'RECHARGING', 'CLOSING', 'SUCCESS', 'CLOSED', 'REJECTED', 'SUSPECT')),
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  applied_at          TEXT,
  final_at            TEXT,
  -- Platform facts, from verified answers only.
  recharge_id         TEXT NOT NULL DEFAULT '',
  recharge_url        TEXT NOT NULL DEFAULT '',
  platform_state      TEXT NOT NULL DEFAULT '',
  platform_state_desc TEXT NOT NULL DEFAULT '',
  recharge_channel    TEXT NOT NULL DEFAULT '',
  accept_time         TEXT,
  success_time        TEXT,
  close_time          TEXT,
  -- Scheduling.
  poll_count          INTEGER NOT NULL DEFAULT 0,
  failure_streak      INTEGER NOT NULL DEFAULT 0,
  last_poll_at        TEXT,
  next_poll_at        TEXT,
  next_poll_reason    TEXT NOT NULL DEFAULT '',
  close_after         TEXT NOT NULL,
  last_error          TEXT NOT NULL DEFAULT '',
  -- Only open orders are ever scheduled: the next-poll index never holds a finished order.
  CHECK (next_poll_at IS NULL OR state IN ('NEW', 'RECHARGING', 'CLOSING'))
);

-- due(): a range scan over scheduled (open) orders only.
CREATE INDEX orders_next_poll ON orders (next_poll_at) WHERE next_poll_at IS NOT NULL;
-- The orders of a sub-merchant, newest or oldest first.
CREATE INDEX orders_sub_mchid ON orders (sub_mchid, created_at);
-- `recharged list` without filters, newest first.
CREATE INDEX orders_created ON orders (created_at);
-- Orders in given states by age: counts per state, open orders (recovery of unscheduled ones, the oldest
-- open order), SUSPECT and REJECTED lists.
CREATE INDEX orders_state ON orders (state, created_at);

CREATE TABLE order_events (
  id          INTEGER PRIMARY KEY,
  order_id    INTEGER NOT NULL REFERENCES orders (id),
  at          TEXT NOT NULL,
  source      TEXT NOT NULL, -- apply | poll | notify | close | operator | recovery
  kind        TEXT NOT NULL, -- created | state_changed | api_call | alert | notification | fund_returned
  old_state   TEXT,
  new_state   TEXT,
  endpoint    TEXT NOT NULL DEFAULT '', -- apply | query | close; '' when no API call was made
  http_status INTEGER NOT NULL DEFAULT 0, -- 0 when no HTTP answer was received
  request_id  TEXT NOT NULL DEFAULT '',
  error_code  TEXT NOT NULL DEFAULT '',
  message     TEXT NOT NULL DEFAULT '',
  evidence    TEXT NOT NULL DEFAULT '', -- the verified response or decrypted notification, verbatim
  latency_ms  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TABLE notifications (
  id              TEXT PRIMARY KEY, -- the notification's own id: a repeat is a duplicate
  event_type      TEXT NOT NULL,
  out_recharge_no TEXT NOT NULL DEFAULT '',
  order_id        INTEGER REFERENCES orders (id), -- NULL when no such order exists here
  received_at     TEXT NOT NULL,
  create_time     TEXT NOT NULL,
  summary         TEXT NOT NULL DEFAULT '',
  resource        TEXT NOT NULL DEFAULT '',
  outcome         TEXT NOT NULL -- applied | confirmed | alert | unknown_order | ignored
);

CREATE INDEX notifications_out_recharge_no ON notifications (out_recharge_no, received_at);

CREATE TABLE fund_returns (
  id                   INTEGER PRIMARY KEY,
  order_id             INTEGER NOT NULL REFERENCES orders (id),
  recharge_returned_id TEXT NOT NULL UNIQUE CHECK (recharge_returned_id <> ''),
  recharge_channel     TEXT NOT NULL DEFAULT '',
  amount               INTEGER, -- fen; NULL when the platform did not say
  currency             TEXT NOT NULL DEFAULT '',
  return_time          TEXT,
  return_reason        TEXT NOT NULL DEFAULT '',
  bank_name            TEXT NOT NULL DEFAULT '',
  bank_card_tail       TEXT NOT NULL DEFAULT '',
  bank_account_name    TEXT NOT NULL DEFAULT '',
  received_at          TEXT NOT NULL
);

CREATE INDEX fund_returns_order ON fund_returns (order_id);

-- The database's own guarantees, which hold even against a buggy writer or a stray UPDATE from sqlite3.

CREATE TRIGGER orders_terminal_state_is_final
BEFORE UPDATE OF state ON orders
WHEN OLD.state IN ('SUCCESS', 'CLOSED', 'REJECTED') AND NEW.state IS NOT OLD.state
BEGIN
  SELECT RAISE(ABORT, 'orders: a SUCCESS, CLOSED or REJECTED order never changes state');
END;

-- The rest of the order lifecycle (README, "Order lifecycle"): the same table as orders::transition_allowed.
CREATE TRIGGER orders_state_transition_allowed
BEFORE UPDATE OF state ON orders
WHEN OLD.state NOT IN ('SUCCESS', 'CLOSED', 'REJECTED') AND NEW.state IS NOT OLD.state AND NOT (
     (OLD.state = 'NEW' AND NEW.state IN ('RECHARGING', 'REJECTED', 'SUSPECT'))
  OR (OLD.state = 'RECHARGING' AND NEW.state IN ('CLOSING', 'SUCCESS', 'CLOSED', 'SUSPECT'))
  OR (OLD.state = 'CLOSING' AND NEW.state IN ('SUCCESS', 'CLOSED', 'SUSPECT')))
BEGIN
  SELECT RAISE(ABORT, 'orders: this state change is not allowed by the order lifecycle');
END;

CREATE TRIGGER orders_request_is_immutable
BEFORE UPDATE OF out_recharge_no, sub_mchid, recharge_scene, account_type, amount, currency ON orders
WHEN NEW.out_recharge_no IS NOT OLD.out_recharge_no OR NEW.sub_mchid IS NOT OLD.sub_mchid
  OR NEW.recharge_scene IS NOT OLD.recharge_scene OR NEW.account_type IS NOT OLD.account_type
  OR NEW.amount IS NOT OLD.amount OR NEW.currency IS NOT OLD.currency
BEGIN
  SELECT RAISE(ABORT, 'orders: the request fields of an order never change');
END;

CREATE TRIGGER orders_are_never_deleted
BEFORE DELETE ON orders
BEGIN
  SELECT RAISE(ABORT, 'orders: orders are never deleted');
END;

CREATE TRIGGER order_events_no_update
BEFORE UPDATE ON order_events
BEGIN
  SELECT RAISE(ABORT, 'order_events is append-only');
END;

CREATE TRIGGER order_events_no_delete
BEFORE DELETE ON order_events
BEGIN
  SELECT RAISE(ABORT, 'order_events is append-only');
END;

CREATE TRIGGER notifications_no_update
BEFORE UPDATE ON notifications
BEGIN
  SELECT RAISE(ABORT, 'notifications is append-only');
END;

CREATE TRIGGER notifications_no_delete
BEFORE DELETE ON notifications
BEGIN
  SELECT RAISE(ABORT, 'notifications is append-only');
END;

CREATE TRIGGER fund_returns_no_update
BEFORE UPDATE ON fund_returns
BEGIN
  SELECT RAISE(ABORT, 'fund_returns is append-only');
END;

CREATE TRIGGER fund_returns_no_delete
BEFORE DELETE ON fund_returns
BEGIN
  SELECT RAISE(ABORT, 'fund_returns is append-only');
END;
