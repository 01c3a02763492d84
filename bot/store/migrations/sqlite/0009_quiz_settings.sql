-- Quiz settings per server and review schedules (issues 18 and 20):
-- guild_settings.retention is FSRS's desired retention (NULL: 0.9), quiz_points the points
-- rule of live quizzes (classic | accuracy); a schedule has a mode (normal | review) and may
-- ping one role when a run starts.

ALTER TABLE guild_settings ADD COLUMN retention REAL
    CHECK (retention IS NULL OR retention BETWEEN 0.7 AND 0.97);
ALTER TABLE guild_settings ADD COLUMN quiz_points TEXT NOT NULL DEFAULT 'classic'
    CHECK (quiz_points IN ('classic', 'accuracy'));

ALTER TABLE schedules ADD COLUMN mode TEXT NOT NULL DEFAULT 'normal'
    CHECK (mode IN ('normal', 'review'));
ALTER TABLE schedules ADD COLUMN ping_role_id INTEGER;
