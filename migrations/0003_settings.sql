-- Small per-device settings of the front ends (e.g. whether the person confirmed their name
-- and role on first run). Keys are stable strings; values are text.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
