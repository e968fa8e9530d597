/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* The case store: an append-only, hash-chained event log. This interface
 * is all callers see, so that a server database can be added beside the
 * SQLite one without touching them. */

#include <glib.h>

G_BEGIN_DECLS

#define CQ_STORE_ERROR (cq_store_error_quark ())
GQuark cq_store_error_quark (void);

typedef enum {
  CQ_STORE_ERROR_OPEN,      /* cannot open or create */
  CQ_STORE_ERROR_BUSY,      /* another writer held the lock too long */
  CQ_STORE_ERROR_READONLY,
  CQ_STORE_ERROR_FULL,
  CQ_STORE_ERROR_CORRUPT,   /* not a colloquy database, or damaged */
  CQ_STORE_ERROR_VERSION,   /* made by a newer colloquy */
  CQ_STORE_ERROR_CONFLICT,  /* superseding something that changed meanwhile */
  CQ_STORE_ERROR_INVALID,   /* a malformed event */
} CqStoreError;

#define CQ_STORE_SCHEMA_VERSION 4

typedef struct _CqStore CqStore;

/* Opens the database at path, upgrading an older schema; with create, makes
 * a new one (mode 0600) with its chain key beside it (path.key, 0600). */
CqStore *cq_store_open (const char *path, gboolean create, GError **error);
void cq_store_close (CqStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqStore, cq_store_close)

/* One event. payload is a JSON object; in events read back, every string
 * stays valid until the scan callback returns. */
typedef struct {
  gint64 seq;
  const char *at;         /* UTC, ISO 8601 */
  const char *actor;      /* the member who did it */
  const char *kind;       /* "answer", "consensus", "read"... */
  const char *case_ref;
  const char *assessment;
  const char *item;
  const char *rater;      /* the member whose rating it is, when it is one */
  gint64 supersedes;      /* 0 for none */
  const char *reason;     /* required when superseding */
  const char *payload;
} CqEvent;

/* Appends an event durably (the call returns once it is on disk) and
 * returns its sequence number. Events with a slot (an assessment, a kind,
 * an item and a rater) replace the current one of their slot only by
 * superseding it, naming it and giving a reason; a change made meanwhile
 * by someone else is a CONFLICT, never a lost update. */
gint64 cq_store_append (CqStore *store, const CqEvent *event, GError **error);

typedef struct {
  const char *kind;       /* NULL: any */
  const char *case_ref;
  const char *assessment;
  const char *rater;
  const char *item;
} CqEventFilter;

/* Calls fn for each event matching filter, in order; fn returns FALSE to
 * stop. */
typedef gboolean (*CqEventFunc) (const CqEvent *event, gpointer data);
gboolean cq_store_scan (CqStore *store, const CqEventFilter *filter, CqEventFunc fn, gpointer data,
                        GError **error);

/* The current event of a slot: the latest not superseded. Copies it. */
gboolean cq_store_current (CqStore *store, const char *assessment, const char *kind,
                           const char *item, const char *rater, gint64 *seq, char **payload,
                           GError **error);

/* Instrument bundles, by content hash. */
gboolean cq_store_put_file (CqStore *store, const char *sha256, const char *path, GBytes *bytes,
                            GError **error);
GPtrArray *cq_store_files (CqStore *store, const char *sha256, GError **error); /* CqStoreFile* */

typedef struct {
  char *path;
  GBytes *bytes;
} CqStoreFile;
void cq_store_file_free (CqStoreFile *f);

/* Bulk mode, for imports and generated data: appends between begin and
 * end share one transaction, durable only once end returns. */
gboolean cq_store_bulk_begin (CqStore *store, GError **error);
gboolean cq_store_bulk_end (CqStore *store, GError **error);

/* Checks the whole chain and the database file. Each problem found goes to
 * report as one line naming where it is; returns TRUE when there is none. */
gboolean cq_store_verify (CqStore *store, GString *report, GError **error);

/* The hash of the chain's head and the number of events. */
char *cq_store_head (CqStore *store, gint64 *count, GError **error);

const char *cq_store_path (CqStore *store);

/* Sign-in secrets (password hashes), one per member, kept beside the log
 * and sealed with the chain key. get returns NULL with no error when the
 * member has none, and an error when the row was edited outside colloquy.
 * Callers record the change in the log themselves. */
gboolean cq_store_secret_set (CqStore *store, const char *member, const char *secret,
                              GError **error);
char *cq_store_secret_get (CqStore *store, const char *member, GError **error);

G_END_DECLS
