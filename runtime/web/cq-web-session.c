/* SPDX-License-Identifier: EUPL-1.2 */
/* Sessions (random 256-bit ids, server-side, idle timeout), the CSRF
 * synchronizer token, signing in and out, and lockout after repeated
 * failures per account and per address, each recorded in the audit chain. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "cq-account.h"
#include "cq-web-private.h"

#define SESSIONS_MAX 10000
#define IP_FACTOR 4   /* an address locks after this many times an account's limit */

static void
session_free (CqWebSession *s)
{
  g_free (s->member);
  g_free (s->csrf);
  g_free (s);
}

/* Call with srv->lock held. A failure is logged, without the actor or the
 * address. */
static gboolean
audit (CqWebServer *srv, const char *actor, const char *kind, const char *ip)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "via");
  json_builder_add_string_value (b, "web");
  if (ip != NULL)
    {
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, ip);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *payload = json_to_string (root, FALSE);
  CqEvent e = { 0, NULL, actor, kind, NULL, NULL, NULL, NULL, 0, NULL, payload };
  if (cq_store_append (srv->store, &e, NULL) > 0)
    return TRUE;
  g_autofree char *msg = g_strdup_printf ("the audit chain could not record a '%s' event: "
                                          "check the database (disk full? read-only?)", kind);
  cq_web_log (srv, msg);
  return FALSE;
}

void
cq_web_audit (CqWebServer *srv, const char *actor, const char *kind)
{
  audit (srv, actor, kind, NULL);
}

/* Loads the session named by the cookie, if it is alive, and its member. */
void
cq_web_session_load (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  const char *id = MHD_lookup_connection_value (r->conn, MHD_COOKIE_KIND, "cq_session");
  if (id == NULL || strlen (id) != 64)
    return;
  gint64 now = g_get_monotonic_time ();
  g_mutex_lock (&srv->sessions_lock);
  CqWebSession *s = g_hash_table_lookup (srv->sessions, id);
  if (s != NULL && now - s->last > (gint64) srv->cfg.idle_minutes * 60 * G_USEC_PER_SEC)
    {
      g_hash_table_remove (srv->sessions, id);
      session_free (s);
      s = NULL;
    }
  if (s != NULL)
    {
      s->last = now;
      r->session_id = g_strdup (id);
      r->session.member = g_strdup (s->member);
      r->session.csrf = g_strdup (s->csrf);
    }
  g_mutex_unlock (&srv->sessions_lock);
  if (r->session.member == NULL)
    return;
  g_mutex_lock (&srv->lock);
  r->me = cq_team_member (srv->store, r->session.member, NULL);
  g_mutex_unlock (&srv->lock);
  if (r->me != NULL && r->me->disabled)
    {
      cq_web_sessions_drop_member (srv, r->me->id);
      g_clear_pointer (&r->me, cq_member_free);
    }
}

gboolean
cq_web_csrf_ok (CqWebRequest *r)
{
  return cq_web_same (cq_web_field (r, "csrf"), r->session.csrf);
}

void
cq_web_sessions_drop_member (CqWebServer *srv, const char *member)
{
  g_mutex_lock (&srv->sessions_lock);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, srv->sessions);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (g_strcmp0 (((CqWebSession *) v)->member, member) == 0)
      {
        session_free (v);
        g_hash_table_iter_remove (&it);
      }
  g_mutex_unlock (&srv->sessions_lock);
}

/* A new session of member's, with sessions_lock held: a copy of its id
 * (NULL when there are too many), and its CSRF token in *csrf if asked. */
static char *
session_add (CqWebServer *srv, const char *member, char **csrf, gint64 now)
{
  if (g_hash_table_size (srv->sessions) >= SESSIONS_MAX)
    return NULL;
  char *id = cq_web_random_token ();
  CqWebSession *s = g_new0 (CqWebSession, 1);
  s->member = g_strdup (member);
  s->csrf = cq_web_random_token ();
  s->last = now;
  g_hash_table_insert (srv->sessions, g_strdup (id), s);
  if (csrf != NULL)
    *csrf = g_strdup (s->csrf);
  return id;
}

gboolean
cq_web_session_renew (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  cq_web_sessions_drop_member (srv, r->me->id);
  char *csrf = NULL;
  g_mutex_lock (&srv->sessions_lock);
  char *id = session_add (srv, r->me->id, &csrf, g_get_monotonic_time ());
  g_mutex_unlock (&srv->sessions_lock);
  g_clear_pointer (&r->session_id, g_free);
  g_clear_pointer (&r->session.csrf, g_free);
  if (id == NULL)
    {
      cq_web_cookie (r, "cq_session", "", 0);
      return FALSE;
    }
  r->session_id = id;
  r->session.csrf = csrf;
  cq_web_cookie (r, "cq_session", id, -1);
  return TRUE;
}

void
cq_web_failures_forget (CqWebServer *srv, const char *member)
{
  g_autofree char *key = g_strdup_printf ("m:%s", member);
  g_mutex_lock (&srv->sessions_lock);
  g_hash_table_remove (srv->failures, key);
  g_mutex_unlock (&srv->sessions_lock);
}

static gboolean locked (CqWebServer *srv, const char *key, gint64 now, gint64 *until);
static gboolean count_failure (CqWebServer *srv, const char *key, guint limit, gint64 now);

guint
cq_web_member_locked (CqWebServer *srv, const char *member)
{
  g_autofree char *key = g_strdup_printf ("m:%s", member);
  gint64 now = g_get_monotonic_time (), until = 0;
  g_mutex_lock (&srv->sessions_lock);
  gboolean is = locked (srv, key, now, &until);
  g_mutex_unlock (&srv->sessions_lock);
  return is ? (guint) ((until - now) / (60 * G_USEC_PER_SEC)) + 1 : 0;
}

gboolean
cq_web_member_failure (CqWebServer *srv, const char *member)
{
  g_autofree char *key = g_strdup_printf ("m:%s", member);
  g_mutex_lock (&srv->sessions_lock);
  gboolean now_locked = count_failure (srv, key, srv->cfg.max_failures, g_get_monotonic_time ());
  g_mutex_unlock (&srv->sessions_lock);
  return now_locked;
}

/* The sign-in page ============================================================ */

static void
login_form (CqWebRequest *r, guint status, const char *problem, const char *member)
{
  /* Signing in has no session yet: its CSRF token is a cookie that the
   * form repeats (double submit); SameSite=Strict keeps other sites out. */
  g_autofree char *token = cq_web_random_token ();
  cq_web_cookie (r, "cq_login", token, -1);
  const char *next = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "next");
  if (next == NULL)
    next = cq_web_field (r, "next");
  g_autoptr (GString) m = g_string_new (NULL);
  if (problem != NULL)
    cq_html_printf (m, "<p class=\"problem\" role=\"alert\" id=\"login-problem\">%s</p>\n", problem);
  cq_html_printf (m, "<form method=\"post\" action=\"/login\" class=\"login\"%s>\n",
                  problem ? " aria-describedby=login-problem" : "");
  cq_html_printf (m, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", token);
  if (cq_web_local_next (next) != NULL)
    cq_html_printf (m, "<input type=\"hidden\" name=\"next\" value=\"%s\">\n", next);
  cq_html_printf (m, "<p class=\"field\"><label for=\"member\">%s</label>\n"
                  "<input id=\"member\" name=\"member\" autocomplete=\"username\" required "
                  "maxlength=\"64\" autofocus value=\"%s\"></p>\n",
                  T (r, "Identifiant", "Member id"), member ? member : "");
  cq_html_printf (m, "<p class=\"field\"><label for=\"password\">%s</label>\n"
                  "<input id=\"password\" name=\"password\" type=\"password\" "
                  "autocomplete=\"current-password\" required maxlength=\"256\"></p>\n",
                  T (r, "Mot de passe", "Password"));
  cq_html_printf (m, "<p><button type=\"submit\" class=\"primary\">%s</button></p>\n</form>\n",
                  T (r, "Se connecter", "Sign in"));
  cq_html_printf (m, "<p class=\"hint\">%s</p>\n",
                  T (r, "Mot de passe oublié : demandez à un administrateur de le réinitialiser.",
                     "Forgotten password: ask an administrator to reset it."));
  cq_web_page (r, status, T (r, "Connexion", "Sign in"), NULL, m);
}

void
cq_web_login_page (CqWebRequest *r)
{
  cq_web_session_load (r);
  if (r->me != NULL)
    {
      cq_web_redirect (r, "/");
      return;
    }
  login_form (r, 200, NULL, NULL);
}

/* Lockout ===================================================================== */

static gboolean
locked (CqWebServer *srv, const char *key, gint64 now, gint64 *until)
{
  CqWebFailure *f = g_hash_table_lookup (srv->failures, key);
  if (f != NULL && f->locked_until > now)
    {
      *until = MAX (*until, f->locked_until);
      return TRUE;
    }
  return FALSE;
}

/* Counts a failure; TRUE when it locks the key now. */
static gboolean
count_failure (CqWebServer *srv, const char *key, guint limit, gint64 now)
{
  gint64 window = (gint64) srv->cfg.lockout_seconds * G_USEC_PER_SEC;
  CqWebFailure *f = g_hash_table_lookup (srv->failures, key);
  if (f == NULL)
    {
      if (g_hash_table_size (srv->failures) > 100000)
        g_hash_table_remove_all (srv->failures);
      f = g_new0 (CqWebFailure, 1);
      g_hash_table_insert (srv->failures, g_strdup (key), f);
    }
  if (now - f->first > window)
    {
      f->count = 0;
      f->first = now;
    }
  if (++f->count >= limit)
    {
      f->locked_until = now + window;
      f->count = 0;
      f->first = now;
      return TRUE;
    }
  return FALSE;
}

void
cq_web_login (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  const char *member = cq_web_field (r, "member"), *password = cq_web_field (r, "password");
  const char *cookie = MHD_lookup_connection_value (r->conn, MHD_COOKIE_KIND, "cq_login");
  if (!cq_web_same (cq_web_field (r, "csrf"), cookie))
    {
      cq_web_error (r, 403, T (r, "Ce formulaire a expiré ou ne vient pas de colloquy : "
                                  "rechargez la page et recommencez.",
                               "This form has expired or did not come from colloquy: reload "
                               "the page and try again."));
      return;
    }
  if (member == NULL || password == NULL || strlen (member) > 64)
    {
      login_form (r, 400, T (r, "Donnez votre identifiant et votre mot de passe.",
                             "Give your member id and your password."), NULL);
      return;
    }
  g_autofree char *ip = cq_web_client_ip (r);
  g_autofree char *kmember = g_strdup_printf ("m:%s", member);
  g_autofree char *kip = g_strdup_printf ("ip:%s", ip);
  gint64 now = g_get_monotonic_time (), until = 0;
  g_mutex_lock (&srv->sessions_lock);
  gboolean is_locked = locked (srv, kmember, now, &until) | locked (srv, kip, now, &until);
  g_mutex_unlock (&srv->sessions_lock);
  if (is_locked)
    {
      guint minutes = (guint) ((until - now) / (60 * G_USEC_PER_SEC)) + 1;
      g_autofree char *msg = g_strdup_printf (T (r, "Trop d’essais manqués : la connexion est "
                                                    "bloquée pendant %u minute(s). Réessayez "
                                                    "ensuite, ou demandez à un administrateur.",
                                                 "Too many failed attempts: signing in is "
                                                 "blocked for %u minute(s). Try again then, or "
                                                 "ask an administrator."), minutes);
      login_form (r, 429, msg, member);
      return;
    }

  /* Read under the store's lock; run the KDF outside it. */
  g_mutex_lock (&srv->lock);
  g_autoptr (CqMember) m = cq_team_member (srv->store, member, NULL);
  g_autofree char *secret = m ? cq_account_secret (srv->store, member, NULL) : NULL;
  g_mutex_unlock (&srv->lock);
  gboolean ok = cq_account_verify (secret, password) == CQ_ACCOUNT_OK && m != NULL;

  if (!ok || m->disabled)
    {
      g_mutex_lock (&srv->sessions_lock);
      gboolean lock_member = m != NULL && count_failure (srv, kmember, srv->cfg.max_failures, now);
      gboolean lock_ip = count_failure (srv, kip, srv->cfg.max_failures * IP_FACTOR, now);
      g_mutex_unlock (&srv->sessions_lock);
      g_mutex_lock (&srv->lock);
      /* An id nobody has may be a password typed in the wrong box: never record it. */
      audit (srv, m ? m->id : "unknown", ok ? "login.disabled" : "login.failed", ip);
      if (lock_member || lock_ip)
        audit (srv, m && lock_member ? m->id : "unknown", "login.locked", ip);
      g_mutex_unlock (&srv->lock);
      login_form (r, 401, ok ? T (r, "Ce compte est désactivé : voyez un administrateur.",
                                  "This account is disabled: see an administrator.")
                             : T (r, "Identifiant ou mot de passe incorrect.",
                                  "Wrong member id or password."), member);
      return;
    }

  g_mutex_lock (&srv->sessions_lock);
  g_hash_table_remove (srv->failures, kmember);
  /* A new sign-in ends the session this browser had (a fixed one, maybe). */
  const char *old = MHD_lookup_connection_value (r->conn, MHD_COOKIE_KIND, "cq_session");
  CqWebSession *was = old ? g_hash_table_lookup (srv->sessions, old) : NULL;
  if (was != NULL)
    {
      g_hash_table_remove (srv->sessions, old);
      session_free (was);
    }
  if (g_hash_table_size (srv->sessions) >= SESSIONS_MAX)
    {
      /* Drop the sessions idle longest: here, every expired one. */
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, srv->sessions);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (now - ((CqWebSession *) v)->last > (gint64) srv->cfg.idle_minutes * 60 * G_USEC_PER_SEC)
          {
            session_free (v);
            g_hash_table_iter_remove (&it);
          }
    }
  g_autofree char *id = session_add (srv, m->id, NULL, now);
  g_mutex_unlock (&srv->sessions_lock);
  if (id == NULL)
    {
      cq_web_error (r, 503, T (r, "Trop de sessions ouvertes : réessayez plus tard.",
                               "Too many open sessions: try again later."));
      return;
    }
  g_mutex_lock (&srv->lock);
  audit (srv, m->id, "login", ip);
  g_mutex_unlock (&srv->lock);
  cq_web_cookie (r, "cq_session", id, -1);
  cq_web_cookie (r, "cq_login", "", 0);
  const char *next = cq_web_field (r, "next");
  cq_web_redirect (r, cq_web_local_next (next) != NULL ? next : "/");
}

void
cq_web_logout (CqWebRequest *r)
{
  CqWebServer *srv = r->srv;
  g_mutex_lock (&srv->sessions_lock);
  CqWebSession *s = g_hash_table_lookup (srv->sessions, r->session_id);
  if (s != NULL)
    {
      g_hash_table_remove (srv->sessions, r->session_id);
      session_free (s);
    }
  g_mutex_unlock (&srv->sessions_lock);
  g_mutex_lock (&srv->lock);
  audit (srv, r->me->id, "logout", NULL);
  g_mutex_unlock (&srv->lock);
  cq_web_cookie (r, "cq_session", "", 0);
  g_clear_pointer (&r->me, cq_member_free);
  cq_web_redirect (r, "/login");
}
