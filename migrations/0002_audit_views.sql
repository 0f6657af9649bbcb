-- Views for the auditors' common questions (README.md, "Auditing the database"). Read-only conveniences: nothing writes them.

-- What happened to an order, one row per event; filter by out_recharge_no and order by event_id.
CREATE VIEW order_timeline AS
SELECT o.out_recharge_no,
       o.sub_mchid,
       e.id AS event_id,
       e.at,
       strftime('%Y-%m-%d %H:%M:%f', e.at, '+8 hours') AS at_shanghai,
       e.source,
       e.kind,
       e.old_state,
       e.new_state,
       e.endpoint,
       e.http_status,
       e.request_id,
       e.error_code,
       e.latency_ms,
       e.message,
       e.evidence
FROM order_events AS e
JOIN orders AS o ON o.id = e.order_id;

-- Orders the daemon still works on, with their age in hours (from the auditor's clock) and next poll.
CREATE VIEW open_orders AS
SELECT out_recharge_no,
       sub_mchid,
       state,
       amount,
       created_at,
       round((julianday('now') - julianday(created_at)) * 24, 1) AS age_hours,
       poll_count,
       last_poll_at,
       next_poll_at,
       next_poll_reason,
       close_after,
       last_error
FROM orders
WHERE state IN ('NEW', 'RECHARGING', 'CLOSING');

-- Money that landed: SUCCESS orders per sub-merchant per Shanghai calendar day of success_time.
CREATE VIEW landed_per_day AS
SELECT sub_mchid,
       date(COALESCE(success_time, final_at), '+8 hours') AS shanghai_date,
       currency,
       count(*) AS orders,
       sum(amount) AS landed_fen,
       printf('%d.%02d', sum(amount) / 100, sum(amount) % 100) AS landed_yuan
FROM orders
WHERE state = 'SUCCESS'
GROUP BY sub_mchid, shanghai_date, currency;

-- Orders a human must look at: SUSPECT (quarantined) and REJECTED (refused by the platform), with the
-- message of the event that put them there and the number of alerts raised on them.
CREATE VIEW orders_needing_attention AS
SELECT o.out_recharge_no,
       o.sub_mchid,
       o.state,
       o.amount,
       o.created_at,
       o.updated_at,
       (SELECT e.message FROM order_events AS e
        WHERE e.order_id = o.id AND e.new_state = o.state
        ORDER BY e.id DESC LIMIT 1) AS reason,
       (SELECT count(*) FROM order_events AS e WHERE e.order_id = o.id AND e.kind = 'alert') AS alerts,
       o.last_error
FROM orders AS o
WHERE o.state IN ('SUSPECT', 'REJECTED');

-- API call outcomes per endpoint: 'OK' for a 2xx answer without an error code, else the error code
-- (or HTTP_<status> when the platform sent none), with the share of that endpoint's calls in percent.
CREATE VIEW api_error_rates AS
WITH calls AS (
  SELECT endpoint,
         CASE
           WHEN error_code <> '' THEN error_code
           WHEN http_status BETWEEN 200 AND 299 THEN 'OK'
           ELSE 'HTTP_' || http_status
         END AS outcome
  FROM order_events
  WHERE endpoint <> ''
),
totals AS (
  SELECT endpoint, count(*) AS calls FROM calls GROUP BY endpoint
)
SELECT c.endpoint,
       c.outcome,
       count(*) AS n,
       t.calls,
       round(100.0 * count(*) / t.calls, 2) AS percent
FROM calls AS c
JOIN totals AS t ON t.endpoint = c.endpoint
GROUP BY c.endpoint, c.outcome;
