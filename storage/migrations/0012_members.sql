-- Issue 11 point 3: members. Turns are attributed to the name Telegram shows (turns.author);
-- sessions record, next to the starter's user id, the starter's name, and who completed
-- them. Existing sessions keep NULL there (nobody knows who completed them) and stay valid.
ALTER TABLE sessions ADD COLUMN started_by_name TEXT;
ALTER TABLE sessions ADD COLUMN completed_by INTEGER;
ALTER TABLE sessions ADD COLUMN completed_by_name TEXT;

-- Turns and words per session and author, kept by triggers like turn_totals (0004), so
-- /stats and the handoff's team read a few rows per session instead of every turn.
CREATE TABLE member_totals (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    author     TEXT NOT NULL,
    role       TEXT NOT NULL,
    source     TEXT NOT NULL,
    turns      INTEGER NOT NULL,
    words      INTEGER NOT NULL,
    PRIMARY KEY (session_id, author, role, source)
) WITHOUT ROWID;

INSERT INTO member_totals (session_id, author, role, source, turns, words)
SELECT session_id, author, role, source, COUNT(*), SUM(words) FROM turns
GROUP BY session_id, author, role, source;

CREATE TRIGGER member_totals_insert AFTER INSERT ON turns BEGIN
    INSERT INTO member_totals (session_id, author, role, source, turns, words)
    VALUES (NEW.session_id, NEW.author, NEW.role, NEW.source, 1, NEW.words)
    ON CONFLICT (session_id, author, role, source)
    DO UPDATE SET turns = turns + 1, words = words + excluded.words;
END;

CREATE TRIGGER member_totals_delete AFTER DELETE ON turns BEGIN
    UPDATE member_totals SET turns = turns - 1, words = words - OLD.words
    WHERE session_id = OLD.session_id AND author = OLD.author AND role = OLD.role
      AND source = OLD.source;
    DELETE FROM member_totals
    WHERE session_id = OLD.session_id AND author = OLD.author AND role = OLD.role
      AND source = OLD.source AND turns <= 0;
END;

CREATE TRIGGER member_totals_update AFTER UPDATE OF session_id, author, role, source, words ON turns
BEGIN
    UPDATE member_totals SET turns = turns - 1, words = words - OLD.words
    WHERE session_id = OLD.session_id AND author = OLD.author AND role = OLD.role
      AND source = OLD.source;
    DELETE FROM member_totals
    WHERE session_id = OLD.session_id AND author = OLD.author AND role = OLD.role
      AND source = OLD.source AND turns <= 0;
    INSERT INTO member_totals (session_id, author, role, source, turns, words)
    VALUES (NEW.session_id, NEW.author, NEW.role, NEW.source, 1, NEW.words)
    ON CONFLICT (session_id, author, role, source)
    DO UPDATE SET turns = turns + 1, words = words + excluded.words;
END;
