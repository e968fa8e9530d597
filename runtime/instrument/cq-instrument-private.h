/* SPDX-License-Identifier: EUPL-1.2 */
#pragma once

#include "cq-instrument.h"

/* What an instrument owns besides its public fields. */
typedef struct _CqInstrumentPrivate {
  GStringChunk *strings;
  GPtrArray *allocs; /* g_free'd */
  GPtrArray *arrays; /* GPtrArrays whose pdata the model exposes */
  GHashTable *items, *modules, *domains, *roles, *compartments, *scales, *inferences;
} CqInstrumentPrivate;

CqInstrumentPrivate *cq_instrument_private_new (void);
