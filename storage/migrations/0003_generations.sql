-- Accounting for every handoff generation (issue 5): model calls, tokens, time, fallback.
CREATE TABLE generations (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    handoff_id      INTEGER REFERENCES handoffs(id) ON DELETE SET NULL,
    generator       TEXT NOT NULL,             -- 'extractive' or the model id that wrote it
    model           TEXT,                      -- the configured model, NULL without one
    calls           INTEGER NOT NULL,
    tokens_in       INTEGER NOT NULL,
    tokens_out      INTEGER NOT NULL,
    estimated       INTEGER NOT NULL,          -- 1 when the endpoint sent no usage
    duration_ms     INTEGER NOT NULL,
    chunks          INTEGER NOT NULL,
    largest_request INTEGER NOT NULL,          -- estimated tokens of the biggest request
    fallback_reason TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX generations_by_session ON generations (session_id);
