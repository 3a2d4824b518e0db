-- Typed text waiting to be stitched (Telegram splits a long paste into several messages).
-- Each fragment is stored before its update is confirmed to Telegram, so a crash or a
-- restart inside the stitch window loses nothing: the next start stitches what is left.
CREATE TABLE fragments (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    thread_id   INTEGER,
    user_id     INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    message_id  INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    UNIQUE (chat_id, message_id)
);
