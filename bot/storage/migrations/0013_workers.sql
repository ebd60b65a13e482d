-- Several processes on one database. Each running process registers itself and says every few
-- seconds that it is alive; a process not seen for a while is dead, and what it had taken on
-- (messages being sent, updates being handled) goes to the others. A lease gives one process
-- a job for a while (planning, polling a channel, sending on a paced channel): it is renewed
-- while the holder lives and taken over by another once it runs out.

CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    seen_at TEXT NOT NULL
);

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL
);
