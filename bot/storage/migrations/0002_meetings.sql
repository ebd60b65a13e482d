-- Meetings, their notices (an outbox) and members' answers.

-- A cell's regular monthly slot; cells without a row use the configured default.
CREATE TABLE cell_slots (
    unit_id INTEGER PRIMARY KEY REFERENCES units (id),
    day INTEGER,
    time TEXT NOT NULL,
    place TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL CHECK (kind IN ('regular', 'thematic', 'both', 'committee')),
    month TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    place TEXT NOT NULL,
    topic TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    cancel_reason TEXT NOT NULL DEFAULT '',
    revision INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One monthly meeting per cell; committee pre-meetings are extra.
CREATE UNIQUE INDEX meetings_monthly ON meetings (unit_id, month) WHERE kind <> 'committee';
CREATE INDEX meetings_start ON meetings (starts_at);

-- Every message the bot will send about a meeting is a row here before it is sent.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    purpose TEXT NOT NULL
        CHECK (purpose IN ('notice', 'nudge', 'moved', 'cancelled', 'rating', 'flag', 'digest')),
    revision INTEGER NOT NULL,
    offset_minutes INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TEXT,
    message_id TEXT,
    error TEXT NOT NULL DEFAULT '',
    -- What else the message is about (a flag's key), for messages that are not reminders.
    ref TEXT NOT NULL DEFAULT '',
    UNIQUE (meeting_id, person_id, purpose, revision, offset_minutes, ref)
);

CREATE INDEX notices_due ON notices (state, due_at);
CREATE INDEX notices_person ON notices (person_id, meeting_id);

-- The current answer of each person to each meeting.
CREATE TABLE answers (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    intent TEXT NOT NULL CHECK (intent IN ('attend', 'absent')),
    reason_kind TEXT,
    reason_text TEXT,
    via TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, person_id)
);

-- Every answer ever given, so changes are kept.
CREATE TABLE answer_history (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    intent TEXT NOT NULL,
    reason_kind TEXT,
    reason_text TEXT,
    via TEXT NOT NULL,
    raw_text TEXT NOT NULL DEFAULT '',
    answered_at TEXT NOT NULL
);

CREATE INDEX answer_history_meeting ON answer_history (meeting_id, person_id);
