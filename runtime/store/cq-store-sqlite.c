/* SPDX-License-Identifier: EUPL-1.2 */
/* The SQLite case store: WAL, synchronous commits, one writer at a time,
 * an HMAC-SHA256 chain over every event keyed by a file beside the
 * database, and append-only triggers. */
#include "cq-store.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cq-resources.h"
#include "cq-util.h"

G_DEFINE_QUARK (cq-store-error-quark, cq_store_error)

#define KEY_BYTES 32
#define BUSY_MS 10000

struct _CqStore {
  sqlite3 *db;
  char *path;
  guchar key[KEY_BYTES];
  gboolean bulk; /* inside cq_store_bulk_begin/end */
};

/* Errors ==================================================================== */

static gboolean
fail_sql (CqStore *s, int rc, const char *doing, GError **error)
{
  int code;
  const char *msg;
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = CQ_STORE_ERROR_BUSY;
      msg = "the database is busy: another colloquy held it for more than 10 seconds; nothing "
            "was saved, try again";
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      code = rc == SQLITE_CANTOPEN ? CQ_STORE_ERROR_OPEN : CQ_STORE_ERROR_READONLY;
      msg = rc == SQLITE_CANTOPEN ? "cannot open the database file: check the path and the "
                                    "folder's permissions"
                                  : "the database is read-only: check the file's and its "
                                    "folder's permissions; nothing was saved";
      break;
    case SQLITE_FULL:
    case SQLITE_IOERR:
      code = CQ_STORE_ERROR_FULL;
      msg = (rc & 0xff) == SQLITE_FULL
            ? "the disk is full: nothing was saved; free some space and enter it again"
            : "the disk failed to write: nothing was saved; check the disk and try again";
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = CQ_STORE_ERROR_CORRUPT;
      msg = "the database file is damaged or is not a colloquy database: run "
            "'colloquy audit verify' and restore it from a backup";
      break;
    case SQLITE_CONSTRAINT:
      code = CQ_STORE_ERROR_INVALID;
      msg = s && s->db ? sqlite3_errmsg (s->db) : "constraint failed";
      break;
    default:
      code = CQ_STORE_ERROR_OPEN;
      msg = s && s->db ? sqlite3_errmsg (s->db) : sqlite3_errstr (rc);
    }
  g_set_error (error, CQ_STORE_ERROR, code, "%s: %s (%s)", s ? s->path : "database", msg, doing);
  return FALSE;
}

static gboolean
exec (CqStore *s, const char *sql, const char *doing, GError **error)
{
  int rc = sqlite3_exec (s->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK || fail_sql (s, rc, doing, error);
}

static sqlite3_stmt *
prepare (CqStore *s, const char *sql, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (s->db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    {
      fail_sql (s, rc, "reading", error);
      return NULL;
    }
  return st;
}

static void
bind_text (sqlite3_stmt *st, int i, const char *v)
{
  if (v == NULL)
    sqlite3_bind_null (st, i);
  else
    sqlite3_bind_text (st, i, v, -1, SQLITE_TRANSIENT);
}

static const char *
col_text (sqlite3_stmt *st, int i)
{
  return (const char *) sqlite3_column_text (st, i);
}

/* Meta ===================================================================== */

static char *
meta_get (CqStore *s, const char *key, GError **error)
{
  sqlite3_stmt *st = prepare (s, "SELECT value FROM meta WHERE key = ?", error);
  if (st == NULL)
    return NULL;
  bind_text (st, 1, key);
  char *v = NULL;
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    v = g_strdup (col_text (st, 0));
  else if (rc != SQLITE_DONE)
    fail_sql (s, rc, "reading", error);
  sqlite3_finalize (st);
  return v;
}

static gboolean
meta_set (CqStore *s, const char *key, const char *value, GError **error)
{
  sqlite3_stmt *st = prepare (s, "INSERT INTO meta (key, value) VALUES (?, ?) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  if (st == NULL)
    return FALSE;
  bind_text (st, 1, key);
  bind_text (st, 2, value);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  return rc == SQLITE_DONE || fail_sql (s, rc, "saving", error);
}

/* The chain ================================================================ */

static void
hex (const guchar *b, gsize n, char *out)
{
  for (gsize i = 0; i < n; i++)
    g_snprintf (out + 2 * i, 3, "%02x", b[i]);
}

static void
mac (CqStore *s, const char *data, gsize len, char out[65])
{
  guchar md[32];
  size_t md_len = 0;
  EVP_Q_mac (NULL, "HMAC", NULL, "SHA256", NULL, s->key, KEY_BYTES, (const guchar *) data, len,
             md, sizeof md, &md_len);
  hex (md, 32, out);
}

static void
add_field (GString *m, const char *v)
{
  if (v == NULL)
    g_string_append (m, "-:");
  else
    g_string_append_printf (m, "%" G_GSIZE_FORMAT ":%s", strlen (v), v);
  g_string_append_c (m, '\n');
}

/* The hash of an event: an HMAC over the previous hash and every field,
 * each with its length, so that no two events read alike. */
static void
event_hash (CqStore *s, const char *prev, const CqEvent *e, char out[65])
{
  g_autoptr (GString) m = g_string_new ("colloquy-event-1\n");
  char num[32];
  add_field (m, prev);
  g_snprintf (num, sizeof num, "%" G_GINT64_FORMAT, e->seq);
  add_field (m, num);
  add_field (m, e->at);
  add_field (m, e->actor);
  add_field (m, e->kind);
  add_field (m, e->case_ref);
  add_field (m, e->assessment);
  add_field (m, e->item);
  g_snprintf (num, sizeof num, "%" G_GINT64_FORMAT, e->supersedes);
  add_field (m, num);
  add_field (m, e->reason);
  add_field (m, e->payload);
  mac (s, m->str, m->len, out);
}

static char *
head_value (CqStore *s, gint64 seq, const char *hash)
{
  g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", seq, hash);
  char m[65];
  mac (s, v, strlen (v), m);
  return g_strdup_printf ("%s:%s", v, m);
}

/* Opening ================================================================== */

static gboolean
read_key (CqStore *s, const char *key_path, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GBytes) b = cq_file_read (key_path, 256, &e);
  if (b == NULL)
    {
      g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_OPEN,
                   "%s: the chain key %s %s: without it the audit chain can be neither extended "
                   "nor verified", s->path, key_path, e->message);
      return FALSE;
    }
  gsize len;
  const char *d = g_bytes_get_data (b, &len);
  if (len < 2 * KEY_BYTES)
    {
      g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CORRUPT, "%s: the chain key %s is damaged",
                   s->path, key_path);
      return FALSE;
    }
  for (guint i = 0; i < KEY_BYTES; i++)
    {
      int hi = g_ascii_xdigit_value (d[2 * i]), lo = g_ascii_xdigit_value (d[2 * i + 1]);
      if (hi < 0 || lo < 0)
        {
          g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CORRUPT,
                       "%s: the chain key %s is damaged", s->path, key_path);
          return FALSE;
        }
      s->key[i] = (guchar) (hi * 16 + lo);
    }
  return TRUE;
}

static gboolean
create_private (const char *path, const char *content, GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_OPEN, "%s: %s", path,
                   e == EEXIST ? "already exists; open it, or choose another name" : g_strerror (e));
      return FALSE;
    }
  gsize n = content ? strlen (content) : 0;
  gboolean ok = n == 0 || (write (fd, content, n) == (ssize_t) n && fsync (fd) == 0);
  close (fd);
  if (!ok)
    g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_FULL, "%s: cannot write", path);
  return ok;
}

static gboolean
migrate (CqStore *s, int from, GError **error)
{
  static const char *const steps[] = { "/org/colloquy/store/001-initial.sql",
                                       "/org/colloquy/store/002-rater.sql",
                                       "/org/colloquy/store/003-kind-index.sql",
                                       "/org/colloquy/store/004-credential.sql" };
  G_STATIC_ASSERT (G_N_ELEMENTS (steps) == CQ_STORE_SCHEMA_VERSION);
  if (!exec (s, "BEGIN IMMEDIATE", "upgrading the database", error))
    return FALSE;
  for (int v = from; v < CQ_STORE_SCHEMA_VERSION; v++)
    {
      g_autoptr (GBytes) sql = g_resource_lookup_data (cq_get_resource (), steps[v],
                                                        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (sql != NULL);
      if (!exec (s, g_bytes_get_data (sql, NULL), "upgrading the database", error))
        {
          sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  char v[16];
  g_snprintf (v, sizeof v, "%d", CQ_STORE_SCHEMA_VERSION);
  if (!meta_set (s, "schema_version", v, error) || !meta_set (s, "application", "colloquy", error))
    {
      sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return exec (s, "COMMIT", "upgrading the database", error);
}

CqStore *
cq_store_open (const char *path, gboolean create, GError **error)
{
  g_autoptr (CqStore) s = g_new0 (CqStore, 1);
  s->path = g_strdup (path);
  g_autofree char *key_path = g_strconcat (path, ".key", NULL);

  if (create)
    {
      guchar key[KEY_BYTES];
      char key_hex[2 * KEY_BYTES + 2];
      if (RAND_bytes (key, KEY_BYTES) != 1)
        {
          g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_OPEN, "no random source for the key");
          return NULL;
        }
      hex (key, KEY_BYTES, key_hex);
      strcat (key_hex, "\n");
      if (!create_private (path, NULL, error))
        return NULL;
      if (!create_private (key_path, key_hex, error))
        {
          g_unlink (path);
          return NULL;
        }
    }
  else if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_OPEN,
                   "%s: no such database; create one with 'colloquy init --db %s'", path, path);
      return NULL;
    }

  int rc = sqlite3_open_v2 (path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      fail_sql (s, rc, "opening", error);
      return NULL;
    }
  sqlite3_busy_timeout (s->db, BUSY_MS);
  if (!read_key (s, key_path, error))
    return NULL;

  /* A file that is not a database fails on its first read. */
  sqlite3_stmt *st = NULL;
  rc = sqlite3_prepare_v2 (s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (st);
  gboolean wal = rc == SQLITE_ROW && g_ascii_strcasecmp (col_text (st, 0), "wal") == 0;
  sqlite3_finalize (st);
  if (rc != SQLITE_ROW)
    {
      fail_sql (s, rc, "opening", error);
      return NULL;
    }
  if (!wal && !create)
    {
      /* A read-only database cannot switch to WAL; say so plainly. */
      g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_READONLY,
                   "%s: the database is read-only (check the file's and its folder's permissions)",
                   path);
      return NULL;
    }
  if (!exec (s, "PRAGMA synchronous = FULL; PRAGMA trusted_schema = OFF; PRAGMA foreign_keys = ON",
             "opening", error))
    return NULL;

  int version = 0;
  if (!create)
    {
      g_autoptr (GError) e = NULL;
      g_autofree char *app = meta_get (s, "application", &e);
      if (app == NULL || strcmp (app, "colloquy") != 0)
        {
          g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CORRUPT,
                       "%s: not a colloquy database%s", path,
                       e ? " (or it is damaged: run 'colloquy audit verify')" : "");
          return NULL;
        }
      g_autofree char *v = meta_get (s, "schema_version", error);
      if (v == NULL)
        return NULL;
      version = atoi (v);
      if (version > CQ_STORE_SCHEMA_VERSION)
        {
          g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_VERSION,
                       "%s: made by a newer colloquy (schema %d; this one knows up to %d): "
                       "upgrade colloquy to open it", path, version, CQ_STORE_SCHEMA_VERSION);
          return NULL;
        }
    }
  if (version < CQ_STORE_SCHEMA_VERSION && !migrate (s, version, error))
    return NULL;
  if (create)
    {
      g_autoptr (GDateTime) t = g_date_time_new_now_utc ();
      g_autofree char *now = g_date_time_format_iso8601 (t);
      if (!meta_set (s, "created", now, error))
        return NULL;
    }
  return g_steal_pointer (&s);
}

void
cq_store_close (CqStore *s)
{
  if (s == NULL)
    return;
  if (s->db)
    sqlite3_close_v2 (s->db);
  OPENSSL_cleanse (s->key, sizeof s->key);
  g_free (s->path);
  g_free (s);
}

const char *
cq_store_path (CqStore *s)
{
  return s->path;
}

/* Appending ================================================================ */

static char *
now_utc (void)
{
  g_autoptr (GDateTime) t = g_date_time_new_now_utc ();
  return g_date_time_format (t, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static gint64
append_locked (CqStore *s, const CqEvent *in, gboolean slot, GError **error)
{
  gint64 last = 0;
  g_autofree char *prev = g_strdup ("");
  sqlite3_stmt *st = prepare (s, "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1", error);
  if (st == NULL)
    return -1;
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      last = sqlite3_column_int64 (st, 0);
      g_free (prev);
      prev = g_strdup (col_text (st, 1));
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return fail_sql (s, rc, "saving", error), -1;

  if (slot)
    {
      st = prepare (s, "SELECT seq, actor, at FROM event WHERE assessment IS ? AND kind = ? "
                       "AND item IS ? AND rater IS ? ORDER BY seq DESC LIMIT 1", error);
      if (st == NULL)
        return -1;
      bind_text (st, 1, in->assessment);
      bind_text (st, 2, in->kind);
      bind_text (st, 3, in->item);
      bind_text (st, 4, in->rater);
      rc = sqlite3_step (st);
      gint64 current = rc == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
      g_autofree char *who = rc == SQLITE_ROW ? g_strdup (col_text (st, 1)) : NULL;
      g_autofree char *when = rc == SQLITE_ROW ? g_strdup (col_text (st, 2)) : NULL;
      sqlite3_finalize (st);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail_sql (s, rc, "saving", error), -1;
      if (current != in->supersedes)
        {
          if (in->supersedes == 0)
            g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CONFLICT,
                         "there is already a %s%s%s (event %" G_GINT64_FORMAT " by %s): change it "
                         "by superseding it, with a reason", in->kind, in->item ? " on " : "",
                         in->item ? in->item : "", current, who);
          else if (current == 0)
            g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_INVALID,
                         "event %" G_GINT64_FORMAT " is not the current %s it claims to replace",
                         in->supersedes, in->kind);
          else
            g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CONFLICT,
                         "the %s%s%s changed meanwhile (event %" G_GINT64_FORMAT " by %s at %s): "
                         "review it, then change it again", in->kind, in->item ? " on " : "",
                         in->item ? in->item : "", current, who, when);
          return -1;
        }
    }

  CqEvent e = *in;
  g_autofree char *at = now_utc ();
  e.seq = last + 1;
  e.at = at;
  char hash[65];
  event_hash (s, prev, &e, hash);
  st = prepare (s, "INSERT INTO event (seq, at, actor, kind, case_ref, assessment, item, rater, "
                   "supersedes, reason, payload, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", error);
  if (st == NULL)
    return -1;
  sqlite3_bind_int64 (st, 1, e.seq);
  bind_text (st, 2, e.at);
  bind_text (st, 3, e.actor);
  bind_text (st, 4, e.kind);
  bind_text (st, 5, e.case_ref);
  bind_text (st, 6, e.assessment);
  bind_text (st, 7, e.item);
  bind_text (st, 8, e.rater);
  if (e.supersedes > 0)
    sqlite3_bind_int64 (st, 9, e.supersedes);
  else
    sqlite3_bind_null (st, 9);
  bind_text (st, 10, e.reason);
  bind_text (st, 11, e.payload);
  bind_text (st, 12, hash);
  rc = sqlite3_step (st);
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return fail_sql (s, rc, "saving", error), -1;
  g_autofree char *head = head_value (s, e.seq, hash);
  if (!meta_set (s, "head", head, error))
    return -1;
  return e.seq;
}

gint64
cq_store_append (CqStore *s, const CqEvent *in, GError **error)
{
  if (in->actor == NULL || in->kind == NULL || in->payload == NULL)
    {
      g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_INVALID, "an event needs an actor, a kind "
                   "and a payload");
      return -1;
    }
  if (in->supersedes > 0 && (in->reason == NULL || *in->reason == '\0'))
    {
      g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_INVALID,
                   "a change needs a reason: nothing is replaced silently");
      return -1;
    }
  gboolean slot = in->assessment != NULL
                  && (strcmp (in->kind, "answer") == 0 || strcmp (in->kind, "consensus") == 0
                      || strcmp (in->kind, "decision") == 0);
  if (s->bulk)
    return append_locked (s, in, slot, error);
  int rc = sqlite3_exec (s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return fail_sql (s, rc, "saving", error), -1;
  gint64 seq = append_locked (s, in, slot, error);
  if (seq < 0)
    {
      sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
      return -1;
    }
  rc = sqlite3_exec (s->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
      return fail_sql (s, rc, "saving", error), -1;
    }
  return seq;
}

gboolean
cq_store_bulk_begin (CqStore *s, GError **error)
{
  if (!exec (s, "BEGIN IMMEDIATE", "starting a bulk import", error))
    return FALSE;
  s->bulk = TRUE;
  return TRUE;
}

gboolean
cq_store_bulk_end (CqStore *s, GError **error)
{
  s->bulk = FALSE;
  return exec (s, "COMMIT", "ending a bulk import", error);
}

/* Reading ================================================================== */

static void
row_event (sqlite3_stmt *st, CqEvent *e)
{
  e->seq = sqlite3_column_int64 (st, 0);
  e->at = col_text (st, 1);
  e->actor = col_text (st, 2);
  e->kind = col_text (st, 3);
  e->case_ref = col_text (st, 4);
  e->assessment = col_text (st, 5);
  e->item = col_text (st, 6);
  e->rater = col_text (st, 7);
  e->supersedes = sqlite3_column_int64 (st, 8);
  e->reason = col_text (st, 9);
  e->payload = col_text (st, 10);
}

#define EVENT_COLUMNS "seq, at, actor, kind, case_ref, assessment, item, rater, supersedes, " \
                      "reason, payload, hash"

gboolean
cq_store_scan (CqStore *s, const CqEventFilter *f, CqEventFunc fn, gpointer data, GError **error)
{
  /* Without statistics the planner prefers the index on kind (it avoids a
   * sort) even where an assessment's or a case's index is far narrower:
   * name the index. */
  const char *index = f->assessment && f->rater ? " INDEXED BY event_by_rater"
                      : f->assessment ? " INDEXED BY event_by_assessment"
                      : f->case_ref ? " INDEXED BY event_by_case" : "";
  g_autoptr (GString) sql = g_string_new (NULL);
  g_string_printf (sql, "SELECT " EVENT_COLUMNS " FROM event%s WHERE 1", index);
  const char *vals[5] = { f->assessment, f->rater, f->kind, f->item, f->case_ref };
  static const char *const cols[5] = { "assessment", "rater", "kind", "item", "case_ref" };
  for (int i = 0; i < 5; i++)
    if (vals[i] != NULL)
      g_string_append_printf (sql, " AND %s = ?", cols[i]);
  g_string_append (sql, " ORDER BY seq");
  sqlite3_stmt *st = prepare (s, sql->str, error);
  if (st == NULL)
    return FALSE;
  int k = 1;
  for (int i = 0; i < 5; i++)
    if (vals[i] != NULL)
      bind_text (st, k++, vals[i]);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      CqEvent e;
      row_event (st, &e);
      if (!fn (&e, data))
        {
          rc = SQLITE_DONE;
          break;
        }
    }
  sqlite3_finalize (st);
  return rc == SQLITE_DONE || fail_sql (s, rc, "reading", error);
}

gboolean
cq_store_current (CqStore *s, const char *assessment, const char *kind, const char *item,
                  const char *rater, gint64 *seq, char **payload, GError **error)
{
  sqlite3_stmt *st = prepare (s, "SELECT seq, payload FROM event WHERE assessment IS ? AND kind = ? "
                                 "AND item IS ? AND rater IS ? ORDER BY seq DESC LIMIT 1", error);
  if (st == NULL)
    return FALSE;
  bind_text (st, 1, assessment);
  bind_text (st, 2, kind);
  bind_text (st, 3, item);
  bind_text (st, 4, rater);
  int rc = sqlite3_step (st);
  *seq = 0;
  if (payload)
    *payload = NULL;
  if (rc == SQLITE_ROW)
    {
      *seq = sqlite3_column_int64 (st, 0);
      if (payload)
        *payload = g_strdup (col_text (st, 1));
    }
  sqlite3_finalize (st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE || fail_sql (s, rc, "reading", error);
}

/* Bundles ================================================================== */

gboolean
cq_store_put_file (CqStore *s, const char *sha256, const char *path, GBytes *bytes, GError **error)
{
  sqlite3_stmt *st = prepare (s, "INSERT INTO bundle (sha256, path, content) VALUES (?, ?, ?) "
                                 "ON CONFLICT DO NOTHING", error);
  if (st == NULL)
    return FALSE;
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);
  bind_text (st, 1, sha256);
  bind_text (st, 2, path);
  sqlite3_bind_blob64 (st, 3, data ? data : "", len, SQLITE_TRANSIENT);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  return rc == SQLITE_DONE || fail_sql (s, rc, "saving the instrument", error);
}

void
cq_store_file_free (CqStoreFile *f)
{
  if (f == NULL)
    return;
  g_free (f->path);
  g_bytes_unref (f->bytes);
  g_free (f);
}

GPtrArray *
cq_store_files (CqStore *s, const char *sha256, GError **error)
{
  sqlite3_stmt *st = prepare (s, "SELECT path, content FROM bundle WHERE sha256 = ? ORDER BY path",
                              error);
  if (st == NULL)
    return NULL;
  bind_text (st, 1, sha256);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cq_store_file_free);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      CqStoreFile *f = g_new0 (CqStoreFile, 1);
      f->path = g_strdup (col_text (st, 0));
      f->bytes = g_bytes_new (sqlite3_column_blob (st, 1), (gsize) sqlite3_column_bytes (st, 1));
      g_ptr_array_add (out, f);
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (out);
      fail_sql (s, rc, "reading the instrument", error);
      return NULL;
    }
  return out;
}

/* Verifying ================================================================ */

gboolean
cq_store_verify (CqStore *s, GString *report, GError **error)
{
  guint problems = 0;
  sqlite3_stmt *st = prepare (s, "PRAGMA integrity_check", error);
  if (st == NULL)
    return FALSE;
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    if (strcmp (col_text (st, 0), "ok") != 0)
      {
        g_string_append_printf (report, "database file: %s\n", col_text (st, 0));
        problems++;
      }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    {
      g_string_append_printf (report, "database file: damaged (%s)\n", sqlite3_errstr (rc));
      return FALSE;
    }

  st = prepare (s, "SELECT " EVENT_COLUMNS " FROM event ORDER BY seq", error);
  if (st == NULL)
    return FALSE;
  g_autofree char *prev = g_strdup ("");
  gint64 expect = 1, last = 0;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      CqEvent e;
      row_event (st, &e);
      const char *stored = col_text (st, 11);
      gboolean gap = e.seq != expect;
      if (gap && e.seq == expect + 1)
        g_string_append_printf (report, "event %" G_GINT64_FORMAT " is missing: removed outside "
                                "colloquy\n", expect);
      else if (gap)
        g_string_append_printf (report, "events %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                                " are missing: removed outside colloquy\n", expect, e.seq - 1);
      problems += gap;
      char hash[65];
      event_hash (s, prev, &e, hash);
      /* After a gap the previous hash is gone: only the gap is reported. */
      if (!gap && (stored == NULL || strcmp (hash, stored) != 0))
        {
          g_string_append_printf (report, "event %" G_GINT64_FORMAT " (%s by %s at %s%s%s): its "
                                  "content does not match its hash: changed outside colloquy\n",
                                  e.seq, e.kind ? e.kind : "?", e.actor ? e.actor : "?",
                                  e.at ? e.at : "?", e.item ? ", item " : "", e.item ? e.item : "");
          problems++;
        }
      g_free (prev);
      prev = g_strdup (stored ? stored : "");
      expect = e.seq + 1;
      last = e.seq;
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    {
      g_string_append_printf (report, "event log: unreadable (%s)\n", sqlite3_errstr (rc));
      return FALSE;
    }

  g_autoptr (GError) e = NULL;
  g_autofree char *head = meta_get (s, "head", &e);
  g_autofree char *want = last > 0 ? head_value (s, last, prev) : NULL;
  if (g_strcmp0 (head, want) != 0)
    {
      gint64 said = head ? g_ascii_strtoll (head, NULL, 10) : 0;
      if (said > last)
        g_string_append_printf (report, "the last events were removed: the chain's head is event %"
                                G_GINT64_FORMAT ", the log ends at %" G_GINT64_FORMAT "\n", said, last);
      else
        g_string_append_printf (report, "the chain's head record does not match the log (event %"
                                G_GINT64_FORMAT "): changed outside colloquy\n", last);
      problems++;
    }

  /* Pinned instruments must still hash to their name. */
  st = prepare (s, "SELECT DISTINCT sha256 FROM bundle ORDER BY sha256", error);
  if (st == NULL)
    return FALSE;
  g_autoptr (GPtrArray) shas = g_ptr_array_new_with_free_func (g_free);
  while (sqlite3_step (st) == SQLITE_ROW)
    g_ptr_array_add (shas, g_strdup (col_text (st, 0)));
  sqlite3_finalize (st);
  for (guint i = 0; i < shas->len; i++)
    {
      g_autoptr (GPtrArray) files = cq_store_files (s, shas->pdata[i], error);
      if (files == NULL)
        return FALSE;
      g_autofree const char **paths = g_new0 (const char *, files->len + 1);
      g_autofree GBytes **contents = g_new0 (GBytes *, files->len + 1);
      for (guint k = 0; k < files->len; k++)
        {
          paths[k] = ((CqStoreFile *) files->pdata[k])->path;
          contents[k] = ((CqStoreFile *) files->pdata[k])->bytes;
        }
      g_autofree char *sha = cq_bundle_sha256 (files->len, paths, contents);
      if (strcmp (sha, shas->pdata[i]) != 0)
        {
          g_string_append_printf (report, "instrument bundle %.16s…: its files no longer match "
                                  "its hash: changed outside colloquy\n", (char *) shas->pdata[i]);
          problems++;
        }
    }
  return problems == 0;
}

char *
cq_store_head (CqStore *s, gint64 *count, GError **error)
{
  sqlite3_stmt *st = prepare (s, "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1", error);
  if (st == NULL)
    return NULL;
  int rc = sqlite3_step (st);
  char *out = NULL;
  *count = 0;
  if (rc == SQLITE_ROW)
    {
      *count = sqlite3_column_int64 (st, 0);
      out = g_strdup (col_text (st, 1));
    }
  else if (rc == SQLITE_DONE)
    out = g_strdup ("");
  else
    fail_sql (s, rc, "reading", error);
  sqlite3_finalize (st);
  return out;
}

/* Credentials ============================================================== */

static void
seal (CqStore *s, const char *member, const char *secret, char out[65])
{
  g_autoptr (GString) m = g_string_new ("credential\n");
  add_field (m, member);
  add_field (m, secret);
  mac (s, m->str, m->len, out);
}

gboolean
cq_store_secret_set (CqStore *s, const char *member, const char *secret, GError **error)
{
  char sealed[65];
  seal (s, member, secret, sealed);
  sqlite3_stmt *st = prepare (s, "INSERT INTO credential (member, secret, seal) VALUES (?, ?, ?) "
                                 "ON CONFLICT (member) DO UPDATE SET secret = excluded.secret, "
                                 "seal = excluded.seal", error);
  if (st == NULL)
    return FALSE;
  bind_text (st, 1, member);
  bind_text (st, 2, secret);
  bind_text (st, 3, sealed);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  return rc == SQLITE_DONE || fail_sql (s, rc, "saving a credential", error);
}

char *
cq_store_secret_get (CqStore *s, const char *member, GError **error)
{
  sqlite3_stmt *st = prepare (s, "SELECT secret, seal FROM credential WHERE member = ?", error);
  if (st == NULL)
    return NULL;
  bind_text (st, 1, member);
  char *secret = NULL;
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      char expect[65];
      const char *v = col_text (st, 0), *sealed = col_text (st, 1);
      seal (s, member, v ? v : "", expect);
      if (v != NULL && sealed != NULL && CRYPTO_memcmp (expect, sealed, 64) == 0
          && strlen (sealed) == 64)
        secret = g_strdup (v);
      else
        g_set_error (error, CQ_STORE_ERROR, CQ_STORE_ERROR_CORRUPT,
                     "%s: the credential of member '%s' was changed outside colloquy: set it "
                     "again with 'colloquy member password'", s->path, member);
    }
  else if (rc != SQLITE_DONE)
    fail_sql (s, rc, "reading a credential", error);
  sqlite3_finalize (st);
  return secret;
}
