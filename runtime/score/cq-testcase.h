/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Instrument test cases: answers in, expected indicators, findings,
 * relevance and constraint violations out (docs/answers-format.md). */

#include <glib.h>

#include "cq-diag.h"
#include "cq-instrument.h"

G_BEGIN_DECLS

typedef struct {
  guint cases;
  guint failed;
  guint uncovered; /* indicators and finding kinds the script names that no case expects */
} CqTestSummary;

/* Runs every .xml file in the tests folder of the instrument at folder, in name order. Each
 * case's outcome goes to report ("PASS name" or the failures, each as
 * file:line: expected ... got ...); files that cannot be read go to diags
 * and count as failures. Then each indicator id and finding kind the scoring
 * script names (as `id = "…"`, `kind = "…"`) that no case expects is
 * reported as "scoring.lua:LINE: indicator 'x' is expected by no test case"
 * and counted in summary->uncovered. Returns TRUE when every case passes. */
gboolean cq_testcase_run_folder (const CqInstrument *instrument, const char *folder,
                                 GString *report, CqDiags *diags, CqTestSummary *summary);

G_END_DECLS
