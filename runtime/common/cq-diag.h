/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

/* Diagnostics in the style of a compiler: file:line:col: severity: message,
 * optionally followed by a hint line. Collected, then printed all at once. */

typedef enum {
  CQ_DIAG_ERROR,
  CQ_DIAG_WARNING,
  CQ_DIAG_NOTE,
} CqDiagSeverity;

typedef struct {
  CqDiagSeverity severity;
  char *file;    /* as the user named it */
  int line;      /* 1-based; 0 when unknown */
  int col;       /* 1-based, in characters; 0 when unknown */
  char *message;
  char *hint;    /* NULL when there is none */
} CqDiag;

typedef struct _CqDiags CqDiags;

CqDiags *cq_diags_new (void);
void cq_diags_free (CqDiags *diags);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqDiags, cq_diags_free)

/* Adds a diagnostic; returns it so that a caller can attach a hint. */
CqDiag *cq_diags_add (CqDiags *diags, CqDiagSeverity severity, const char *file,
                      int line, int col, const char *format, ...) G_GNUC_PRINTF (6, 7);
void cq_diag_set_hint (CqDiag *diag, const char *format, ...) G_GNUC_PRINTF (2, 3);

guint cq_diags_count (const CqDiags *diags, CqDiagSeverity severity);
guint cq_diags_len (const CqDiags *diags);
const CqDiag *cq_diags_get (const CqDiags *diags, guint i);

/* Sorts by file (in order of first appearance), line, column; stable. */
void cq_diags_sort (CqDiags *diags);

/* One diagnostic as text: "file:line:col: error: message\n  hint: ...\n". */
char *cq_diag_format (const CqDiag *diag, gboolean colour);
void cq_diags_print (const CqDiags *diags, FILE *out, gboolean colour);

G_END_DECLS
