/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* What every benchmark needs: medians and percentiles of timings. */

#include <stdlib.h>

static int
cq_bench_cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Sorts v and returns the value at fraction q (0.5: the median). */
static inline double
cq_bench_quantile (double *v, int n, double q)
{
  qsort (v, (size_t) n, sizeof (double), cq_bench_cmp);
  int i = (int) (q * (n - 1) + 0.5);
  return v[i < n ? i : n - 1];
}
