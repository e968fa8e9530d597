/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* The walker engine: one team member's walk through an assessment, item by
 * item for their role, in the protocol's order, showing only what is
 * relevant. Front ends (terminal now, web later) render what it says and
 * pass answers back; it knows nothing of either. */

#include <glib.h>

#include "cq-case.h"
#include "cq-eval.h"

G_BEGIN_DECLS

typedef struct _CqWalker CqWalker;

/* Opens a sitting (date, setting, interpreter) for member on assessment
 * and positions the walk at the first item still to rate: resuming weeks
 * later starts exactly where the member stopped. */
CqWalker *cq_walker_new (CqStore *store, const char *assessment, const char *member,
                         const char *date, const char *setting, const char *interpreter,
                         GError **error);
void cq_walker_free (CqWalker *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqWalker, cq_walker_free)

const CqInstrument *cq_walker_instrument (CqWalker *w);
const CqAssessment *cq_walker_assessment (CqWalker *w);
const CqMember *cq_walker_member (CqWalker *w);

/* The item to ask now, or NULL when every relevant item is answered. */
const CqItem *cq_walker_current (CqWalker *w);
/* The member's current answer to item, if any. */
const CqAnswer *cq_walker_answer_of (CqWalker *w, const CqItem *item);

/* Saves the answer to the current item at once and moves on. Changing an
 * earlier answer needs a reason; an identical answer changes nothing. */
gboolean cq_walker_answer (CqWalker *w, const CqAnswer *answer, const char *reason, GError **error);
/* Saves "insufficient information" with what is missing (ratings), or
 * leaves the item for later (other answers), and moves on. */
gboolean cq_walker_skip (CqWalker *w, const char *missing, GError **error);
/* Moves to the first item still to answer from the start of the walk (as
 * when the walk opened); past the end when there is none. */
void cq_walker_resume (CqWalker *w);
/* Moves to the previous relevant item of the walk. */
gboolean cq_walker_back (CqWalker *w);
/* Moves to item (one this member rates). */
gboolean cq_walker_go (CqWalker *w, const CqItem *item);
gboolean cq_walker_note (CqWalker *w, const char *text, GError **error);

typedef struct {
  const CqModule *module;
  guint relevant, answered;
} CqProgress;

/* Progress per module of the protocol, for this member's items. */
GArray *cq_walker_progress (CqWalker *w); /* CqProgress */
/* Items of this walk, answered or not, in order (for review). */
GPtrArray *cq_walker_items (CqWalker *w); /* const CqItem* */
gboolean cq_walker_relevant (CqWalker *w, const CqItem *item);

G_END_DECLS
