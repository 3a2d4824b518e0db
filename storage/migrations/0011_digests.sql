-- Scheduled digests (issue 11 point 2), one schedule per place: a chat, or one topic of a
-- forum supergroup (thread_id 0 for no topic, as in `places`). The wall time and its zone
-- are stored, not a UTC time: each next run is computed from them, so daylight-saving
-- changes move nothing. last_sent_at (UTC) lets a start-up send a missed digest once.
CREATE TABLE digests (
    chat_id        INTEGER NOT NULL,
    thread_id      INTEGER NOT NULL DEFAULT 0,
    cadence        TEXT    NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    weekday        INTEGER CHECK (weekday BETWEEN 0 AND 6),  -- Monday 0; NULL when daily
    local_time     TEXT    NOT NULL,                         -- HH:MM on the zone's clock
    zone           TEXT    NOT NULL,                         -- IANA name, e.g. Europe/Berlin
    enabled        INTEGER NOT NULL DEFAULT 1,
    notice_pending INTEGER NOT NULL DEFAULT 0,  -- turned off by a failed send, not yet said
    set_by         INTEGER,
    created_at     TEXT    NOT NULL,             -- UTC; when this schedule was set
    last_sent_at   TEXT,                         -- UTC; the last digest it delivered
    PRIMARY KEY (chat_id, thread_id),
    CHECK ((cadence = 'daily') = (weekday IS NULL))
);
