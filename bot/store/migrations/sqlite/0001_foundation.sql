-- Foundation: bot metadata, per-guild settings, durable timers and the score ledger.
-- Times are UTC epoch seconds (REAL) everywhere.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    moderator_role_id INTEGER,
    log_channel_id    INTEGER,
    timezone          TEXT,
    default_pack      TEXT,
    quiz_starters     TEXT NOT NULL DEFAULT 'everyone'
        CHECK (quiz_starters IN ('everyone', 'moderators')),
    updated_at        REAL NOT NULL
);

CREATE TABLE timers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    key        TEXT UNIQUE,
    due_at     REAL NOT NULL,
    payload    TEXT NOT NULL DEFAULT '{}',
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    parked_at  REAL,
    created_at REAL NOT NULL
);
CREATE INDEX timers_due ON timers (parked_at, due_at);

CREATE TABLE seasons (
    guild_id   INTEGER NOT NULL,
    number     INTEGER NOT NULL,
    name       TEXT NOT NULL,
    started_at REAL NOT NULL,
    started_by INTEGER,
    PRIMARY KEY (guild_id, number)
);

-- The ledger: append-only, one row per award or adjustment.
CREATE TABLE score_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    season     INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    category   TEXT NOT NULL CHECK (category IN ('quiz', 'debate', 'adjustment')),
    points     INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    reference  TEXT,
    created_by INTEGER,
    created_at REAL NOT NULL
);
CREATE INDEX score_events_member ON score_events (guild_id, user_id, id);
CREATE INDEX score_events_season ON score_events (guild_id, season, id);

-- Running sums of the ledger per board and period, kept in step in the same transaction.
-- board: overall | quiz | debate; period: all | s:<season> | m:<YYYY-MM> | w:<YYYY-Www> (UTC).
CREATE TABLE score_totals (
    guild_id   INTEGER NOT NULL,
    board      TEXT NOT NULL,
    period     TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    points     INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (guild_id, board, period, user_id)
);
CREATE INDEX score_totals_rank ON score_totals (guild_id, board, period, points DESC, user_id);

-- Reject any UPDATE or DELETE on the ledger.
CREATE TRIGGER score_events_no_update BEFORE UPDATE ON score_events
BEGIN
    SELECT RAISE(ABORT, 'score_events is append-only');
END;
CREATE TRIGGER score_events_no_delete BEFORE DELETE ON score_events
BEGIN
    SELECT RAISE(ABORT, 'score_events is append-only');
END;
