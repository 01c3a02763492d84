-- Scheduled quizzes: a live quiz posted in a channel at a local time on chosen weekdays.
-- local_time is 'HH:MM'; timezone an IANA name; days 'daily' | 'weekdays' | 'weekends' | a
-- list like 'mon,wed,fri'. next_run_at (UTC epoch seconds) is NULL while the schedule is
-- paused; paused_reason says why (an admin, or a channel the bot can no longer post in).
-- The run itself is a durable timer (kind 'schedule.run', key 'schedule:<id>').
CREATE TABLE schedules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    name           TEXT NOT NULL,
    local_time     TEXT NOT NULL,
    timezone       TEXT NOT NULL,
    days           TEXT NOT NULL,
    questions      INTEGER NOT NULL CHECK (questions BETWEEN 1 AND 10),
    seconds        INTEGER NOT NULL CHECK (seconds BETWEEN 10 AND 300),
    section        TEXT,
    difficulty     TEXT,
    next_run_at    REAL,
    paused_at      REAL,
    paused_reason  TEXT,
    last_run_at    REAL,
    last_outcome   TEXT,
    created_by     INTEGER,
    created_at     REAL NOT NULL,
    updated_at     REAL NOT NULL
);
CREATE INDEX schedules_guild ON schedules (guild_id, id);
