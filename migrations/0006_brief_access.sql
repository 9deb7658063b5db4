-- Who may sync a brief (schema version 6). See ARCHITECTURE.md ("Storage") and SYNC.md
-- ("Joining", "Removing a device"). The roster and invite records live in the brief's
-- document; this table keeps what only this device knows: the secret's generation, the
-- earlier secrets it still recognises peers by, and a join that no member approved yet.
ALTER TABLE brief_keys ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
-- earlier secrets, newest first, 32 bytes each
ALTER TABLE brief_keys ADD COLUMN retired BLOB NOT NULL DEFAULT x'';
-- the invite code id (8 bytes) this device presents until a member approves it; NULL: member
ALTER TABLE brief_keys ADD COLUMN join_code BLOB;
-- the last answer to that code: '' (none yet), 'waiting', 'expired', 'used', 'unknown', 'removed'
ALTER TABLE brief_keys ADD COLUMN join_state TEXT NOT NULL DEFAULT '';
