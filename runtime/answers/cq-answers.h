/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* The answers of one assessment, checked against its instrument: what the
 * walkthrough records, what expressions and scoring scripts read. */

#include <glib.h>

#include "cq-diag.h"
#include "cq-instrument.h"

G_BEGIN_DECLS

#define CQ_ANSWERS_ERROR (cq_answers_error_quark ())
GQuark cq_answers_error_quark (void);

/* Which part of an answer is wrong. */
typedef enum {
  CQ_ANSWERS_ERROR_VALUE,
  CQ_ANSWERS_ERROR_RELEVANCE,
  CQ_ANSWERS_ERROR_RATER,
  CQ_ANSWERS_ERROR_RECORD,
  CQ_ANSWERS_ERROR_EVIDENCE,
  CQ_ANSWERS_ERROR_TEXT,
} CqAnswersError;

typedef struct {
  gboolean supports;  /* else it contradicts the rating */
  gboolean fact;      /* else an assessment */
  CqSource source;
  const char *origin; /* which document, person or sitting; may be NULL */
  const char *date;   /* YYYY-MM-DD or NULL */
  const char *reliability; /* low, moderate, high or NULL */
  const char *statement;
} CqEvidence;

typedef struct {
  const char *field;
  const char *value;
} CqFieldValue;

typedef struct {
  guint n;
  CqFieldValue *values;
} CqRecord;

typedef struct {
  const CqItem *item;
  const char *rater;     /* role id, or NULL */
  const char *value;     /* as given: level/option id(s), number, date, short text */
  const char *relevance; /* ratings */
  const char *text;      /* free text */
  double number;
  guint n_options;       /* choices: the options chosen */
  const char **options;
  guint n_records;
  CqRecord *records;
  const char *rationale;
  const char *missing;   /* with "insufficient information" */
  guint n_evidence;
  CqEvidence *evidence;
  int line;              /* in the file it came from, or 0 */
} CqAnswer;

typedef struct _CqAnswers CqAnswers;

CqAnswers *cq_answers_new (const CqInstrument *instrument, const char *date);
void cq_answers_free (CqAnswers *answers);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqAnswers, cq_answers_free)

const CqInstrument *cq_answers_instrument (const CqAnswers *answers);
const char *cq_answers_date (const CqAnswers *answers);
const char *cq_answers_formulation (const CqAnswers *answers);
/* The protocol walked (an id of the instrument), or NULL: every module.
 * Items of modules outside it are never relevant. Set it before building an
 * evaluator on the answers. */
const char *cq_answers_protocol (const CqAnswers *answers);
void cq_answers_set_protocol (CqAnswers *answers, const char *protocol);
void cq_answers_set_formulation (CqAnswers *answers, const char *text);

/* A blank answer for item, to fill in and put. Strings are copied by put. */
CqAnswer cq_answer_init (const CqItem *item);

/* Checks answer against its item (levels, options, ranges, dates, fields,
 * "insufficient information" with what is missing...) and stores a copy,
 * replacing any earlier answer to the item. */
gboolean cq_answers_put (CqAnswers *answers, const CqAnswer *answer, GError **error);
void cq_answers_remove (CqAnswers *answers, const CqItem *item);
const CqAnswer *cq_answers_get (const CqAnswers *answers, const CqItem *item);
guint cq_answers_count (const CqAnswers *answers);

/* Reads an answers file (docs/answers-format.md). Every problem goes to
 * diags with its position; returns NULL when there is an error. */
CqAnswers *cq_answers_load (const char *path, const CqInstrument *instrument, CqDiags *diags);

/* The same from bytes (standard input, say); name is how messages call it. */
CqAnswers *cq_answers_load_bytes (GBytes *bytes, const char *name, const CqInstrument *instrument,
                                  CqDiags *diags);

/* The same, from an <answers> element of an already parsed file (test
 * cases hold one). Used by the test runner. */
struct _CqXmlFile;
CqAnswers *cq_answers_from_xml (struct _CqXmlFile *f, void *answers_node,
                                const CqInstrument *instrument, CqDiags *diags);

/* Whether s is a date of at least the given precision (YYYY, YYYY-MM,
 * YYYY-MM-DD). */
gboolean cq_date_valid (const char *s, CqDatePrecision precision);

/* Whether the presence level of a rating is at or above level. */
gboolean cq_answer_at_least (const CqAnswer *answer, const char *level);

/* Whether two answers say the same (item, values, texts, records, evidence). */
gboolean cq_answer_same (const CqAnswer *a, const CqAnswer *b);

/* Number of distinct independent sources among the evidence. */
guint cq_answer_independent_sources (const CqAnswer *answer);

G_END_DECLS
