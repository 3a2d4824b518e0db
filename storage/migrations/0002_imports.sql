-- One row per file imported into a session, so re-sending the same file adds nothing.
CREATE TABLE imports (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    digest     TEXT NOT NULL,            -- sha256 of the file bytes and the chosen conversation
    title      TEXT NOT NULL DEFAULT '',
    turns      INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (session_id, digest)
);
