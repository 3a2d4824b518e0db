-- Updates whose handling outlasts their confirmation to Telegram (a file being downloaded,
-- parsed and imported): kept from the moment they arrive until handled, so a crash in
-- between does not lose them; the next start handles them again.
CREATE TABLE held_updates (
    update_id   INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    payload     TEXT    NOT NULL,  -- the update as Telegram sent it (JSON)
    received_at TEXT    NOT NULL
);
