-- SPDX-License-Identifier: EUPL-1.2
-- Schema 3: events found by kind alone (the team, the deployment) without
-- reading the whole log, which holds millions of ratings on a real site.
CREATE INDEX event_by_kind ON event (kind, seq);
