-- The library's index (schema version 7): what the brief list shows of each brief and the
-- words search finds, so listing and searching never open every brief. Derived from the
-- document: made from the brief's log up to brief_updates.seq = indexed_seq, and made again on
-- the next listing once a newer row exists (a local edit, a peer's update, a compaction).
-- Dropping both tables loses nothing. See ARCHITECTURE.md ("Storage") and src/library.rs.
CREATE TABLE brief_index (
    id          INTEGER PRIMARY KEY,       -- the brief's rowid in brief_search
    brief_id    TEXT    NOT NULL UNIQUE REFERENCES briefs(id) ON DELETE CASCADE,
    indexed_seq INTEGER NOT NULL,          -- the newest brief_updates.seq the index was made from
    summary     TEXT    NOT NULL           -- JSON: title, template, sign-off, open concerns and questions, excerpt
);

-- Full-text search (SQLite FTS5) over each brief: its title, and the text of every section,
-- decision, concern and question. rowid = brief_index.id.
CREATE VIRTUAL TABLE brief_search USING fts5(
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- A brief deleted from briefs takes its words out of the search too.
CREATE TRIGGER brief_index_delete AFTER DELETE ON brief_index BEGIN
    DELETE FROM brief_search WHERE rowid = old.id;
END;
