-- One outbox for every message the bot starts: the notices about meetings as before, and now
-- the messages about kiến nghị and the cadres' monthly digests, which had outboxes of their own.
-- A message not about a meeting has no meeting_id; `ref` says what it is about (a kiến nghị's
-- id, a month). `channel` is the channel it went out on (not known for rows sent before it was kept).

CREATE TABLE notices_all (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER REFERENCES meetings (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    purpose TEXT NOT NULL CHECK (purpose IN (
        'notice', 'nudge', 'moved', 'cancelled', 'rating', 'flag', 'digest',
        'petition_new', 'petition_escalated', 'petition_answered', 'monthly', 'monthly_chart'
    )),
    revision INTEGER NOT NULL DEFAULT 0,
    offset_minutes INTEGER NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TEXT,
    message_id TEXT,
    channel TEXT,
    error TEXT NOT NULL DEFAULT '',
    ref TEXT NOT NULL DEFAULT ''
);

INSERT INTO notices_all (id, meeting_id, person_id, purpose, revision, offset_minutes, due_at,
    state, attempts, sent_at, message_id, channel, error, ref)
SELECT id, meeting_id, person_id, purpose, revision, offset_minutes, due_at, state, attempts,
    sent_at, message_id, NULL, error, ref
FROM notices;

INSERT INTO notices_all (person_id, purpose, due_at, state, sent_at, channel, error, ref)
SELECT person_id, 'petition_' || purpose, created_at,
    CASE state WHEN 'sending' THEN 'pending' ELSE state END, sent_at,
    NULL, error, CAST(petition_id AS TEXT)
FROM petition_messages;

INSERT INTO notices_all (person_id, purpose, due_at, state, sent_at, channel, error, ref)
SELECT person_id, 'monthly', created_at,
    CASE state WHEN 'pending' THEN 'pending' WHEN 'failed' THEN 'failed' ELSE 'sent' END,
    sent_at, NULL, error, month
FROM monthly_digests;

INSERT INTO notices_all (person_id, purpose, due_at, state, sent_at, channel, error, ref)
SELECT person_id, 'monthly_chart', created_at,
    CASE state WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
    sent_at, NULL, error, month
FROM monthly_digests;

DROP TABLE notices;
DROP TABLE petition_messages;
DROP TABLE monthly_digests;
ALTER TABLE notices_all RENAME TO notices;

-- A message is the same message when all of these are: planning it twice adds nothing.
CREATE UNIQUE INDEX notices_once ON notices (
    COALESCE(meeting_id, 0), person_id, purpose, revision, offset_minutes, ref
);
CREATE INDEX notices_due ON notices (state, due_at);
CREATE INDEX notices_person ON notices (person_id, meeting_id);
CREATE INDEX notices_meeting ON notices (meeting_id, purpose);
