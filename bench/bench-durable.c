/* SPDX-License-Identifier: EUPL-1.2 */
/* Baseline for the store row of scripts/bench: N bare SQLite inserts, each
 * its own durable transaction, with the case store's durability (WAL,
 * synchronous = FULL), in a fresh process; what any store pays per answer
 * before doing anything of its own. Prints one JSON line. */
#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "cq-bench.h"

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: bench-durable DATABASE INSERTS\n");
      return 2;
    }
  int n = atoi (argv[2]);
  if (n < 1)
    n = 1;
  gint64 t0 = g_get_monotonic_time ();
  sqlite3 *db;
  if (sqlite3_open (argv[1], &db) != SQLITE_OK
      || sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                           "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload TEXT)",
                       NULL, NULL, NULL) != SQLITE_OK)
    {
      fprintf (stderr, "bench-durable: %s: %s\n", argv[1], sqlite3_errmsg (db));
      return 1;
    }
  sqlite3_stmt *st;
  sqlite3_prepare_v2 (db, "INSERT INTO t (payload) VALUES (?)", -1, &st, NULL);
  double *each = g_new (double, n);
  gint64 t1 = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    {
      gint64 a = g_get_monotonic_time ();
      sqlite3_bind_text (st, 1, "{\"value\":\"present\",\"rationale\":\"A fictional rationale.\"}",
                         -1, SQLITE_STATIC);
      if (sqlite3_step (st) != SQLITE_DONE)
        {
          fprintf (stderr, "bench-durable: %s\n", sqlite3_errmsg (db));
          return 1;
        }
      sqlite3_reset (st);
      each[i] = (g_get_monotonic_time () - a) / 1000.0;
    }
  gint64 t2 = g_get_monotonic_time ();
  sqlite3_finalize (st);
  sqlite3_close (db);
  printf ("{\"inserts\": %d, \"open_ms\": %.3f, \"inserts_ms\": %.3f, \"median_ms\": %.3f, "
          "\"per_s\": %.1f}\n", n, (t1 - t0) / 1000.0, (t2 - t1) / 1000.0,
          cq_bench_quantile (each, n, 0.5), n / ((t2 - t1) / 1e6));
  g_free (each);
  return 0;
}
