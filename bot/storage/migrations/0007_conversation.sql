-- What the bot waits for from a person (an answer to a kiến nghị, a comment on a meeting), so
-- their next text is read as that on every channel; and which effects of an update were
-- applied, so an update replayed after a crash never applies twice.

CREATE TABLE prompts (
    person_id INTEGER PRIMARY KEY REFERENCES people (id),
    kind TEXT NOT NULL,
    ref INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE applied (
    key TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
);

CREATE INDEX applied_at ON applied (applied_at);
