-- Linking on more than one channel: when each chat account was last used (notices go to the
-- chat a person used last), and every code tried, so that wrong codes can be limited per chat
-- and across all chats and counted for the admin.

ALTER TABLE chat_accounts ADD COLUMN last_seen_at TEXT;

CREATE INDEX chat_accounts_person ON chat_accounts (person_id);

-- One row per code a chat presented. wrong = 1 for a well-formed code that does not exist
-- (the only kind that counts against the limits); refused = 1 for a try turned away because
-- the chat, or everyone, had to wait. Rows older than a month are pruned.
CREATE TABLE link_tries (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    wrong INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX link_tries_chat ON link_tries (channel, external_id, at);
CREATE INDEX link_tries_at ON link_tries (at);
CREATE INDEX link_tries_wrong ON link_tries (at) WHERE wrong = 1;
