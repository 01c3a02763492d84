-- Scores: how many members stand at each total, per board and period, at two granularities.
--   width 1:  one bucket per exact total (low = the total);
--   width 32: one bucket per block of 32 consecutive totals (low = the block's lowest total).
-- A member's rank is 1 + the members in the blocks above theirs + the members in the exact
-- buckets above theirs within their block; a board's size is the sum of its blocks. Both read
-- a few dozen rows however many members the board has and however far apart their totals are.
-- Kept in step with score_totals by ScoreStore.add in the same transaction; a bucket that
-- empties is deleted, so members is always at least 1.
CREATE TABLE score_counts (
    guild_id BIGINT NOT NULL,
    board    TEXT NOT NULL,
    period   TEXT NOT NULL,
    width    INTEGER NOT NULL CHECK (width IN (1, 32)),
    low      INTEGER NOT NULL,
    members  INTEGER NOT NULL CHECK (members > 0),
    PRIMARY KEY (guild_id, board, period, width, low)
);

-- Totals written before this migration: floor(points / 32) * 32, also for negative totals.
INSERT INTO score_counts (guild_id, board, period, width, low, members)
SELECT guild_id, board, period, 1, points, COUNT(*)
FROM score_totals
GROUP BY guild_id, board, period, points;

INSERT INTO score_counts (guild_id, board, period, width, low, members)
SELECT guild_id, board, period, 32, points - ((points % 32) + 32) % 32 AS low, COUNT(*)
FROM score_totals
GROUP BY guild_id, board, period, points - ((points % 32) + 32) % 32;
