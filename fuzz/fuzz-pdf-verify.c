/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the PDF signature verifier (the PDF read with libqpdf, the
 * signature fields, byte ranges, the CMS and the chain to a CA), trusting
 * the fictional test CA the seeds were signed under. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdflogger-c.h>

#include "cq-pdf.h"
#include "fuzz-common.h"

static char *ca_path;

/* colloquy silences qpdf's errors and warnings to handle them itself: qpdf
 * writes only about errors left unhandled ("application did not handle
 * error"), which means a value was read without checking its type. */
static int
qpdf_wrote (const char *data, size_t len, void *udata G_GNUC_UNUSED)
{
  g_error ("qpdf reported an error colloquy did not handle: %.*s", (int) len, data);
  return 0;
}

int
LLVMFuzzerInitialize (int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
  cq_fuzz_setup ();
  qpdflogger_handle log = qpdflogger_default_logger ();
  qpdflogger_set_warn (log, qpdf_log_dest_custom, qpdf_wrote, NULL);
  qpdflogger_set_error (log, qpdf_log_dest_custom, qpdf_wrote, NULL);
  qpdflogger_cleanup (&log);
  ca_path = g_build_filename (cq_fuzz_source_dir (), "fuzz", "pdf-verify-ca.pem", NULL);
  if (!g_file_test (ca_path, G_FILE_TEST_IS_REGULAR))
    {
      fprintf (stderr, "fuzz-pdf-verify: no %s (set CQ_SOURCE_DIR)\n", ca_path);
      exit (2);
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) pdf = g_bytes_new (data, size);
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  /* Every other input without a CA: both ways through the checks. */
  gboolean with_ca = size % 2 == 0;
  g_autoptr (GPtrArray) sigs = cq_pdf_verify_bytes (pdf, with_ca ? ca_path : NULL, pending, &error);
  if (sigs == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == CQ_PDF_ERROR);
      return 0;
    }
  g_assert_null (error);
  for (guint i = 0; i < sigs->len; i++)
    {
      const CqSignatureInfo *si = sigs->pdata[i];
      g_assert_nonnull (si->field);
      g_assert_true (si->valid || si->problem != NULL);
      g_assert_true (!si->trusted || (si->valid && with_ca));
    }
  return 0;
}
