/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* Static analysis of the Lua expressions an instrument carries (relevance and
 * constraints): which items they read, names they use that do not exist, and
 * whether they compile. Evaluation lives in the scoring engine. */

#include <glib.h>

G_BEGIN_DECLS

/* Functions an expression calls with a literal item id as first argument. */
typedef enum {
  CQ_ACCESS_VALUE,     /* value("id"): the answer, or nil */
  CQ_ACCESS_PRESENCE,  /* presence("id"): presence level id of a rating */
  CQ_ACCESS_RELEVANCE, /* relevance("id"): relevance level id of a rating */
  CQ_ACCESS_ANSWERED,  /* answered("id"): true once answered */
  CQ_ACCESS_SELECTED,  /* selected("id", "option"): a choice includes option */
  CQ_ACCESS_COUNT,     /* count("id"): number of records or selected options */
  CQ_ACCESS_AT_LEAST,  /* at_least("id", "level"): presence at or above level */
} CqAccess;

const char *cq_access_name (CqAccess access);

/* Every global name an expression may use: the accessors above, the host's
 * helpers and the safe parts of the Lua library. NULL-terminated. */
extern const char *const cq_expr_globals[];

typedef struct {
  CqAccess access;
  char *item;       /* the literal item id */
  gsize item_off;   /* byte offset of the id inside the expression */
  char *level;      /* second literal: option of selected(), level of at_least(),
                       or a literal compared with == / ~=; NULL when none */
  gsize level_off;
} CqExprRef;

typedef struct {
  gsize off;
  char *message;
  char *hint;
} CqExprProblem;

typedef struct {
  GArray *refs;     /* CqExprRef */
  GArray *problems; /* CqExprProblem */
} CqExprScan;

void cq_expr_scan (const char *source, gsize len, CqExprScan *scan);
void cq_expr_scan_clear (CqExprScan *scan);

/* What a scoring script's text shows, for the ethics rules: its string
 * literals and the table keys it writes (`{ key = …}`, `t.key = …`,
 * `["key"] = …`), with byte offsets. */
typedef enum { CQ_SCRIPT_LITERAL, CQ_SCRIPT_KEY } CqScriptTokenKind;
typedef struct {
  CqScriptTokenKind kind;
  char *text;
  gsize off;
} CqScriptToken;
GArray *cq_script_scan (const char *source, gsize len);
void cq_script_scan_free (GArray *tokens);

/* Keys a scoring script may never write (judgment, placement…). */
extern const char *const cq_judgment_keys[];

/* Compiles "return <source>" as a text chunk in a bare Lua state. On failure
 * returns FALSE with Lua's message and the 1-based line inside source. */
typedef struct _CqExprCompiler CqExprCompiler;
CqExprCompiler *cq_expr_compiler_new (void);
void cq_expr_compiler_free (CqExprCompiler *c);
gboolean cq_expr_compile (CqExprCompiler *c, const char *source, gsize len, int *line,
                          char **message);

/* Compiles a whole Lua chunk (a scoring script) as text. */
gboolean cq_lua_chunk_compile (CqExprCompiler *c, const char *source, gsize len, int *line,
                               char **message);

G_END_DECLS
