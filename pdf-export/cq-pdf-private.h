/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

#include "cq-pdf.h"

/* The synthesis as Cairo wrote it (before signature fields are added), its
 * case and its required signers (CqMember*). */
GBytes *cq_pdf_render (CqStore *store, const char *assessment, CqExportProfile profile,
                       const char *lang, char **case_ref, GPtrArray **signers, GError **error);

/* Who must sign: the raters, in order, then whoever may decide (the
 * chair), last. Borrowed members. */
GPtrArray *cq_pdf_required_signers (CqStore *store, GPtrArray *raters, GPtrArray *members);

/* Writes data to path (mode 0600) through a temporary file, fsync and a
 * rename: a crash leaves the old file or the new one. */
gboolean cq_pdf_write_file (const char *path, const void *data, gsize len, GError **error);
