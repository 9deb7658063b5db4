-- Groundwork storage schema, version 1. See ARCHITECTURE.md ("Storage format").

-- This device's identity: exactly one row.
CREATE TABLE device (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    secret_key  BLOB    NOT NULL,
    public_key  BLOB    NOT NULL,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One row per brief this device holds. title and updated_at are a cache of the document for
-- listing; the document itself is the rows of brief_updates.
CREATE TABLE briefs (
    id          TEXT    PRIMARY KEY,
    title       TEXT    NOT NULL DEFAULT '',
    template    TEXT    NOT NULL DEFAULT 'problem-first',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    compacted_at INTEGER
);

-- The document of each brief: appended blobs (batches of yrs updates, or one snapshot written
-- by compaction), replayed in seq order. Every blob carries magic, version and CRC-32.
CREATE TABLE brief_updates (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    brief_id    TEXT    NOT NULL REFERENCES briefs(id) ON DELETE CASCADE,
    blob        BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX brief_updates_by_brief ON brief_updates(brief_id, seq);

-- Rows that failed their checksum or did not decode, moved aside intact for inspection.
CREATE TABLE quarantine (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    brief_id        TEXT    NOT NULL,
    original_seq    INTEGER NOT NULL,
    blob            BLOB    NOT NULL,
    reason          TEXT    NOT NULL,
    quarantined_at  INTEGER NOT NULL
);
