-- Debates, fair to every speaker (issue 20): preparation time before the first speech, the
-- audience notices in the lobby's channel, finished turns redrawn, judges reminded of the
-- speeches they have not scored.

-- Seconds of preparation between Begin and the first speech (0: the first turn opens at once).
ALTER TABLE debates ADD COLUMN prep_seconds DOUBLE PRECISION NOT NULL DEFAULT 0;
-- The vote's notice and the results' summary in the lobby's channel, recorded once posted
-- (0: none will be posted).
ALTER TABLE debates ADD COLUMN vote_notice_message_id BIGINT;
ALTER TABLE debates ADD COLUMN results_notice_message_id BIGINT;
-- The ended status a turn's announcement was last redrawn with (NULL: not yet redrawn).
ALTER TABLE debate_turns ADD COLUMN drawn_status TEXT;

-- Debates that existed before: nothing to announce in their channel, no announcement to redraw.
UPDATE debates SET vote_notice_message_id = 0 WHERE status <> 'lobby' AND status <> 'running';
UPDATE debates SET results_notice_message_id = 0 WHERE status IN ('closed', 'cancelled');
UPDATE debate_turns SET drawn_status = status WHERE status NOT IN ('pending', 'open');

-- Each judge told once, when the vote opens, which speeches they have not scored: by direct
-- message, or by a line in the debate's thread when their direct messages are closed.
CREATE TABLE debate_judge_reminders (
    debate_id  BIGINT NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    judge_id   BIGINT NOT NULL,
    guild_id   BIGINT NOT NULL,
    via        TEXT NOT NULL CHECK (via IN ('dm', 'thread')),
    message_id BIGINT NOT NULL,
    speeches   INTEGER NOT NULL,
    sent_at    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (debate_id, judge_id)
);
