-- Updates as they arrive, stored before the channel is told they were received, and marked
-- when handled: an update fetched by a process that then died is handled after the restart.

CREATE TABLE inbox (
    channel TEXT NOT NULL,
    update_id INTEGER NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL,
    handled_at TEXT,
    PRIMARY KEY (channel, update_id)
);

CREATE INDEX inbox_unhandled ON inbox (channel, update_id) WHERE handled_at IS NULL;
