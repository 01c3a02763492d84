-- Moderated debates: the debate, its positions, participants, judges, turns, speeches, judge
-- scores and audience votes. Times are UTC epoch seconds (REAL).

CREATE TABLE debates (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id             INTEGER NOT NULL,
    channel_id           INTEGER NOT NULL,
    -- channel_id while the debate is in the lobby, running or voting; NULL afterwards. The
    -- unique constraint keeps one debate per channel at a time.
    active_channel_id    INTEGER UNIQUE,
    thread_id            INTEGER,
    lobby_message_id     INTEGER,
    pack_id              TEXT NOT NULL,
    motion_id            TEXT NOT NULL,
    motion_text          TEXT NOT NULL,
    rounds               INTEGER NOT NULL CHECK (rounds BETWEEN 1 AND 3),
    speech_seconds       REAL NOT NULL,
    vote_seconds         REAL NOT NULL,
    status               TEXT NOT NULL
        CHECK (status IN ('lobby', 'running', 'voting', 'closed', 'cancelled')),
    current_turn         INTEGER,
    -- the current turn's or the vote's deadline; NULL while paused
    deadline             REAL,
    -- seconds that were left on the deadline when a moderator paused; NULL when not paused
    paused_remaining     REAL,
    positions_message_id INTEGER,
    vote_message_id      INTEGER,
    results_message_id   INTEGER,
    created_by           INTEGER NOT NULL,
    created_at           REAL NOT NULL,
    begun_at             REAL,
    vote_opened_at       REAL,
    closed_at            REAL,
    end_reason           TEXT,
    ended_by             INTEGER
);
CREATE INDEX debates_guild ON debates (guild_id, id);
CREATE INDEX debates_thread ON debates (thread_id);
CREATE INDEX debates_status ON debates (status);

-- The motion's positions as they were when the debate started, with the results once closed.
CREATE TABLE debate_positions (
    debate_id  INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    position   TEXT NOT NULL,
    guild_id   INTEGER NOT NULL,
    seat       INTEGER NOT NULL,
    name       TEXT NOT NULL,
    total      REAL,
    votes      INTEGER,
    rank       INTEGER,
    won        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (debate_id, position)
);

CREATE TABLE debate_participants (
    debate_id      INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    guild_id       INTEGER NOT NULL,
    name           TEXT NOT NULL,
    seat           INTEGER NOT NULL,
    position       TEXT,
    joined_at      REAL NOT NULL,
    removed_at     REAL,
    speaker_points REAL,
    won            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (debate_id, user_id)
);
CREATE INDEX debate_participants_member ON debate_participants (guild_id, user_id);

CREATE TABLE debate_judges (
    debate_id INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    guild_id  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    added_by  INTEGER NOT NULL,
    added_at  REAL NOT NULL,
    PRIMARY KEY (debate_id, user_id)
);

CREATE TABLE debate_turns (
    debate_id           INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    number              INTEGER NOT NULL,
    guild_id            INTEGER NOT NULL,
    round               INTEGER NOT NULL,
    position            TEXT NOT NULL,
    user_id             INTEGER NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'open', 'spoken', 'missed', 'skipped', 'removed')),
    started_at          REAL,
    deadline            REAL,
    ended_at            REAL,
    reminder_sent       INTEGER NOT NULL DEFAULT 0,
    announce_message_id INTEGER,
    notice_message_id   INTEGER,
    PRIMARY KEY (debate_id, number)
);

CREATE TABLE debate_speeches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    debate_id    INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    turn_number  INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    position     TEXT NOT NULL,
    round        INTEGER NOT NULL,
    text         TEXT NOT NULL,
    words        INTEGER NOT NULL,
    late         INTEGER NOT NULL DEFAULT 0,
    submitted_at REAL NOT NULL,
    message_id   INTEGER,
    UNIQUE (debate_id, turn_number)
);
CREATE INDEX debate_speeches_member ON debate_speeches (guild_id, user_id);

CREATE TABLE debate_scores (
    speech_id INTEGER NOT NULL REFERENCES debate_speeches (id) ON DELETE CASCADE,
    judge_id  INTEGER NOT NULL,
    debate_id INTEGER NOT NULL,
    guild_id  INTEGER NOT NULL,
    points    INTEGER NOT NULL CHECK (points BETWEEN 1 AND 10),
    scored_at REAL NOT NULL,
    PRIMARY KEY (speech_id, judge_id)
);
CREATE INDEX debate_scores_debate ON debate_scores (debate_id);

CREATE TABLE debate_votes (
    debate_id INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    voter_id  INTEGER NOT NULL,
    guild_id  INTEGER NOT NULL,
    position  TEXT NOT NULL,
    voted_at  REAL NOT NULL,
    PRIMARY KEY (debate_id, voter_id)
);
