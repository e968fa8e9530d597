/* SPDX-License-Identifier: EUPL-1.2 */
/* Benchmark: a store of many assessments and rating events (generated in
 * bulk through the store's own API), then: opening a case, resuming an
 * interview, appending one durable answer. Medians and p99, beside a
 * baseline: a bare SQLite insert with the same durability, interleaved. */
#include <glib.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cq-bench.h"
#include "cq-case.h"
#include "cq-store.h"
#include "cq-walker.h"

static void
stats (const char *what, double *v, int n, double target)
{
  double p99 = cq_bench_quantile (v, n, 0.99), med = cq_bench_quantile (v, n, 0.5);
  printf ("  %-34s median %7.2f ms   p99 %7.2f ms", what, med, p99);
  if (target > 0)
    printf ("   target < %.0f ms: %s", target, (strstr (what, "append") ? p99 : med) < target
                                                 ? "met" : "missed");
  printf ("\n");
}

int
main (int argc, char **argv)
{
  mallopt (M_MXFAST, 0);
  if (argc < 3)
    {
      fprintf (stderr, "usage: bench-store INSTRUMENT WORK-FOLDER [ASSESSMENTS [EVENTS-EACH]]\n");
      return 2;
    }
  guint n_assess = argc > 3 ? (guint) atoi (argv[3]) : 100000;
  guint per = argc > 4 ? (guint) atoi (argv[4]) : 100;
  g_autofree char *db = g_build_filename (argv[2], "bench.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CqDiags) d = cq_diags_new ();
  g_autoptr (CqInstrument) inst = cq_instrument_load (argv[1], d);
  if (inst == NULL)
    return 1;

  g_autoptr (CqStore) s = cq_store_open (db, TRUE, &error);
  if (s == NULL || !cq_team_init (s, NULL, &error))
    g_error ("%s", error->message);
  static const char *const roles[] = { "psychologist", "educator", "prison-officer",
                                       "probation-officer" };
  CqMember members[4];
  for (guint i = 0; i < 4; i++)
    {
      char id[16];
      g_snprintf (id, sizeof id, "m%u", i);
      cq_team_add (s, "bench", id, "Fictional", roles[i], &error);
      members[i] = (CqMember) { g_strdup (id), NULL, g_strdup (roles[i]) };
    }

  /* What each role rates, and a value for it. */
  GPtrArray *rated[4];
  for (guint r = 0; r < 4; r++)
    {
      rated[r] = g_ptr_array_new ();
      for (guint i = 0; i < inst->n_items; i++)
        if (cq_item_rated_by (inst->items[i], roles[r])
            && (inst->items[i]->answer.type == CQ_ANSWER_RATING
                || inst->items[i]->answer.type == CQ_ANSWER_CHOICE))
          g_ptr_array_add (rated[r], (gpointer) inst->items[i]);
    }
  gint64 t0 = g_get_monotonic_time ();
  guint64 events = 0;
  cq_store_bulk_begin (s, &error);
  for (guint k = 0; k < n_assess; k++)
    {
      char case_ref[32];
      g_snprintf (case_ref, sizeof case_ref, "K-%u", k / 4);
      if (k % 4 == 0)
        cq_case_open (s, "bench", case_ref, "generated", &error);
      g_autofree char *id = cq_assessment_open (s, "bench", case_ref, "placement-review", inst, NULL,
                                                "2026-01-01", &error);
      if (id == NULL)
        g_error ("%s", error->message);
      CqAssessment a = { id, case_ref, (char *) "placement-review", (char *) inst->id,
                         (char *) inst->version, (char *) inst->sha256, NULL, (char *) "initial",
                         (char *) "2026-01-01" };
      g_autoptr (GHashTable) current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint e = 0; e < per; e++)
        {
          guint r = e % 4;
          if (rated[r]->len == 0)
            continue;
          const CqItem *it = rated[r]->pdata[(e / 4) % rated[r]->len];
          CqAnswer an = cq_answer_init (it);
          const CqScale *sc = it->answer.scale;
          an.value = sc->levels[(e + k) % (sc->n_levels - (sc->ordered ? 1 : 0))]->id;
          an.rationale = "Generated rationale.";
          g_autofree char *key = g_strdup_printf ("%s/%s", members[r].id, it->id);
          gint64 prev = (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (current, key));
          gint64 seq = cq_answer_save (s, &a, inst, &members[r], &an, prev,
                                       prev ? "generated change" : NULL, 0, &error);
          if (seq < 0)
            g_error ("%s", error->message);
          g_hash_table_insert (current, g_steal_pointer (&key), GSIZE_TO_POINTER ((gsize) seq));
          events++;
        }
      if (k % 1000 == 999)
        {
          cq_store_bulk_end (s, &error);
          cq_store_bulk_begin (s, &error);
        }
      if (k % 10000 == 9999)
        fprintf (stderr, "  generated %u assessments, %" G_GUINT64_FORMAT " rating events\n",
                 k + 1, events);
    }
  cq_store_bulk_end (s, &error);
  double gen_s = (g_get_monotonic_time () - t0) / 1e6;
  GStatBuf st;
  g_stat (db, &st);
  printf ("store: %u assessments, %" G_GUINT64_FORMAT " rating events, %.1f GB; generated in %.0f s\n",
          n_assess, events, st.st_size / 1e9, gen_s);

  enum { RUNS = 200 };
  double open_case[RUNS], resume[RUNS], append[RUNS], bare[RUNS];
  GRand *rand = g_rand_new_with_seed (3);
  /* Baseline, interleaved with the appends so that both see the same disk:
   * one bare insert with the same durability (WAL, synchronous). */
  g_autofree char *bare_db = g_build_filename (argv[2], "bare.db", NULL);
  sqlite3 *b;
  sqlite3_open (bare_db, &b);
  sqlite3_exec (b, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                   "CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)", NULL, NULL, NULL);
  for (int r = 0; r < RUNS; r++)
    {
      guint k = (guint) g_rand_int_range (rand, 0, (gint32) n_assess);
      char case_ref[32], id[48];
      g_snprintf (case_ref, sizeof case_ref, "K-%u", k / 4);
      g_snprintf (id, sizeof id, "%s-%u", case_ref, k % 4 + 1);

      gint64 a0 = g_get_monotonic_time ();
      g_autoptr (GPtrArray) list = cq_case_assessments (s, case_ref, &error);
      gint64 a1 = g_get_monotonic_time ();
      if (list == NULL || list->len == 0)
        g_error ("case %s: %s", case_ref, error ? error->message : "empty");

      g_autoptr (CqWalker) w = cq_walker_new (s, id, members[1].id, "2026-03-01", NULL, NULL, &error);
      gint64 a2 = g_get_monotonic_time ();
      if (w == NULL)
        g_error ("%s", error->message);

      /* One durable answer: a change of the educator's first item. */
      const CqItem *it = rated[1]->pdata[0];
      gint64 prev = 0;
      cq_store_current (s, id, "answer", it->id, members[1].id, &prev, NULL, NULL);
      CqAnswer an = cq_answer_init (it);
      an.value = r % 2 ? "present" : "absent";
      an.rationale = "Benchmark change.";
      g_autoptr (CqAssessment) a = cq_assessment_get (s, id, NULL);
      gint64 a3 = g_get_monotonic_time ();
      gint64 seq = cq_answer_save (s, a, inst, &members[1], &an, prev, prev ? "benchmark" : NULL, 0,
                                   &error);
      gint64 a4 = g_get_monotonic_time ();
      if (seq < 0)
        g_error ("%s", error->message);
      gint64 a5 = g_get_monotonic_time ();
      sqlite3_exec (b, "INSERT INTO t (payload) VALUES ('{\"value\":\"present\",\"rationale\":\"x\"}')",
                    NULL, NULL, NULL);
      bare[r] = (g_get_monotonic_time () - a5) / 1000.0;
      open_case[r] = (a1 - a0) / 1000.0;
      resume[r] = (a2 - a1) / 1000.0;
      append[r] = (a4 - a3) / 1000.0;
    }

  sqlite3_close (b);
  g_unlink (bare_db);

  printf ("%d random cases and assessments:\n", RUNS);
  stats ("open a case (its assessments)", open_case, RUNS, 0);
  stats ("resume an interview", resume, RUNS, 10);
  stats ("append one durable answer", append, RUNS, 10);
  stats ("baseline: bare durable SQLite insert", bare, RUNS, 0);
  g_rand_free (rand);
  for (guint i = 0; i < 4; i++)
    {
      g_free (members[i].id);
      g_free (members[i].role);
      g_ptr_array_unref (rated[i]);
    }
  return 0;
}
