-- Quizzes: live quizzes in a channel, the questions asked (rounds), members' answers, and each
-- member's progress per question (Leitner boxes) for practice and /profile.
-- Times are UTC epoch seconds (REAL).

-- A live (or scheduled) quiz in one channel. question_ids is a JSON list of the planned
-- question ids; position is the index of the latest question asked (-1 before the first).
CREATE TABLE quizzes (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id              INTEGER NOT NULL,
    channel_id            INTEGER NOT NULL,
    pack_id               TEXT NOT NULL,
    started_by            INTEGER,
    source                TEXT NOT NULL CHECK (source IN ('live', 'scheduled')),
    title                 TEXT,
    question_ids          TEXT NOT NULL,
    seconds               INTEGER NOT NULL,
    section               TEXT,
    difficulty            TEXT,
    status                TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'finished', 'stopped', 'abandoned')),
    position              INTEGER NOT NULL DEFAULT -1,
    created_at            REAL NOT NULL,
    ended_at              REAL,
    stopped_by            INTEGER,
    standings_posted_at   REAL
);
-- One running quiz per channel, enforced by the database.
CREATE UNIQUE INDEX quizzes_one_running ON quizzes (channel_id) WHERE status = 'running';
CREATE INDEX quizzes_guild ON quizzes (guild_id, status);

-- One question asked: in a quiz (quiz_id, position) or to one member in practice (user_id).
CREATE TABLE quiz_rounds (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    quiz_id        INTEGER REFERENCES quizzes (id) ON DELETE CASCADE,
    position       INTEGER,
    pack_id        TEXT NOT NULL,
    question_id    TEXT NOT NULL,
    channel_id     INTEGER,
    message_id     INTEGER,
    source         TEXT NOT NULL CHECK (source IN ('live', 'scheduled', 'practice')),
    user_id        INTEGER,
    section        TEXT,
    difficulty     TEXT,
    opened_at      REAL NOT NULL,
    closes_at      REAL,
    closed_at      REAL,
    revealed_at    REAL
);
CREATE UNIQUE INDEX quiz_rounds_position ON quiz_rounds (quiz_id, position);

-- A member's first answer to a round; the primary key makes a second click a no-op.
-- points stays NULL until the round is scored (live) and is 0 for practice.
CREATE TABLE quiz_answers (
    round_id     INTEGER NOT NULL REFERENCES quiz_rounds (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    choice       INTEGER NOT NULL,
    correct      INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at  REAL NOT NULL,
    points       INTEGER,
    PRIMARY KEY (round_id, user_id)
);

-- A member's running total and streak within one quiz (standings and the streak bonus).
CREATE TABLE quiz_players (
    quiz_id        INTEGER NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    points         INTEGER NOT NULL DEFAULT 0,
    streak         INTEGER NOT NULL DEFAULT 0,
    last_position  INTEGER,
    PRIMARY KEY (quiz_id, user_id)
);

-- When each question was last asked in a guild's live quizzes (no repeats until all are asked).
CREATE TABLE quiz_asked (
    guild_id     INTEGER NOT NULL,
    pack_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    asked_at     REAL NOT NULL,
    PRIMARY KEY (guild_id, pack_id, question_id)
);

-- A member's record on one question: live answers count when scored, practice ones at once.
CREATE TABLE question_stats (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    pack_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    paragraph    TEXT NOT NULL,
    seen         INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    box          INTEGER NOT NULL CHECK (box BETWEEN 1 AND 5),
    due_at       REAL NOT NULL,
    last_seen    REAL NOT NULL,
    PRIMARY KEY (guild_id, user_id, pack_id, question_id)
);

-- A member's run of right answers over all quiz answers (live and practice).
CREATE TABLE quiz_members (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    current_streak  INTEGER NOT NULL DEFAULT 0,
    best_streak     INTEGER NOT NULL DEFAULT 0,
    updated_at      REAL NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
