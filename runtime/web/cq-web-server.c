/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTP server: libmicrohttpd with a small thread pool, limits on what a
 * request may carry, one route table, security headers on every answer and
 * a request log that names route patterns, never ids or contents. */
#include <gio/gio.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "cq-resources.h"
#include "cq-util.h"
#include "cq-web-private.h"

#define CSP "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " \
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

typedef enum { PUBLIC, MEMBER, ADMIN } Access;

typedef struct {
  const char *method, *pattern;
  void (*fn) (CqWebRequest *r);
  Access access;
} Route;

static void static_file (CqWebRequest *r);
static void set_lang (CqWebRequest *r);

static const Route routes[] = {
  { "GET", "/static/*", static_file, PUBLIC },
  { "GET", "/lang/*", set_lang, PUBLIC },
  { "GET", "/login", cq_web_login_page, PUBLIC },
  { "POST", "/login", cq_web_login, PUBLIC },
  { "POST", "/logout", cq_web_logout, MEMBER },
  { "GET", "/", cq_web_home, MEMBER },
  { "GET", "/account", cq_web_account, MEMBER },
  { "POST", "/account", cq_web_account_post, MEMBER },
  { "GET", "/a/*", cq_web_assessment, MEMBER },
  { "GET", "/a/*/walk", cq_web_walk, MEMBER },
  { "GET", "/a/*/item/*", cq_web_item, MEMBER },
  { "POST", "/a/*/item/*", cq_web_item_post, MEMBER },
  { "GET", "/a/*/consensus", cq_web_consensus, MEMBER },
  { "POST", "/a/*/consensus/*", cq_web_consensus_post, MEMBER },
  { "GET", "/a/*/decision", cq_web_decision, MEMBER },
  { "POST", "/a/*/decision", cq_web_decision_post, MEMBER },
  { "GET", "/a/*/export", cq_web_export, MEMBER },
  { "POST", "/a/*/export", cq_web_export_post, MEMBER },
  { "GET", "/admin", cq_web_admin, ADMIN },
  { "POST", "/admin/members", cq_web_admin_add, ADMIN },
  { "POST", "/admin/members/*/password", cq_web_admin_password, ADMIN },
  { "POST", "/admin/members/*/status", cq_web_admin_status, ADMIN },
};

/* Helpers for handlers ======================================================= */

const char *
cq_web_field (CqWebRequest *r, const char *name)
{
  for (guint i = 0; r->form && i + 1 < r->form->len; i += 2)
    if (strcmp (r->form->pdata[i], name) == 0)
      return r->form->pdata[i + 1];
  return NULL;
}

GPtrArray *
cq_web_fields (CqWebRequest *r, const char *name)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; r->form && i + 1 < r->form->len; i += 2)
    if (strcmp (r->form->pdata[i], name) == 0)
      g_ptr_array_add (out, r->form->pdata[i + 1]);
  return out;
}

void
cq_web_header (CqWebRequest *r, const char *name, const char *value)
{
  g_ptr_array_add (r->headers, g_strdup (name));
  g_ptr_array_add (r->headers, g_strdup (value));
}

void
cq_web_redirect (CqWebRequest *r, const char *location)
{
  r->status = 303;
  cq_web_header (r, "Location", location);
  g_string_truncate (r->out, 0);
}

void
cq_web_cookie (CqWebRequest *r, const char *name, const char *value, int max_age)
{
  g_autofree char *age = max_age >= 0 ? g_strdup_printf ("; Max-Age=%d", max_age) : g_strdup ("");
  g_autofree char *c = g_strdup_printf ("%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name,
                                        value, r->secure ? "; Secure" : "", age);
  cq_web_header (r, "Set-Cookie", c);
}

const char *
cq_web_request_header (CqWebRequest *r, const char *name)
{
  return MHD_lookup_connection_value (r->conn, MHD_HEADER_KIND, name);
}

char *
cq_web_client_ip (CqWebRequest *r)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info (r->conn,
                                                                MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (r->srv->cfg.behind_proxy)
    {
      const char *fwd = cq_web_request_header (r, "X-Forwarded-For");
      if (fwd != NULL && *fwd)
        {
          const char *last = strrchr (fwd, ',');
          return g_strstrip (g_strdup (last ? last + 1 : fwd));
        }
    }
  if (ci == NULL || ci->client_addr == NULL)
    return g_strdup ("?");
  gsize len = ci->client_addr->sa_family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                                      : sizeof (struct sockaddr_in);
  g_autoptr (GSocketAddress) sa = g_socket_address_new_from_native (ci->client_addr, len);
  if (sa == NULL || !G_IS_INET_SOCKET_ADDRESS (sa))
    return g_strdup ("?");
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa)));
}

gboolean
cq_web_same (const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return FALSE;
  gsize la = strlen (a), lb = strlen (b);
  return la == lb && la > 0 && CRYPTO_memcmp (a, b, la) == 0;
}

char *
cq_web_random_token (void)
{
  guchar b[32];
  if (RAND_bytes (b, sizeof b) != 1)
    g_error ("no random source");
  char *hex = g_malloc (65);
  for (guint i = 0; i < sizeof b; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", b[i]);
  OPENSSL_cleanse (b, sizeof b);
  return hex;
}

/* Static files and language ================================================== */

static void
static_file (CqWebRequest *r)
{
  const char *name = r->seg[1];
  const char *type = g_str_has_suffix (name, ".css") ? "text/css; charset=utf-8"
                     : g_str_has_suffix (name, ".js") ? "text/javascript; charset=utf-8"
                     : g_str_has_suffix (name, ".svg") ? "image/svg+xml" : NULL;
  g_autofree char *path = g_strdup_printf ("/org/colloquy/web/%s", name);
  GBytes *b = type && strchr (name, '/') == NULL
              ? g_resource_lookup_data (cq_get_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL)
              : NULL;
  if (b == NULL)
    {
      cq_web_error (r, 404, T (r, "Cette page n’existe pas.", "There is no such page."));
      return;
    }
  r->status = 200;
  r->raw = b;
  r->content_type = type;
  cq_web_header (r, "Cache-Control", "public, max-age=3600");
}

/* A local path to go back to: "/..." but not "//host" nor "/\\host", no
 * control character (browsers drop a tab, turning "/\t/host" into
 * "//host"), no backslash, at most 512 bytes. NULL when next is not one. */
const char *
cq_web_local_next (const char *next)
{
  if (next == NULL || next[0] != '/' || next[1] == '/' || strlen (next) > 512)
    return NULL;
  for (const char *p = next; *p; p++)
    if ((guchar) *p < 0x20 || (guchar) *p == 0x7f || *p == '\\')
      return NULL;
  return next;
}

static void
set_lang (CqWebRequest *r)
{
  const char *to = r->seg[1];
  if (strcmp (to, "fr") != 0 && strcmp (to, "en") != 0)
    {
      cq_web_error (r, 404, T (r, "Cette langue n’est pas proposée.", "That language is not offered."));
      return;
    }
  const char *next = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "next");
  cq_web_cookie (r, "cq_lang", to, 365 * 24 * 3600);
  cq_web_redirect (r, cq_web_local_next (next) != NULL ? next : "/");
}

static const char *
pick_lang (CqWebRequest *r)
{
  const char *c = MHD_lookup_connection_value (r->conn, MHD_COOKIE_KIND, "cq_lang");
  if (g_strcmp0 (c, "fr") == 0 || g_strcmp0 (c, "en") == 0)
    return strcmp (c, "fr") == 0 ? "fr" : "en";
  const char *al = cq_web_request_header (r, "Accept-Language");
  if (al != NULL)
    {
      const char *fr = strstr (al, "fr"), *en = strstr (al, "en");
      if (en != NULL && (fr == NULL || en < fr))
        return "en";
    }
  return "fr";
}

/* Forms ====================================================================== */

static gboolean
parse_form (CqWebRequest *r)
{
  r->form = g_ptr_array_new_with_free_func (g_free);
  const char *type = cq_web_request_header (r, "Content-Type");
  if (r->body->len == 0)
    return TRUE;
  if (type == NULL || g_ascii_strncasecmp (type, "application/x-www-form-urlencoded", 33) != 0)
    return FALSE;
  g_auto (GStrv) pairs = g_strsplit (r->body->str, "&", -1);
  for (guint i = 0; pairs[i]; i++)
    {
      if (*pairs[i] == '\0')
        continue;
      if (r->form->len / 2 >= CQ_WEB_FIELDS_MAX)
        return FALSE;
      char *eq = strchr (pairs[i], '=');
      if (eq)
        *eq = '\0';
      for (char *p = pairs[i]; *p; p++)
        if (*p == '+')
          *p = ' ';
      for (char *p = eq ? eq + 1 : NULL; p && *p; p++)
        if (*p == '+')
          *p = ' ';
      char *name = g_uri_unescape_string (pairs[i], NULL);
      char *value = g_uri_unescape_string (eq ? eq + 1 : "", NULL);
      if (name == NULL || value == NULL || !g_utf8_validate (name, -1, NULL)
          || !g_utf8_validate (value, -1, NULL) || strlen (value) > CQ_WEB_FIELD_MAX
          || strlen (name) > 128)
        {
          g_free (name);
          g_free (value);
          return FALSE;
        }
      /* Browsers send CR LF in text areas; keep LF. */
      GString *v = g_string_new (NULL);
      for (const char *p = value; *p; p++)
        if (*p != '\r')
          g_string_append_c (v, *p);
      g_free (value);
      g_ptr_array_add (r->form, name);
      g_ptr_array_add (r->form, g_string_free (v, FALSE));
    }
  return TRUE;
}

/* Dispatch =================================================================== */

static gboolean
match (const char *pattern, CqWebRequest *r)
{
  g_auto (GStrv) p = g_strsplit (pattern + 1, "/", -1);
  guint n = *pattern == '/' && pattern[1] == '\0' ? 0 : g_strv_length (p);
  if (n != r->n_seg)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (strcmp (p[i], "*") != 0 && strcmp (p[i], r->seg[i]) != 0)
      return FALSE;
  return TRUE;
}

static void
dispatch (CqWebRequest *r)
{
  const Route *found = NULL;
  gboolean other_method = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (match (routes[i].pattern, r))
      {
        if (strcmp (routes[i].method, r->method) == 0)
          {
            found = &routes[i];
            break;
          }
        other_method = TRUE;
        r->route = routes[i].pattern;
      }
  if (found == NULL)
    {
      if (other_method)
        {
          cq_web_header (r, "Allow", strcmp (r->method, "GET") == 0 ? "POST" : "GET");
          cq_web_error (r, 405, T (r, "Cette action n’est pas possible ici.",
                                   "That action is not possible here."));
        }
      else
        {
          r->route = "(none)";
          cq_web_error (r, 404, T (r, "Cette page n’existe pas.", "There is no such page."));
        }
      return;
    }
  r->route = found->pattern;
  if (strcmp (r->method, "POST") == 0)
    {
      if (r->too_large)
        {
          cq_web_error (r, 413, T (r, "Ce formulaire est trop volumineux.", "This form is too large."));
          return;
        }
      if (r->bad_form)
        {
          cq_web_error (r, 400, T (r, "Ce formulaire est illisible (texte invalide ou trop long).",
                                   "This form cannot be read (invalid or over-long text)."));
          return;
        }
    }
  if (found->access != PUBLIC)
    {
      cq_web_session_load (r);
      if (r->me == NULL)
        {
          g_autofree char *next = g_uri_escape_string (r->path, "/", FALSE);
          g_autofree char *to = g_strdup_printf ("/login?next=%s", next);
          cq_web_redirect (r, strcmp (r->method, "GET") == 0 ? to : "/login");
          return;
        }
      if (strcmp (r->method, "POST") == 0 && !cq_web_csrf_ok (r))
        {
          cq_web_error (r, 403, T (r, "Ce formulaire a expiré ou ne vient pas de colloquy : "
                                      "rechargez la page et recommencez.",
                                   "This form has expired or did not come from colloquy: "
                                   "reload the page and try again."));
          return;
        }
      if (found->access == ADMIN)
        {
          g_mutex_lock (&r->srv->lock);
          gboolean admin = cq_team_may (r->srv->store, r->me->role, "administer");
          g_mutex_unlock (&r->srv->lock);
          if (!admin)
            {
              cq_web_error (r, 403, T (r, "Cette page est réservée aux administrateurs.",
                                       "This page is for administrators only."));
              return;
            }
        }
    }
  found->fn (r);
}

/* Responses ================================================================== */

static void
log_request (CqWebRequest *r)
{
  FILE *log = r->srv->cfg.log ? r->srv->cfg.log : stderr;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  double ms = (g_get_monotonic_time () - r->start) / 1000.0;
  g_mutex_lock (&r->srv->log_lock);
  fprintf (log, "%s %s %s %u %.1fms\n", at, r->method, r->route ? r->route : "(none)", r->status,
           ms);
  fflush (log);
  g_mutex_unlock (&r->srv->log_lock);
}

void
cq_web_log (CqWebServer *srv, const char *message)
{
  FILE *log = srv->cfg.log ? srv->cfg.log : stderr;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_mutex_lock (&srv->log_lock);
  fprintf (log, "%s %s\n", at, message);
  fflush (log);
  g_mutex_unlock (&srv->log_lock);
}

static enum MHD_Result
respond (CqWebRequest *r)
{
  struct MHD_Response *resp;
  if (r->raw != NULL)
    {
      gsize len;
      const void *data = g_bytes_get_data (r->raw, &len);
      resp = MHD_create_response_from_buffer (len, (void *) data, MHD_RESPMEM_MUST_COPY);
    }
  else
    resp = MHD_create_response_from_buffer (r->out->len, r->out->str, MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header (resp, "Content-Type",
                           r->content_type ? r->content_type : "text/html; charset=utf-8");
  MHD_add_response_header (resp, "Content-Security-Policy", CSP);
  MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header (resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header (resp, "X-Frame-Options", "DENY");
  MHD_add_response_header (resp, "Cross-Origin-Opener-Policy", "same-origin");
  MHD_add_response_header (resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (r->secure)
    MHD_add_response_header (resp, "Strict-Transport-Security", "max-age=31536000");
  gboolean cache_set = FALSE;
  for (guint i = 0; i + 1 < r->headers->len; i += 2)
    {
      MHD_add_response_header (resp, r->headers->pdata[i], r->headers->pdata[i + 1]);
      cache_set |= g_ascii_strcasecmp (r->headers->pdata[i], "Cache-Control") == 0;
    }
  if (!cache_set)
    MHD_add_response_header (resp, "Cache-Control", "no-store");
  enum MHD_Result ret = MHD_queue_response (r->conn, r->status, resp);
  MHD_destroy_response (resp);
  log_request (r);
  return ret;
}

static void
request_free (CqWebRequest *r)
{
  if (r == NULL)
    return;
  g_free (r->method);
  g_free (r->path);
  g_strfreev (r->seg);
  if (r->body)
    {
      OPENSSL_cleanse (r->body->str, r->body->len);
      g_string_free (r->body, TRUE);
    }
  if (r->form)
    {
      for (guint i = 1; i < r->form->len; i += 2)
        OPENSSL_cleanse (r->form->pdata[i], strlen (r->form->pdata[i]));
      g_ptr_array_unref (r->form);
    }
  g_free (r->session_id);
  g_free (r->session.member);
  g_free (r->session.csrf);
  cq_member_free (r->me);
  g_string_free (r->out, TRUE);
  if (r->raw)
    g_bytes_unref (r->raw);
  g_ptr_array_unref (r->headers);
  g_free (r);
}

static void
completed (void *cls, struct MHD_Connection *conn, void **con_cls,
           enum MHD_RequestTerminationCode toe)
{
  (void) cls;
  (void) conn;
  (void) toe;
  request_free (*con_cls);
  *con_cls = NULL;
}

static gboolean
split_path (CqWebRequest *r, const char *url)
{
  if (url == NULL || url[0] != '/' || strlen (url) > 1024 || !g_utf8_validate (url, -1, NULL))
    return FALSE;
  r->path = g_strdup (url);
  g_autoptr (GPtrArray) seg = g_ptr_array_new ();
  if (url[1] != '\0')
    {
      g_auto (GStrv) parts = g_strsplit (url + 1, "/", -1);
      for (guint i = 0; parts[i]; i++)
        {
          if (*parts[i] == '\0' && parts[i + 1] != NULL)
            return FALSE;
          g_ptr_array_add (seg, g_strdup (parts[i]));
        }
    }
  r->n_seg = seg->len;
  g_ptr_array_add (seg, NULL);
  r->seg = (char **) g_ptr_array_steal (seg, NULL);
  return TRUE;
}

static enum MHD_Result
handle (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
        const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
  (void) version;
  CqWebServer *srv = cls;
  CqWebRequest *r = *con_cls;
  if (r == NULL)
    {
      r = g_new0 (CqWebRequest, 1);
      *con_cls = r;
      r->srv = srv;
      r->conn = conn;
      r->start = g_get_monotonic_time ();
      r->method = g_strdup (method);
      r->body = g_string_new (NULL);
      r->out = g_string_new (NULL);
      r->headers = g_ptr_array_new_with_free_func (g_free);
      r->status = 200;
      r->lang = pick_lang (r);
      r->secure = srv->tls;
      if (srv->cfg.behind_proxy)
        r->secure |= g_strcmp0 (cq_web_request_header (r, "X-Forwarded-Proto"), "https") == 0;
      if (strcmp (method, "GET") != 0 && strcmp (method, "POST") != 0 && strcmp (method, "HEAD") != 0)
        {
          r->route = "(method)";
          cq_web_header (r, "Allow", "GET, POST");
          cq_web_error (r, 405, T (r, "Cette action n’est pas possible ici.",
                                   "That action is not possible here."));
          return respond (r);
        }
      const char *cl = cq_web_request_header (r, "Content-Length");
      guint64 n = 0;
      if (cl != NULL && (!g_ascii_string_to_unsigned (cl, 10, 0, G_MAXUINT64, &n, NULL)
                         || n > srv->cfg.max_body))
        {
          r->route = "(body)";
          cq_web_error (r, 413, T (r, "Ce formulaire est trop volumineux.", "This form is too large."));
          return respond (r);
        }
      return MHD_YES;
    }
  if (*upload_data_size > 0)
    {
      if (!r->too_large && r->body->len + *upload_data_size <= srv->cfg.max_body)
        g_string_append_len (r->body, upload_data, *upload_data_size);
      else
        r->too_large = TRUE;
      *upload_data_size = 0;
      return MHD_YES;
    }
  if (strcmp (r->method, "HEAD") == 0)
    {
      g_free (r->method);
      r->method = g_strdup ("GET");
    }
  if (!split_path (r, url))
    {
      r->route = "(none)";
      cq_web_error (r, 404, T (r, "Cette page n’existe pas.", "There is no such page."));
      return respond (r);
    }
  if (strcmp (r->method, "POST") == 0 && !r->too_large && !parse_form (r))
    r->bad_form = TRUE;
  dispatch (r);
  return respond (r);
}

/* The server ================================================================= */

static gboolean
read_pem (const char *path, char **out, GError **error)
{
  g_autoptr (GBytes) b = cq_file_read (path, 1 << 20, error);
  if (b == NULL)
    return FALSE;
  *out = g_strndup (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  return TRUE;
}

CqWebServer *
cq_web_server_new (const CqWebConfig *config, GError **error)
{
  g_autoptr (CqWebServer) srv = g_new0 (CqWebServer, 1);
  srv->cfg = *config;
  srv->db_path = g_strdup (config->db_path);
  srv->address = g_strdup (config->address ? config->address : "127.0.0.1");
  srv->cfg.db_path = srv->db_path;
  srv->cfg.address = srv->address;
  srv->cfg.tls_cert = srv->cfg.tls_key = NULL;
  if (srv->cfg.threads == 0)
    srv->cfg.threads = 4;
  if (srv->cfg.idle_minutes == 0)
    srv->cfg.idle_minutes = 30;
  if (srv->cfg.max_failures == 0)
    srv->cfg.max_failures = 5;
  if (srv->cfg.lockout_seconds == 0)
    srv->cfg.lockout_seconds = 900;
  if (srv->cfg.max_body == 0)
    srv->cfg.max_body = 256 * 1024;
  g_mutex_init (&srv->lock);
  g_mutex_init (&srv->sessions_lock);
  g_mutex_init (&srv->log_lock);
  srv->instruments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) cq_instrument_free);
  srv->walkers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  srv->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  srv->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  srv->store = cq_store_open (srv->db_path, FALSE, error);
  if (srv->store == NULL)
    return NULL;

  if ((config->tls_cert == NULL) != (config->tls_key == NULL))
    {
      g_set_error (error, CQ_ERROR, CQ_ERROR_INVALID, "give both --tls-cert and --tls-key, or neither");
      return NULL;
    }
  g_autofree char *cert = NULL, *key = NULL;
  if (config->tls_cert && (!read_pem (config->tls_cert, &cert, error)
                           || !read_pem (config->tls_key, &key, error)))
    return NULL;
  srv->tls = cert != NULL;

  g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (srv->address);
  if (ip == NULL)
    {
      g_set_error (error, CQ_ERROR, CQ_ERROR_INVALID, "'%s' is not an IP address", srv->address);
      return NULL;
    }
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ip, config->port);
  struct sockaddr_storage native;
  if (!g_socket_address_to_native (sa, &native, sizeof native, error))
    return NULL;
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY
                       | MHD_USE_TURBO;
  if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6)
    flags |= MHD_USE_IPv6;
  if (srv->tls)
    flags |= MHD_USE_TLS;
  struct MHD_OptionItem tls_opts[] = {
    { MHD_OPTION_HTTPS_MEM_CERT, 0, cert },
    { MHD_OPTION_HTTPS_MEM_KEY, 0, key },
    { MHD_OPTION_END, 0, NULL },
  };
  srv->daemon = MHD_start_daemon (flags, config->port, NULL, NULL, handle, srv,
                                  MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &native,
                                  MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) srv->cfg.threads,
                                  MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 512,
                                  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 60,
                                  MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
                                  MHD_OPTION_ARRAY, srv->tls ? tls_opts : tls_opts + 2,
                                  MHD_OPTION_END);
  if (cert)
    OPENSSL_cleanse (cert, strlen (cert));
  if (key)
    OPENSSL_cleanse (key, strlen (key));
  if (srv->daemon == NULL)
    {
      g_set_error (error, CQ_ERROR, CQ_ERROR_IO, "cannot listen on %s port %u (in use, or not an "
                   "address of this machine?)", srv->address, config->port);
      return NULL;
    }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info (srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
  srv->port = info ? info->port : config->port;
  return g_steal_pointer (&srv);
}

guint16
cq_web_server_port (CqWebServer *srv)
{
  return srv->port;
}

static void
session_free (gpointer p)
{
  CqWebSession *s = p;
  g_free (s->member);
  g_free (s->csrf);
  g_free (s);
}

void
cq_web_server_free (CqWebServer *srv)
{
  if (srv == NULL)
    return;
  if (srv->daemon)
    MHD_stop_daemon (srv->daemon);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, srv->walkers);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      cq_walker_free (((CqWebWalker *) v)->walker);
      g_free (v);
    }
  g_hash_table_unref (srv->walkers);
  g_hash_table_iter_init (&it, srv->sessions);
  while (g_hash_table_iter_next (&it, &k, &v))
    session_free (v);
  g_hash_table_unref (srv->sessions);
  g_hash_table_unref (srv->failures);
  g_hash_table_unref (srv->instruments);
  cq_store_close (srv->store);
  g_mutex_clear (&srv->lock);
  g_mutex_clear (&srv->sessions_lock);
  g_mutex_clear (&srv->log_lock);
  g_free (srv->db_path);
  g_free (srv->address);
  g_free (srv);
}
