-- A place is where people talk to the bot: a chat, or one topic of a forum supergroup
-- (thread_id 0 for a chat without topics and for a forum's General topic). Each place has
-- its own active project; projects stay per chat, so /use binds one of the chat's
-- projects to a topic. The chat's active project becomes the active project of its
-- thread 0, so nothing stored is lost.
CREATE TABLE places (
    chat_id           INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    thread_id         INTEGER NOT NULL DEFAULT 0,
    active_project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,  -- gone with it
    PRIMARY KEY (chat_id, thread_id)
);

INSERT INTO places (chat_id, thread_id, active_project_id)
SELECT id, 0, active_project_id FROM chats WHERE active_project_id IS NOT NULL;

-- chats.active_project_id is superseded by places (SQLite cannot drop a column a foreign
-- key uses); a writer that still sets it sets thread 0 of the chat.
CREATE TRIGGER chats_active_project_to_place
AFTER UPDATE OF active_project_id ON chats
WHEN NEW.active_project_id IS NOT NULL
BEGIN
    INSERT INTO places (chat_id, thread_id, active_project_id)
    VALUES (NEW.id, 0, NEW.active_project_id)
    ON CONFLICT (chat_id, thread_id) DO UPDATE SET active_project_id = excluded.active_project_id;
END;
