-- Packs a server uploads (/pack upload): every version is kept, one per row, and the version
-- members use is the row marked active (at most one per server and pack id). The pack's three
-- files are kept as their exact text, so /pack export gives back what was uploaded; title,
-- author and counts are copied out for lists that should not parse a pack. Removing a pack
-- clears its active mark (removed_at/removed_by on the version that was active); nothing is
-- deleted, and points and statistics, keyed by pack id, stay.
-- A schedule may name the pack its runs use (NULL: the server's default pack at run time).
CREATE TABLE guild_packs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    pack_id      TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    title        TEXT NOT NULL,
    author       TEXT NOT NULL,
    sections     INTEGER NOT NULL,
    questions    INTEGER NOT NULL,
    pack_toml    TEXT NOT NULL,
    quiz_toml    TEXT,
    debate_toml  TEXT,
    uploaded_by  INTEGER NOT NULL,
    uploaded_at  REAL NOT NULL,
    removed_by   INTEGER,
    removed_at   REAL,
    UNIQUE (guild_id, pack_id, version)
);
CREATE UNIQUE INDEX guild_packs_active ON guild_packs (guild_id, pack_id) WHERE active = 1;

ALTER TABLE schedules ADD COLUMN pack_id TEXT;
