/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* The team, cases, assessments, answers, consensus and the commission's
 * decision, over the event log of a case store. Everything here appends
 * events; nothing is updated in place. */

#include <glib.h>

#include "cq-answers.h"
#include "cq-instrument.h"
#include "cq-store.h"

G_BEGIN_DECLS

#define CQ_CASE_ERROR (cq_case_error_quark ())
GQuark cq_case_error_quark (void);

typedef enum {
  CQ_CASE_ERROR_UNKNOWN,   /* no such member, case, assessment, role */
  CQ_CASE_ERROR_INVALID,   /* a value that does not fit */
  CQ_CASE_ERROR_REFUSED,   /* the role may not do this */
  CQ_CASE_ERROR_EXISTS,
} CqCaseError;

typedef struct {
  char *id, *name, *role;
  gboolean disabled;     /* may no longer sign in */
} CqMember;
void cq_member_free (CqMember *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqMember, cq_member_free)

typedef struct {
  char *id;
  char *case_ref;
  char *kind;            /* initial-evaluation, placement-review, pre-release, post-release */
  char *instrument, *version, *sha256, *validation;
  char *protocol;
  char *opened;          /* YYYY-MM-DD */
} CqAssessment;
void cq_assessment_free (CqAssessment *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqAssessment, cq_assessment_free)

extern const char *const cq_assessment_kinds[];

/* Records the deployment (roles and what each may do, judgment levels,
 * placements) from a key file; NULL for the bundled default. */
gboolean cq_team_init (CqStore *s, const char *deployment_path, GError **error);
/* Records a new deployment (the latest one is in force), as actor; refused
 * when a member's role would disappear. Earlier records stay in the chain. */
gboolean cq_team_redeploy (CqStore *s, const char *actor, const char *deployment_path,
                           GError **error);
gboolean cq_team_add (CqStore *s, const char *actor, const char *id, const char *name,
                      const char *role, GError **error);
CqMember *cq_team_member (CqStore *s, const char *id, GError **error);
GPtrArray *cq_team_members (CqStore *s, GError **error); /* CqMember* */
/* Disables a member's sign-in (or enables it again); their records stay. */
gboolean cq_team_set_disabled (CqStore *s, const char *actor, const char *id, gboolean disabled,
                               GError **error);
gboolean cq_team_may (CqStore *s, const char *role, const char *capability);
/* The label in lang (fr or en) of a deployment's role or placement (what:
 * "roles" or "placements"); the id itself when there is none. */
char *cq_team_label (CqStore *s, const char *what, const char *id, const char *lang);
/* The deployment's judgment levels, dimensions and placements. */
char **cq_team_list (CqStore *s, const char *what);

gboolean cq_case_open (CqStore *s, const char *actor, const char *ref, const char *unit,
                       GError **error);
GPtrArray *cq_case_assessments (CqStore *s, const char *case_ref, GError **error);
/* Every case reference, in the order they were opened. */
GPtrArray *cq_case_list (CqStore *s, GError **error); /* char* */

/* Opens an assessment and pins the instrument bundle in the store. Returns
 * its id. */
char *cq_assessment_open (CqStore *s, const char *actor, const char *case_ref, const char *kind,
                          const CqInstrument *instrument, const char *protocol, const char *date,
                          GError **error);
CqAssessment *cq_assessment_get (CqStore *s, const char *id, GError **error);
/* The pinned instrument, exactly as it was when the assessment opened. */
CqInstrument *cq_assessment_instrument (CqStore *s, const CqAssessment *a, GError **error);

/* The current answers of one rater (member id), or, with rater NULL, the
 * team's: the consensus where there is one, else the latest rating. seqs,
 * when given, maps item ids to the event of each answer. */
CqAnswers *cq_assessment_answers (CqStore *s, const CqAssessment *a, const CqInstrument *inst,
                                  const char *rater, GHashTable *seqs, GError **error);

gint64 cq_sitting_open (CqStore *s, const CqAssessment *a, const CqMember *m, const char *date,
                        const char *setting, const char *interpreter, GError **error);

/* Saves one rater's answer durably. To change an earlier answer, give its
 * event (supersedes) and a reason. */
gint64 cq_answer_save (CqStore *s, const CqAssessment *a, const CqInstrument *inst,
                       const CqMember *rater, const CqAnswer *answer, gint64 supersedes,
                       const char *reason, gint64 sitting, GError **error);

gint64 cq_note_add (CqStore *s, const CqAssessment *a, const CqMember *m, const char *item,
                    const char *text, GError **error);

/* Records that member read something (what: "assessment status",
 * "case history"...). Every read goes to the audit chain; FALSE when it
 * could not be recorded (then show nothing). */
gboolean cq_read_record (CqStore *s, const char *actor, const char *what, const char *case_ref,
                     const char *assessment);

/* The raters' current ratings of an item, as "member=value" strings. */
GPtrArray *cq_item_ratings (CqStore *s, const CqAssessment *a, const char *item, GError **error);

/* The team's consensus on an item; the raters who rated otherwise are kept
 * as named dissent. Only a role that may "consensus". */
gint64 cq_consensus_save (CqStore *s, const CqAssessment *a, const CqInstrument *inst,
                          const CqMember *m, const CqAnswer *consensus, const char *reason,
                          GError **error);

typedef struct {
  const char *priority, *seriousness, *imminence; /* the deployment's levels */
  const char *placement;
  const char *support;
  const char *rationale;   /* must cite item ids */
  const char *limitations;
  const char *valid_until, *next_review; /* YYYY-MM-DD */
} CqDecision;

/* The commission's decision: only a role that may "decide"; refused
 * without a rationale citing items of the instrument. */
gint64 cq_decision_record (CqStore *s, const CqAssessment *a, const CqInstrument *inst,
                           const CqMember *m, const CqDecision *d, const char *reason,
                           GError **error);

G_END_DECLS
