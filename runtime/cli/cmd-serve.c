/* SPDX-License-Identifier: EUPL-1.2 */
/* colloquy serve: the web interface (runtime/web), until SIGINT or SIGTERM. */
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "cq-cli.h"
#include "cq-web.h"

static gboolean
quit (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE; /* removed below */
}

/* "HOST:PORT" or "[V6]:PORT". */
static gboolean
parse_listen (const char *s, char **host, guint16 *port)
{
  const char *colon = strrchr (s, ':');
  guint64 p;
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &p, NULL))
    return FALSE;
  if (s[0] == '[' && colon > s && colon[-1] == ']')
    *host = g_strndup (s + 1, colon - s - 2);
  else
    *host = g_strndup (s, colon - s);
  *port = (guint16) p;
  return **host != '\0';
}

int
cq_cmd_serve (int argc, char **argv)
{
  g_autofree char *db = NULL, *listen = NULL, *cert = NULL, *key = NULL;
  gboolean proxy = FALSE;
  int threads = 4;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (default: $COLLOQUY_DB)", "FILE" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Address and port (default: 127.0.0.1:8080; port 0: any free one)", "HOST:PORT" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cert, "Serve HTTPS with this certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key, "…and this private key (PEM)", "FILE" },
    { "behind-proxy", 0, 0, G_OPTION_ARG_NONE, &proxy, "A TLS reverse proxy is in front: trust its X-Forwarded-Proto and X-Forwarded-For", NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Worker threads (default: 4)", "N" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("--db FILE [--listen HOST:PORT] — the web "
                                                         "interface");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Serves colloquy to the team's browsers: sign in, cases and assessments, the walk through\n"
    "the items for your role, progress, the consensus, the commission's decision, PDF export,\n"
    "and account management for administrators. Members sign in with the password set by\n"
    "'colloquy member password ID'. Serve HTTPS with --tls-cert/--tls-key, or put a TLS reverse\n"
    "proxy in front (--behind-proxy). One line per request goes to standard error: method,\n"
    "route, status and time, never an id, a name or an answer. See docs/web.md.");
  if (!cq_cli_parse (ctx, cq_cli_command ("serve"), &argc, &argv))
    return CQ_EXIT_USAGE;
  if (db == NULL)
    db = g_strdup (g_getenv ("COLLOQUY_DB"));
  if (db == NULL || *db == '\0')
    {
      fprintf (stderr, "colloquy serve: name the database with --db FILE or COLLOQUY_DB\n");
      return CQ_EXIT_USAGE;
    }
  g_autofree char *host = NULL;
  guint16 port = 8080;
  if (listen != NULL && !parse_listen (listen, &host, &port))
    {
      fprintf (stderr, "colloquy serve: --listen takes HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080\n");
      return CQ_EXIT_USAGE;
    }
  if (threads < 1 || threads > 64)
    {
      fprintf (stderr, "colloquy serve: --threads is between 1 and 64\n");
      return CQ_EXIT_USAGE;
    }
  CqWebConfig cfg = { .db_path = db, .address = host ? host : "127.0.0.1", .port = port,
                      .tls_cert = cert, .tls_key = key, .behind_proxy = proxy,
                      .threads = (guint) threads };
  g_autoptr (GError) error = NULL;
  g_autoptr (CqWebServer) srv = cq_web_server_new (&cfg, &error);
  if (srv == NULL)
    {
      fprintf (stderr, "colloquy serve: %s\n", error->message);
      return CQ_EXIT_FAILURE;
    }
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint a = g_unix_signal_add (SIGINT, quit, loop), b = g_unix_signal_add (SIGTERM, quit, loop);
  const char *shown = host ? host : "127.0.0.1";
  gboolean v6 = strchr (shown, ':') != NULL;
  printf ("colloquy serve: listening on %s://%s%s%s:%u/ (Ctrl-C stops)\n", cert ? "https" : "http",
          v6 ? "[" : "", shown, v6 ? "]" : "", cq_web_server_port (srv));
  fflush (stdout);
  g_main_loop_run (loop);
  g_source_remove (a);
  g_source_remove (b);
  fprintf (stderr, "colloquy serve: stopped\n");
  return CQ_EXIT_OK;
}
