-- Several processes on one database: a process claims the due timers of its own shards with a
-- lease (claimed_by, claim_until) and completes one by deleting it only while it still holds
-- that lease. A process killed mid-handler leaves its claims to expire; the process that next
-- serves the shard runs them. Logins of every process share Discord's identify limit through
-- identify_slots: one IDENTIFY per 5 seconds per max_concurrency bucket.

ALTER TABLE timers ADD COLUMN claimed_by TEXT;
ALTER TABLE timers ADD COLUMN claim_until DOUBLE PRECISION;

CREATE TABLE identify_slots (
    bucket  INTEGER PRIMARY KEY,
    next_at DOUBLE PRECISION NOT NULL
);
