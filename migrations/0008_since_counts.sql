-- "Since you last looked" in the brief list (schema version 8): for each brief this device's
-- person has looked at (a `seen:<brief id>` mark in settings), how many sections others have
-- changed since the mark, counted from the brief's log up to brief_updates.seq = counted_seq.
-- Derived: counted again on the next listing once the brief has a newer row or the mark moves.
-- Dropping it loses nothing. See ARCHITECTURE.md ("Storage") and src/library.rs.
CREATE TABLE brief_since (
    brief_id    TEXT    PRIMARY KEY REFERENCES briefs(id) ON DELETE CASCADE,
    counted_seq INTEGER NOT NULL,          -- the newest brief_updates.seq the count was made from
    sections    INTEGER NOT NULL           -- sections others changed since the mark
);
