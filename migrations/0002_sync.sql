-- Sync (schema version 2). See ARCHITECTURE.md ("Sync") and SYNC.md.

-- The secret that grants access to a brief; whoever holds it (through an invite) can read and
-- change the brief. A brief without a row here is shared with nobody.
CREATE TABLE brief_keys (
    brief_id    TEXT    PRIMARY KEY REFERENCES briefs(id) ON DELETE CASCADE,
    secret      BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Peers this device knows: by device key once a handshake succeeded, and their last address.
CREATE TABLE peers (
    device      TEXT    PRIMARY KEY,       -- hex X25519 public key
    name        TEXT    NOT NULL DEFAULT '',
    address     TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL DEFAULT '', -- 'mdns', 'manual', 'incoming'
    last_seen   INTEGER NOT NULL
);

-- What each peer is known to hold of each brief: its last state vector (yrs v1 encoding).
CREATE TABLE peer_state (
    device       TEXT    NOT NULL,
    brief_id     TEXT    NOT NULL REFERENCES briefs(id) ON DELETE CASCADE,
    state_vector BLOB    NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (device, brief_id)
);

-- Who is present in a brief right now, as last heard by the running `serve` (awareness).
CREATE TABLE presence (
    brief_id    TEXT    NOT NULL,
    client_id   INTEGER NOT NULL,
    state       TEXT    NOT NULL,          -- the awareness JSON: name, role, device, section
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (brief_id, client_id)
);
