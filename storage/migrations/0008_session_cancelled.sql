-- Issue 9, point 8: /cancel closes a session without a handoff, as status 'cancelled'.
-- SQLite cannot ALTER a CHECK constraint, and rebuilding `sessions` would cascade-delete
-- every turn (foreign keys are on, and migrations run inside one transaction, where they
-- cannot be turned off). So the CHECK is widened in place, the procedure SQLite documents
-- for loosening a constraint (https://sqlite.org/lang_altertable.html, "otheralter"): the
-- on-disk format does not change and every existing row still satisfies the new CHECK.
-- tests/test_data_commands.py checks the result on a database built by 0001-0007.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (status IN (''active'', ''completed''))',
                  'CHECK (status IN (''active'', ''completed'', ''cancelled''))')
WHERE type = 'table' AND name = 'sessions';

PRAGMA writable_schema = RESET;
