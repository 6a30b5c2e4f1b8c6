-- 0009: a webhook claim finds each subscription's first pending delivery through
-- deliveries_pending_idx and locks its run by primary key, so deliveries_due_idx, which only
-- the old claim read (every due delivery, in time order), goes. Besides the upkeep it cost each
-- claim and outcome, a planner holding stale statistics chose it for the look-ups by id and
-- read the whole backlog once per claim.

DROP INDEX deliveries_due_idx;

INSERT INTO schema_version (version) VALUES (9);
