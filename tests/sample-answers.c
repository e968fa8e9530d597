/* SPDX-License-Identifier: EUPL-1.2 */
/* Writes a fictional scripted sitting per role for any instrument: every item
 * of the protocol that the role rates and that is relevant given the
 * answers so far (the roles play in the order given), answered plausibly —
 * ratings with a rationale and as many evidence entries, from as many
 * independent sources, as the item asks. Used by the crash-safety test and
 * the store benchmark, so that both cover every bundled instrument.
 *   sample-answers INSTRUMENT PROTOCOL OUTDIR ROLE...   (OUTDIR/ROLE.xml) */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "cq-answers.h"
#include "cq-eval.h"
#include "cq-instrument.h"

#define DATE "2026-02-01"

static void
attr_text (GString *x, const char *s)
{
  g_autofree char *e = g_markup_escape_text (s, -1);
  g_string_append (x, e);
}

static const char *
first_level (const CqScale *sc)
{
  /* "partial" on a presence scale: the middle of the road, not a default. */
  for (guint i = 0; i < sc->n_levels; i++)
    if (!sc->levels[i]->insufficient && i + 1 < sc->n_levels && i > 0)
      return sc->levels[i]->id;
  return sc->levels[0]->id;
}

static void
simple_value (GString *x, const CqAnswerSpec *a, gboolean as_attr)
{
  char num[64];
  const char *v = NULL;
  switch (a->type)
    {
    case CQ_ANSWER_CHOICE:
      v = a->scale->levels[0]->id;
      break;
    case CQ_ANSWER_NUMBER:
      {
        double n = a->has_min ? MAX (a->min, 1.0) : 1.0;
        if (a->has_max && n > a->max)
          n = a->max;
        g_ascii_formatd (num, sizeof num, "%g", n);
        v = num;
      }
      break;
    case CQ_ANSWER_DATE:
      v = a->precision == CQ_DATE_YEAR ? "2025" : a->precision == CQ_DATE_MONTH ? "2025-06" : "2025-06-15";
      break;
    default:
      v = a->max_length > 0 && a->max_length < 24 ? "Fictional" : "A fictional statement.";
      break;
    }
  if (as_attr)
    g_string_append_printf (x, " value=\"%s\"", v);
  else
    attr_text (x, v);
}

static void
answer_xml (GString *x, const CqItem *it, const char *role)
{
  const CqAnswerSpec *a = &it->answer;
  g_string_append_printf (x, "  <answer item=\"%s\" rater=\"%s\"", it->id, role);
  switch (a->type)
    {
    case CQ_ANSWER_RATING:
      {
        g_string_append_printf (x, " value=\"%s\"", first_level (a->scale));
        if (a->relevance)
          g_string_append_printf (x, " relevance=\"%s\"", a->relevance->levels[0]->id);
        g_string_append (x, ">\n    <rationale>A fictional rationale.</rationale>\n");
        static const char *const sources[] = { "interview", "observation", "file", "third-party",
                                                "intelligence" };
        guint want = MAX (MAX (it->evidence_min, it->evidence_min_sources), 1u), made = 0;
        for (guint s = 0; made < want && s < 2 * G_N_ELEMENTS (sources); s++)
          {
            guint bit = 1u << (s % G_N_ELEMENTS (sources));
            if (it->evidence_sources != 0 && !(it->evidence_sources & bit))
              continue;
            g_string_append_printf (x, "    <evidence direction=\"supports\" kind=\"fact\" "
                                       "source=\"%s\" origin=\"fictional record %u\" date=\"%s\">"
                                       "A fictional documented fact.</evidence>\n",
                                    sources[s % G_N_ELEMENTS (sources)], made + 1, DATE);
            made++;
          }
        g_string_append (x, "  </answer>\n");
      }
      break;
    case CQ_ANSWER_CHOICE:
    case CQ_ANSWER_NUMBER:
    case CQ_ANSWER_DATE:
      simple_value (x, a, TRUE);
      g_string_append (x, "/>\n");
      break;
    case CQ_ANSWER_FREE_TEXT:
      g_string_append (x, "><text>");
      simple_value (x, a, FALSE);
      g_string_append (x, "</text></answer>\n");
      break;
    case CQ_ANSWER_RECORDS:
      {
        g_string_append (x, ">\n");
        guint n = MAX (a->records_min, 1u);
        if (a->records_max > 0)
          n = MIN (n, a->records_max);
        for (guint r = 0; r < n; r++)
          {
            g_string_append (x, "    <record>");
            for (guint f = 0; f < a->n_fields; f++)
              {
                const CqField *fl = a->fields[f];
                g_string_append_printf (x, "<field id=\"%s\"", fl->id);
                if (fl->answer.type == CQ_ANSWER_FREE_TEXT)
                  {
                    g_string_append_c (x, '>');
                    simple_value (x, &fl->answer, FALSE);
                    g_string_append (x, "</field>");
                  }
                else
                  {
                    simple_value (x, &fl->answer, TRUE);
                    g_string_append (x, "/>");
                  }
              }
            g_string_append (x, "</record>\n");
          }
        g_string_append (x, "  </answer>\n");
      }
      break;
    }
}

static gboolean
in_protocol (const CqProtocol *p, const CqItem *it)
{
  for (guint m = 0; m < p->n_modules; m++)
    if (p->modules[m] == it->domain->module)
      return TRUE;
  return FALSE;
}

int
main (int argc, char **argv)
{
  if (argc < 5)
    {
      fprintf (stderr, "usage: sample-answers INSTRUMENT PROTOCOL OUTDIR ROLE...\n");
      return 2;
    }
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqInstrument) I = cq_instrument_load (argv[1], diags);
  if (I == NULL)
    {
      cq_diags_print (diags, stderr, FALSE);
      return 1;
    }
  const CqProtocol *p = NULL;
  for (guint i = 0; i < I->n_protocols; i++)
    if (strcmp (I->protocols[i]->id, argv[2]) == 0)
      p = I->protocols[i];
  if (p == NULL)
    {
      fprintf (stderr, "sample-answers: no protocol '%s'\n", argv[2]);
      return 1;
    }
  /* Every answer so far, all roles, to evaluate relevance as the walk would. */
  g_autoptr (GString) all = g_string_new (NULL);
  g_mkdir_with_parents (argv[3], 0700);
  for (int r = 4; r < argc; r++)
    {
      const char *role = argv[r];
      g_autoptr (GString) mine = g_string_new (NULL);
      g_autoptr (GHashTable) done = g_hash_table_new (NULL, NULL);
      for (;;)
        {
          g_autofree char *doc = g_strdup_printf ("<answers xmlns=\"urn:colloquy:answers:1\" "
                                                  "instrument=\"%s\" protocol=\"%s\" date=\"%s\">\n"
                                                  "%s</answers>\n", I->id, p->id, DATE, all->str);
          g_autoptr (GBytes) bytes = g_bytes_new_take (doc, strlen (doc));
          g_steal_pointer (&doc);
          g_autoptr (CqDiags) d = cq_diags_new ();
          g_autoptr (CqAnswers) answers = cq_answers_load_bytes (bytes, "generated", I, d);
          if (answers == NULL)
            {
              cq_diags_print (d, stderr, FALSE);
              return 1;
            }
          g_autoptr (CqEval) e = cq_eval_new (I, answers, NULL);
          const CqItem *next = NULL;
          for (guint m = 0; m < p->n_modules && next == NULL; m++)
            for (guint k = 0; k < p->modules[m]->n_domains && next == NULL; k++)
              {
                const CqDomain *dm = p->modules[m]->domains[k];
                for (guint i = 0; i < dm->n_items && next == NULL; i++)
                  {
                    const CqItem *it = dm->items[i];
                    if (in_protocol (p, it) && cq_item_rated_by (it, role)
                        && !g_hash_table_contains (done, it) && cq_answers_get (answers, it) == NULL
                        && cq_eval_relevant (e, it))
                      next = it;
                  }
              }
          if (next == NULL)
            break;
          g_hash_table_add (done, (gpointer) next);
          gsize before = all->len;
          answer_xml (all, next, role);
          g_string_append (mine, all->str + before);
        }
      g_autofree char *out = g_strdup_printf ("%s/%s.xml", argv[3], role);
      g_autofree char *file = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                               "<!-- Generated fictional sitting. -->\n"
                                               "<answers xmlns=\"urn:colloquy:answers:1\" "
                                               "instrument=\"%s\" protocol=\"%s\" date=\"%s\">\n"
                                               "%s</answers>\n", I->id, p->id, DATE, mine->str);
      g_autoptr (GError) error = NULL;
      if (!g_file_set_contents_full (out, file, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
        {
          fprintf (stderr, "sample-answers: %s\n", error->message);
          return 1;
        }
    }
  return 0;
}
