-- Core schema: chats, projects, sessions, turns, handoffs.
CREATE TABLE chats (
    id                INTEGER PRIMARY KEY,          -- Telegram chat id
    active_project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL
);

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,                      -- casefolded name, unique per chat
    description TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    UNIQUE (chat_id, name_key)
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'completed')),
    objectives   TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    started_by   INTEGER,
    started_at   TEXT NOT NULL,
    completed_at TEXT,
    UNIQUE (project_id, number)
);
CREATE UNIQUE INDEX sessions_one_active ON sessions (project_id) WHERE status = 'active';

CREATE TABLE turns (
    id             INTEGER PRIMARY KEY,
    session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'note', 'tool', 'system')),
    author         TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL CHECK (source IN ('typed', 'forwarded', 'pasted', 'file')),
    text           TEXT NOT NULL,
    words          INTEGER NOT NULL,
    tg_chat_id     INTEGER,
    tg_message_id  INTEGER,
    part           INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    UNIQUE (tg_chat_id, tg_message_id, part)
);
CREATE INDEX turns_by_session ON turns (session_id, id);

CREATE TABLE handoffs (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('final', 'draft')),
    generator       TEXT NOT NULL,
    markdown        TEXT NOT NULL,
    words           INTEGER NOT NULL,
    tokens_est      INTEGER NOT NULL,
    source_words    INTEGER NOT NULL,
    first_session   INTEGER NOT NULL,
    last_session    INTEGER NOT NULL,
    turns_covered   INTEGER NOT NULL,
    artifacts_kept  INTEGER NOT NULL,
    artifacts_total INTEGER NOT NULL,
    duration_ms     INTEGER NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX handoffs_by_session ON handoffs (session_id, kind, id);
