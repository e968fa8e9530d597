/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CQ_ERROR (cq_error_quark ())
GQuark cq_error_quark (void);

typedef enum {
  CQ_ERROR_IO,        /* a file could not be read or written */
  CQ_ERROR_TOO_LARGE, /* an input is over its size limit */
  CQ_ERROR_INVALID,   /* an input is malformed */
  CQ_ERROR_REFUSED,   /* an operation the rules forbid */
} CqErrorCode;

/* Reads a whole regular file of at most max_size bytes. Refuses directories,
 * devices and FIFOs (which could block), and files over the limit, without
 * reading them. */
GBytes *cq_file_read (const char *path, gsize max_size, GError **error);

/* Resolves href, relative to the folder base_dir, to a path that stays
 * inside base_dir (no absolute paths, no "..", no symlink escaping it). */
char *cq_path_inside (const char *base_dir, const char *href, GError **error);

/* The candidate closest to word by edit distance, if it is close enough to
 * be a plausible typo; NULL otherwise. */
const char *cq_suggest (const char *word, const char *const *candidates, guint n);

/* Number of characters (UTF-8 code points, or bytes where invalid) in
 * [s, s + len). */
glong cq_utf8_columns (const char *s, gsize len);

/* Whether s is NULL, empty or only white space. */
gboolean cq_blank (const char *s);

/* The content hash of an instrument bundle: its files sorted by path, each
 * as path, size and bytes. The same bytes always give the same hash. */
char *cq_bundle_sha256 (guint n, const char *const *paths, GBytes *const *contents);

G_END_DECLS
