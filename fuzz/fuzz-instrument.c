/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the instrument loader (XML parsing, schema validation, the
 * model, expressions, the scoring script's compilation, diagnostics).
 *
 * One input is a whole bundle: instrument.xml, then any other file of the
 * bundle, each introduced by a line "#file: PATH":
 *
 *   <instrument …> … <include href="more.xml"/> … </instrument>
 *   #file: more.xml
 *   <module …> … </module>
 *   #file: scoring.lua
 *   function score (a) … end
 */
#include <string.h>

#include "cq-diag.h"
#include "cq-instrument.h"
#include "fuzz-common.h"

#define MARK "\n#file: "

int
LLVMFuzzerInitialize (int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
  cq_fuzz_setup ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *p = (const char *) data, *end = p + size;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) contents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  char *path = g_strdup ("instrument.xml");
  while (path != NULL)
    {
      const char *next = memmem (p, (size_t) (end - p), MARK, strlen (MARK));
      const char *stop = next ? next : end;
      g_ptr_array_add (paths, path);
      g_ptr_array_add (contents, g_bytes_new (p, (gsize) (stop - p)));
      path = NULL;
      if (next != NULL)
        {
          const char *name = next + strlen (MARK);
          const char *eol = memchr (name, '\n', (size_t) (end - name));
          path = g_strndup (name, (gsize) ((eol ? eol : end) - name));
          p = eol ? eol + 1 : end;
        }
    }

  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqInstrument) inst
    = cq_instrument_load_files ("fuzz", paths->len, (const char *const *) paths->pdata,
                                (GBytes *const *) contents->pdata, diags);

  /* Messages point into the input: format them all. */
  cq_diags_sort (diags);
  for (guint i = 0; i < cq_diags_len (diags); i++)
    g_free (cq_diag_format (cq_diags_get (diags, i), i % 2 == 0));
  g_assert_true (inst != NULL || cq_diags_count (diags, CQ_DIAG_ERROR) > 0);

  if (inst != NULL)
    {
      for (guint i = 0; i < inst->n_languages; i++)
        g_free (cq_instrument_outline (inst, inst->languages[i]));
      g_autofree char *about = g_strdup_printf ("%s %s", cq_text_get (&inst->title, NULL),
                                                cq_text_get (&inst->description, NULL));
      g_autoptr (GPtrArray) cited = cq_instrument_cited (inst, about);
      g_assert_cmpuint (cited->len, <=, inst->n_items);
      for (guint i = 0; i < inst->n_items; i++)
        g_assert_true (cq_instrument_item (inst, inst->items[i]->id) == inst->items[i]);
    }
  return 0;
}
