-- Debate service: how often a debate's positions were swapped. A swap announces the first turn
-- afresh, and the count keeps that announcement's nonce apart from the first one's, so Discord
-- does not answer the new announcement with the old message.

ALTER TABLE debates ADD COLUMN swaps INTEGER NOT NULL DEFAULT 0;
