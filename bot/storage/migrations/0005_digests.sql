-- The monthly digest to each cadre: one row per cadre and month, written before it is sent.

CREATE TABLE monthly_digests (
    person_id INTEGER NOT NULL REFERENCES people (id),
    month TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'text_sent', 'sent', 'failed')),
    created_at TEXT NOT NULL,
    sent_at TEXT,
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (person_id, month)
);
