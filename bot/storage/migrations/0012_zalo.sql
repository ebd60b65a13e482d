-- The Zalo channel. Zalo's message ids are strings and getUpdates has no offset, so its
-- updates are kept in a table of their own, keyed by the message id: an update that comes
-- twice is stored once, and one stored but never handled is handled after a restart.

CREATE TABLE zalo_inbox (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    chat_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL,
    handled_at TEXT
);

CREATE INDEX zalo_inbox_unhandled ON zalo_inbox (seq) WHERE handled_at IS NULL;

-- The choices last offered in a chat, numbered as shown: "1" picks the first while fresh.
CREATE TABLE zalo_offers (
    chat_id TEXT PRIMARY KEY,
    choices TEXT NOT NULL,
    offered_at TEXT NOT NULL
);

-- Pictures and spreadsheets served at an unguessable link for a limited time.
CREATE TABLE zalo_files (
    token TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    is_photo INTEGER NOT NULL,
    data BLOB NOT NULL,
    expires_at TEXT NOT NULL,
    one_time INTEGER NOT NULL,
    used_at TEXT
);
