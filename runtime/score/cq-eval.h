/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Relevance and constraint expressions, evaluated against a set of answers
 * in one sandbox that lives as long as the evaluator. After one answer
 * changes, only the expressions that read it (and, when an item appears or
 * disappears, those that read that item) run again. */

#include <glib.h>

#include "cq-answers.h"
#include "cq-instrument.h"
#include "cq-sandbox.h"

G_BEGIN_DECLS

typedef struct _CqEval CqEval;

/* Compiles every expression of the instrument and evaluates them all. The
 * evaluator reads answers, which the caller keeps and changes; after each
 * change, call cq_eval_changed. */
CqEval *cq_eval_new (const CqInstrument *instrument, const CqAnswers *answers, GError **error);
void cq_eval_free (CqEval *eval);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqEval, cq_eval_free)

/* Whether an item is to be asked: its module's, domain's and own relevance
 * all hold. An expression that fails counts as true (better ask than hide)
 * and is reported by cq_eval_problems. */
gboolean cq_eval_relevant (const CqEval *eval, const CqItem *item);
guint cq_eval_relevant_count (const CqEval *eval);

/* The answer to item unless item is not relevant: what expressions see. */
const CqAnswer *cq_eval_answer (const CqEval *eval, const CqItem *item);

/* After the answer to item was put or removed. Returns the number of
 * expressions evaluated again. */
guint cq_eval_changed (CqEval *eval, const CqItem *item);

/* Evaluates everything again; returns the number of expressions run. */
guint cq_eval_all (CqEval *eval);

/* Checks the constraints of an answered item; each violated one adds its
 * message (in lang) to violations. Returns FALSE when one is violated. */
gboolean cq_eval_check (CqEval *eval, const CqItem *item, const char *lang, GPtrArray *violations);

/* Expressions that failed when last evaluated: "file:line: message". */
const GPtrArray *cq_eval_problems (const CqEval *eval);

/* Registers the answer accessors (value, presence, relevance, answered,
 * selected, count, at_least, days_between) in sb, reading through eval. */
void cq_eval_register (CqEval *eval, CqSandbox *sb);

G_END_DECLS
