/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

#include <lauxlib.h>

#include "cq-sandbox.h"

struct _CqSandbox {
  lua_State *L;
  CqSandboxLimits limits;
  gsize memory_used;
  guint64 used;    /* instructions charged during the current call */
  gboolean killed; /* sticky: once over budget, every instruction fails */
  gboolean out_of_memory;
  char *today;
};

/* The sandbox a state belongs to. */
CqSandbox *cq_sandbox_of (lua_State *L);

/* Charges cost instructions; raises the sticky budget error when over. */
void cq_sandbox_charge (lua_State *L, guint64 cost);

/* Adds the bounded string functions (find, match, gmatch, gsub, rep,
 * format) to the table at index t. Expects Lua's own rep and format on top
 * of the stack (format last) and pops them. */
void cq_sandbox_open_string (lua_State *L, int t);
