/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* The web interface: colloquy served to the evaluators' and commission's
 * browsers on the intranet, over the same walker engine and case store as
 * the terminal walkthrough. Server-rendered HTML, no script needed. */

#include <stdio.h>

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *db_path;     /* the case database */
  const char *address;     /* listen on: an IP address; NULL: 127.0.0.1 */
  guint16 port;            /* 0: any free port (see cq_web_server_port) */
  const char *tls_cert, *tls_key; /* PEM files: serve HTTPS (both or neither) */
  gboolean behind_proxy;   /* a TLS reverse proxy in front: trust X-Forwarded-Proto */
  FILE *log;               /* one line per request (no ids, no bodies); NULL: stderr */
  guint threads;           /* worker threads; 0: 4 */
  guint idle_minutes;      /* a session ends after this long unused; 0: 30 */
  guint max_failures;      /* failed sign-ins before an account locks; 0: 5 */
  guint lockout_seconds;   /* how long it stays locked; 0: 900 */
  gsize max_body;          /* request body cap in bytes; 0: 256 KiB */
} CqWebConfig;

typedef struct _CqWebServer CqWebServer;

/* Opens the database and starts serving in threads of its own. */
CqWebServer *cq_web_server_new (const CqWebConfig *config, GError **error);
guint16 cq_web_server_port (CqWebServer *server);
/* Stops serving (waits for requests under way) and frees everything. */
void cq_web_server_free (CqWebServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqWebServer, cq_web_server_free)

G_END_DECLS
