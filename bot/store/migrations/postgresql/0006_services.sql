-- Services: a timer names the guild it belongs to (the process serving that guild's shard runs
-- it), and quiz posts are recorded by the id of the message Discord took, after posting, so a
-- post is tried before it is recorded and never claimed and skipped.

ALTER TABLE timers ADD COLUMN guild_id BIGINT;
ALTER TABLE quiz_rounds ADD COLUMN reveal_message_id BIGINT;
ALTER TABLE quizzes ADD COLUMN standings_message_id BIGINT;
