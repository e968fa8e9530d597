/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

/* A Lua 5.4 state for code an instrument carries: text chunks only, an
 * allow-list of libraries, an instruction budget no pcall can swallow, a
 * memory cap, bounded string building and pattern matching, and nothing
 * that makes a result depend on the machine, the clock or the run. */

#include <glib.h>
#include <lua.h>

G_BEGIN_DECLS

#define CQ_SANDBOX_ERROR (cq_sandbox_error_quark ())
GQuark cq_sandbox_error_quark (void);

typedef enum {
  CQ_SANDBOX_ERROR_SYNTAX,  /* the code does not compile */
  CQ_SANDBOX_ERROR_RUNTIME, /* it raised an error */
  CQ_SANDBOX_ERROR_BUDGET,  /* it ran out of instructions */
  CQ_SANDBOX_ERROR_MEMORY,  /* it ran out of memory */
} CqSandboxError;

typedef struct {
  guint64 instructions; /* per call of cq_sandbox_call */
  gsize memory;         /* bytes, for the state's whole life */
} CqSandboxLimits;

#define CQ_SANDBOX_SCRIPT_LIMITS ((CqSandboxLimits) { 20u * 1000u * 1000u, 64u << 20 })

/* The largest string one library call may build, and the most steps one
 * pattern-matching call may take. */
#define CQ_SANDBOX_MAX_STRING (1u << 20)
#define CQ_SANDBOX_MAX_PATTERN_STEPS 2000000u

typedef struct _CqSandbox CqSandbox;

/* today: the assessment date, YYYY-MM-DD, which scripts see as `today`. */
CqSandbox *cq_sandbox_new (const CqSandboxLimits *limits, const char *today);
void cq_sandbox_free (CqSandbox *sb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CqSandbox, cq_sandbox_free)

lua_State *cq_sandbox_state (CqSandbox *sb);

/* Compiles a text chunk; pushes the function. The chunk name is how errors
 * name the code ("scoring.lua"). */
gboolean cq_sandbox_load (CqSandbox *sb, const char *code, gsize len, const char *chunkname,
                          GError **error);

/* Calls the function below nargs arguments, with a fresh instruction budget
 * and the numeric locale forced to "C". On an error the stack is as before
 * the function was pushed, and error says what happened and where. */
gboolean cq_sandbox_call (CqSandbox *sb, int nargs, int nresults, GError **error);

/* Globals a host adds before running code, e.g. the answer accessors. */
void cq_sandbox_register (CqSandbox *sb, const char *name, lua_CFunction fn, void *data);
/* The data given with cq_sandbox_register, from inside such a function. */
void *cq_sandbox_data (lua_State *L);

/* Instructions used by the last call. */
guint64 cq_sandbox_used (CqSandbox *sb);

/* The sandbox's tostring: no addresses, C-locale numbers. Pushes the text. */
const char *cq_sandbox_tostring (lua_State *L, int idx);

/* Pushes an iterator over t's keys in a fixed order (numbers, then strings,
 * then booleans), as `pairs` does inside the sandbox. */
void cq_sandbox_sorted_keys (lua_State *L, int t);

G_END_DECLS
