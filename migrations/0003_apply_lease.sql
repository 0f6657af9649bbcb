-- The apply lease: which process may send an order's apply. The process that records a NEW order holds the lease
-- while its apply call can be in flight; any other process (a second CLI, the daemon's recovery, a notification's
-- confirming query) may query the order but never applies it until the lease has been released or has expired.
-- Written with the NEW row, released in the transaction that records the apply's outcome.
ALTER TABLE orders ADD COLUMN apply_lease_until TEXT;                -- NULL: nobody holds it
ALTER TABLE orders ADD COLUMN apply_lease_owner TEXT NOT NULL DEFAULT ''; -- who took it last, e.g. "recharged apply (pid 4711)"
