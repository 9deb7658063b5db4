-- This device's changes to each brief, counted as edit sessions (schema version 4). See
-- ARCHITECTURE.md ("Storage") and src/brief/edit_sessions.rs: one row per edit session of
-- this device's person in one part of a brief; `ends` says, per Yjs client id, the clock just
-- past the session's last item, so a peer's state vector tells whether it has seen it.
CREATE TABLE edit_sessions (
    brief_id    TEXT    NOT NULL REFERENCES briefs(id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,          -- uuid
    part        TEXT    NOT NULL,          -- 'title', 'section:problem', 'decisions', ...
    started_at  INTEGER NOT NULL,          -- unix ms of its first edit
    ended_at    INTEGER NOT NULL,          -- unix ms of its last edit
    ends        TEXT    NOT NULL,          -- JSON object: client id -> clock end
    PRIMARY KEY (brief_id, id)
);
