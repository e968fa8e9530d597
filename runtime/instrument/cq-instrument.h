/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* The instrument model: what a methodologist wrote, loaded, validated and
 * immutable from then on. Everything here is read-only for callers; the
 * loader is its only writer. */

#include <glib.h>

#include "cq-diag.h"

G_BEGIN_DECLS

/* Text in several languages: one entry per declared language. */
typedef struct {
  const char *lang;
  const char *text;
} CqTextEntry;

typedef struct {
  guint n;
  const CqTextEntry *entries;
} CqText;

/* The text in lang, else in the instrument's first language; "" if none. */
const char *cq_text_get (const CqText *text, const char *lang);

typedef enum {
  CQ_PROFILE_COMMISSION = 1 << 0,
  CQ_PROFILE_PARTNER = 1 << 1,
  CQ_PROFILE_SUBJECT_ACCESS = 1 << 2,
} CqExportProfile;

typedef enum {
  CQ_SOURCE_INTERVIEW = 1 << 0,
  CQ_SOURCE_OBSERVATION = 1 << 1,
  CQ_SOURCE_FILE = 1 << 2,
  CQ_SOURCE_THIRD_PARTY = 1 << 3,
  CQ_SOURCE_INTELLIGENCE = 1 << 4,
} CqSource;
#define CQ_SOURCE_ALL 0x1f

typedef enum { CQ_VALIDATION_ILLUSTRATIVE, CQ_VALIDATION_PILOT, CQ_VALIDATION_VALIDATED } CqValidation;
typedef enum { CQ_KIND_RISK, CQ_KIND_PROTECTIVE, CQ_KIND_MOTIVATIONAL, CQ_KIND_CONTEXT,
               CQ_KIND_NEED, CQ_KIND_ACCOUNT } CqItemKind;
typedef enum { CQ_TIMEFRAME_HISTORICAL, CQ_TIMEFRAME_CURRENT, CQ_TIMEFRAME_FUTURE } CqTimeframe;
typedef enum { CQ_ANSWER_RATING, CQ_ANSWER_CHOICE, CQ_ANSWER_FREE_TEXT, CQ_ANSWER_NUMBER,
               CQ_ANSWER_DATE, CQ_ANSWER_RECORDS } CqAnswerType;
typedef enum { CQ_DATE_DAY, CQ_DATE_MONTH, CQ_DATE_YEAR } CqDatePrecision;

const char *cq_item_kind_name (CqItemKind kind);
const char *cq_timeframe_name (CqTimeframe timeframe);
const char *cq_answer_type_name (CqAnswerType type);
const char *cq_validation_name (CqValidation validation);
const char *cq_source_name (CqSource source);
const char *cq_profile_name (CqExportProfile profile);

/* Where something was written, for messages. */
typedef struct {
  const char *file; /* path inside the instrument bundle */
  int line;
} CqLocation;

typedef struct {
  const char *id;
  CqText label;
  gboolean insufficient; /* "insufficient information": needs what is missing */
  guint index;           /* position in the scale, lowest first */
} CqLevel;

/* A rating scale (ordered levels) or an option list (unordered). */
typedef struct {
  const char *id;
  gboolean ordered;
  CqText label;
  guint n_levels;
  const CqLevel *const *levels;
} CqScale;

const CqLevel *cq_scale_level (const CqScale *scale, const char *id);

typedef struct {
  const char *id;
  CqText label;
  guint n_reads;
  const char *const *reads; /* compartment ids this role may read */
} CqRole;

typedef struct {
  const char *id;
  CqText label;
  guint exports; /* CqExportProfile bits */
} CqCompartment;

typedef struct {
  const char *id;
  CqText text;
} CqInference;

typedef struct _CqField CqField;

typedef struct {
  CqAnswerType type;
  const CqScale *scale;     /* rating: presence scale; choice: option list */
  const CqScale *relevance; /* rating: optional relevance scale */
  gboolean multiple;        /* choice */
  guint max_length;         /* free text, in characters */
  gboolean has_min, has_max, integer;
  double min, max;          /* number */
  const char *unit;
  CqDatePrecision precision;
  guint records_min, records_max;
  guint n_fields;
  const CqField *const *fields;
} CqAnswerSpec;

struct _CqField {
  const char *id;
  CqText label;
  gboolean required;
  CqAnswerSpec answer;
};

/* A Lua expression; evaluated by the scoring engine. */
typedef struct {
  const char *source;
  CqLocation where;
  guint n_refs;
  const char *const *refs; /* item ids it reads */
} CqExpr;

typedef struct {
  const CqExpr *check;
  CqText message;
} CqConstraint;

typedef struct {
  const char *level;
  CqText text;
} CqGuidance;

typedef struct _CqModule CqModule;
typedef struct _CqDomain CqDomain;
typedef struct _CqItem CqItem;

struct _CqItem {
  const char *id;
  guint index;              /* position in the instrument, from 0 */
  const CqDomain *domain;
  CqItemKind kind;
  CqTimeframe timeframe;
  gboolean dynamic;
  const CqCompartment *compartment;
  guint n_tags;
  const char *const *tags;
  CqText label;
  guint n_raters;
  const CqRole *const *raters;
  CqAnswerSpec answer;
  guint n_prompts;
  const CqText *prompts;
  guint n_guidance;
  const CqGuidance *guidance;
  guint evidence_min, evidence_min_sources;
  guint evidence_sources;   /* CqSource bits accepted */
  CqText evidence_note;
  guint n_inferences;       /* prohibited, including the domain's and module's */
  const CqInference *const *inferences;
  const CqExpr *relevant_when; /* the item's own; see also domain and module */
  guint n_constraints;
  const CqConstraint *constraints;
  CqLocation where;
};

struct _CqDomain {
  const char *id;
  const CqModule *module;
  CqText title, description;
  const CqExpr *relevant_when;
  guint n_items;
  const CqItem *const *items;
  guint n_counterparts;     /* domains holding the protective counterparts of its risk items */
  const CqDomain *const *counterparts;
  CqLocation where;
};

struct _CqModule {
  const char *id;
  CqText title, description;
  const CqExpr *relevant_when;
  guint n_domains;
  const CqDomain *const *domains;
  CqLocation where;
};

typedef struct {
  const char *id;
  CqText title;
  guint n_modules;
  const CqModule *const *modules;
} CqProtocol;

/* One file of the instrument bundle. */
typedef struct {
  const char *path; /* relative to the instrument folder */
  GBytes *bytes;
} CqBundleFile;

typedef struct _CqInstrument CqInstrument;

struct _CqInstrument {
  const char *id;
  const char *version;
  guint n_languages;
  const char *const *languages;
  CqText title, description, validation_note, intended_use, limitations;
  guint n_authors;
  const char *const *authors;
  const char *licence, *licence_spdx;
  CqValidation validation;
  guint n_roles;
  const CqRole *const *roles;
  guint n_compartments;
  const CqCompartment *const *compartments;
  guint n_scales;
  const CqScale *const *scales;
  guint n_inferences;
  const CqInference *const *inferences;
  guint n_modules;
  const CqModule *const *modules;
  guint n_domains;
  const CqDomain *const *domains;
  guint n_items;
  const CqItem *const *items;
  guint n_protocols;
  const CqProtocol *const *protocols;
  guint n_sections;
  const char *const *sections; /* synthesis: module or domain ids, in order */
  const char *scoring_path;    /* relative to the instrument folder */
  const char *scoring_source;
  guint n_files;
  const CqBundleFile *files;   /* sorted by path */
  const char *sha256;          /* of the whole bundle, hex */
  const char *display_path;    /* how the user named the instrument */
  struct _CqInstrumentPrivate *priv;
};

/* Loads and validates the instrument at path (its folder, or its main XML
 * file). Every problem found goes to diags. Returns NULL when there is at
 * least one error. */
CqInstrument *cq_instrument_load (const char *path, CqDiags *diags);
/* The same from a bundle held in memory (one stored in a case store):
 * paths relative to the instrument folder, "instrument.xml" among them;
 * name is how messages name the folder. */
CqInstrument *cq_instrument_load_files (const char *name, guint n, const char *const *paths,
                                        GBytes *const *contents, CqDiags *diags);
void cq_instrument_free (CqInstrument *instrument);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqInstrument, cq_instrument_free)

const CqItem *cq_instrument_item (const CqInstrument *instrument, const char *id);
const CqModule *cq_instrument_module (const CqInstrument *instrument, const char *id);
const CqDomain *cq_instrument_domain (const CqInstrument *instrument, const char *id);
const CqRole *cq_instrument_role (const CqInstrument *instrument, const char *id);
const CqCompartment *cq_instrument_compartment (const CqInstrument *instrument, const char *id);
const CqScale *cq_instrument_scale (const CqInstrument *instrument, const char *id);

/* Whether role rates item. */
gboolean cq_item_rated_by (const CqItem *item, const char *role_id);
gboolean cq_item_has_tag (const CqItem *item, const char *tag);

/* Tags the runtime gives a meaning to. */
#define CQ_TAG_RELIGIOUS_PRACTICE "religious-practice" /* context only, never risk */
#define CQ_TAG_CONCEALMENT "concealment"               /* needs two independent sources */

/* The item ids of the instrument that text cites (borrowed strings). */
GPtrArray *cq_instrument_cited (const CqInstrument *instrument, const char *text);

/* The outline `colloquy show` prints. */
char *cq_instrument_outline (const CqInstrument *instrument, const char *lang);

G_END_DECLS
