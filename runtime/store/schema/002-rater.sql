-- SPDX-License-Identifier: EUPL-1.2
-- Schema 2: the rater of an event in its own column (schema 1 kept it in
-- the payload only), so that resuming an interview reads one index range.
-- The column is derived from the payload and not part of the hash chain.
ALTER TABLE event ADD COLUMN rater TEXT;
DROP TRIGGER event_append_only_update;
UPDATE event SET rater = json_extract (payload, '$.rater') WHERE json_valid (payload);
CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
  BEGIN SELECT RAISE (ABORT, 'events are append-only'); END;
CREATE INDEX event_by_rater ON event (assessment, rater, kind, item, seq);
