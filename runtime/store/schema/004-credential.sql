-- SPDX-License-Identifier: EUPL-1.2
-- Schema 4: each member's sign-in secret (an Argon2id hash of their
-- password), beside the log rather than in it, so that a replaced hash does
-- not stay readable forever. A row is sealed with an HMAC under the chain
-- key: a hash written into the file outside colloquy is refused. Setting a
-- secret is recorded in the log as an event (without the hash).
CREATE TABLE credential (
  member TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  seal TEXT NOT NULL
);
