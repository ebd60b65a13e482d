-- What happens in the room: the roll-call, the scorecard, members' ratings, and raised flags.

ALTER TABLE meetings ADD COLUMN started_at TEXT;
ALTER TABLE meetings ADD COLUMN rollcall_closed_at TEXT;
ALTER TABLE meetings ADD COLUMN ended_at TEXT;

-- The roll-call: a draft while it is open, the record once it is closed.
CREATE TABLE attendance (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    status TEXT NOT NULL CHECK (status IN ('present', 'excused', 'unexcused', 'exempt')),
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, person_id)
);

-- A committee member the secretary lets take one meeting's roll-call.
CREATE TABLE delegates (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    PRIMARY KEY (meeting_id, person_id)
);

-- Points per criterion; the column is the cell's own ('self') or the cadre's ('upper').
CREATE TABLE scores (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    board TEXT NOT NULL CHECK (board IN ('self', 'upper')),
    criterion TEXT NOT NULL,
    points TEXT NOT NULL,
    PRIMARY KEY (meeting_id, board, criterion)
);

-- Where a scorer is in the card, and whether the card is confirmed.
CREATE TABLE score_cards (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    board TEXT NOT NULL CHECK (board IN ('self', 'upper')),
    scorer_id INTEGER NOT NULL REFERENCES people (id),
    position INTEGER NOT NULL DEFAULT 0,
    total TEXT,
    grade TEXT,
    confirmed_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, board)
);

CREATE TABLE ratings (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    rating TEXT NOT NULL CHECK (rating IN ('good', 'fair', 'average', 'poor')),
    comment TEXT NOT NULL DEFAULT '',
    rated_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, person_id)
);

-- Flags raised to the secretary and cadres; a flag is raised once and cleared when it no
-- longer holds.
CREATE TABLE flags (
    key TEXT PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    person_id INTEGER,
    meeting_id INTEGER,
    params TEXT NOT NULL DEFAULT '{}',
    raised_at TEXT NOT NULL,
    cleared_at TEXT
);

CREATE INDEX flags_unit ON flags (unit_id, cleared_at);
