-- The organisation: a tree of units, people, their roles, chat accounts, invites and an audit log.
-- Timestamps are ISO 8601 text in UTC; identifiers are plain integers (an identity column on
-- PostgreSQL).

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES units (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    full_name TEXT NOT NULL,
    phone TEXT,
    language TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Every person belongs to exactly one unit with one role: a cell for members, the unit whose
-- committee they sit on for assigned cadres.
CREATE TABLE memberships (
    person_id INTEGER PRIMARY KEY REFERENCES people (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    role TEXT NOT NULL
        CHECK (role IN ('secretary', 'deputy', 'committee', 'member', 'cadre')),
    status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'exempt', 'temp_exempt', 'transferred')),
    name_key TEXT NOT NULL,
    UNIQUE (unit_id, name_key)
);

CREATE TABLE cadre_assignments (
    person_id INTEGER NOT NULL REFERENCES people (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (person_id, unit_id)
);

CREATE INDEX cadre_assignments_unit ON cadre_assignments (unit_id);

CREATE TABLE chat_accounts (
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    language_code TEXT,
    reachable INTEGER NOT NULL DEFAULT 1,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (channel, external_id),
    UNIQUE (channel, person_id)
);

CREATE TABLE invites (
    code TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by TEXT
);

CREATE INDEX invites_person ON invites (person_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
