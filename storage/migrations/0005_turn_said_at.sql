-- Issue 8, point 5: a turn's own time. Turns imported from a file keep the time the
-- conversation recorded (UTC ISO-8601); NULL for turns whose source has none (typed,
-- forwarded, pasted). A session is read in the order COALESCE(said_at, created_at), id:
-- by its own time where it has one, by arrival otherwise.
ALTER TABLE turns ADD COLUMN said_at TEXT;

CREATE INDEX turns_by_session_time ON turns (session_id, COALESCE(said_at, created_at), id);
