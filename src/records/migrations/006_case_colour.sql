-- 三色预警 in the list: when each open case's current duty turns yellow (its pinned policy's window before the deadline).
ALTER TABLE cases ADD COLUMN yellow_from timestamptz;
-- Cases recorded before: a third of the time limit, as for policies pinned before the window existed (src/colour.ts);
-- the next record of an open case writes its own value.
UPDATE cases SET yellow_from = deadline - (deadline - received_at) / 3 WHERE status = 'open' AND deadline IS NOT NULL AND stage LIKE 'arrival.%';
UPDATE cases SET yellow_from = deadline - interval '5 days' WHERE status = 'open' AND deadline IS NOT NULL AND stage LIKE 'closureReport.%';
