-- Quizzes that teach (issues 16, 18 and 20):
-- * a round stores the order it shows its choices in (a JSON list of the pack's choice indices;
--   NULL: the pack's order, as every round before this migration), and a practice round the
--   practice session it belongs to;
-- * a quiz stores its points rule, its mode (normal | review), how many of its questions the
--   review chose, the role its first message may ping, and that first message;
-- * an answer stores its speed and streak bonus and, until the reveal edits it, the token of the
--   member's "Locked in" reply (valid 15 minutes; never logged);
-- * question_stats holds each member's FSRS card per question instead of a Leitner box. Every
--   Leitner record becomes a card whose next due date is kept: box 1 (just missed) a learning card
--   at its first step (stability 0.212 and difficulty 6.4133, FSRS-6's values after "Again"),
--   boxes 2-5 review cards whose stability is the box's interval (1, 3, 7, 14 days: at 90 %
--   retention FSRS schedules a card its stability in days ahead) and a middling difficulty 5.

ALTER TABLE quiz_rounds ADD COLUMN choice_order TEXT;
ALTER TABLE quiz_rounds ADD COLUMN session_id INTEGER;

-- A member's private practice session (Done ends it): its filters and when it ended.
CREATE TABLE practice_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    pack_id     TEXT NOT NULL,
    section     TEXT,
    difficulty  TEXT,
    started_at  REAL NOT NULL,
    ended_at    REAL
);

ALTER TABLE quizzes ADD COLUMN points_mode TEXT NOT NULL DEFAULT 'classic'
    CHECK (points_mode IN ('classic', 'accuracy'));
ALTER TABLE quizzes ADD COLUMN mode TEXT NOT NULL DEFAULT 'normal'
    CHECK (mode IN ('normal', 'review'));
ALTER TABLE quizzes ADD COLUMN review_picked INTEGER;
ALTER TABLE quizzes ADD COLUMN ping_role_id INTEGER;
ALTER TABLE quizzes ADD COLUMN header_message_id INTEGER;
-- Quizzes from before had no first message: none is owed.
UPDATE quizzes SET header_message_id = 0;

ALTER TABLE quiz_answers ADD COLUMN speed_bonus INTEGER;
ALTER TABLE quiz_answers ADD COLUMN streak_bonus INTEGER;
ALTER TABLE quiz_answers ADD COLUMN reply_token TEXT;

ALTER TABLE quiz_players ADD COLUMN bonus INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quiz_players ADD COLUMN right_answers INTEGER NOT NULL DEFAULT 0;
UPDATE quiz_players SET right_answers = (
    SELECT count(*) FROM quiz_answers a JOIN quiz_rounds r ON r.id = a.round_id
    WHERE r.quiz_id = quiz_players.quiz_id AND a.user_id = quiz_players.user_id
    AND a.correct = 1
);

CREATE TABLE question_cards (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    pack_id         TEXT NOT NULL,
    question_id     TEXT NOT NULL,
    paragraph       TEXT NOT NULL,
    seen            INTEGER NOT NULL,
    correct         INTEGER NOT NULL,
    due_at          REAL NOT NULL,
    last_seen       REAL NOT NULL,
    state           INTEGER NOT NULL CHECK (state IN (1, 2, 3)),
    step            INTEGER,
    stability       REAL,
    difficulty      REAL,
    last_right      INTEGER NOT NULL CHECK (last_right IN (0, 1)),
    leech_noted_at  REAL,
    PRIMARY KEY (guild_id, user_id, pack_id, question_id)
);
INSERT INTO question_cards (guild_id, user_id, pack_id, question_id, paragraph, seen, correct,
    due_at, last_seen, state, step, stability, difficulty, last_right)
SELECT guild_id, user_id, pack_id, question_id, paragraph, seen, correct, due_at, last_seen,
    CASE WHEN box = 1 THEN 1 ELSE 2 END,
    CASE WHEN box = 1 THEN 0 ELSE NULL END,
    CASE box WHEN 1 THEN 0.212 WHEN 2 THEN 1.0 WHEN 3 THEN 3.0 WHEN 4 THEN 7.0 ELSE 14.0 END,
    CASE WHEN box = 1 THEN 6.4133 ELSE 5.0 END,
    CASE WHEN box = 1 THEN 0 ELSE 1 END
FROM question_stats;
DROP TABLE question_stats;
ALTER TABLE question_cards RENAME TO question_stats;
CREATE INDEX question_stats_due ON question_stats (guild_id, pack_id, due_at);
