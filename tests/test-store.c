/* SPDX-License-Identifier: EUPL-1.2 */
/* The case store and the walkthrough: append-only events, the audit chain,
 * migrations, bad databases, concurrency, crashes. */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cq-account.h"
#include "cq-case.h"
#include "cq-store.h"
#include "cq-walker.h"
#include "cq-instrument.h"

static const char *source_dir, *colloquy;
static char *tmp;

static char *
path_in_tmp (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static void
remove_db (const char *db)
{
  const char *suffixes[] = { "", ".key", "-wal", "-shm" };
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (db, suffixes[i], NULL);
      g_unlink (p);
    }
}

/* Runs colloquy with args (NULL-terminated), the database in COLLOQUY_DB. */
static int
cli (const char *db, char **out, char **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) colloquy);
  va_list ap;
  va_start (ap, err);
  for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "COLLOQUY_DB", db, TRUE);
  int status = 0;
  GSpawnFlags flags = (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL) | (err ? 0 : G_SPAWN_STDERR_TO_DEV_NULL);
  g_assert_true (g_spawn_sync (source_dir, (char **) argv->pdata, env, flags, NULL, NULL,
                               out, err, &status, NULL));
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* Plays a member's scripted sitting. */
static int
play (const char *db, const char *member, const char *role)
{
  g_autofree char *file = g_strdup_printf ("tests/interview/%s.xml", role);
  return cli (db, NULL, NULL, "interview", "--assessment", "K-1-1", "--as", member, "--answers",
              file, NULL);
}

/* A database with the example case: four members, one assessment. */
static char *
make_case (const char *name)
{
  char *db = path_in_tmp (name);
  remove_db (db);
  g_assert_cmpint (cli (db, NULL, NULL, "init", NULL), ==, 0);
  static const char *const members[][2] = { { "ana", "psychologist" }, { "bo", "educator" },
                                            { "cy", "probation-officer" },
                                            { "di", "commission-chair" } };
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_cmpint (cli (db, NULL, NULL, "member", "add", members[i][0], "--role", members[i][1],
                          "--as", "admin", NULL), ==, 0);
  g_assert_cmpint (cli (db, NULL, NULL, "case", "open", "K-1", "--as", "admin", NULL), ==, 0);
  g_autofree char *out = NULL;
  g_assert_cmpint (cli (db, &out, NULL, "assessment", "open", "K-1", "--kind", "initial-evaluation",
                        "--instrument", "instruments/example", "--date", "2026-02-01", "--as",
                        "admin", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "K-1-1\n");
  return db;
}

static gboolean
verify (const char *db, char **report)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_assert_no_error (error);
  g_autoptr (GString) r = g_string_new (NULL);
  gboolean ok = cq_store_verify (s, r, &error);
  g_assert_no_error (error);
  if (report)
    *report = g_strdup (r->str);
  return ok;
}

static void
test_private_files (void)
{
  g_autofree char *db = make_case ("private.db");
  g_autofree char *key = g_strconcat (db, ".key", NULL);
  struct stat st;
  g_assert_cmpint (g_stat (db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_autofree char *err = NULL;
  g_assert_cmpint (cli (db, NULL, &err, "init", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "already exists"));
}

static void
test_append_only (void)
{
  g_autofree char *db = make_case ("append.db");
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_autoptr (CqAssessment) a = cq_assessment_get (s, "K-1-1", &error);
  g_autoptr (CqInstrument) inst = cq_assessment_instrument (s, a, &error);
  g_autoptr (CqMember) cy = cq_team_member (s, "cy", &error);
  g_assert_no_error (error);
  const CqItem *gender = cq_instrument_item (inst, "case.gender");
  CqAnswer an = cq_answer_init (gender);
  an.value = "female";
  gint64 first = cq_answer_save (s, a, inst, cy, &an, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first, >, 0);

  /* No silent overwrite: a second answer must supersede the first, with a reason. */
  an.value = "male";
  g_assert_cmpint (cq_answer_save (s, a, inst, cy, &an, 0, NULL, 0, &error), ==, -1);
  g_assert_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpint (cq_answer_save (s, a, inst, cy, &an, first, NULL, 0, &error), ==, -1);
  g_assert_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "a change needs a reason"));
  g_clear_error (&error);
  gint64 second = cq_answer_save (s, a, inst, cy, &an, first, "misread the file", 0, &error);
  g_assert_no_error (error);

  /* Two clients superseding the same answer: the second one is told, not lost. */
  an.value = "other";
  g_assert_cmpint (cq_answer_save (s, a, inst, cy, &an, first, "stale client", 0, &error), ==, -1);
  g_assert_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "changed meanwhile"));
  g_clear_error (&error);

  /* The history keeps both, in order; nothing was updated in place. */
  g_autoptr (GPtrArray) r = cq_item_ratings (s, a, "case.gender", &error);
  g_assert_cmpuint (r->len, ==, 1);
  g_assert_cmpstr (r->pdata[0], ==, "cy=male");
  gint64 cur = 0;
  g_autofree char *payload = NULL;
  g_assert_true (cq_store_current (s, a->id, "answer", "case.gender", "cy", &cur, &payload, &error));
  g_assert_cmpint (cur, ==, second);

  /* Out-of-scale values, wrong roles, unknown members are refused with a reason. */
  an.value = "femme";
  g_assert_cmpint (cq_answer_save (s, a, inst, cy, &an, second, "x", 0, &error), ==, -1);
  g_assert_nonnull (strstr (error->message, "'femme' is not an option"));
  g_clear_error (&error);
  CqAnswer trauma = cq_answer_init (cq_instrument_item (inst, "lc.trauma"));
  trauma.value = "present";
  g_assert_cmpint (cq_answer_save (s, a, inst, cy, &trauma, 0, NULL, 0, &error), ==, -1);
  g_assert_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_null (cq_team_member (s, "zed", &error));
  g_assert_nonnull (strstr (error->message, "no member 'zed'"));
  g_clear_error (&error);
  GString *huge = g_string_new (NULL);
  for (int i = 0; i < 70000; i++)
    g_string_append_c (huge, 'x');
  CqAnswer iso = cq_answer_init (cq_instrument_item (inst, "net.contacts"));
  CqFieldValue fv = { "relation", huge->str };
  CqRecord rec = { 1, &fv };
  iso.n_records = 1;
  iso.records = &rec;
  g_assert_cmpint (cq_answer_save (s, a, inst, cy, &iso, 0, NULL, 0, &error), ==, -1);
  g_assert_nonnull (strstr (error->message, "characters long"));
  g_string_free (huge, TRUE);
  g_clear_error (&error);

  /* The database refuses updates and deletes itself too. */
  sqlite3 *raw;
  g_assert_cmpint (sqlite3_open (db, &raw), ==, SQLITE_OK);
  char *msg = NULL;
  g_assert_cmpint (sqlite3_exec (raw, "UPDATE event SET payload = '{}' WHERE seq = 1", NULL, NULL,
                                 &msg), !=, SQLITE_OK);
  g_assert_nonnull (strstr (msg, "append-only"));
  sqlite3_free (msg);
  g_assert_cmpint (sqlite3_exec (raw, "DELETE FROM event", NULL, NULL, NULL), !=, SQLITE_OK);
  sqlite3_close (raw);
  g_assert_true (verify (db, NULL));
}

static void
tamper (const char *db, const char *sql)
{
  sqlite3 *raw;
  g_assert_cmpint (sqlite3_open (db, &raw), ==, SQLITE_OK);
  char *msg = NULL;
  if (sqlite3_exec (raw, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (raw);
}

static void
test_tamper_detected (void)
{
  static const struct { const char *sql, *expected; } cases[] = {
    { "DROP TRIGGER event_append_only_update;"
      "UPDATE event SET payload = replace (payload, 'partial', 'absent') WHERE seq = "
      "(SELECT min (seq) FROM event WHERE payload LIKE '%\"partial\"%')",
      "(answer by ana at " },
    { "DROP TRIGGER event_append_only_update; UPDATE event SET actor = 'bo' WHERE seq = 3",
      "event 3 (member.add by bo at" },
    { "DROP TRIGGER event_append_only_delete; DELETE FROM event WHERE seq = 4",
      "event 4 is missing: removed outside colloquy" },
    { "DROP TRIGGER event_append_only_delete; DELETE FROM event WHERE seq > 20",
      "the last events were removed: the chain's head is event " },
    { "DROP TRIGGER bundle_append_only_update; UPDATE bundle SET content = "
      "CAST (replace (CAST (content AS TEXT), 'absent', 'absant') AS BLOB) WHERE path = 'instrument.xml'",
      "instrument bundle " },
    { "INSERT INTO event (seq, at, actor, kind, payload, hash) VALUES ((SELECT max (seq) + 1 FROM "
      "event), '2026-01-01', 'intruder', 'note', '{}', 'x')",
      "the chain's head record does not match the log" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("tamper-%u.db", i);
      g_autofree char *db = make_case (name);
      g_assert_cmpint (play (db, "cy", "probation-officer"), ==, 0);
      g_assert_cmpint (play (db, "ana", "psychologist"), ==, 0);
      g_assert_true (verify (db, NULL));
      tamper (db, cases[i].sql);
      g_autofree char *report = NULL;
      g_assert_false (verify (db, &report));
      if (strstr (report, cases[i].expected) == NULL)
        g_error ("case %u: expected '%s' in:\n%s", i, cases[i].expected, report);
      g_autofree char *err = NULL;
      g_assert_cmpint (cli (db, NULL, &err, "audit", "verify", NULL), ==, 1);
      g_assert_nonnull (strstr (err, "the audit chain is broken"));
    }
}

static void
test_bad_databases (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = path_in_tmp ("missing.db");
  g_assert_null (cq_store_open (missing, FALSE, &error));
  g_assert_nonnull (strstr (error->message, "create one with 'colloquy init --db"));
  g_clear_error (&error);

  /* Not a database at all. */
  g_autofree char *junk = path_in_tmp ("junk.db");
  g_autofree char *junk_key = g_strconcat (junk, ".key", NULL);
  g_assert_true (g_file_set_contents (junk, "this is not a database, just text\n", -1, NULL));
  g_assert_true (g_file_set_contents (junk_key, "00000000000000000000000000000000"
                                      "00000000000000000000000000000000\n", -1, NULL));
  g_assert_null (cq_store_open (junk, FALSE, &error));
  g_assert_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CORRUPT);
  g_clear_error (&error);

  /* A database made by a newer colloquy. */
  g_autofree char *db = make_case ("newer.db");
  tamper (db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  g_assert_null (cq_store_open (db, FALSE, &error));
  g_assert_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "made by a newer colloquy (schema 99"));
  g_clear_error (&error);

  /* A lost key: the chain cannot be checked. */
  g_autofree char *db2 = make_case ("nokey.db");
  g_autofree char *key = g_strconcat (db2, ".key", NULL);
  g_unlink (key);
  g_assert_null (cq_store_open (db2, FALSE, &error));
  g_assert_nonnull (strstr (error->message, "the chain key"));
  g_clear_error (&error);

  /* Read-only: a clear message, and nothing half-written. */
  g_autofree char *db3 = make_case ("readonly.db");
  g_assert_cmpint (g_chmod (db3, 0400), ==, 0);
  if (access (db3, W_OK) == 0)
    {
      /* root ignores file modes; a read-only folder is no better then */
      g_chmod (db3, 0600);
      return;
    }
  g_autofree char *err = NULL;
  int rc = cli (db3, NULL, &err, "member", "add", "ed", "--role", "educator", "--as", "admin", NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "read-only"));
  g_chmod (db3, 0600);
}

/* A database made by schema 1 opens, upgrades and keeps its chain. */
static void
test_migration (void)
{
  g_autofree char *db = make_case ("old.db");
  g_assert_cmpint (play (db, "cy", "probation-officer"), ==, 0);
  g_assert_cmpint (play (db, "ana", "psychologist"), ==, 0);
  /* Turn it into what schema 1 wrote: no rater column. */
  tamper (db, "DROP INDEX event_by_rater; DROP INDEX event_by_kind; DROP TRIGGER event_append_only_update;"
              "DROP TABLE credential;"
              "ALTER TABLE event DROP COLUMN rater;"
              "CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event "
              "BEGIN SELECT RAISE (ABORT, 'events are append-only'); END;"
              "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_assert_no_error (error);
  g_autoptr (GString) r = g_string_new (NULL);
  g_assert_true (cq_store_verify (s, r, &error));
  /* The rater column was filled from the payloads: resuming reads it. */
  g_autoptr (CqWalker) w = cq_walker_new (s, "K-1-1", "ana", "2026-03-01", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cq_walker_answer_of (w, cq_instrument_item (cq_walker_instrument (w), "lc.trauma")));
  g_assert_null (cq_walker_current (w)); /* everything ana rates is answered */
  /* Schema 4: sign-in secrets, sealed with the chain key. */
  g_assert_true (cq_store_secret_set (s, "ana", "$argon2id$fictional", &error));
  g_autofree char *secret = cq_store_secret_get (s, "ana", &error);
  g_assert_cmpstr (secret, ==, "$argon2id$fictional");
  g_assert_null (cq_store_secret_get (s, "nobody", &error));
  g_assert_no_error (error);
}

/* Passwords: Argon2id hashes beside the log, sealed; never in an event. */
static void
test_credentials (void)
{
  g_autofree char *db = make_case ("cred.db");
  g_autoptr (GError) error = NULL;
  {
    g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
    g_assert_false (cq_account_set_password (s, "admin", "ana", "short", &error));
    g_assert_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (cq_account_set_password (s, "admin", "nobody", "a long fictional passphrase", &error));
    g_assert_error (error, CQ_CASE_ERROR, CQ_CASE_ERROR_UNKNOWN);
    g_clear_error (&error);
    g_assert_true (cq_account_set_password (s, "admin", "ana", "a long fictional passphrase", &error));
    g_autofree char *secret = cq_account_secret (s, "ana", &error);
    g_assert_true (g_str_has_prefix (secret, "$argon2id$v=19$m=19456,t=2,p=1$"));
    g_assert_cmpint (cq_account_verify (secret, "a long fictional passphrase"), ==, CQ_ACCOUNT_OK);
    g_assert_cmpint (cq_account_verify (secret, "a long fictional passphrasE"), ==, CQ_ACCOUNT_WRONG);
    g_assert_cmpint (cq_account_verify (NULL, "anything"), ==, CQ_ACCOUNT_WRONG);
    /* Disabling keeps the member and says so. */
    g_assert_true (cq_team_set_disabled (s, "admin", "ana", TRUE, &error));
    g_autoptr (CqMember) m = cq_team_member (s, "ana", &error);
    g_assert_true (m->disabled);
    g_autoptr (GString) r = g_string_new (NULL);
    g_assert_true (cq_store_verify (s, r, &error));
  }
  /* A hash written into the file outside colloquy is refused. */
  tamper (db, "UPDATE credential SET secret = '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g' "
              "WHERE member = 'ana'");
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_autofree char *secret = cq_account_secret (s, "ana", &error);
  g_assert_null (secret);
  g_assert_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CORRUPT);
}

static void
test_walker (void)
{
  g_autofree char *db = make_case ("walk.db");
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_autoptr (CqWalker) w = cq_walker_new (s, "K-1-1", "bo", "2026-02-11", "interview room 2",
                                          NULL, &error);
  g_assert_no_error (error);
  const CqInstrument *inst = cq_walker_instrument (w);
  /* The educator's first item in protocol order. */
  g_assert_cmpstr (cq_walker_current (w)->id, ==, "lc.school-disruption");

  CqAnswer an = cq_answer_init (cq_walker_current (w));
  an.value = "partial";
  an.rationale = "One change of school.";
  g_assert_true (cq_walker_answer (w, &an, NULL, &error));
  g_assert_cmpstr (cq_walker_current (w)->id, ==, "lc.timeline");
  /* Skip: leave it for later. */
  g_assert_true (cq_walker_skip (w, NULL, &error));
  g_assert_cmpstr (cq_walker_current (w)->id, ==, "net.isolation");
  /* Skip a rating with what is missing: "insufficient information". */
  g_assert_true (cq_walker_skip (w, "Ask the wing officer for the yard log.", &error));
  const CqAnswer *ins = cq_walker_answer_of (w, cq_instrument_item (inst, "net.isolation"));
  g_assert_cmpstr (ins->value, ==, "insufficient");
  g_assert_cmpstr (ins->missing, ==, "Ask the wing officer for the yard log.");
  /* Parenthood is not relevant yet: nobody said there are children. */
  g_assert_cmpstr (cq_walker_current (w)->id, ==, "pf.family-support");
  g_assert_false (cq_walker_relevant (w, cq_instrument_item (inst, "pf.parent-role")));
  /* Back goes to the previous relevant item. */
  g_assert_true (cq_walker_back (w));
  g_assert_cmpstr (cq_walker_current (w)->id, ==, "net.isolation");
  /* Changing an answer needs a reason. */
  CqAnswer again = cq_answer_init (cq_walker_current (w));
  again.value = "present";
  g_assert_false (cq_walker_answer (w, &again, NULL, &error));
  g_assert_nonnull (strstr (error->message, "say why you change it"));
  g_clear_error (&error);
  g_assert_true (cq_walker_answer (w, &again, "yard log received", &error));
  g_autoptr (GArray) p = cq_walker_progress (w);
  g_assert_cmpstr (g_array_index (p, CqProgress, 0).module->id, ==, "life-course");
  g_assert_cmpuint (g_array_index (p, CqProgress, 0).answered, ==, 1);

  /* Weeks later: a new walker resumes at the first item still to answer. */
  g_autoptr (CqWalker) later = cq_walker_new (s, "K-1-1", "bo", "2026-03-20", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cq_walker_current (later)->id, ==, "lc.timeline");

  /* Another rater's answer makes parenthood relevant for the educator. */
  g_autoptr (CqMember) cy = cq_team_member (s, "cy", &error);
  g_autoptr (CqAssessment) a = cq_assessment_get (s, "K-1-1", &error);
  CqAnswer kids = cq_answer_init (cq_instrument_item (inst, "case.children"));
  kids.value = "2";
  g_assert_cmpint (cq_answer_save (s, a, inst, cy, &kids, 0, NULL, 0, &error), >, 0);
  g_autoptr (CqWalker) third = cq_walker_new (s, "K-1-1", "bo", "2026-03-21", NULL, NULL, &error);
  g_assert_true (cq_walker_relevant (third, cq_instrument_item (inst, "pf.parent-role")));
}

static gboolean
count_event (const CqEvent *e G_GNUC_UNUSED, gpointer data)
{
  (*(guint *) data)++;
  return TRUE;
}

static void
test_consensus_and_decision (void)
{
  g_autofree char *db = make_case ("decide.db");
  static const char *const sittings[][2] = { { "cy", "probation-officer" }, { "ana", "psychologist" },
                                             { "bo", "educator" } };
  for (guint i = 0; i < G_N_ELEMENTS (sittings); i++)
    {
      g_autofree char *file = g_strdup_printf ("tests/interview/%s.xml", sittings[i][1]);
      g_assert_cmpint (cli (db, NULL, NULL, "interview", "--assessment", "K-1-1", "--as",
                            sittings[i][0], "--answers", file, NULL), ==, 0);
    }
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (cli (db, &out, NULL, "assessment", "disagreements", "K-1-1", "--as", "di", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "net.isolation              ana=partial, bo=present\n"));

  /* Only a role that may record a consensus. */
  g_assert_cmpint (cli (db, NULL, &err, "consensus", "--assessment", "K-1-1", "--as", "bo",
                        "--answers", "tests/interview/consensus.xml", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "role 'educator' may not record a consensus"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, NULL, "consensus", "--assessment", "K-1-1", "--as", "di",
                        "--answers", "tests/interview/consensus.xml", NULL), ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  gint64 seq = 0;
  g_autofree char *payload = NULL;
  g_assert_true (cq_store_current (s, "K-1-1", "consensus", "net.isolation", NULL, &seq, &payload, &error));
  g_assert_nonnull (strstr (payload, "\"dissent\":[{\"member\":\"ana\",\"value\":\"partial\"}]"));

  /* The decision: chair only, rationale citing items, levels from the deployment. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, &err, "decision", "--assessment", "K-1-1", "--as", "ana",
                        "--priority", "low", "--seriousness", "low", "--imminence", "low",
                        "--placement", "ordinary", "--rationale", "see net.isolation",
                        "--valid-until", "2026-08-01", "--next-review", "2026-07-01", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "role 'psychologist' may not record the commission's decision"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, &err, "decision", "--assessment", "K-1-1", "--as", "di",
                        "--priority", "low", "--seriousness", "low", "--imminence", "low",
                        "--placement", "ordinary", "--rationale", "She seems fine.",
                        "--valid-until", "2026-08-01", "--next-review", "2026-07-01", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "the rationale cites no item"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, &err, "decision", "--assessment", "K-1-1", "--as", "di",
                        "--priority", "extreme", "--seriousness", "low", "--imminence", "low",
                        "--placement", "ordinary", "--rationale", "net.isolation",
                        "--valid-until", "2026-08-01", "--next-review", "2026-07-01", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "priority: 'extreme' is not a level (low, moderate, high)"));
  g_assert_cmpint (cli (db, NULL, NULL, "decision", "--assessment", "K-1-1", "--as", "di",
                        "--priority", "moderate", "--seriousness", "low", "--imminence", "low",
                        "--placement", "ordinary", "--rationale", "Isolation (net.isolation).",
                        "--valid-until", "2026-08-01", "--next-review", "2026-07-01", NULL), ==, 0);

  /* Reads are audited too. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (db, &out, NULL, "case", "history", "K-1", "--as", "di", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "  net.isolation                 present"));
  g_autoptr (CqStore) s2 = cq_store_open (db, FALSE, &error);
  CqEventFilter f = { .kind = "read", .case_ref = "K-1" };
  guint reads = 0;
  g_assert_true (cq_store_scan (s2, &f, count_event, &reads, &error));
  g_assert_cmpuint (reads, >=, 2); /* disagreements, history */
  g_assert_true (verify (db, NULL));
}

/* Several evaluators answering at once on one database. */
static void
test_concurrency (void)
{
  g_autofree char *db = make_case ("busy.db");
  /* The probation officer's answers make items relevant for the others. */
  g_assert_cmpint (play (db, "cy", "probation-officer"), ==, 0);
  static const char *const who[][2] = { { "cy", "probation-officer" }, { "ana", "psychologist" },
                                        { "bo", "educator" } };
  GPid pids[G_N_ELEMENTS (who)];
  for (guint i = 0; i < G_N_ELEMENTS (who); i++)
    {
      g_autofree char *file = g_strdup_printf ("tests/interview/%s.xml", who[i][1]);
      const char *argv[] = { colloquy, "interview", "--assessment", "K-1-1", "--as", who[i][0],
                             "--answers", file, NULL };
      g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "COLLOQUY_DB", db, TRUE);
      g_assert_true (g_spawn_async (source_dir, (char **) argv, env,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                    NULL, &pids[i], NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (who); i++)
    {
      int status;
      g_assert_cmpint (waitpid (pids[i], &status, 0), ==, pids[i]);
      g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_autoptr (CqAssessment) a = cq_assessment_get (s, "K-1-1", &error);
  g_autoptr (CqInstrument) inst = cq_assessment_instrument (s, a, &error);
  guint expected[] = { 5, 8, 4 };
  for (guint i = 0; i < G_N_ELEMENTS (who); i++)
    {
      g_autoptr (CqAnswers) mine = cq_assessment_answers (s, a, inst, who[i][0], NULL, &error);
      g_assert_cmpuint (cq_answers_count (mine), ==, expected[i]);
    }
  g_assert_true (verify (db, NULL));
}

/* A database made with an older deployment takes a newer one; no member's
 * role may disappear; earlier records stay. */
static void
test_redeploy (void)
{
  g_autofree char *db = path_in_tmp ("redeploy.db");
  remove_db (db);
  g_autofree char *old = path_in_tmp ("old-deployment.ini");
  g_assert_true (g_file_set_contents (old,
    "[role psychologist]\nlabel-en=Psychologist\nmay=rate\n"
    "[role commission-chair]\nlabel-en=Chair\nmay=rate;consensus;decide\n"
    "[judgment]\nlevels=low;high\ndimensions=priority\n"
    "[placement]\nordinary=Ordinaire|Ordinary\n", -1, NULL));
  g_assert_cmpint (cli (db, NULL, NULL, "init", "--deployment", old, NULL), ==, 0);
  g_assert_cmpint (cli (db, NULL, NULL, "member", "add", "ana", "--role", "psychologist", "--as",
                        "admin", NULL), ==, 0);
  g_autofree char *err = NULL;
  g_assert_cmpint (cli (db, NULL, &err, "member", "add", "ada", "--role", "administrator", "--as",
                        "admin", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "'administrator' is not a role of this deployment"));

  /* The bundled deployment brings the administrator role. */
  g_autofree char *out = NULL;
  g_assert_cmpint (cli (db, &out, NULL, "deployment", "update", "--as", "admin", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "role administrator"));
  g_assert_nonnull (strstr (out, "may: administer"));
  g_assert_cmpint (cli (db, NULL, NULL, "member", "add", "ada", "--role", "administrator", "--as",
                        "admin", NULL), ==, 0);

  /* A deployment file that is not there, or not a deployment. */
  g_clear_pointer (&err, g_free);
  g_autofree char *missing = path_in_tmp ("no-such-deployment.ini");
  g_assert_cmpint (cli (db, NULL, &err, "deployment", "update", "--deployment", missing, "--as",
                        "admin", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "colloquy deployment: "));
  g_assert_nonnull (strstr (err, "no-such-deployment.ini"));
  g_autofree char *junk = path_in_tmp ("junk-deployment.ini");
  g_assert_true (g_file_set_contents (junk, "[judgment]\nlevels=low\n", -1, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, &err, "deployment", "update", "--deployment", junk, "--as",
                        "admin", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "deployment: no [role …] groups"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, &err, "deployment", "remove", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "show, or update [--deployment FILE]"));

  /* Back to the old one: the administrator's role would disappear. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, &err, "deployment", "update", "--deployment", old, "--as",
                        "admin", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "member 'ada' holds role 'administrator', which the new "
                                 "deployment does not have"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  CqEventFilter f = { .kind = "deployment" };
  guint n = 0;
  g_assert_true (cq_store_scan (s, &f, count_event, &n, &error));
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (verify (db, NULL));
}

/* The demo's qer-evaluation sittings: the probation officer first (her
 * answers open the gender and parenthood modules), then four disciplines
 * at once, each a process of its own, on one database. */
static void
test_concurrency_qer (void)
{
  g_autofree char *db = path_in_tmp ("busy-qer.db");
  remove_db (db);
  g_assert_cmpint (cli (db, NULL, NULL, "init", NULL), ==, 0);
  static const char *const roles[] = { "probation-officer", "prison-officer", "psychologist",
                                       "mediator", "educator" };
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    g_assert_cmpint (cli (db, NULL, NULL, "member", "add", roles[i], "--role", roles[i], "--as",
                          "admin", NULL), ==, 0);
  g_assert_cmpint (cli (db, NULL, NULL, "case", "open", "K-7", "--as", "admin", NULL), ==, 0);
  g_autofree char *id = NULL;
  g_assert_cmpint (cli (db, &id, NULL, "assessment", "open", "K-7", "--kind", "initial-evaluation",
                        "--instrument", "instruments/qer-evaluation", "--as", "admin", NULL), ==, 0);
  g_strstrip (id);
  g_assert_cmpint (cli (db, NULL, NULL, "interview", "--assessment", id, "--as", roles[0],
                        "--answers", "tests/interview/qer-evaluation/probation-officer.xml", NULL), ==, 0);
  GPid pids[G_N_ELEMENTS (roles)];
  for (guint i = 1; i < G_N_ELEMENTS (roles); i++)
    {
      g_autofree char *file = g_strdup_printf ("tests/interview/qer-evaluation/%s.xml", roles[i]);
      const char *argv[] = { colloquy, "interview", "--assessment", id, "--as", roles[i],
                             "--answers", file, NULL };
      g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "COLLOQUY_DB", db, TRUE);
      g_assert_true (g_spawn_async (source_dir, (char **) argv, env,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                    NULL, &pids[i], NULL));
    }
  for (guint i = 1; i < G_N_ELEMENTS (roles); i++)
    {
      int status;
      g_assert_cmpint (waitpid (pids[i], &status, 0), ==, pids[i]);
      g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
  /* Every answer of every file is there, once. */
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_autoptr (CqAssessment) a = cq_assessment_get (s, id, &error);
  g_autoptr (CqInstrument) inst = cq_assessment_instrument (s, a, &error);
  g_assert_nonnull (inst);
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/tests/interview/qer-evaluation/%s.xml", source_dir,
                                               roles[i]);
      g_autoptr (CqDiags) d = cq_diags_new ();
      g_autoptr (CqAnswers) file = cq_answers_load (path, inst, d);
      g_assert_nonnull (file);
      g_autoptr (CqAnswers) mine = cq_assessment_answers (s, a, inst, roles[i], NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (cq_answers_count (mine), ==, cq_answers_count (file));
    }
  g_assert_true (verify (db, NULL));
}

/* Plays a scripted sitting and kills it with SIGKILL after delay_us; adds
 * "member/item" of every answer it acknowledged ("saved …") to acked. */
static void
play_and_kill (const char *db, const char *assessment, const char *member, const char *file,
               gulong delay_us, GHashTable *acked)
{
  const char *argv[] = { colloquy, "interview", "--assessment", assessment, "--as", member,
                         "--answers", file, NULL };
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "COLLOQUY_DB", db, TRUE);
  GPid pid;
  int out_fd;
  g_assert_true (g_spawn_async_with_pipes (source_dir, (char **) argv, env,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, NULL));
  g_usleep (delay_us);
  kill (pid, SIGKILL);
  int status;
  waitpid (pid, &status, 0);
  /* What it printed as saved before dying. */
  g_autoptr (GString) got = g_string_new (NULL);
  char buf[8192];
  gssize n;
  while ((n = read (out_fd, buf, sizeof buf)) > 0)
    g_string_append_len (got, buf, n);
  close (out_fd);
  g_auto (GStrv) lines = g_strsplit (got->str, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "saved ") && lines[i + 1] != NULL) /* complete lines */
      {
        g_auto (GStrv) parts = g_strsplit_set (lines[i] + 6, " ", 2);
        g_hash_table_add (acked, g_strdup_printf ("%s/%s", member, parts[0]));
      }
}

/* Every acknowledged answer is in the store, the chain verifies and SQLite
 * finds the file sound. */
static void
assert_survived (const char *db, const char *assessment, GHashTable *acked)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_assert_no_error (error);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, acked);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      g_auto (GStrv) mi = g_strsplit (key, "/", 2);
      gint64 seq = 0;
      g_assert_true (cq_store_current (s, assessment, "answer", mi[1], mi[0], &seq, NULL, &error));
      if (seq == 0)
        g_error ("%s: acknowledged answer %s lost after kill -9", db, (char *) key);
    }
  g_autoptr (GString) r = g_string_new (NULL);
  if (!cq_store_verify (s, r, &error))
    g_error ("after kill -9: %s", r->str);
  sqlite3 *raw = NULL;
  g_assert_cmpint (sqlite3_open_v2 (db, &raw, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (raw, "PRAGMA integrity_check", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==, "ok");
  sqlite3_finalize (st);
  sqlite3_close (raw);
}

/* kill -9 at random points of scripted interviews: every answer the
 * process acknowledged is there, and the chain verifies. */
static void
test_sigkill (void)
{
  g_autofree char *db = make_case ("kill.db");
  GRand *rand = g_rand_new_with_seed (11);
  g_autoptr (GHashTable) acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  static const char *const who[][2] = { { "cy", "probation-officer" }, { "ana", "psychologist" },
                                        { "bo", "educator" } };
  for (guint round = 0; round < 12; round++)
    {
      guint k = round % 3;
      g_autofree char *file = g_strdup_printf ("tests/interview/%s.xml", who[k][1]);
      play_and_kill (db, "K-1-1", who[k][0], file, (gulong) g_rand_int_range (rand, 2000, 60000),
                     acked);
      assert_survived (db, "K-1-1", acked);
    }
  g_rand_free (rand);
  /* Resuming after the crashes completes every interview. */
  for (guint k = 0; k < 3; k++)
    {
      g_autofree char *file = g_strdup_printf ("tests/interview/%s.xml", who[k][1]);
      g_assert_cmpint (cli (db, NULL, NULL, "interview", "--assessment", "K-1-1", "--as", who[k][0],
                            "--answers", file, NULL), ==, 0);
    }
  g_assert_true (verify (db, NULL));
}

/* The same for every bundled instrument and each of its protocols, with
 * sittings generated for every role that rates something in it. */
static void
test_sigkill_bundled (void)
{
  static const char *const bundled[] = { "qer-evaluation", "qpr-review", "pre-release",
                                         "post-release-followup" };
  const char *sampler = g_getenv ("CQ_SAMPLE_ANSWERS");
  g_assert_nonnull (sampler);
  GRand *rand = g_rand_new_with_seed (29);
  guint total_acked = 0;
  for (guint b = 0; b < G_N_ELEMENTS (bundled); b++)
    {
      g_autofree char *path = g_build_filename ("instruments", bundled[b], NULL);
      g_autofree char *abs = g_build_filename (source_dir, path, NULL);
      g_autoptr (CqDiags) d = cq_diags_new ();
      g_autoptr (CqInstrument) I = cq_instrument_load (abs, d);
      g_assert_nonnull (I);
      for (guint p = 0; p < I->n_protocols; p++)
        {
          const CqProtocol *proto = I->protocols[p];
          g_autoptr (GPtrArray) roles = g_ptr_array_new ();
          for (guint r = 0; r < I->n_roles; r++)
            for (guint i = 0; i < I->n_items; i++)
              {
                gboolean in = FALSE;
                for (guint m = 0; m < proto->n_modules; m++)
                  in |= proto->modules[m] == I->items[i]->domain->module;
                if (in && cq_item_rated_by (I->items[i], I->roles[r]->id))
                  {
                    g_ptr_array_add (roles, (gpointer) I->roles[r]->id);
                    break;
                  }
              }
          g_autofree char *name = g_strdup_printf ("kill-%s-%s", bundled[b], proto->id);
          g_autofree char *sittings = path_in_tmp (name);
          g_autofree char *dbname = g_strdup_printf ("%s.db", name);
          g_autofree char *db = path_in_tmp (dbname);
          remove_db (db);
          g_autoptr (GPtrArray) argv = g_ptr_array_new ();
          g_ptr_array_add (argv, (gpointer) sampler);
          g_ptr_array_add (argv, abs);
          g_ptr_array_add (argv, (gpointer) proto->id);
          g_ptr_array_add (argv, sittings);
          for (guint r = 0; r < roles->len; r++)
            g_ptr_array_add (argv, roles->pdata[r]);
          g_ptr_array_add (argv, NULL);
          int wait = 0;
          g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
                                       NULL, NULL, NULL, &wait, NULL));
          g_assert_true (g_spawn_check_wait_status (wait, NULL));

          g_assert_cmpint (cli (db, NULL, NULL, "init", NULL), ==, 0);
          for (guint r = 0; r < roles->len; r++)
            g_assert_cmpint (cli (db, NULL, NULL, "member", "add", roles->pdata[r], "--role",
                                  roles->pdata[r], "--as", "admin", NULL), ==, 0);
          g_assert_cmpint (cli (db, NULL, NULL, "case", "open", "K-9", "--as", "admin", NULL), ==, 0);
          g_autofree char *out = NULL;
          g_assert_cmpint (cli (db, &out, NULL, "assessment", "open", "K-9", "--kind",
                                "initial-evaluation", "--instrument", path, "--protocol", proto->id,
                                "--date", "2026-02-01", "--as", "admin", NULL), ==, 0);
          g_strstrip (out);
          /* Every role has something to answer: the generator did its job. */
          for (guint r = 0; r < roles->len; r++)
            {
              g_autofree char *file = g_strdup_printf ("%s/%s.xml", sittings, (char *) roles->pdata[r]);
              g_autofree char *text = NULL;
              g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
              if (strstr (text, "<answer ") == NULL)
                g_test_message ("%s: %s has nothing relevant to answer", name, (char *) roles->pdata[r]);
            }

          /* The roles play in the order the sittings were generated for. */
          g_autoptr (GHashTable) acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          for (guint r = 0; r < roles->len; r++)
            {
              g_autofree char *file = g_strdup_printf ("%s/%s.xml", sittings, (char *) roles->pdata[r]);
              for (guint round = 0; round < 2; round++)
                {
                  play_and_kill (db, out, roles->pdata[r], file,
                                 (gulong) g_rand_int_range (rand, 30000, 400000), acked);
                  assert_survived (db, out, acked);
                }
              g_autofree char *err = NULL;
              if (cli (db, NULL, &err, "interview", "--assessment", out, "--as", roles->pdata[r],
                       "--answers", file, NULL) != 0)
                g_error ("%s: resuming %s failed: %s", name, (char *) roles->pdata[r], err);
            }
          assert_survived (db, out, acked);
          g_test_message ("%s: %u roles, %u acknowledged answers before kills, all kept", name,
                          roles->len, g_hash_table_size (acked));
          total_acked += g_hash_table_size (acked);
        }
    }
  g_rand_free (rand);
  /* Some kills must land mid-sitting, or the test proves nothing. */
  g_assert_cmpuint (total_acked, >, 0);
}

static void
test_bad_answers_keep_saved (void)
{
  g_autofree char *db = make_case ("garbage.db");
  g_autofree char *bad = path_in_tmp ("bad-sitting.xml");
  g_assert_true (g_file_set_contents (bad,
    "<answers xmlns=\"urn:colloquy:answers:1\" instrument=\"example\" date=\"2026-02-02\">\n"
    "  <answer item=\"case.gender\" value=\"female\"/>\n"
    "  <answer item=\"lc.trauma\" value=\"present\"/>\n"
    "</answers>\n", -1, NULL));
  g_autofree char *err = NULL, *out = NULL;
  g_assert_cmpint (cli (db, &out, &err, "interview", "--assessment", "K-1-1", "--as", "cy",
                        "--answers", bad, NULL), ==, 1);
  g_assert_nonnull (strstr (err, ":3: item 'lc.trauma' is not rated by role 'probation-officer'; "
                                 "1 answers saved before it"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  gint64 seq = 0;
  g_assert_true (cq_store_current (s, "K-1-1", "answer", "case.gender", "cy", &seq, NULL, &error));
  g_assert_cmpint (seq, >, 0);

  /* Answers given on another protocol than the assessment walks. */
  g_autofree char *other = path_in_tmp ("other-protocol.xml");
  g_assert_true (g_file_set_contents (other,
    "<answers xmlns=\"urn:colloquy:answers:1\" instrument=\"example\" protocol=\"review\" "
    "date=\"2026-02-02\">\n  <answer item=\"pf.family-support\" value=\"absent\"/>\n</answers>\n",
    -1, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, &err, "interview", "--assessment", "K-1-1", "--as", "cy",
                        "--answers", other, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "holds answers for protocol 'review', but assessment K-1-1 walks "
                                 "protocol 'initial'; nothing was saved"));

  /* Binary garbage on standard input: one clear error, nothing saved. */
  g_autofree char *junk = path_in_tmp ("junk.xml");
  g_assert_true (g_file_set_contents (junk, "\x89PNG\r\n\x1a\n\xff\xfe", 10, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (db, NULL, &err, "interview", "--assessment", "K-1-1", "--as", "ana",
                        "--answers", junk, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "nothing was saved"));
}

static void
limit_file_size (gpointer data)
{
  struct rlimit r = { GPOINTER_TO_UINT (data), GPOINTER_TO_UINT (data) };
  setrlimit (RLIMIT_FSIZE, &r);
}

/* A full disk: a clear message, and the answers saved before stay. */
static void
test_disk_full (void)
{
  g_autofree char *db = make_case ("full.db");
  g_assert_cmpint (play (db, "cy", "probation-officer"), ==, 0);
  const char *argv[] = { colloquy, "interview", "--assessment", "K-1-1", "--as", "ana", "--answers",
                         "tests/interview/psychologist.xml", NULL };
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "COLLOQUY_DB", db, TRUE);
  g_autofree char *err = NULL;
  int status = 0;
  g_assert_true (g_spawn_sync (source_dir, (char **) argv, env, G_SPAWN_STDOUT_TO_DEV_NULL,
                               limit_file_size, GUINT_TO_POINTER (1024), NULL, &err, &status, NULL));
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_true (strstr (err, "nothing was saved") != NULL);
  g_assert_true (verify (db, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  gint64 seq = 0;
  g_assert_true (cq_store_current (s, "K-1-1", "answer", "case.gender", "cy", &seq, NULL, &error));
  g_assert_cmpint (seq, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  source_dir = g_getenv ("CQ_SOURCE_DIR");
  colloquy = g_getenv ("COLLOQUY");
  tmp = g_dir_make_tmp ("cq-store-XXXXXX", NULL);
  g_test_add_func ("/store/private-files", test_private_files);
  g_test_add_func ("/store/append-only", test_append_only);
  g_test_add_func ("/store/tamper-detected", test_tamper_detected);
  g_test_add_func ("/store/bad-databases", test_bad_databases);
  g_test_add_func ("/store/migration", test_migration);
  g_test_add_func ("/store/credentials", test_credentials);
  g_test_add_func ("/store/walker", test_walker);
  g_test_add_func ("/store/consensus-and-decision", test_consensus_and_decision);
  g_test_add_func ("/store/redeploy", test_redeploy);
  g_test_add_func ("/store/concurrency", test_concurrency);
  g_test_add_func ("/store/concurrency/qer-evaluation", test_concurrency_qer);
  g_test_add_func ("/store/survives-sigkill", test_sigkill);
  g_test_add_func ("/store/survives-sigkill/bundled", test_sigkill_bundled);
  g_test_add_func ("/store/bad-answers-keep-saved", test_bad_answers_keep_saved);
  g_test_add_func ("/store/disk-full", test_disk_full);
  int rc = g_test_run ();
  const char *rm[] = { "rm", "-rf", tmp, NULL };
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (tmp);
  return rc;
}
