-- Kiến nghị: what members raise, who answered and when, and the messages about them (an outbox).

CREATE TABLE petitions (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'escalated', 'answered')),
    created_at TEXT NOT NULL,
    escalated_at TEXT,
    answered_at TEXT,
    answer TEXT,
    answered_by INTEGER REFERENCES people (id)
);

CREATE INDEX petitions_unit ON petitions (unit_id, status);
CREATE INDEX petitions_person ON petitions (person_id);

-- Every message about a petition is a row here before it is sent, so a restart loses none.
-- 'sending' marks a row claimed by the running process; at start-up such rows go back to
-- 'pending'. 'skipped' is a message that no longer needs to go (the petition was answered).
CREATE TABLE petition_messages (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('new', 'escalated', 'answered')),
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    created_at TEXT NOT NULL,
    sent_at TEXT,
    error TEXT NOT NULL DEFAULT '',
    UNIQUE (petition_id, person_id, purpose)
);

CREATE INDEX petition_messages_state ON petition_messages (state, id);
