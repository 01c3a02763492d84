-- Insights (/insights): the reports sum a guild's answers per round and choice, and per member,
-- within a period. One covering index holds everything those sums read, so they scan it in
-- round order without touching the table or sorting 100,000 answers; rounds are found by
-- guild and pack.

CREATE INDEX quiz_answers_insights
    ON quiz_answers (guild_id, round_id, choice, correct, answered_at, user_id);
CREATE INDEX quiz_rounds_guild_pack ON quiz_rounds (guild_id, pack_id);
