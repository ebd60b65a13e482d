-- Several processes send from one outbox: a message being sent says which process claimed it,
-- so when that process dies only its own messages go back to the queue, not those another
-- live process is sending. Rows claimed before this migration have no claimer.

ALTER TABLE notices ADD COLUMN claimed_by TEXT;
