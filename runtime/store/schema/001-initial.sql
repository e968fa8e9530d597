-- SPDX-License-Identifier: EUPL-1.2
-- Schema 1: the event log. Every fact is an event; a change is a new event
-- that supersedes an earlier one with a reason. Events are hash-chained.
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE event (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  case_ref TEXT,
  assessment TEXT,
  item TEXT,
  supersedes INTEGER,
  reason TEXT,
  payload TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX event_by_assessment ON event (assessment, kind, item, seq);
CREATE INDEX event_by_case ON event (case_ref, kind, seq);
CREATE INDEX event_by_supersedes ON event (supersedes);
-- Instrument bundles, by content hash: what assessments are pinned to.
CREATE TABLE bundle (
  sha256 TEXT NOT NULL,
  path TEXT NOT NULL,
  content BLOB NOT NULL,
  PRIMARY KEY (sha256, path)
);
CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
  BEGIN SELECT RAISE (ABORT, 'events are append-only'); END;
CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
  BEGIN SELECT RAISE (ABORT, 'events are append-only'); END;
CREATE TRIGGER bundle_append_only_update BEFORE UPDATE ON bundle
  BEGIN SELECT RAISE (ABORT, 'bundles are append-only'); END;
CREATE TRIGGER bundle_append_only_delete BEFORE DELETE ON bundle
  BEGIN SELECT RAISE (ABORT, 'bundles are append-only'); END;
