/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the answers parser (XML parsing, the answers schema, every
 * answer checked against its item), on the example instrument, loaded once
 * from the source tree ($CQ_SOURCE_DIR, else the tree it was built from). */
#include <stdio.h>
#include <stdlib.h>

#include "cq-answers.h"
#include "cq-diag.h"
#include "cq-instrument.h"
#include "fuzz-common.h"

static CqInstrument *instrument;

int
LLVMFuzzerInitialize (int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
  cq_fuzz_setup ();
  g_autofree char *path = g_build_filename (cq_fuzz_source_dir (), "instruments", "example", NULL);
  g_autoptr (CqDiags) diags = cq_diags_new ();
  instrument = cq_instrument_load (path, diags);
  if (instrument == NULL)
    {
      cq_diags_print (diags, stderr, FALSE);
      fprintf (stderr, "fuzz-answers: cannot load %s (set CQ_SOURCE_DIR)\n", path);
      exit (2);
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqAnswers) answers = cq_answers_load_bytes (bytes, "answers.xml", instrument, diags);

  cq_diags_sort (diags);
  for (guint i = 0; i < cq_diags_len (diags); i++)
    g_free (cq_diag_format (cq_diags_get (diags, i), FALSE));
  g_assert_true (answers != NULL || cq_diags_count (diags, CQ_DIAG_ERROR) > 0);
  if (answers == NULL)
    return 0;

  /* What the walkthrough and the scoring read from each answer. */
  guint n = 0;
  for (guint i = 0; i < instrument->n_items; i++)
    {
      const CqAnswer *a = cq_answers_get (answers, instrument->items[i]);
      if (a == NULL)
        continue;
      n++;
      g_assert_true (a->item == instrument->items[i]);
      g_assert_true (cq_answer_same (a, a));
      g_assert_cmpuint (cq_answer_independent_sources (a), <=, a->n_evidence);
      if (a->item->answer.type == CQ_ANSWER_RATING)
        for (guint l = 0; l < a->item->answer.scale->n_levels; l++)
          cq_answer_at_least (a, a->item->answer.scale->levels[l]->id);
      g_autoptr (GPtrArray) cited = cq_instrument_cited (instrument, a->rationale);
      g_assert_cmpuint (cited->len, <=, instrument->n_items);

      /* Put back as the walkthrough does: it must pass the same checks. */
      g_autoptr (GError) error = NULL;
      g_autoptr (CqAnswers) again = cq_answers_new (instrument, cq_answers_date (answers));
      if (!cq_answers_put (again, a, &error))
        g_error ("an answer loaded from a file is refused when put again: %s", error->message);
      g_assert_true (cq_answer_same (cq_answers_get (again, a->item), a));
    }
  g_assert_cmpuint (n, ==, cq_answers_count (answers));
  return 0;
}
