-- Issue 9, point 5: each conversation of one upload can be imported. Turns were unique on
-- (chat, message, part), so a second conversation picked from the same document collided
-- with the first and added nothing. An imported turn now belongs to its import
-- (import_id) and that is part of its key; typed, pasted and forwarded turns have no
-- import (NULL, read as 0 in the key), so for them the key is (chat, message, part) as
-- before and a redelivered update stays a no-op. The same conversation imported twice is
-- stopped by the import's digest (imports UNIQUE (session_id, digest)).
--
-- SQLite cannot drop a table constraint, so the table is rebuilt: same rows, same ids.
-- DROP TABLE fires no triggers, so turn_totals keeps its counts; the indexes and the
-- triggers of 0004 and 0005 are made again on the new table.
CREATE TABLE turns_new (
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
    said_at        TEXT,
    import_id      INTEGER REFERENCES imports(id) ON DELETE CASCADE
);

INSERT INTO turns_new (id, session_id, role, author, source, text, words, tg_chat_id,
                       tg_message_id, part, created_at, said_at)
SELECT id, session_id, role, author, source, text, words, tg_chat_id, tg_message_id, part,
       created_at, said_at
FROM turns;

DROP TABLE turns;

ALTER TABLE turns_new RENAME TO turns;

-- The key. Lookups by (chat, message) still use it (its leading columns).
CREATE UNIQUE INDEX turns_by_message
    ON turns (tg_chat_id, tg_message_id, part, COALESCE(import_id, 0));
CREATE INDEX turns_by_session ON turns (session_id, id);
CREATE INDEX turns_by_session_time ON turns (session_id, COALESCE(said_at, created_at), id);
-- Deleting an import (its session's deletion cascades to it) finds its turns by this.
CREATE INDEX turns_by_import ON turns (import_id);

-- As in 0004_turn_totals.sql.
CREATE TRIGGER turn_totals_insert AFTER INSERT ON turns BEGIN
    INSERT INTO turn_totals (session_id, role, source, turns, words)
    VALUES (NEW.session_id, NEW.role, NEW.source, 1, NEW.words)
    ON CONFLICT (session_id, role, source)
    DO UPDATE SET turns = turns + 1, words = words + excluded.words;
END;

CREATE TRIGGER turn_totals_delete AFTER DELETE ON turns BEGIN
    UPDATE turn_totals SET turns = turns - 1, words = words - OLD.words
    WHERE session_id = OLD.session_id AND role = OLD.role AND source = OLD.source;
    DELETE FROM turn_totals
    WHERE session_id = OLD.session_id AND role = OLD.role AND source = OLD.source
      AND turns <= 0;
END;

CREATE TRIGGER turn_totals_update AFTER UPDATE OF session_id, role, source, words ON turns
BEGIN
    UPDATE turn_totals SET turns = turns - 1, words = words - OLD.words
    WHERE session_id = OLD.session_id AND role = OLD.role AND source = OLD.source;
    DELETE FROM turn_totals
    WHERE session_id = OLD.session_id AND role = OLD.role AND source = OLD.source
      AND turns <= 0;
    INSERT INTO turn_totals (session_id, role, source, turns, words)
    VALUES (NEW.session_id, NEW.role, NEW.source, 1, NEW.words)
    ON CONFLICT (session_id, role, source)
    DO UPDATE SET turns = turns + 1, words = words + excluded.words;
END;
