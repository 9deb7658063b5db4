-- The open merge receipt of each brief (schema version 5): what catch-ups from peers merged
-- since the person last dismissed it. See ARCHITECTURE.md ("Storage") and
-- src/brief/receipt.rs. Dismissing deletes the row.
CREATE TABLE merge_receipts (
    brief_id    TEXT    PRIMARY KEY REFERENCES briefs(id) ON DELETE CASCADE,
    receipt     TEXT    NOT NULL,          -- JSON: items (part, by, both), stale_signoffs, flagged_decisions
    updated_at  INTEGER NOT NULL           -- unix ms of the last merge added
);
