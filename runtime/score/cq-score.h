/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Runs an instrument's scoring script on a set of answers. A script returns
 * aide-mémoire indicators and completeness/consistency findings, nothing
 * else: the result has no place for a judgment, a risk level or a
 * placement, and a script that tries to return one fails. */

#include <glib.h>

#include "cq-answers.h"
#include "cq-eval.h"
#include "cq-instrument.h"

G_BEGIN_DECLS

typedef struct {
  char *id;
  char *label;     /* in the language asked for */
  char *note;      /* may be NULL */
  gboolean has_tally;
  gint64 tally;
  GPtrArray *items; /* item ids (char*) */
} CqIndicator;

typedef struct {
  char *kind;
  char *item;    /* may be NULL */
  char *message; /* in the language asked for */
} CqFinding;

typedef struct {
  GPtrArray *indicators;  /* CqIndicator* */
  GPtrArray *findings;    /* CqFinding* */
  GPtrArray *violations;  /* char*: "item: message" for violated constraints */
  GPtrArray *problems;    /* char*: expressions that failed, "file:line: ..." */
  guint relevant;         /* relevant items */
  guint64 instructions;   /* used by the script */
} CqScoreResult;

void cq_score_result_free (CqScoreResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqScoreResult, cq_score_result_free)

/* Evaluates relevance and constraints, then runs the scoring script in a
 * fresh sandbox. Errors (the script fails, loops, runs out of memory,
 * returns something it may not) name the script's file and line. */
CqScoreResult *cq_score_run (const CqInstrument *instrument, const CqAnswers *answers,
                             const char *lang, GError **error);

/* The same with an evaluator the caller already holds. */
CqScoreResult *cq_score_run_with (const CqInstrument *instrument, const CqAnswers *answers,
                                  CqEval *eval, const char *lang, GError **error);

char *cq_score_result_text (const CqScoreResult *r, const CqInstrument *instrument,
                            const CqAnswers *answers, const char *lang);
char *cq_score_result_json (const CqScoreResult *r, const CqInstrument *instrument,
                            const CqAnswers *answers);

G_END_DECLS
