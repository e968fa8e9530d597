/* SPDX-License-Identifier: EUPL-1.2 */
/* Benchmark: full scoring of an instrument with every item answered, and
 * the relevance update after one answer changes, beside re-evaluating all
 * relevance from scratch (what a form engine without a dependency graph
 * does). Prints medians; with --json, one JSON line (scripts/bench-peers
 * reads it). */
#include <glib.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "cq-answers.h"
#include "cq-bench.h"
#include "cq-eval.h"
#include "cq-instrument.h"
#include "cq-score.h"

static void
answer_all (const CqInstrument *I, CqAnswers *a, guint seed)
{
  static const char *const levels[] = { "absent", "partial", "present" };
  for (guint i = 0; i < I->n_items; i++)
    {
      const CqItem *it = I->items[i];
      CqAnswer an = cq_answer_init (it);
      CqEvidence ev = { TRUE, TRUE, CQ_SOURCE_INTERVIEW, "sitting 1", "2026-01-10", "high",
                        "A fictional statement." };
      if (it->answer.type == CQ_ANSWER_RATING)
        {
          an.value = levels[(i + seed) % 3];
          an.relevance = "moderate";
          an.rationale = "Fictional rationale.";
          an.n_evidence = 1;
          an.evidence = &ev;
        }
      else
        an.value = (i + seed) % 2 ? "yes" : "no";
      g_autoptr (GError) error = NULL;
      if (!cq_answers_put (a, &an, &error))
        g_error ("%s", error->message);
    }
}

int
main (int argc, char **argv)
{
  mallopt (M_MXFAST, 0);
  gboolean json = argc == 3 && g_str_equal (argv[1], "--json");
  if (argc != 2 && !json)
    {
      fprintf (stderr, "usage: bench-score [--json] INSTRUMENT-FOLDER\n");
      return 2;
    }
  g_autoptr (CqDiags) diags = cq_diags_new ();
  g_autoptr (CqInstrument) I = cq_instrument_load (argv[argc - 1], diags);
  if (I == NULL)
    {
      cq_diags_print (diags, stderr, FALSE);
      return 1;
    }
  g_autoptr (CqAnswers) a = cq_answers_new (I, "2026-03-02");
  answer_all (I, a, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (CqEval) eval = cq_eval_new (I, a, &error);

  enum { RUNS = 31 };
  double full[RUNS], incr[RUNS], all[RUNS];
  guint incr_runs = 0, findings = 0;

  /* Items whose answers some expression reads. */
  g_autoptr (GPtrArray) read = g_ptr_array_new ();
  for (guint i = 0; i < I->n_items; i++)
    for (guint k = 0; k < I->n_items; k++)
      {
        const CqExpr *e = I->items[k]->relevant_when;
        gboolean reads = FALSE;
        for (guint r = 0; e && r < e->n_refs; r++)
          reads |= g_strcmp0 (e->refs[r], I->items[i]->id) == 0;
        if (reads)
          {
            g_ptr_array_add (read, (gpointer) I->items[i]);
            break;
          }
      }

  for (int r = 0; r < RUNS + 1; r++)
    {
      /* Full scoring: a fresh evaluator (all expressions), constraints and
       * the scoring script in a fresh sandbox. */
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (CqScoreResult) res = cq_score_run (I, a, "en", &error);
      gint64 t1 = g_get_monotonic_time ();
      if (res == NULL)
        g_error ("%s", error->message);
      findings = res->findings->len;

      /* One answer changes: incremental update, then a full re-evaluation. */
      const CqItem *it = read->pdata[(guint) r % read->len];
      const CqAnswer *old = cq_answers_get (a, it);
      CqAnswer an = *old;
      an.options = NULL;
      an.n_options = 0;
      an.value = it->answer.type == CQ_ANSWER_RATING
                 ? (g_strcmp0 (old->value, "absent") == 0 ? "present" : "absent")
                 : (g_strcmp0 (old->options[0], "yes") == 0 ? "no" : "yes");
      cq_answers_put (a, &an, NULL);
      gint64 t2 = g_get_monotonic_time ();
      guint n = cq_eval_changed (eval, it);
      gint64 t3 = g_get_monotonic_time ();
      cq_eval_all (eval);
      gint64 t4 = g_get_monotonic_time ();
      if (r == 0)
        continue;
      full[r - 1] = (t1 - t0) / 1000.0;
      incr[r - 1] = (t3 - t2) / 1000.0;
      all[r - 1] = (t4 - t3) / 1000.0;
      incr_runs += n;
    }
  double mf = cq_bench_quantile (full, RUNS, 0.5), mi = cq_bench_quantile (incr, RUNS, 0.5), ma = cq_bench_quantile (all, RUNS, 0.5);
  if (json)
    {
      printf ("{\"items\": %u, \"runs\": %d, \"full\": %.4f, \"change\": %.4f, \"all\": %.4f, "
              "\"rerun\": %.1f, \"relevant\": %u}\n", I->n_items, RUNS, mf, mi, ma,
              (double) incr_runs / RUNS, cq_eval_relevant_count (eval));
      return 0;
    }
  printf ("%u items, every one answered; %u findings; medians of %d runs\n", I->n_items,
          findings, RUNS);
  printf ("  full scoring (relevance, constraints, script)   %8.3f ms   target < 5 ms: %s\n", mf,
          mf < 5 ? "met" : "missed");
  printf ("  relevance after one answer, incremental         %8.3f ms   target < 1 ms: %s\n", mi,
          mi < 1 ? "met" : "missed");
  printf ("    (%.1f expressions run again on average)\n", (double) incr_runs / RUNS);
  printf ("  relevance after one answer, all re-evaluated    %8.3f ms   baseline; incremental is %.0fx faster\n",
          ma, ma / (mi > 0 ? mi : 0.001));
  return 0;
}
