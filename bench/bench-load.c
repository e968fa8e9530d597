/* SPDX-License-Identifier: EUPL-1.2 */
/* Benchmark: load + validate instruments, beside a baseline that only
 * parses the same XML with libxml2. Prints medians and the ratio; with
 * --json, one JSON line per instrument (scripts/bench-peers reads them). */
#include <glib.h>
#include <libxml/parser.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "cq-bench.h"
#include "cq-diag.h"
#include "cq-instrument.h"

int
main (int argc, char **argv)
{
  int runs = 15, first = 1;
  gboolean json = FALSE;
  mallopt (M_MXFAST, 0); /* as the colloquy command does */
  for (; first < argc && argv[first][0] == '-'; first++)
    if (g_str_equal (argv[first], "--json"))
      json = TRUE;
    else if (g_str_equal (argv[first], "--runs") && first + 1 < argc)
      {
        int n = atoi (argv[++first]); /* CLAMP evaluates its argument more than once */
        runs = CLAMP (n, 1, 63);
      }
    else
      break;
  if (first >= argc)
    {
      fprintf (stderr, "usage: bench-load [--json] [--runs N] INSTRUMENT-FOLDER...\n");
      return 2;
    }
  if (!json)
    printf ("%-28s %7s %10s %12s %12s %8s\n", "instrument", "items", "size", "parse only",
            "load+valid.", "ratio");
  for (int a = first; a < argc; a++)
    {
      g_autofree char *xml = g_build_filename (argv[a], "instrument.xml", NULL);
      g_autofree char *data = NULL;
      gsize len = 0;
      if (!g_file_get_contents (xml, &data, &len, NULL))
        {
          fprintf (stderr, "bench-load: cannot read %s\n", xml);
          return 1;
        }
      double base[64], full[64], first_load = 0;
      guint items = 0;
      /* Interleaved, so that both see the same machine load. */
      for (int r = 0; r < runs + 1; r++)
        {
          gint64 t0 = g_get_monotonic_time ();
          xmlDocPtr doc = xmlReadMemory (data, (int) len, NULL, "UTF-8", XML_PARSE_NONET);
          gint64 t1 = g_get_monotonic_time ();
          xmlFreeDoc (doc);
          g_autoptr (CqDiags) diags = cq_diags_new ();
          gint64 t2 = g_get_monotonic_time ();
          CqInstrument *inst = cq_instrument_load (argv[a], diags);
          gint64 t3 = g_get_monotonic_time ();
          if (inst == NULL)
            {
              cq_diags_print (diags, stderr, FALSE);
              return 1;
            }
          items = inst->n_items;
          cq_instrument_free (inst);
          if (r == 0)
            {
              first_load = (t3 - t2) / 1000.0; /* the warm-up: a process's first load */
              continue;
            }
          base[r - 1] = (t1 - t0) / 1000.0;
          full[r - 1] = (t3 - t2) / 1000.0;
        }
      double mb = cq_bench_quantile (base, runs, 0.5), mf = cq_bench_quantile (full, runs, 0.5);
      if (json)
        {
          printf ("{\"items\": %u, \"bytes\": %" G_GSIZE_FORMAT ", \"runs\": %d, \"parse\": %.3f, "
                  "\"load\": %.3f, \"first_load\": %.3f}\n", items, len, runs, mb, mf, first_load);
          continue;
        }
      printf ("%-28s %7u %8.1f MB %9.1f ms %9.1f ms %7.2fx\n", argv[a], items, len / 1e6, mb, mf,
              mf / mb);
    }
  return 0;
}
