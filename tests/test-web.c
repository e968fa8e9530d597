/* SPDX-License-Identifier: EUPL-1.2 */
/* The web interface over HTTP on a loopback port: every route as every role
 * and as nobody, CSRF, cookies, security headers, lockout, limits, the audit
 * chain and a log with nothing sensitive in it. All data is fictional. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>

#include "cq-account.h"
#include "cq-case.h"
#include "cq-util.h"
#include "cq-web.h"

#define PASSWORD "a long fictional passphrase"
#define RATIONALE "Fictional rationale: keeps to the wing, by choice"

static const char *source_dir, *colloquy;
static char *tmp, *db;
static CqWebServer *srv, *proxied;
static FILE *log_file;
static char *log_path;

/* A tiny HTTP/1.1 client ====================================================== */

typedef struct {
  guint status;
  char *head;   /* status line and headers */
  char *body;
  gsize len;
} Resp;

static void
resp_clear (Resp *r)
{
  g_free (r->head);
  g_free (r->body);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Resp, resp_clear)

/* Sends raw bytes and reads the whole answer (the server closes). */
static void
send_raw (guint16 port, const char *data, gsize len, Resp *out)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_socket_client_set_enable_proxy (c, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) conn = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  GOutputStream *os = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_output_stream_write_all (os, data, len, NULL, NULL, NULL); /* may be cut short by a 413 */
  GInputStream *is = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_autoptr (GByteArray) all = g_byte_array_new ();
  guint8 buf[16384];
  gssize n;
  while ((n = g_input_stream_read (is, buf, sizeof buf, NULL, NULL)) > 0)
    g_byte_array_append (all, buf, n);
  g_byte_array_append (all, (const guint8 *) "", 1);
  const char *text = (const char *) all->data;
  const char *sep = strstr (text, "\r\n\r\n");
  g_assert_nonnull (sep);
  out->head = g_strndup (text, sep - text);
  out->len = all->len - 1 - (sep + 4 - text);
  out->body = g_memdup2 (sep + 4, out->len + 1);
  g_assert_true (g_str_has_prefix (out->head, "HTTP/1.1 "));
  out->status = (guint) g_ascii_strtoull (out->head + 9, NULL, 10);
}

static void
http (guint16 port, const char *method, const char *path, const char *cookie, const char *body,
      const char *extra, Resp *out)
{
  g_autoptr (GString) req = g_string_new (NULL);
  g_string_append_printf (req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n",
                          method, path, port);
  if (cookie)
    g_string_append_printf (req, "Cookie: %s\r\n", cookie);
  if (extra)
    g_string_append (req, extra);
  if (body)
    g_string_append_printf (req, "Content-Type: application/x-www-form-urlencoded\r\n"
                                 "Content-Length: %" G_GSIZE_FORMAT "\r\n", strlen (body));
  g_string_append (req, "\r\n");
  if (body)
    g_string_append (req, body);
  send_raw (port, req->str, req->len, out);
}

/* The value of a response header (the first, or the one whose value starts
 * with prefix). */
static char *
header (const Resp *r, const char *name, const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (r->head, "\r\n", -1);
  for (guint i = 1; lines[i]; i++)
    {
      char *colon = strchr (lines[i], ':');
      if (colon && (gsize) (colon - lines[i]) == strlen (name)
          && g_ascii_strncasecmp (lines[i], name, colon - lines[i]) == 0)
        {
          const char *v = colon + 1 + (colon[1] == ' ');
          if (prefix == NULL || g_str_has_prefix (v, prefix))
            return g_strdup (v);
        }
    }
  return NULL;
}

/* name=value of a Set-Cookie (without the attributes). */
static char *
cookie_of (const Resp *r, const char *name)
{
  g_autofree char *prefix = g_strdup_printf ("%s=", name);
  g_autofree char *c = header (r, "Set-Cookie", prefix);
  if (c == NULL)
    return NULL;
  return g_strndup (c, strcspn (c, ";"));
}

static char *
csrf_in (const char *html)
{
  const char *p = strstr (html, "name=\"csrf\" value=\"");
  g_assert_nonnull (p);
  p += strlen ("name=\"csrf\" value=\"");
  return g_strndup (p, strcspn (p, "\""));
}

typedef struct {
  char *cookie;  /* cq_session=... */
  char *csrf;
} Who;

static void
who_clear (Who *w)
{
  g_free (w->cookie);
  g_free (w->csrf);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Who, who_clear)

/* Signs in; returns the status of the sign-in POST. */
static guint
login_as (guint16 port, const char *member, const char *password, const char *extra, Who *w)
{
  g_auto (Resp) page = { 0 };
  http (port, "GET", "/login", NULL, NULL, extra, &page);
  g_assert_cmpuint (page.status, ==, 200);
  g_autofree char *pre = cookie_of (&page, "cq_login");
  g_autofree char *token = csrf_in (page.body);
  g_autofree char *pw = g_uri_escape_string (password, NULL, FALSE);
  g_autofree char *body = g_strdup_printf ("csrf=%s&member=%s&password=%s", token, member, pw);
  g_auto (Resp) r = { 0 };
  http (port, "POST", "/login", pre, body, extra, &r);
  if (r.status == 303 && w != NULL)
    {
      w->cookie = cookie_of (&r, "cq_session");
      g_auto (Resp) home = { 0 };
      http (port, "GET", "/account", w->cookie, NULL, extra, &home);
      g_assert_cmpuint (home.status, ==, 200);
      w->csrf = csrf_in (home.body);
    }
  return r.status;
}

/* Set-up ====================================================================== */

static void
make_db (void)
{
  g_autoptr (GError) error = NULL;
  db = g_build_filename (tmp, "web.db", NULL);
  g_autoptr (CqStore) s = cq_store_open (db, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (cq_team_init (s, NULL, &error));
  static const char *const team[][3] = {
    { "ana", "psychologist", "Ana Fictive" }, { "bo", "educator", "Bo Exemple" },
    { "di", "commission-chair", "Di Modèle" }, { "admin", "administrator", "Ada Admin" },
    { "mo", "methodologist", "Mo Méthode" }, { "ed", "educator", "Ed Essai" },
    { "fa", "educator", "Fa Fictive" }, { "gu", "educator", "Gu Exemple" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (team); i++)
    {
      g_assert_true (cq_team_add (s, "setup", team[i][0], team[i][2], team[i][1], &error));
      g_assert_true (cq_account_set_password (s, "setup", team[i][0], PASSWORD, &error));
    }
  g_assert_true (cq_case_open (s, "setup", "K-1", "QER (fictional)", &error));
  g_autofree char *path = g_build_filename (source_dir, "instruments", "example", NULL);
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqInstrument) inst = cq_instrument_load (path, diags);
  g_assert_nonnull (inst);
  g_autofree char *id = cq_assessment_open (s, "setup", "K-1", "initial-evaluation", inst, NULL,
                                            "2026-02-02", &error);
  g_assert_cmpstr (id, ==, "K-1-1");
}

/* Every route as every role ==================================================== */

enum { NOBODY, ANA, BO, DI, ADMIN, MO, N_WHO };
static const char *const names[N_WHO] = { "nobody", "ana", "bo", "di", "admin", "mo" };
static Who people[N_WHO];

typedef struct {
  const char *method, *path, *body;
  guint expect[N_WHO];   /* 303 for nobody: to the sign-in page */
} Case;

static const Case matrix[] = {
  /*                                                   nobody ana  bo   di   admin mo */
  { "GET", "/static/colloquy.css", NULL,               { 200, 200, 200, 200, 200, 200 } },
  { "GET", "/static/colloquy.js", NULL,                { 200, 200, 200, 200, 200, 200 } },
  { "GET", "/static/../web.db", NULL,                  { 404, 404, 404, 404, 404, 404 } },
  { "GET", "/lang/en?next=/", NULL,                    { 303, 303, 303, 303, 303, 303 } },
  { "GET", "/login", NULL,                             { 200, 303, 303, 303, 303, 303 } },
  { "GET", "/", NULL,                                  { 303, 200, 200, 200, 200, 200 } },
  { "GET", "/account", NULL,                           { 303, 200, 200, 200, 200, 200 } },
  { "GET", "/a/K-1-1", NULL,                           { 303, 200, 200, 200, 403, 403 } },
  { "GET", "/a/K-9-9", NULL,                           { 303, 404, 404, 404, 403, 403 } },
  { "GET", "/a/K-1-1/walk", NULL,                      { 303, 303, 303, 403, 403, 403 } },
  { "GET", "/a/K-1-1/item/net.isolation", NULL,        { 303, 200, 200, 403, 403, 403 } },
  /* Rated by the psychologist alone, and not relevant yet (409). */
  { "GET", "/a/K-1-1/item/lc.trauma", NULL,            { 303, 409, 403, 403, 403, 403 } },
  { "GET", "/a/K-1-1/item/no.such", NULL,              { 303, 404, 404, 403, 403, 403 } },
  { "GET", "/a/K-1-1/consensus", NULL,                 { 303, 403, 403, 200, 403, 403 } },
  { "GET", "/a/K-1-1/decision", NULL,                  { 303, 403, 403, 200, 403, 403 } },
  { "GET", "/a/K-1-1/export", NULL,                    { 303, 200, 200, 200, 403, 403 } },
  { "GET", "/admin", NULL,                             { 303, 403, 403, 403, 200, 403 } },
  { "GET", "/no/such/page", NULL,                      { 404, 404, 404, 404, 404, 404 } },
  { "POST", "/", "x=1",                                { 405, 405, 405, 405, 405, 405 } },
  { "POST", "/a/K-1-1/item/net.isolation", "action=more&rows=1", { 303, 200, 200, 403, 403, 403 } },
  { "POST", "/a/K-1-1/item/lc.trauma", "action=more",  { 303, 409, 403, 403, 403, 403 } },
  { "POST", "/a/K-1-1/item/lc.timeline", "action=more&rows=1", { 303, 200, 200, 403, 403, 403 } },
  { "POST", "/a/K-1-1/consensus/net.isolation", "value=", { 303, 403, 403, 422, 403, 403 } },
  { "POST", "/a/K-1-1/decision", "rationale=", { 303, 403, 403, 422, 403, 403 } },
  { "POST", "/a/K-1-1/export", "profile=commission&lang=en", { 303, 200, 403, 200, 403, 403 } },
  { "POST", "/a/K-1-1/export", "profile=partner&lang=fr", { 303, 200, 200, 200, 403, 403 } },
  { "POST", "/admin/members", "id=", { 303, 403, 403, 403, 400, 403 } },
  { "POST", "/admin/members", "id=&role=educator", { 303, 403, 403, 403, 422, 403 } },
  { "POST", "/admin/members/mo/status", "status=bogus", { 303, 403, 403, 403, 400, 403 } },
  { "POST", "/admin/members/mo/password", "password=short", { 303, 403, 403, 403, 422, 403 } },
  { "POST", "/admin/members/mo/status", "status=enabled", { 303, 403, 403, 403, 200, 403 } },
  { "POST", "/admin/members/nobody/status", "status=enabled", { 303, 403, 403, 403, 404, 403 } },
  { "POST", "/account", "current=wrong&new=x", { 303, 403, 403, 403, 403, 403 } },
};

static void
test_route_matrix (void)
{
  guint16 port = cq_web_server_port (srv);
  for (guint w = ANA; w < N_WHO; w++)
    g_assert_cmpuint (login_as (port, names[w], PASSWORD, NULL, &people[w]), ==, 303);
  guint checked = 0;
  for (guint i = 0; i < G_N_ELEMENTS (matrix); i++)
    for (guint w = 0; w < N_WHO; w++)
      {
        const Case *c = &matrix[i];
        g_autofree char *body = c->body ? g_strdup_printf ("csrf=%s&%s", people[w].csrf ? people[w].csrf : "x",
                                                           c->body) : NULL;
        g_auto (Resp) r = { 0 };
        http (port, c->method, c->path, people[w].cookie, body, NULL, &r);
        if (r.status != c->expect[w])
          g_error ("%s %s as %s: %u, expected %u", c->method, c->path, names[w], r.status, c->expect[w]);
        /* Nobody is sent to sign in. */
        if (w == NOBODY && r.status == 303 && !g_str_has_prefix (c->path, "/lang"))
          {
            g_autofree char *loc = header (&r, "Location", NULL);
            g_assert_true (g_str_has_prefix (loc, "/login"));
          }
        /* Every answer carries the security headers. */
        g_autofree char *csp = header (&r, "Content-Security-Policy", NULL);
        g_assert_cmpstr (csp, ==, "default-src 'none'; style-src 'self'; script-src 'self'; "
                                  "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                  "base-uri 'none'");
        g_autofree char *nosniff = header (&r, "X-Content-Type-Options", NULL);
        g_assert_cmpstr (nosniff, ==, "nosniff");
        g_autofree char *referrer = header (&r, "Referrer-Policy", NULL);
        g_assert_cmpstr (referrer, ==, "no-referrer");
        g_autofree char *frames = header (&r, "X-Frame-Options", NULL);
        g_assert_cmpstr (frames, ==, "DENY");
        if (r.status == 200 && strstr (c->path, "export") && c->body)
          {
            g_assert_true (r.len > 1000 && memcmp (r.body, "%PDF-", 5) == 0);
            g_autofree char *disp = header (&r, "Content-Disposition", NULL);
            g_assert_true (g_str_has_prefix (disp, "attachment; filename=\"K-1-1-"));
          }
        else if (r.status == 200 && !g_str_has_prefix (c->path, "/static"))
          {
            g_assert_nonnull (strstr (r.body, "<!DOCTYPE html>"));
            g_autofree char *cache = header (&r, "Cache-Control", NULL);
            g_assert_cmpstr (cache, ==, "no-store");
          }
        checked++;
      }
  g_test_message ("%u route × role cases checked", checked);
  g_assert_cmpuint (checked, ==, G_N_ELEMENTS (matrix) * N_WHO);
}

/* CSRF, cookies, sessions ======================================================= */

static void
test_csrf (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Who) w = { 0 };
  g_assert_cmpuint (login_as (port, "bo", PASSWORD, NULL, &w), ==, 303);
  const char *path = "/a/K-1-1/item/net.isolation";
  g_auto (Resp) none = { 0 };
  http (port, "POST", path, w.cookie, "action=more", NULL, &none);
  g_assert_cmpuint (none.status, ==, 403);
  g_auto (Resp) wrong = { 0 };
  http (port, "POST", path, w.cookie,
        "csrf=0000000000000000000000000000000000000000000000000000000000000000&action=more", NULL, &wrong);
  g_assert_cmpuint (wrong.status, ==, 403);
  /* Another member's token is no good either. */
  g_auto (Who) other = { 0 };
  g_assert_cmpuint (login_as (port, "ana", PASSWORD, NULL, &other), ==, 303);
  g_autofree char *theirs = g_strdup_printf ("csrf=%s&action=more", other.csrf);
  g_auto (Resp) cross = { 0 };
  http (port, "POST", path, w.cookie, theirs, NULL, &cross);
  g_assert_cmpuint (cross.status, ==, 403);
  g_autofree char *mine = g_strdup_printf ("csrf=%s&action=more", w.csrf);
  g_auto (Resp) ok = { 0 };
  http (port, "POST", path, w.cookie, mine, NULL, &ok);
  g_assert_cmpuint (ok.status, ==, 200);
  /* Signing in needs the token of the sign-in page's cookie. */
  g_auto (Resp) bare = { 0 };
  http (port, "POST", "/login", NULL, "member=bo&password=a+long+fictional+passphrase", NULL, &bare);
  g_assert_cmpuint (bare.status, ==, 403);
  /* Signing out ends the session on the server. */
  g_autofree char *out = g_strdup_printf ("csrf=%s", w.csrf);
  g_auto (Resp) bye = { 0 };
  http (port, "POST", "/logout", w.cookie, out, NULL, &bye);
  g_assert_cmpuint (bye.status, ==, 303);
  g_auto (Resp) after = { 0 };
  http (port, "GET", "/", w.cookie, NULL, NULL, &after);
  g_assert_cmpuint (after.status, ==, 303);
  /* A made-up session is nobody. */
  g_auto (Resp) forged = { 0 };
  http (port, "GET", "/", "cq_session=1111111111111111111111111111111111111111111111111111111111111111",
        NULL, NULL, &forged);
  g_assert_cmpuint (forged.status, ==, 303);
}

static void
test_cookies (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Resp) page = { 0 };
  http (port, "GET", "/login", NULL, NULL, NULL, &page);
  g_autofree char *pre = cookie_of (&page, "cq_login");
  g_autofree char *token = csrf_in (page.body);
  g_autofree char *body = g_strdup_printf ("csrf=%s&member=ana&password=a+long+fictional+passphrase", token);
  g_auto (Resp) r = { 0 };
  http (port, "POST", "/login", pre, body, NULL, &r);
  g_assert_cmpuint (r.status, ==, 303);
  g_autofree char *set = header (&r, "Set-Cookie", "cq_session=");
  g_assert_nonnull (set);
  g_assert_nonnull (strstr (set, "; HttpOnly"));
  g_assert_nonnull (strstr (set, "; SameSite=Strict"));
  g_assert_nonnull (strstr (set, "; Path=/"));
  g_assert_null (strstr (set, "Secure")); /* plain HTTP on loopback */
  /* 256 random bits, in hex. */
  g_assert_cmpuint (strcspn (set + strlen ("cq_session="), ";"), ==, 64);

  /* Behind a TLS proxy, the cookie is Secure and HSTS is sent. */
  guint16 pport = cq_web_server_port (proxied);
  g_auto (Resp) pp = { 0 };
  const char *https = "X-Forwarded-Proto: https\r\nX-Forwarded-For: 192.0.2.10\r\n";
  http (pport, "GET", "/login", NULL, NULL, https, &pp);
  g_autofree char *pre2 = header (&pp, "Set-Cookie", "cq_login=");
  g_assert_nonnull (strstr (pre2, "; Secure"));
  g_autofree char *hsts = header (&pp, "Strict-Transport-Security", NULL);
  g_assert_nonnull (hsts);
}

/* Where the browser is sent back to: a local path, never another site. */
static void
test_next (void)
{
  guint16 port = cq_web_server_port (srv);
  static const char *const bad[] = { "/%09/evil.example", "/%5Cevil.example", "/%0D%0ALocation:x",
                                     "//evil.example", "https://evil.example", "/%7F/evil.example",
                                     "evil.example" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("/lang/en?next=%s", bad[i]);
      g_auto (Resp) r = { 0 };
      http (port, "GET", path, NULL, NULL, NULL, &r);
      g_assert_cmpuint (r.status, ==, 303);
      g_autofree char *loc = header (&r, "Location", NULL);
      if (g_strcmp0 (loc, "/") != 0)
        g_error ("next=%s sent the browser to '%s'", bad[i], loc);
      /* The sign-in page does not carry it either. */
      g_autofree char *lpath = g_strdup_printf ("/login?next=%s", bad[i]);
      g_auto (Resp) l = { 0 };
      http (port, "GET", lpath, NULL, NULL, NULL, &l);
      g_assert_cmpuint (l.status, ==, 200);
      g_assert_null (strstr (l.body, "name=\"next\""));
      /* Nor does signing in. */
      g_autofree char *pre = cookie_of (&l, "cq_login");
      g_autofree char *token = csrf_in (l.body);
      g_autofree char *body = g_strdup_printf ("csrf=%s&member=ana&password=a+long+fictional+passphrase"
                                               "&next=%s", token, bad[i]);
      g_auto (Resp) in = { 0 };
      http (port, "POST", "/login", pre, body, NULL, &in);
      g_assert_cmpuint (in.status, ==, 303);
      g_autofree char *loc2 = header (&in, "Location", NULL);
      if (g_strcmp0 (loc2, "/") != 0)
        g_error ("signing in with next=%s sent the browser to '%s'", bad[i], loc2);
    }
  /* A local path is kept. */
  g_auto (Resp) ok = { 0 };
  http (port, "GET", "/lang/en?next=/account", NULL, NULL, NULL, &ok);
  g_autofree char *loc = header (&ok, "Location", NULL);
  g_assert_cmpstr (loc, ==, "/account");
  g_auto (Resp) l = { 0 };
  http (port, "GET", "/login?next=/account", NULL, NULL, NULL, &l);
  g_assert_nonnull (strstr (l.body, "name=\"next\" value=\"/account\""));
}

/* Lockout ====================================================================== */

static gboolean
count_events (const CqEvent *e, gpointer data)
{
  GHashTable *counts = data;
  g_autofree char *key = g_strdup_printf ("%s %s", e->kind, e->actor);
  g_hash_table_insert (counts, g_strdup (key),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, key)) + 1));
  if (strcmp (e->kind, "read") == 0 && e->payload && strstr (e->payload, "web: item"))
    {
      g_autofree char *ikey = g_strdup_printf ("item-read %s %s", e->actor, e->assessment);
      g_hash_table_insert (counts, g_strdup (ikey),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, ikey)) + 1));
    }
  /* No event holds a password or its hash. */
  g_assert_null (strstr (e->payload, "passphrase"));
  g_assert_null (strstr (e->payload, "argon2"));
  return TRUE;
}

static GHashTable *
events (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_assert_no_error (error);
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  CqEventFilter f = { 0 };
  g_assert_true (cq_store_scan (s, &f, count_events, counts, &error));
  return counts;
}

static guint
count (GHashTable *t, const char *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (t, key));
}

static void
test_lockout (void)
{
  /* The proxied server counts 3 failures per account, 12 per address. */
  guint16 port = cq_web_server_port (proxied);
  const char *from = "X-Forwarded-For: 192.0.2.20\r\n";
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (login_as (port, "mo", "not the passphrase", from, NULL), ==, 401);
  /* Locked: even the right password is refused for a while. */
  g_assert_cmpuint (login_as (port, "mo", PASSWORD, from, NULL), ==, 429);
  /* The account is locked, not just the address that failed. */
  g_assert_cmpuint (login_as (port, "mo", PASSWORD, "X-Forwarded-For: 192.0.2.21\r\n", NULL), ==, 429);
  /* Others still sign in. */
  g_assert_cmpuint (login_as (port, "bo", PASSWORD, from, NULL), ==, 303);
  /* An address that tries many ids locks too. */
  const char *bad = "X-Forwarded-For: 192.0.2.30\r\n";
  for (guint i = 0; i < 12; i++)
    g_assert_cmpuint (login_as (port, "nobody-here", "guess", bad, NULL), ==, 401);
  g_assert_cmpuint (login_as (port, "ana", PASSWORD, bad, NULL), ==, 429);
  g_assert_cmpuint (login_as (port, "ana", PASSWORD, "X-Forwarded-For: 192.0.2.31\r\n", NULL), ==, 303);

  g_autoptr (GHashTable) ev = events ();
  g_assert_cmpuint (count (ev, "login.failed mo"), ==, 3);
  g_assert_cmpuint (count (ev, "login.locked mo"), ==, 1);
  g_assert_cmpuint (count (ev, "login.failed unknown"), ==, 12);
  g_assert_cmpuint (count (ev, "login.locked unknown"), ==, 1);
  /* The route matrix, the CSRF test, and here. */
  g_assert_cmpuint (count (ev, "login bo"), ==, 3);
}

/* Limits ======================================================================== */

static void
test_limits (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Who) w = { 0 };
  g_assert_cmpuint (login_as (port, "ana", PASSWORD, NULL, &w), ==, 303);
  /* Announced too large: refused before the body is read. */
  g_autofree char *big_head = g_strdup_printf ("POST /a/K-1-1/item/net.isolation HTTP/1.1\r\nHost: x\r\n"
                                               "Connection: close\r\nCookie: %s\r\n"
                                               "Content-Type: application/x-www-form-urlencoded\r\n"
                                               "Expect: 100-continue\r\nContent-Length: 300000\r\n\r\n",
                                               w.cookie);
  g_auto (Resp) r1 = { 0 };
  send_raw (port, big_head, strlen (big_head), &r1);
  g_assert_cmpuint (r1.status, ==, 413);
  /* Sent in chunks past the cap. */
  g_autoptr (GString) chunked = g_string_new (NULL);
  g_string_append_printf (chunked, "POST /a/K-1-1/item/net.isolation HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\nCookie: %s\r\nTransfer-Encoding: chunked\r\n"
                                   "Content-Type: application/x-www-form-urlencoded\r\n\r\n", w.cookie);
  g_string_append_printf (chunked, "%zx\r\ncsrf=%s&rationale=\r\n", strlen ("csrf=&rationale=") + 64, w.csrf);
  for (guint i = 0; i < 300; i++)
    {
      g_string_append (chunked, "400\r\n");
      for (guint k = 0; k < 1024; k++)
        g_string_append_c (chunked, 'x');
      g_string_append (chunked, "\r\n");
    }
  g_string_append (chunked, "0\r\n\r\n");
  g_auto (Resp) r2 = { 0 };
  send_raw (port, chunked->str, chunked->len, &r2);
  g_assert_cmpuint (r2.status, ==, 413);
  /* Text that is not UTF-8. */
  g_autofree char *bad = g_strdup_printf ("csrf=%s&action=more&rationale=%%FF%%FE", w.csrf);
  g_auto (Resp) r3 = { 0 };
  http (port, "POST", "/a/K-1-1/item/net.isolation", w.cookie, bad, NULL, &r3);
  g_assert_cmpuint (r3.status, ==, 400);
  g_assert_null (strstr (r3.body, "SQL"));
  /* Other methods. */
  g_auto (Resp) r4 = { 0 };
  http (port, "DELETE", "/", w.cookie, NULL, NULL, &r4);
  g_assert_cmpuint (r4.status, ==, 405);
}

/* The walk, and what the audit chain and the log say ============================= */

static void
test_walk_and_audit (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Who) w = { 0 };
  g_assert_cmpuint (login_as (port, "bo", PASSWORD, NULL, &w), ==, 303);
  const char *path = "/a/K-1-1/item/net.isolation";
  /* Insufficient information needs what is missing: nothing saved. */
  g_autofree char *b1 = g_strdup_printf ("csrf=%s&action=save&value=insufficient&rows=1", w.csrf);
  g_auto (Resp) r1 = { 0 };
  http (port, "POST", path, w.cookie, b1, NULL, &r1);
  g_assert_cmpuint (r1.status, ==, 422);
  g_assert_nonnull (strstr (r1.body, "nothing was saved") ?: strstr (r1.body, "rien n’a été enregistré"));
  /* A rating with two evidence entries, one against. */
  g_autofree char *b2 = g_strdup_printf (
    "csrf=%s&action=save&value=partial&relevance=moderate&rationale=%s&rows=3"
    "&e0-statement=Eats+alone+most+days&e0-direction=supports&e0-kind=fact&e0-source=observation"
    "&e0-date=2026-02-01&e0-reliability=high&e0-origin=Wing+log"
    "&e1-statement=Joined+the+football+group&e1-direction=contradicts&e1-kind=fact&e1-source=file"
    "&e2-statement=", w.csrf, "Fictional+rationale%3A+keeps+to+the+wing%2C+by+choice");
  g_auto (Resp) r2 = { 0 };
  http (port, "POST", path, w.cookie, b2, NULL, &r2);
  g_assert_cmpuint (r2.status, ==, 303);
  g_autofree char *next = header (&r2, "Location", NULL);
  g_assert_true (g_str_has_prefix (next, "/a/K-1-1/item/"));
  g_assert_nonnull (strstr (next, "saved=1"));
  /* The item now shows the answer; changing it needs a reason. */
  g_auto (Resp) again = { 0 };
  http (port, "GET", path, w.cookie, NULL, NULL, &again);
  g_assert_nonnull (strstr (again.body, RATIONALE));
  g_assert_nonnull (strstr (again.body, "Joined the football group"));
  g_autofree char *b3 = g_strdup_printf ("csrf=%s&action=save&value=present&rows=1", w.csrf);
  g_auto (Resp) r3 = { 0 };
  http (port, "POST", path, w.cookie, b3, NULL, &r3);
  g_assert_cmpuint (r3.status, ==, 422);
  /* Resume: the walk starts at the first item still to answer. */
  g_auto (Resp) walk = { 0 };
  http (port, "GET", "/a/K-1-1/walk", w.cookie, NULL, NULL, &walk);
  g_autofree char *loc = header (&walk, "Location", NULL);
  g_assert_true (g_str_has_prefix (loc, "/a/K-1-1/item/"));
  g_assert_null (strstr (loc, "net.isolation"));

  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_autoptr (CqAssessment) a = cq_assessment_get (s, "K-1-1", &error);
  g_autoptr (CqInstrument) inst = cq_assessment_instrument (s, a, &error);
  g_autoptr (CqAnswers) mine = cq_assessment_answers (s, a, inst, "bo", NULL, &error);
  const CqAnswer *an = cq_answers_get (mine, cq_instrument_item (inst, "net.isolation"));
  g_assert_nonnull (an);
  g_assert_cmpstr (an->value, ==, "partial");
  g_assert_cmpuint (an->n_evidence, ==, 2);
  g_assert_false (an->evidence[1].supports);
  g_autoptr (GString) report = g_string_new (NULL);
  g_assert_true (cq_store_verify (s, report, &error));

  /* Every read of an assessment page and every export is in the chain. */
  g_autoptr (GHashTable) ev = events ();
  /* bo opened the item twice (the route matrix, then above), ana once. */
  g_assert_cmpuint (count (ev, "item-read bo K-1-1"), ==, 2);
  g_assert_cmpuint (count (ev, "item-read ana K-1-1"), ==, 1);
  g_assert_cmpuint (count (ev, "export ana"), ==, 2);
  g_assert_cmpuint (count (ev, "export di"), ==, 2);
  g_assert_cmpuint (count (ev, "export bo"), ==, 1);
  /* The case list, the assessment, the consensus, the decision, the export form. */
  g_assert_cmpuint (count (ev, "read di"), ==, 5);
  g_assert_cmpuint (count (ev, "read admin"), ==, 0); /* administrators read no case */
  g_assert_cmpuint (count (ev, "member.status admin"), ==, 1);

  /* The log: one line per request, nothing from a case or a body. */
  fflush (log_file);
  g_autofree char *log = NULL;
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, " POST /a/*/item/* 303 "));
  g_assert_nonnull (strstr (log, " GET /a/*/consensus 200 "));
  static const char *const secret[] = { "K-1", "net.isolation", "lc.trauma", "passphrase", "Fictional",
                                        "football", "Ana", "ana", "bo ", "csrf", "cq_session", "argon2" };
  for (guint i = 0; i < G_N_ELEMENTS (secret); i++)
    if (strstr (log, secret[i]) != NULL)
      g_error ("the server log holds '%s'", secret[i]);
  g_assert_nonnull (strstr (log, w.cookie) == NULL ? "" : NULL);
}

/* A disabled member is out at once ============================================== */

static void
test_disable (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Who) victim = { 0 };
  g_auto (Who) admin = { 0 };
  g_assert_cmpuint (login_as (port, "mo", PASSWORD, NULL, &victim), ==, 303);
  g_assert_cmpuint (login_as (port, "admin", PASSWORD, NULL, &admin), ==, 303);
  g_autofree char *b = g_strdup_printf ("csrf=%s&status=disabled", admin.csrf);
  g_auto (Resp) r = { 0 };
  http (port, "POST", "/admin/members/mo/status", admin.cookie, b, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_auto (Resp) gone = { 0 };
  http (port, "GET", "/", victim.cookie, NULL, NULL, &gone);
  g_assert_cmpuint (gone.status, ==, 303);
  g_assert_cmpuint (login_as (port, "mo", PASSWORD, NULL, NULL), ==, 401);
  /* An administrator adds a member who can then sign in. */
  g_autofree char *add = g_strdup_printf ("csrf=%s&id=cy&name=Cy+Fictif&role=probation-officer"
                                          "&password=another+fictional+passphrase", admin.csrf);
  g_auto (Resp) r2 = { 0 };
  http (port, "POST", "/admin/members", admin.cookie, add, NULL, &r2);
  g_assert_cmpuint (r2.status, ==, 200);
  g_assert_cmpuint (login_as (port, "cy", "another fictional passphrase", NULL, NULL), ==, 303);
}

/* Passwords and sessions ========================================================== */

#define NEW_PASSWORD "a brand new fictional passphrase"

static guint
get_status (guint16 port, const char *path, const char *cookie, char **location)
{
  g_auto (Resp) r = { 0 };
  http (port, "GET", path, cookie, NULL, NULL, &r);
  if (location != NULL)
    *location = header (&r, "Location", NULL);
  return r.status;
}

static void
test_password_sessions (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Who) one = { 0 };
  g_auto (Who) two = { 0 };
  g_assert_cmpuint (login_as (port, "ed", PASSWORD, NULL, &one), ==, 303);
  g_assert_cmpuint (login_as (port, "ed", PASSWORD, NULL, &two), ==, 303);

  /* The member changes it: every old session ends, this browser gets a new one. */
  g_autofree char *pw = g_strdup_printf ("csrf=%s&current=a+long+fictional+passphrase"
                                         "&new=a+brand+new+fictional+passphrase", one.csrf);
  g_auto (Resp) ch = { 0 };
  http (port, "POST", "/account", one.cookie, pw, NULL, &ch);
  g_assert_cmpuint (ch.status, ==, 200);
  g_autofree char *fresh = cookie_of (&ch, "cq_session");
  g_assert_nonnull (fresh);
  g_assert_cmpstr (fresh, !=, one.cookie);
  g_autofree char *fresh_csrf = csrf_in (ch.body);
  g_assert_cmpstr (fresh_csrf, !=, one.csrf);
  g_assert_cmpuint (get_status (port, "/account", fresh, NULL), ==, 200);
  g_autofree char *loc1 = NULL, *loc2 = NULL;
  g_assert_cmpuint (get_status (port, "/account", one.cookie, &loc1), ==, 303);
  g_assert_true (g_str_has_prefix (loc1, "/login"));
  g_assert_cmpuint (get_status (port, "/account", two.cookie, &loc2), ==, 303);
  g_assert_true (g_str_has_prefix (loc2, "/login"));
  /* The new session's token works. */
  g_autofree char *out = g_strdup_printf ("csrf=%s", fresh_csrf);
  g_auto (Resp) bye = { 0 };
  http (port, "POST", "/logout", fresh, out, NULL, &bye);
  g_assert_cmpuint (bye.status, ==, 303);
  g_assert_cmpuint (login_as (port, "ed", PASSWORD, NULL, NULL), ==, 401);
  g_auto (Who) three = { 0 };
  g_assert_cmpuint (login_as (port, "ed", NEW_PASSWORD, NULL, &three), ==, 303);

  /* An administrator resets it: the member's sessions end. */
  g_auto (Who) admin = { 0 };
  g_assert_cmpuint (login_as (port, "admin", PASSWORD, NULL, &admin), ==, 303);
  g_autofree char *too_short = g_strdup_printf ("csrf=%s&password=short", admin.csrf);
  g_auto (Resp) rs = { 0 };
  http (port, "POST", "/admin/members/ed/password", admin.cookie, too_short, NULL, &rs);
  g_assert_cmpuint (rs.status, ==, 422);
  g_assert_cmpuint (get_status (port, "/account", three.cookie, NULL), ==, 200); /* nothing changed */
  g_autofree char *reset = g_strdup_printf ("csrf=%s&password=a+long+fictional+passphrase", admin.csrf);
  g_auto (Resp) rr = { 0 };
  http (port, "POST", "/admin/members/ed/password", admin.cookie, reset, NULL, &rr);
  g_assert_cmpuint (rr.status, ==, 200);
  g_autofree char *loc3 = NULL;
  g_assert_cmpuint (get_status (port, "/", three.cookie, &loc3), ==, 303);
  g_assert_true (g_str_has_prefix (loc3, "/login"));
  g_assert_cmpuint (get_status (port, "/admin", admin.cookie, NULL), ==, 200); /* the admin stays */
  g_assert_cmpuint (login_as (port, "ed", NEW_PASSWORD, NULL, NULL), ==, 401);

  /* Signing in again ends the session the browser had. */
  g_auto (Who) four = { 0 };
  g_assert_cmpuint (login_as (port, "ed", PASSWORD, NULL, &four), ==, 303);
  g_auto (Resp) page = { 0 };
  http (port, "GET", "/login", NULL, NULL, NULL, &page);
  g_autofree char *pre = cookie_of (&page, "cq_login");
  g_autofree char *token = csrf_in (page.body);
  g_autofree char *both = g_strdup_printf ("%s; %s", pre, four.cookie);
  g_autofree char *body = g_strdup_printf ("csrf=%s&member=ed&password=a+long+fictional+passphrase", token);
  g_auto (Resp) again = { 0 };
  http (port, "POST", "/login", both, body, NULL, &again);
  g_assert_cmpuint (again.status, ==, 303);
  g_autofree char *five = cookie_of (&again, "cq_session");
  g_assert_cmpstr (five, !=, four.cookie);
  g_assert_cmpuint (get_status (port, "/account", four.cookie, NULL), ==, 303);
  g_assert_cmpuint (get_status (port, "/account", five, NULL), ==, 200);
}

/* The current password on /account locks like signing in; an administrator's
 * reset or re-enabling lifts a lockout. */
static void
test_account_lockout (void)
{
  guint16 port = cq_web_server_port (proxied);
  const char *from = "X-Forwarded-For: 192.0.2.40\r\n";
  g_auto (Who) w = { 0 };
  g_assert_cmpuint (login_as (port, "fa", PASSWORD, from, &w), ==, 303);
  g_autofree char *wrong = g_strdup_printf ("csrf=%s&current=not+the+passphrase&new=whatever+it+may+be", w.csrf);
  for (guint i = 0; i < 2; i++)
    {
      g_auto (Resp) r = { 0 };
      http (port, "POST", "/account", w.cookie, wrong, from, &r);
      g_assert_cmpuint (r.status, ==, 403);
    }
  g_auto (Resp) last = { 0 };
  http (port, "POST", "/account", w.cookie, wrong, from, &last);
  g_assert_cmpuint (last.status, ==, 429);
  /* Signed out, and the account is locked from anywhere. */
  g_autofree char *loc = NULL;
  g_assert_cmpuint (get_status (port, "/account", w.cookie, &loc), ==, 303);
  g_assert_true (g_str_has_prefix (loc, "/login"));
  g_assert_cmpuint (login_as (port, "fa", PASSWORD, "X-Forwarded-For: 192.0.2.41\r\n", NULL), ==, 429);

  /* An administrator's reset lifts it. */
  const char *adm_from = "X-Forwarded-For: 192.0.2.42\r\n";
  g_auto (Who) admin = { 0 };
  g_assert_cmpuint (login_as (port, "admin", PASSWORD, adm_from, &admin), ==, 303);
  g_autofree char *reset = g_strdup_printf ("csrf=%s&password=a+brand+new+fictional+passphrase", admin.csrf);
  g_auto (Resp) rr = { 0 };
  http (port, "POST", "/admin/members/fa/password", admin.cookie, reset, adm_from, &rr);
  g_assert_cmpuint (rr.status, ==, 200);
  g_assert_cmpuint (login_as (port, "fa", NEW_PASSWORD, "X-Forwarded-For: 192.0.2.43\r\n", NULL), ==, 303);

  /* So does re-enabling a locked account. */
  const char *gu_from = "X-Forwarded-For: 192.0.2.44\r\n";
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (login_as (port, "gu", "not the passphrase", gu_from, NULL), ==, 401);
  g_assert_cmpuint (login_as (port, "gu", PASSWORD, "X-Forwarded-For: 192.0.2.45\r\n", NULL), ==, 429);
  g_autofree char *off = g_strdup_printf ("csrf=%s&status=disabled", admin.csrf);
  g_autofree char *on = g_strdup_printf ("csrf=%s&status=enabled", admin.csrf);
  g_auto (Resp) r1 = { 0 };
  http (port, "POST", "/admin/members/gu/status", admin.cookie, off, adm_from, &r1);
  g_assert_cmpuint (r1.status, ==, 200);
  g_auto (Resp) r2 = { 0 };
  http (port, "POST", "/admin/members/gu/status", admin.cookie, on, adm_from, &r2);
  g_assert_cmpuint (r2.status, ==, 200);
  g_assert_cmpuint (login_as (port, "gu", PASSWORD, "X-Forwarded-For: 192.0.2.46\r\n", NULL), ==, 303);

  g_autoptr (GHashTable) ev = events ();
  g_assert_cmpuint (count (ev, "login.locked fa"), ==, 1);
  g_assert_cmpuint (count (ev, "login.locked gu"), ==, 1);
}

/* Adding a member: a refused password adds nobody; fields are checked; the
 * status is enabled or disabled and nothing else. */
static void
test_admin_forms (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Who) admin = { 0 };
  g_assert_cmpuint (login_as (port, "admin", PASSWORD, NULL, &admin), ==, 303);
  g_autofree char *add_short = g_strdup_printf ("csrf=%s&id=hy&role=educator&password=short", admin.csrf);
  g_auto (Resp) r1 = { 0 };
  http (port, "POST", "/admin/members", admin.cookie, add_short, NULL, &r1);
  g_assert_cmpuint (r1.status, ==, 422);
  g_assert_nonnull (strstr (r1.body, "at least 12 characters"));
  g_autofree char *add = g_strdup_printf ("csrf=%s&id=hy&role=educator&password=a+long+fictional+passphrase",
                                          admin.csrf);
  g_auto (Resp) r2 = { 0 };
  http (port, "POST", "/admin/members", admin.cookie, add, NULL, &r2);
  g_assert_cmpuint (r2.status, ==, 200);
  g_assert_null (strstr (r2.body, "already exists"));
  g_assert_cmpuint (login_as (port, "hy", PASSWORD, NULL, NULL), ==, 303);

  /* Missing fields: a message, no GLib-CRITICAL. */
  g_autofree char *no_role = g_strdup_printf ("csrf=%s&id=iz", admin.csrf);
  g_auto (Resp) r3 = { 0 };
  http (port, "POST", "/admin/members", admin.cookie, no_role, "Accept-Language: en\r\n", &r3);
  g_assert_cmpuint (r3.status, ==, 400);
  g_assert_nonnull (strstr (r3.body, "Give the id and the role"));
  g_autofree char *no_id = g_strdup_printf ("csrf=%s&role=educator", admin.csrf);
  g_auto (Resp) r4 = { 0 };
  http (port, "POST", "/admin/members", admin.cookie, no_id, NULL, &r4);
  g_assert_cmpuint (r4.status, ==, 400);

  /* A status that is neither does not re-enable a disabled account. */
  g_autofree char *off = g_strdup_printf ("csrf=%s&status=disabled", admin.csrf);
  g_auto (Resp) r5 = { 0 };
  http (port, "POST", "/admin/members/hy/status", admin.cookie, off, NULL, &r5);
  g_assert_cmpuint (r5.status, ==, 200);
  static const char *const bogus[] = { "status=bogus", "status=", "x=1" };
  for (guint i = 0; i < G_N_ELEMENTS (bogus); i++)
    {
      g_autofree char *b = g_strdup_printf ("csrf=%s&%s", admin.csrf, bogus[i]);
      g_auto (Resp) r = { 0 };
      http (port, "POST", "/admin/members/hy/status", admin.cookie, b, "Accept-Language: en\r\n", &r);
      g_assert_cmpuint (r.status, ==, 400);
      g_assert_nonnull (strstr (r.body, "&#39;enabled&#39; or &#39;disabled&#39;")
                        ?: strstr (r.body, "'enabled' or 'disabled'"));
    }
  g_assert_cmpuint (login_as (port, "hy", PASSWORD, NULL, NULL), ==, 401);
}

/* A server that is not behind a proxy believes no X-Forwarded-* header. */
static gboolean
find_payload (const CqEvent *e, gpointer data)
{
  const char **needle = data;
  if (e->payload && strstr (e->payload, needle[0]))
    needle[1] = "found";
  return TRUE;
}

static void
test_no_proxy (void)
{
  guint16 port = cq_web_server_port (srv);
  const char *forged = "X-Forwarded-Proto: https\r\nX-Forwarded-For: 198.51.100.77\r\n";
  g_auto (Resp) page = { 0 };
  http (port, "GET", "/login", NULL, NULL, forged, &page);
  g_autofree char *pre = header (&page, "Set-Cookie", "cq_login=");
  g_assert_nonnull (pre);
  g_assert_null (strstr (pre, "Secure"));
  g_autofree char *hsts = header (&page, "Strict-Transport-Security", NULL);
  g_assert_null (hsts);
  /* Failures are counted against, and recorded with, the real address. */
  g_assert_cmpuint (login_as (port, "hy", "not the passphrase", forged, NULL), ==, 401);
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_assert_no_error (error);
  const char *needle[2] = { "198.51.100.77", NULL };
  CqEventFilter f = { 0 };
  g_assert_true (cq_store_scan (s, &f, find_payload, needle, &error));
  g_assert_null (needle[1]);
  const char *real[2] = { "127.0.0.1", NULL };
  g_assert_true (cq_store_scan (s, &f, find_payload, real, &error));
  g_assert_nonnull (real[1]);
}

/* What members type comes out escaped. */
#define HOSTILE "<script>alert(1)</script> \"q\""

static void
test_escaping (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Who) admin = { 0 };
  g_assert_cmpuint (login_as (port, "admin", PASSWORD, NULL, &admin), ==, 303);
  g_autofree char *hostile = g_uri_escape_string (HOSTILE, NULL, FALSE);
  g_autofree char *add = g_strdup_printf ("csrf=%s&id=jo&role=psychologist&name=%s"
                                          "&password=a+long+fictional+passphrase", admin.csrf, hostile);
  g_auto (Resp) r1 = { 0 };
  http (port, "POST", "/admin/members", admin.cookie, add, NULL, &r1);
  g_assert_cmpuint (r1.status, ==, 200);
  const char *escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot;";
  g_assert_null (strstr (r1.body, "<script>alert"));
  g_assert_nonnull (strstr (r1.body, escaped));
  g_auto (Who) jo = { 0 };
  g_assert_cmpuint (login_as (port, "jo", PASSWORD, NULL, &jo), ==, 303);
  g_auto (Resp) acc = { 0 };
  http (port, "GET", "/account", jo.cookie, NULL, NULL, &acc);
  g_assert_null (strstr (acc.body, "<script>alert"));
  g_assert_nonnull (strstr (acc.body, escaped));

  /* A rationale, on the item page that shows it again. */
  const char *path = "/a/K-1-1/item/net.isolation";
  g_autofree char *b = g_strdup_printf (
    "csrf=%s&action=save&value=partial&relevance=moderate&rationale=%s&rows=2"
    "&e0-statement=Eats+alone+most+days&e0-direction=supports&e0-kind=fact&e0-source=observation"
    "&e1-statement=", jo.csrf, hostile);
  g_auto (Resp) r2 = { 0 };
  http (port, "POST", path, jo.cookie, b, NULL, &r2);
  g_assert_cmpuint (r2.status, ==, 303);
  g_auto (Resp) item = { 0 };
  http (port, "GET", path, jo.cookie, NULL, NULL, &item);
  g_assert_cmpuint (item.status, ==, 200);
  g_assert_null (strstr (item.body, "<script>alert"));
  g_assert_nonnull (strstr (item.body, escaped));
  /* And on the chair's consensus page, which lists the raters' answers. */
  g_auto (Who) di = { 0 };
  g_assert_cmpuint (login_as (port, "di", PASSWORD, NULL, &di), ==, 303);
  g_auto (Resp) cons = { 0 };
  http (port, "GET", "/a/K-1-1/consensus", di.cookie, NULL, NULL, &cons);
  g_assert_cmpuint (cons.status, ==, 200);
  g_assert_null (strstr (cons.body, "<script>alert"));
  g_assert_nonnull (strstr (cons.body, escaped));
}

/* A read the audit chain cannot record is not shown. */
static void
test_unrecorded_read (void)
{
  guint16 port = cq_web_server_port (srv);
  g_auto (Who) di = { 0 };
  g_assert_cmpuint (login_as (port, "di", PASSWORD, NULL, &di), ==, 303);
  /* Another writer holds the database past the server's 10-second wait. */
  g_autoptr (GError) error = NULL;
  g_autoptr (CqStore) s = cq_store_open (db, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (cq_store_bulk_begin (s, &error));
  g_auto (Resp) r = { 0 };
  http (port, "GET", "/a/K-1-1", di.cookie, NULL, "Accept-Language: en\r\n", &r);
  g_assert_true (cq_store_bulk_end (s, &error));
  g_assert_cmpuint (r.status, ==, 503);
  g_assert_nonnull (strstr (r.body, "could not be recorded in the audit chain"));
  g_assert_null (strstr (r.body, "initial-evaluation")); /* nothing of the assessment */
  fflush (log_file);
  g_autofree char *log = NULL;
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "the audit chain could not record a read"));
  /* Once the database is free, the page is shown again. */
  g_auto (Resp) ok = { 0 };
  http (port, "GET", "/a/K-1-1", di.cookie, NULL, NULL, &ok);
  g_assert_cmpuint (ok.status, ==, 200);
}

/* HTTPS with --tls-cert/--tls-key ================================================ */

static void
test_tls (void)
{
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  if (curl == NULL || openssl == NULL)
    {
      g_test_skip ("curl or openssl missing (scripts/setup installs them)");
      return;
    }
  g_autofree char *cert = g_build_filename (tmp, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (tmp, "key.pem", NULL);
  const char *gen[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", NULL };
  int st = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) gen, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &st, &error));
  g_assert_true (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  CqWebConfig cfg = { .db_path = db, .log = log_file, .tls_cert = cert, .tls_key = key };
  g_autoptr (CqWebServer) tls = cq_web_server_new (&cfg, &error);
  g_assert_no_error (error);
  g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/login", cq_web_server_port (tls));
  const char *get[] = { curl, "--noproxy", "*", "-sk", "-D", "-", "-o", "/dev/null", url, NULL };
  g_autofree char *head = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) get, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &head,
                               NULL, &st, &error));
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 200"));
  g_assert_nonnull (strstr (head, "Strict-Transport-Security: max-age="));
  g_assert_nonnull (strstr (head, "; SameSite=Strict; Secure"));
  /* Plain HTTP to the TLS port gets nothing. */
  g_autofree char *plain = g_strdup_printf ("http://127.0.0.1:%u/login", cq_web_server_port (tls));
  const char *bad[] = { curl, "--noproxy", "*", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", plain, NULL };
  g_autofree char *code = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) bad, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &code,
                               NULL, &st, &error));
  g_assert_cmpstr (code, ==, "000");
  /* Only one of the two is a usage error. */
  CqWebConfig half = { .db_path = db, .log = log_file, .tls_cert = cert };
  g_assert_null (cq_web_server_new (&half, &error));
  g_assert_error (error, CQ_ERROR, CQ_ERROR_INVALID);
}

/* colloquy serve itself ========================================================= */

static void
test_serve_command (void)
{
  g_autoptr (GError) error = NULL;
  const char *argv[] = { colloquy, "serve", "--db", db, "--listen", "127.0.0.1:0", NULL };
  GPid pid;
  int out_fd, err_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, NULL, &out_fd, &err_fd, &error));
  g_assert_no_error (error);
  char line[256] = { 0 };
  gsize n = 0;
  while (n < sizeof line - 1 && read (out_fd, line + n, 1) == 1 && line[n] != '\n')
    n++;
  g_assert_true (g_str_has_prefix (line, "colloquy serve: listening on http://127.0.0.1:"));
  guint16 port = (guint16) g_ascii_strtoull (line + strlen ("colloquy serve: listening on http://127.0.0.1:"), NULL, 10);
  g_auto (Resp) r = { 0 };
  http (port, "GET", "/login", NULL, NULL, "Accept-Language: en-GB,en;q=0.8\r\n", &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_nonnull (strstr (r.body, "<html lang=\"en\">"));
  g_assert_nonnull (strstr (r.body, "<label for=\"password\">Password</label>"));
  kill (pid, SIGTERM);
  int status = 0;
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  close (out_fd);
  close (err_fd);

  const char *bad[] = { colloquy, "serve", "--db", db, "--listen", "nowhere", NULL };
  g_autofree char *err = NULL;
  int st = 0;
  g_assert_true (g_spawn_sync (NULL, (char **) bad, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err, &st, &error));
  g_assert_true (WIFEXITED (st) && WEXITSTATUS (st) == 2);
  g_assert_nonnull (strstr (err, "HOST:PORT"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  source_dir = g_getenv ("CQ_SOURCE_DIR");
  colloquy = g_getenv ("COLLOQUY");
  g_assert_nonnull (source_dir);
  tmp = g_dir_make_tmp ("cq-web-XXXXXX", NULL);
  make_db ();
  log_path = g_build_filename (tmp, "server.log", NULL);
  log_file = fopen (log_path, "w");
  g_autoptr (GError) error = NULL;
  CqWebConfig cfg = { .db_path = db, .log = log_file };
  srv = cq_web_server_new (&cfg, &error);
  g_assert_no_error (error);
  CqWebConfig pcfg = { .db_path = db, .log = log_file, .behind_proxy = TRUE, .max_failures = 3,
                       .lockout_seconds = 60 };
  proxied = cq_web_server_new (&pcfg, &error);
  g_assert_no_error (error);

  g_test_add_func ("/web/route-matrix", test_route_matrix);
  g_test_add_func ("/web/csrf-and-sessions", test_csrf);
  g_test_add_func ("/web/cookies", test_cookies);
  g_test_add_func ("/web/next", test_next);
  g_test_add_func ("/web/lockout", test_lockout);
  g_test_add_func ("/web/limits", test_limits);
  g_test_add_func ("/web/walk-audit-and-log", test_walk_and_audit);
  g_test_add_func ("/web/disable-and-add", test_disable);
  g_test_add_func ("/web/password-and-sessions", test_password_sessions);
  g_test_add_func ("/web/account-lockout", test_account_lockout);
  g_test_add_func ("/web/admin-forms", test_admin_forms);
  g_test_add_func ("/web/no-proxy", test_no_proxy);
  g_test_add_func ("/web/escaping", test_escaping);
  g_test_add_func ("/web/unrecorded-read", test_unrecorded_read);
  g_test_add_func ("/web/tls", test_tls);
  g_test_add_func ("/web/serve-command", test_serve_command);
  int status = g_test_run ();

  cq_web_server_free (srv);
  cq_web_server_free (proxied);
  fclose (log_file);
  for (guint i = 0; i < N_WHO; i++)
    who_clear (&people[i]);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  (void) !system (cmd);
  g_free (tmp);
  g_free (db);
  g_free (log_path);
  return status;
}
