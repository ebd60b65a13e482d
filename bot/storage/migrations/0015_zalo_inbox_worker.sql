-- Several processes receive Zalo's webhook calls: each stored update records the process that
-- took it, which handles it. When that process dies its unhandled updates go to a live one;
-- an update of nobody (stored before this column, or left by a process that stopped) is
-- taken by the next process that looks.

ALTER TABLE zalo_inbox ADD COLUMN worker TEXT;
