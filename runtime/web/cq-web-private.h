/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Inside the web interface: requests, sessions, HTML and the pages. */

#include <microhttpd.h>

#include "cq-case.h"
#include "cq-walker.h"
#include "cq-web.h"

G_BEGIN_DECLS

#define CQ_WEB_FIELD_MAX (64 * 1024)  /* one form field, bytes */
#define CQ_WEB_FIELDS_MAX 2048        /* fields in one form */
#define CQ_WEB_ROWS_MAX 40            /* evidence entries or records in one form */

typedef struct {
  char *member;
  char *csrf;
  gint64 last;      /* monotonic µs */
} CqWebSession;

struct _CqWebServer {
  CqWebConfig cfg;          /* strings owned below */
  char *db_path, *address;
  gboolean tls;
  struct MHD_Daemon *daemon;
  guint16 port;
  GMutex lock;              /* the store, instruments and walkers: one request at a time */
  CqStore *store;
  GHashTable *instruments;  /* sha256 -> CqInstrument* */
  GHashTable *walkers;      /* "member\nassessment" -> CqWebWalker* */
  GMutex sessions_lock;     /* sessions and failures */
  GHashTable *sessions;     /* id -> CqWebSession* */
  GHashTable *failures;     /* "m:member" or "ip:address" -> CqWebFailure* */
  GMutex log_lock;
};

typedef struct {
  guint count;
  gint64 first, locked_until; /* monotonic µs */
} CqWebFailure;

typedef struct {
  CqWalker *walker;
  gint64 used;
} CqWebWalker;

typedef struct {
  CqWebServer *srv;
  struct MHD_Connection *conn;
  char *method, *path;
  char **seg;               /* the path's segments */
  guint n_seg;
  GString *body;
  gboolean too_large;
  GPtrArray *form;          /* name, value, name, value... */
  gboolean bad_form;
  gint64 start;
  const char *route;        /* the route's pattern, for the log */
  const char *lang;         /* "fr" or "en" */
  gboolean secure;          /* reached over HTTPS */
  char *session_id;
  CqWebSession session;     /* a copy, when signed in */
  CqMember *me;             /* when signed in */
  /* The response. */
  guint status;
  GString *out;
  GBytes *raw;              /* instead of out: a file */
  const char *content_type;
  GPtrArray *headers;       /* name, value, ... */
} CqWebRequest;

/* Translation: the French or the English text. */
#define T(r, fr, en) (strcmp ((r)->lang, "en") == 0 ? (en) : (fr))

/* Requests and responses (cq-web-server.c). */
const char *cq_web_field (CqWebRequest *r, const char *name);  /* NULL when absent */
GPtrArray *cq_web_fields (CqWebRequest *r, const char *name);  /* every value (borrowed) */
void cq_web_header (CqWebRequest *r, const char *name, const char *value);
void cq_web_redirect (CqWebRequest *r, const char *location);
void cq_web_cookie (CqWebRequest *r, const char *name, const char *value, int max_age);
const char *cq_web_request_header (CqWebRequest *r, const char *name);
char *cq_web_client_ip (CqWebRequest *r);
gboolean cq_web_same (const char *a, const char *b); /* constant time */
char *cq_web_random_token (void);                   /* 256 bits, hex */
void cq_web_log (CqWebServer *srv, const char *message); /* nothing sensitive in it */
/* next when it is a local path to send the browser back to, else NULL. */
const char *cq_web_local_next (const char *next);

/* HTML (cq-web-html.c). */
void cq_html (GString *out, const char *text);      /* escaped */
void cq_html_printf (GString *out, const char *fmt, ...) G_GNUC_PRINTF (2, 3); /* %s escaped */
void cq_web_page (CqWebRequest *r, guint status, const char *title, const char *crumbs,
                  GString *main_html);
void cq_web_error (CqWebRequest *r, guint status, const char *message);
void cq_web_csrf_field (CqWebRequest *r, GString *out);

/* Sessions and sign-in (cq-web-session.c). */
void cq_web_session_load (CqWebRequest *r);
gboolean cq_web_csrf_ok (CqWebRequest *r);
void cq_web_login_page (CqWebRequest *r);
void cq_web_login (CqWebRequest *r);
void cq_web_logout (CqWebRequest *r);
void cq_web_sessions_drop_member (CqWebServer *srv, const char *member);
/* Ends every session of the signed-in member and gives this browser a new
 * one (r->session_id and r->session.csrf follow); FALSE when none could be
 * opened (too many), and the member is then signed out. */
gboolean cq_web_session_renew (CqWebRequest *r);
/* Failed passwords of a member's (the sign-in counter): forget them, whether
 * the account is locked (minutes left, or 0), count one (TRUE: it locks now). */
void cq_web_failures_forget (CqWebServer *srv, const char *member);
guint cq_web_member_locked (CqWebServer *srv, const char *member);
gboolean cq_web_member_failure (CqWebServer *srv, const char *member);
/* Records an event of the web interface (call with srv->lock held). */
void cq_web_audit (CqWebServer *srv, const char *actor, const char *kind);

/* Pages (cq-web-pages.c, cq-web-team.c). */
void cq_web_home (CqWebRequest *r);
void cq_web_assessment (CqWebRequest *r);
void cq_web_walk (CqWebRequest *r);
void cq_web_item (CqWebRequest *r);
void cq_web_item_post (CqWebRequest *r);
void cq_web_consensus (CqWebRequest *r);
void cq_web_consensus_post (CqWebRequest *r);
void cq_web_decision (CqWebRequest *r);
void cq_web_decision_post (CqWebRequest *r);
void cq_web_export (CqWebRequest *r);
void cq_web_export_post (CqWebRequest *r);
void cq_web_admin (CqWebRequest *r);
void cq_web_admin_add (CqWebRequest *r);
void cq_web_admin_password (CqWebRequest *r);
void cq_web_admin_status (CqWebRequest *r);
void cq_web_account (CqWebRequest *r);
void cq_web_account_post (CqWebRequest *r);

/* Access (cq-web-pages.c): the assessment named by segment 1 of the path,
 * its instrument, and whether this member may see it; else an error page
 * is set and NULL returned. Call with srv->lock held. */
typedef struct {
  CqAssessment *a;
  const CqInstrument *inst;  /* cached by the server */
  const CqProtocol *proto;
  const CqRole *role;        /* the member's role in the instrument, or NULL */
} CqWebCase;
gboolean cq_web_case (CqWebRequest *r, CqWebCase *c);
/* Takes srv->lock and the case; on failure (the reply is set) releases the
 * lock and returns FALSE, else returns TRUE with the lock held. */
gboolean cq_web_case_lock (CqWebRequest *r, CqWebCase *c);
void cq_web_case_clear (CqWebCase *c);
gboolean cq_web_may (CqWebRequest *r, const char *capability);
gboolean cq_web_reads (const CqWebCase *c, const CqCompartment *compartment);
guint cq_web_profiles (const CqWebCase *c); /* CqExportProfile bits the member may export */
/* Records the read; FALSE, with an error page set, when it could not be:
 * then the page is not shown. */
gboolean cq_web_audit_read (CqWebRequest *r, const CqWebCase *c, const char *what);

G_END_DECLS
